"""The local blob store, on a real folder: keeping, deleting what the database stopped
naming, and sparing a blob that an upload kept again in the meantime (the race between
the collector and an upload of the same bytes, media/blobs.py)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from microletter.media import LocalBlobs

KEY = "ab" * 32
LONG_AGO = 1_000_000_000  # 2001, in seconds


def staged(blobs: LocalBlobs, data: bytes) -> Path:
    path = blobs.stage()
    path.write_bytes(data)
    return path


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def test_a_blob_nothing_kept_lately_is_deleted(tmp_path: Path) -> None:
    blobs = LocalBlobs(tmp_path)
    blobs.keep(staged(blobs, b"x" * 100), KEY)
    path = blobs.local_path(KEY)
    assert path is not None
    os.utime(path, (LONG_AGO, LONG_AGO))
    assert blobs.delete(KEY, now_ms()) == 100
    assert blobs.local_path(KEY) is None
    assert blobs.delete(KEY, now_ms()) == 0  # gone already
    assert list(blobs.staging.iterdir()) == []


def test_keeping_bytes_that_are_stored_marks_them_kept_and_spares_them(tmp_path: Path) -> None:
    blobs = LocalBlobs(tmp_path)
    blobs.keep(staged(blobs, b"x" * 100), KEY)
    path = blobs.local_path(KEY)
    assert path is not None
    os.utime(path, (LONG_AGO, LONG_AGO))
    cutoff = now_ms() - 1000
    again = staged(blobs, b"x" * 100)
    blobs.keep(again, KEY)  # an upload of the same bytes: it finds them stored
    assert not again.exists()
    assert blobs.delete(KEY, cutoff) is None  # spared: that upload may be committing now
    assert blobs.local_path(KEY) is not None
    assert list(blobs.staging.iterdir()) == []


def test_keeping_bytes_that_were_just_deleted_puts_them_back(tmp_path: Path) -> None:
    blobs = LocalBlobs(tmp_path)
    blobs.keep(staged(blobs, b"x" * 100), KEY)
    path = blobs.local_path(KEY)
    assert path is not None
    os.utime(path, (LONG_AGO, LONG_AGO))
    assert blobs.delete(KEY, now_ms()) == 100
    blobs.keep(staged(blobs, b"x" * 100), KEY)
    assert blobs.local_path(KEY) is not None


def test_free_space_is_measured_where_the_blobs_are(tmp_path: Path) -> None:
    blobs = LocalBlobs(tmp_path)
    stat = os.statvfs(tmp_path)
    assert 0 < blobs.free_bytes() <= stat.f_blocks * stat.f_frsize
