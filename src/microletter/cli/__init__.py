"""The command line: `microletter serve | migrate | config | chat ...`."""

import gc

# Importing the command line (and, in `serve`, the server) makes about a million objects
# that live as long as the process, and next to no garbage: collecting during the imports,
# or all at once after them, took ~50 ms of a cold start of ~0.6 s (issue 21). They are
# moved out of the collector's sight instead (`gc.freeze`, as the server does at start).
collecting = gc.isenabled()
gc.disable()
try:
    from microletter.cli.main import main
finally:
    gc.freeze()
    if collecting:
        gc.enable()

__all__ = ["main"]
