"""`serve --workers`: each child gets exactly the parent's settings, secrets included; a
killed parent's socket folder is swept by the next one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from microletter.cli.workers import RUN_DIR_OWNER, RUN_DIR_PREFIX, child_env, sweep_stale_run_dirs
from microletter.settings import Secret, Settings


def test_a_worker_reads_back_every_setting_of_its_parent() -> None:
    parent = Settings(
        database_url="postgresql://u:pw@db/x",
        bus_url="redis://cache/0",
        workers=3,
        data_dir=Path("/srv/ml"),
        media_secret=Secret("s3cret"),
        trust_proxy=True,
        operators=("root", "chief"),
    )
    env = {k: v for k, v in child_env(parent, 9000).items() if k.startswith("MICROLETTER_")}
    child = Settings.from_env(env)
    assert child == parent.replace(workers=1, reuse_port=True, port=9000)
    assert child.media_secret.reveal() == "s3cret"


def _run_dir(parent: Path, name: str, owner: str | None) -> Path:
    folder = parent / f"{RUN_DIR_PREFIX}{name}"
    folder.mkdir()
    (folder / "writer.sock").write_text("")
    if owner is not None:
        (folder / RUN_DIR_OWNER).write_text(owner)
    return folder


def test_only_the_folders_of_dead_supervisors_are_swept(tmp_path: Path) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = _run_dir(tmp_path, "dead", gone.stdout.strip())
    living = _run_dir(tmp_path, "living", str(os.getpid()))
    unreadable = _run_dir(tmp_path, "unknown", "not a pid")
    ownerless = _run_dir(tmp_path, "starting", None)  # a supervisor between mkdtemp and write
    other = tmp_path / "microletter-bench-x"
    other.mkdir()
    assert sweep_stale_run_dirs(str(tmp_path)) == [str(dead)]
    assert not dead.exists()
    assert living.exists() and unreadable.exists() and ownerless.exists() and other.exists()
