"""One writing process per SQLite file, enforced with an advisory lock next to it.

The writer keeps counters in memory (writetx.py), so a second process writing the same
file would hand out the same seqs. The lock makes that a clear error at start instead.
The kernel releases it when the process ends, however it ends (kill -9 included).
"""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO

from microletter.core.errors import Unavailable


def hold_writer_lock(db_path: str) -> IO[bytes]:
    """Take the lock or raise; keep the returned file open as long as you write."""
    handle = open(Path(db_path).with_suffix(".lock"), "ab")  # noqa: SIM115 - held for life
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise Unavailable(
            f"Another microletter process is writing {db_path}. On SQLite one server process "
            "owns the database; stop the other one, or use PostgreSQL to run several.",
            path=db_path,
        ) from None
    return handle
