"""The domain, pure: ids, values, rules, events, limits and the one error tree. No I/O:
no event loop, clock, randomness, logging or files (tests/unit/test_layers.py)."""
