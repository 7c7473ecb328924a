"""Cold start stays cheap (issue 21): what `microletter serve` imports, and what a server
on an existing database has loaded once it listens, leave out the heavy modules that only
some requests need (images, video, payments' crypto, speech, QR codes, the migration
tooling, the API docs' templates). Each check runs in a fresh interpreter, so what the
test process already imported cannot hide a regression."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

# Loaded on first use: by a decoder process, a payment, a voice transcript, a QR code, a
# migration (only when the database is behind), the /docs page, an upload, a protocol
# XML document, or a PostgreSQL / Redis deployment.
HEAVY = (
    "PIL",
    "av",
    "cryptography",
    "pocketsphinx",
    "segno",
    "alembic",
    "sqlalchemy",
    "swagger_ui",
    "jinja2",
    "defusedxml",
    "filetype",
    "wechatpy",
    "asyncpg",
    "redis",
)

REPORT = """
import json, sys
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(sys.argv[1:]))
print(json.dumps(heavy))
"""


def loaded(script: str, tmp_path: Path) -> list[str]:
    """The HEAVY modules loaded after `script` ran in a fresh interpreter."""
    source = tmp_path / "probe.py"
    source.write_text(textwrap.dedent(script) + REPORT)
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(source), *HEAVY],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    heavy: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return heavy


def test_importing_the_server_loads_no_heavy_module(tmp_path: Path) -> None:
    script = """
    import microletter.app
    import microletter.cli.main
    """
    assert loaded(script, tmp_path) == []


def test_a_server_started_on_an_existing_database_loads_no_heavy_module(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    # The first start migrates (Alembic, SQLAlchemy): done beforehand, in another process.
    migrate = f"""
    from microletter.storage.migrate import migrate_sqlite
    migrate_sqlite({str(data / "microletter.db")!r})
    """
    assert "alembic" in loaded(migrate, tmp_path)
    start = f"""
    import asyncio
    from pathlib import Path

    from microletter.app import Server
    from microletter.settings import Settings

    async def main() -> None:
        settings = Settings.from_env({{}}, data_dir=Path({str(data)!r}), port=0)
        server = Server(settings)
        await server.start()
        await server.stop()

    asyncio.run(main())
    """
    assert loaded(start, tmp_path) == []
