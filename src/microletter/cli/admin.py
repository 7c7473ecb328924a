"""`microletter admin ...`: move a community between databases and back it up.

microletter admin export dump.mlt                    # from the configured database
MICROLETTER_DATABASE_URL=postgresql://... microletter admin import dump.mlt
microletter admin backup backups/                     # online, consistent, either backend
microletter admin collect-media                       # delete unsent uploads and unused blobs now
microletter admin reconcile                           # check the wallet's ledger (exit 1 if wrong)
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import click
from click._termui_impl import ProgressBar

from microletter.settings import Settings, SettingsError, mask_url

if TYPE_CHECKING:
    from microletter.actions.collector import Collected
    from microletter.merchant import Finding
    from microletter.wallet import Reconciliation


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
    from microletter.search import DERIVED
    from microletter.storage import transfer

    # The search index is left out: it is made of the messages, and rebuilt by `import`.
    async with transfer.Source(url, DERIVED) as source:
        bar.length = sum([await source.count(t) for t in source.tables])
    return await transfer.dump(url, out, bar.update, DERIVED)


def _rebuild_search(url: str) -> int:
    """Index every message of the database at `url` for search (after an import)."""

    async def rebuild(bar: ProgressBar[int]) -> int:
        from microletter.core.ids import IdGenerator
        from microletter.core.limits import Limits
        from microletter.search import SearchStore
        from microletter.storage import open_database

        db = await open_database(url, IdGenerator(0), Limits(), pool_size=2)
        try:
            finder = SearchStore(db)
            db.add_index(finder.index)
            bar.length = await finder.messages()
            return await finder.rebuild(bar.update)
        finally:
            await db.close()

    with _progress(0, "indexing for search") as bar:
        return asyncio.run(rebuild(bar))


@click.group()
def admin() -> None:
    """Operator commands: export, import and backup a community's data; collect media."""


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
    migrated if needed). Nothing is written unless every row loads. Then the search index
    is rebuilt from the messages (dumps leave it out)."""
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
    indexed = _rebuild_search(url)
    click.echo(f"{indexed} messages indexed for search")


@admin.command(name="reindex")
@click.option("--database-url", help="Reindex this database (default: the configured one).")
def reindex(database_url: str | None) -> None:
    """Rebuild the search index of message history from the messages (the server does it
    by itself at start when the index is missing or of an older version). On SQLite stop
    the server first (one process writes the database)."""
    indexed = _rebuild_search(_url(database_url))
    click.echo(f"{indexed} messages indexed for search")


@admin.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--database-url", help="Back up this database (default: the configured one).")
def backup(folder: Path, database_url: str | None) -> None:
    """Write a consistent backup of the running server's database to FOLDER, as
    microletter-<UTC time>.mlt; restore it with `microletter admin import`."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    _dump(_url(database_url), folder / f"microletter-{stamp}.mlt", "backing up")


@admin.command(name="collect-media")
@click.option("--database-url", help="Collect on this database (default: the configured one).")
def collect_media(database_url: str | None) -> None:
    """Delete now, in one whole pass, what the server's collector deletes by itself every
    MICROLETTER_MEDIA_GC_INTERVAL_SECONDS: uploads nothing refers to after
    MICROLETTER_MEDIA_UPLOAD_TTL_SECONDS, and blobs nothing refers to any more (from the
    database and from MICROLETTER_MEDIA_URL). On PostgreSQL it may run beside the servers;
    on SQLite stop the server first (one process writes the database)."""
    try:
        settings = Settings.from_env(os.environ, database_url=database_url)
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None
    from microletter.core.errors import MicroletterError

    try:
        done = asyncio.run(_collect(settings))
    except MicroletterError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(
        f"{done.uploads_expired} uploads expired, {done.blobs_collected} blobs collected,"
        f" {done.bytes_freed} bytes freed; {done.blobs} blobs of {done.bytes} bytes stored"
    )


async def _collect(settings: Settings) -> Collected:
    from microletter.actions.collector import Collector
    from microletter.actions.context import wall_clock
    from microletter.app import media_referrers
    from microletter.core.ids import IdGenerator
    from microletter.media import open_blobs
    from microletter.metrics import Metrics
    from microletter.storage import open_store

    url = settings.effective_database_url
    store = await open_store(url, IdGenerator(settings.node_id), settings.limits)
    try:
        collector = Collector(
            store,
            open_blobs(settings.effective_media_url),
            settings.retention,
            media_referrers(settings),
            Metrics(),
            wall_clock,
            store.db.lease("media-collector"),
            0,
        )

        def progress(run: Collected) -> None:
            click.echo(f"  {run.blobs_collected} blobs collected", err=True)

        return await collector.run_pass(progress)
    finally:
        await store.close()


@admin.command()
@click.option("--database-url", help="Check this database (default: the configured one).")
def reconcile(database_url: str | None) -> None:
    """Check the wallet's ledger: every transaction's postings sum to zero and every
    balance is the sum of its postings; and the merchants' accounts: every shop's
    pending money, the cover and credit pools and every credit line against the orders,
    claims, fundings, draws and repayments that explain them. Reads without any lock,
    so it runs beside the server, on SQLite too. Prints a summary; exits 1 on any
    mismatch."""
    url = _url(database_url)
    result, findings = asyncio.run(_reconcile(url))
    state = "OK" if result.ok else f"{len(result.mismatches)} MISMATCHES"
    click.echo(
        f"ledger {state}: {result.transactions} transactions, {result.postings} postings,"
        f" {result.accounts} accounts in {mask_url(url)}"
    )
    for m in result.mismatches:
        click.echo(f"  {m.what} {m.subject}: expected {m.expected}, found {m.found}")
    state = "OK" if not findings else f"{len(findings)} MISMATCHES"
    click.echo(f"merchants {state}: pending, cover pool, credit pool and credit lines")
    for f in findings:
        click.echo(f"  {f.what} {f.subject}: expected {f.expected}, found {f.found}")
    if not result.ok or findings:
        sys.exit(1)


async def _reconcile(url: str) -> tuple[Reconciliation, list[Finding]]:
    from microletter.merchant import reconcile_rooms
    from microletter.storage import read_only
    from microletter.wallet import reconcile_ledger

    async with read_only(url) as db:
        return await reconcile_ledger(db), await reconcile_rooms(db)
