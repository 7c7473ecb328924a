"""The open platform's values and rules, pure like the core: official accounts and their
credentials, following and broadcasts, menus, OAuth grants. No I/O (tests/unit/
test_layers.py holds them to the core's rules)."""
