"""`microletter admin ...`: move a community between databases and back it up.

microletter admin export dump.mlt                    # from the configured database
MICROLETTER_DATABASE_URL=postgresql://... microletter admin import dump.mlt
microletter admin backup backups/                     # online, consistent, either backend
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import BinaryIO

import click
from click._termui_impl import ProgressBar

from microletter.settings import Settings, SettingsError, mask_url


def _url(database_url: str | None) -> str:
    try:
        settings = Settings.from_env(os.environ, database_url=database_url)
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None
    return settings.effective_database_url


def _dump(url: str, path: Path, label: str) -> None:
    with path.open("wb") as out, _progress(0, label) as bar:
        counts = asyncio.run(_dump_counted(url, out, bar))
    total = sum(counts.values())
    click.echo(f"{total} rows of {len(counts)} tables from {mask_url(url)} to {path}")


def _progress(total: int, label: str) -> ProgressBar[int]:
    """A progress bar on stderr (stdout keeps the one-line summary)."""
    bar: ProgressBar[int] = click.progressbar(
        length=total, label=label, show_pos=True, file=sys.stderr
    )
    return bar


async def _dump_counted(url: str, out: BinaryIO, bar: ProgressBar[int]) -> dict[str, int]:
    from microletter.storage import transfer

    async with transfer.Source(url) as source:
        bar.length = sum([await source.count(t) for t in source.tables])
    return await transfer.dump(url, out, bar.update)


@click.group()
def admin() -> None:
    """Operator commands: export, import and backup a community's data."""


@admin.command(name="export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--database-url", help="Read from this database (default: the configured one).")
def export_(path: Path, database_url: str | None) -> None:
    """Write every user, device, contact, conversation, message and update log to PATH.

    The dump is one consistent snapshot, read while the server keeps running; `import`
    loads it into an empty database of either kind (SQLite or PostgreSQL), and every
    login and device cursor stays valid there."""
    _dump(_url(database_url), path, "exporting")


@admin.command(name="import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--database-url", help="Load into this database (default: the configured one).")
def import_(path: Path, database_url: str | None) -> None:
    """Load a dump made by `export` or `backup` into an empty database (created and
    migrated if needed). Nothing is written unless every row loads."""
    from microletter.storage import transfer

    url = _url(database_url)
    try:
        with path.open("rb") as inp:
            total = sum(transfer.expected_rows(inp).values())
        with path.open("rb") as inp, _progress(total, "importing") as bar:
            counts = asyncio.run(transfer.load(url, inp, bar.update))
    except transfer.TransferError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{sum(counts.values())} rows of {len(counts)} tables into {mask_url(url)}")


@admin.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--database-url", help="Back up this database (default: the configured one).")
def backup(folder: Path, database_url: str | None) -> None:
    """Write a consistent backup of the running server's database to FOLDER, as
    microletter-<UTC time>.mlt; restore it with `microletter admin import`."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    _dump(_url(database_url), folder / f"microletter-{stamp}.mlt", "backing up")
