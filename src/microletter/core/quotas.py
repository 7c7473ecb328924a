"""Storage, pure: how much room each user's uploads may take, how long an unsent upload
is kept, and when the server stops taking uploads because its disk is nearly full.

A blob counts against every user who uploaded it, for as long as their upload is kept:
storing the same bytes once is the server's saving, not the user's. An upload is kept
while anything else refers to its blob (a message, an avatar, a broadcast, ...); one that
nothing else refers to expires `upload_ttl_ms` after it was last made. No I/O here: the
caller measures the disk and the usage and passes them in.
"""

from __future__ import annotations

from dataclasses import dataclass

from microletter.core.errors import QuotaExceeded, StorageFull
from microletter.core.media import MediaId

GIB = 1024**3


@dataclass(frozen=True, slots=True)
class Retention:
    """The operator's storage settings (see settings.py): 0 turns a limit off."""

    quota_bytes: int = 5 * GIB  # per user: the blobs of the uploads kept for them
    min_free_bytes: int = 1 * GIB  # uploads are refused below this much free disk
    upload_ttl_ms: int = 86_400_000  # an upload nothing else refers to expires after this
    grace_ms: int = 3_600_000  # a blob stored or uploaded this recently is never collected
    batch: int = 500  # uploads and blobs the collector looks at per step

    @property
    def quota(self) -> int | None:
        return self.quota_bytes or None


@dataclass(frozen=True, slots=True)
class Sweep:
    """One step of the collector over a page of blob ids: the rows it removed, the blobs
    it removed them of, and where the next step starts (None: from the beginning)."""

    removed: int
    ids: tuple[MediaId, ...]
    resume_after: MediaId | None


def check_quota(used: int, adding: int, quota: int | None) -> None:
    """Refuse `adding` bytes on top of `used` if that passes the quota (None: none)."""
    if quota is not None and used + adding > quota:
        raise QuotaExceeded(
            f"Your storage quota is {quota} bytes and your uploads take {used};"
            f" this one needs {adding} more. Uploads you never send are deleted after a while.",
            quota_bytes=quota,
            used_bytes=used,
            size=adding,
        )


def check_free_disk(free: int, needed: int, min_free: int) -> None:
    """Refuse an upload of `needed` bytes if it would leave less than `min_free` free."""
    if min_free and free - needed < min_free:
        raise StorageFull(min_free_bytes=min_free)
