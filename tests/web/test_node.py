"""The web client's modules tested without a browser: runs node's test runner on
tests/web/*.test.js (store.js and outbox.js with their storage and network given to them)
and fails with its report when any of them fails. Without node the test is skipped, or
fails when MICROLETTER_REQUIRE_SERVICES=1 (CI), like a missing database."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.support import services

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def test_store_and_outbox_pass_their_node_tests() -> None:
    node = shutil.which("node")
    if node is None:
        services.unavailable(
            "node", "not on PATH (scripts/install --test installs Debian's nodejs)"
        )
        return
    files = sorted(str(p.relative_to(ROOT)) for p in HERE.glob("*.test.js"))
    assert files, "no tests/web/*.test.js found"
    run = subprocess.run(
        [node, "--test", "--test-reporter=spec", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0, f"node --test failed:\n{report}"
    # Each file ran, and something in it: a runner that found no test exits 0 too.
    assert "ℹ pass 0" not in report, report
    assert "ℹ fail 0" in report, report
