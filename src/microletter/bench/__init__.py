"""`microletter bench`: measure a server under open-loop load (see runner.py)."""

from microletter.bench.runner import SCENARIOS, Options, run
from microletter.bench.stats import Report, Step

__all__ = ["SCENARIOS", "Options", "Report", "Step", "run"]
