"""Latency percentiles and the report: a table for people, JSON for machines."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


class Measured:
    """The measured stretch of a closed-loop run: the clients keep working until `stop`,
    what began from `start` on (after the warm-up) counts, and failures are counted by
    error code."""

    def __init__(self, warmup: float, seconds: float) -> None:
        self.start = time.perf_counter() + warmup
        self.stop = self.start + seconds
        self.errors: dict[str, int] = {}

    def running(self) -> bool:
        return time.perf_counter() < self.stop

    def counts(self, began: float) -> bool:
        return began >= self.start

    def failed(self, code: str) -> None:
        self.errors[code] = self.errors.get(code, 0) + 1

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def percentiles(samples: Sequence[float]) -> dict[str, float | None]:
    """p50/p90/p99/max in milliseconds (samples are seconds)."""
    if not samples:
        return {"p50": None, "p90": None, "p99": None, "max": None}
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)] * 1000, 2)

    return {"p50": at(0.50), "p90": at(0.90), "p99": at(0.99), "max": round(ordered[-1] * 1000, 2)}


@dataclass
class Step:
    """One measured window at one offered rate."""

    offered_rate: float
    seconds: float
    sends: int = 0
    acks: int = 0
    deliveries: int = 0
    expected_deliveries: int = 0
    errors: int = 0
    ack_ms: dict[str, float | None] = field(default_factory=dict)
    e2e_ms: dict[str, float | None] = field(default_factory=dict)
    server_cpu: float | None = None  # cores busy, on average (every process of the server)
    # with --workers: cores busy per role (writer, gateways, supervisor), on average
    server_cpu_roles: dict[str, float] = field(default_factory=dict)
    loadgen_cpu: float | None = None
    machine_cpu: float | None = None
    server_rss_kib: int | None = None
    bytes_per_delivery: float | None = None
    bytes_per_message: float | None = None
    passed: bool = False

    @property
    def sends_per_s(self) -> float:
        return self.acks / self.seconds if self.seconds else 0.0

    @property
    def deliveries_per_s(self) -> float:
        return self.deliveries / self.seconds if self.seconds else 0.0

    @property
    def server_us_per_send(self) -> float | None:
        """The server's CPU per message sent in the window, in microseconds (all its
        threads: the event loop, the commit thread, the readers)."""
        if self.server_cpu is None or not self.sends:
            return None
        return self.server_cpu * self.seconds * 1e6 / self.sends

    @property
    def delivered_ratio(self) -> float:
        return self.deliveries / self.expected_deliveries if self.expected_deliveries else 1.0

    def role_us_per_send(self) -> dict[str, float]:
        """With --workers: each role's CPU per message sent, in microseconds."""
        if not self.sends:
            return {}
        scale = self.seconds * 1e6 / self.sends
        return {role: round(cores * scale, 1) for role, cores in self.server_cpu_roles.items()}

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            role_us_per_send=self.role_us_per_send(),
            sends_per_s=round(self.sends_per_s, 1),
            deliveries_per_s=round(self.deliveries_per_s, 1),
            delivered_ratio=round(self.delivered_ratio, 5),
            server_us_per_send=_round(self.server_us_per_send),
        )
        return data


@dataclass
class Report:
    scenario: str
    machine: dict[str, Any]
    settings: dict[str, Any]
    steps: list[Step] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # scenario-specific results
    best: Step | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "machine": self.machine,
            "settings": self.settings,
            "facts": self.facts,
            "steps": [s.to_json() for s in self.steps],
            "best": self.best.to_json() if self.best else None,
        }

    def write(self, path: str) -> None:
        with open(path, "w") as f:
            json.dump(self.to_json(), f, indent=2)

    def table(self) -> str:
        lines = [f"scenario: {self.scenario}"]
        for key, value in self.facts.items():
            lines.append(f"  {key}: {value}")
        if self.steps:
            header = (
                f"{'offered/s':>10} {'sends/s':>9} {'deliv/s':>9} {'ack p50/p99/max ms':>22} "
                f"{'e2e p50/p99/max ms':>22} {'err':>4} {'deliv%':>7} {'srvCPU':>6} "
                f"{'genCPU':>6} {'RSS MiB':>7} {'B/deliv':>7} {'us/send':>7}  ok"
            )
            lines.append(header)
            for s in self.steps:
                mark = "*" if s is self.best else (" " if s.passed else "x")
                lines.append(
                    f"{s.offered_rate:>10.0f} {s.sends_per_s:>9.0f} {s.deliveries_per_s:>9.0f} "
                    f"{_lat(s.ack_ms):>22} {_lat(s.e2e_ms):>22} {s.errors:>4} "
                    f"{s.delivered_ratio * 100:>6.2f}% {_num(s.server_cpu):>6} "
                    f"{_num(s.loadgen_cpu):>6} {_mib(s.server_rss_kib):>7} "
                    f"{_num(s.bytes_per_delivery, 0):>7} {_num(s.server_us_per_send, 0):>7}  {mark}"
                )
                if s.server_cpu_roles:
                    roles = s.role_us_per_send()
                    lines.append(
                        f"{'':>10} us/send by process: "
                        + ", ".join(f"{role} {us:.0f}" for role, us in roles.items())
                    )
        return "\n".join(lines)


def _lat(p: dict[str, float | None]) -> str:
    if not p or p.get("p50") is None:
        return "-"
    return f"{p['p50']:.1f}/{p['p99']:.1f}/{p['max']:.0f}"


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _mib(kib: int | None) -> str:
    return "-" if kib is None else f"{kib / 1024:.0f}"
