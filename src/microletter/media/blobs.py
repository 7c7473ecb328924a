"""Blobs on the local disk, content-addressed: <root>/ab/cd/<key> where <key> starts with
the sha256 hex of the bytes. Staging files live in <root>/staging (the same filesystem, so
keeping one is an atomic rename). No decoding here, and no database.

Deleting races with keeping the same bytes again: the collector deletes a blob after the
database stopped naming it, while an upload of the same bytes may have found the file in
place (and so kept nothing) and not yet committed the row that names it again. So `keep`
touches the file it finds, and `delete` first moves the file aside (atomically) and looks
at its time: touched since the collector's cut-off, it goes back. Whichever of the two
comes first on the file, the upload's row ends up with a file.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)

KEY_RE = re.compile(r"[0-9a-f]{64}(\.[a-z]+)?")
STALE_SECONDS = 24 * 3600  # staging files this old were left by a crash


class LocalBlobs:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.staging = root / "staging"
        self.staging.mkdir(parents=True, exist_ok=True)
        self._sweep()

    def stage(self) -> Path:
        fd, name = tempfile.mkstemp(dir=self.staging, prefix="up-")
        os.close(fd)
        return Path(name)

    def keep(self, staged: Path, key: str) -> None:
        target = self._path(key)
        try:  # the same bytes are stored already: mark them as kept now (see above)
            os.utime(target)
        except FileNotFoundError:
            pass
        else:
            staged.unlink(missing_ok=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        with staged.open("rb+") as f:  # on disk before the database points at it
            os.fsync(f.fileno())
        os.chmod(staged, 0o644)
        os.replace(staged, target)
        _fsync_dir(target.parent)

    def discard(self, staged: Path) -> None:
        staged.unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str, unless_kept_after: int) -> int | None:
        target = self._path(key)
        aside = self.staging / f"gone-{key}-{os.urandom(4).hex()}"
        try:
            os.rename(target, aside)
        except FileNotFoundError:
            return 0
        stat = aside.stat()
        if stat.st_mtime_ns // 1_000_000 >= unless_kept_after:  # an upload kept it meanwhile
            os.replace(aside, target)  # the same bytes, if that upload put a copy back
            log.info("media.blob_spared", extra={"key": key})
            return None
        aside.unlink()
        return stat.st_size

    def free_bytes(self) -> int:
        return free_bytes(self.root)

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None

    def _path(self, key: str) -> Path:
        if not KEY_RE.fullmatch(key):
            raise ValueError(f"not a blob key: {key!r}")
        return self.root / key[:2] / key[2:4] / key

    def _sweep(self) -> None:
        """Remove staging files left behind by a process that died mid-upload."""
        cutoff = time.time() - STALE_SECONDS
        for path in self.staging.iterdir():
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    log.info("media.stale_staging_removed", extra={"file": path.name})
            except FileNotFoundError:
                pass


def free_bytes(path: Path) -> int:
    """Free space on the filesystem of `path`, as an unprivileged process may use it."""
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
