from microletter.cli import main

main()
