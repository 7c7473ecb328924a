"""The command line: `microletter serve | migrate | config | chat ...`."""

from microletter.cli.main import main

__all__ = ["main"]
