"""`serve --workers`: each child gets exactly the parent's settings, secrets included."""

from __future__ import annotations

from pathlib import Path

from microletter.cli.workers import child_env
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
