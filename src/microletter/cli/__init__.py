"""The command line: `microletter serve | migrate | config | chat ...`."""

import gc

# Importing the command line (and, in `serve`, the server) makes about a million objects
# that all live on, and no garbage: the collector's passes over them took ~55 ms of a
# cold start of ~0.6 s (issue 21). It runs again as soon as the imports are done.
collecting = gc.isenabled()
gc.disable()
try:
    from microletter.cli.main import main
finally:
    if collecting:
        gc.enable()

__all__ = ["main"]
