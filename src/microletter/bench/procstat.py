"""CPU time and memory of a process, read from /proc (Linux)."""

from __future__ import annotations

import os
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process (its threads included) has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) in KiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def machine_cpu_seconds() -> float:
    """All CPUs' busy seconds (for the whole-machine load over a window)."""
    parts = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(p) for p in parts]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / _TICKS


def tree(pid: int) -> list[int]:
    """`pid` and its descendants (a server and its decoder processes) that are alive now."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def tree_peak_kib(pid: int) -> int:
    """The sum of the peak resident memory (VmHWM) of `pid` and its live descendants."""
    total = 0
    for member in tree(pid):
        try:
            total += memory_kib(member).get("VmHWM", 0)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds used by `pid` and its descendants: the live ones, and those that ended
    and were reaped (counted in their parent's cutime and cstime)."""
    total = 0.0
    for member in tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += sum(int(f) for f in fields[11:15]) / _TICKS
    return total


def role_cpu_seconds(pid: int) -> dict[str, float]:
    """CPU seconds of a `serve --workers N` tree by role: the supervisor `pid`, its
    `writer` child (SQLite) and its gateway children (with their own descendants)."""
    roles = {"supervisor": 0.0, "writer": 0.0, "gateways": 0.0}
    try:
        roles["supervisor"] = cpu_seconds(pid)
        children = [
            int(c)
            for task in Path(f"/proc/{pid}/task").iterdir()
            for c in (task / "children").read_text().split()
        ]
    except (FileNotFoundError, ProcessLookupError):
        return roles
    for child in children:
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError):
            continue
        role = "writer" if b"writer" in cmdline else "gateways"
        roles[role] += tree_cpu_seconds(child)
    return roles
