"""The command line: `microletter serve | migrate | config | chat ...`."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from dataclasses import fields
from pathlib import Path

import click

from microletter import __version__
from microletter.cli.admin import admin
from microletter.cli.bots import bots
from microletter.cli.chat import chat
from microletter.cli.moderation import moderation
from microletter.cli.wallet import funding, wallet
from microletter.settings import Settings, SettingsError
from microletter.setup import OperatorSetup, setup_link


def _settings(**overrides: object) -> Settings:
    try:
        return Settings.from_env(os.environ, **overrides)
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="microletter")
def main() -> None:
    """microletter: a self-hostable messaging super-app.

    Settings come from MICROLETTER_* environment variables (see `microletter config`);
    command-line flags win over them."""


@main.command()
@click.option("--host", help="Address to listen on (default 127.0.0.1; 0.0.0.0 for all).")
@click.option("--port", type=int, help="Port for HTTP and WebSocket (default 8080; 0 = any free).")
@click.option(
    "--data", "data_dir", type=click.Path(path_type=Path), help="Data folder (default ./data)."
)
@click.option("--database-url", help="sqlite:///path (default: <data>/microletter.db).")
@click.option("--log-format", type=click.Choice(["auto", "json", "text"]), help="Log format.")
@click.option(
    "--workers",
    type=click.IntRange(1, 16),
    help="Server processes sharing the port (default 1; on SQLite one more owns the writer).",
)
def serve(
    host: str | None,
    port: int | None,
    data_dir: Path | None,
    database_url: str | None,
    log_format: str | None,
    workers: int | None,
) -> None:
    """Run the server (creates and migrates its database on first start).

    With --workers N, N processes share one port: on SQLite one more process owns the
    writer and serves them; on MICROLETTER_DATABASE_URL=postgresql://... they need
    MICROLETTER_BUS_URL=redis://... Several `serve` on other ports or machines with the
    same PostgreSQL and Redis make a cluster."""
    collecting = gc.isenabled()
    gc.disable()  # as in cli/__init__.py: the server's modules live as long as it does
    try:
        from microletter import app, log
    finally:
        gc.freeze()
        if collecting:
            gc.enable()

    settings = _settings(
        host=host,
        port=port,
        data_dir=data_dir,
        database_url=database_url,
        log_format=log_format,
        workers=workers,
    )
    log.setup(settings.log_format, settings.log_level)
    if settings.workers > 1:
        from microletter.cli import workers as supervisor

        def announce_all(url: str, count: int) -> None:
            click.echo(f"microletter {__version__} is running at {url} ({count} workers)")
            click.echo(f"  data: {settings.redacted()['database_url']}  ·  API docs: {url}/docs")
            token = OperatorSetup(settings.data_dir).pending()  # the children made it
            if token is not None:
                click.echo(setup_notice(setup_link(settings.public_url or url, token)))
            sys.stdout.flush()

        sys.exit(supervisor.run(settings, announce_all))

    if settings.reuse_port:  # a child of `serve --workers N`
        from microletter.cli import workers as supervisor

        supervisor.die_with_parent()

    def announce(server: app.Server) -> None:
        click.echo(f"microletter {__version__} is running at {server.url}")
        click.echo(f"  data: {settings.redacted()['database_url']}  ·  API docs: {server.url}/docs")
        if server.setup_link is not None and not settings.reuse_port:  # workers: the parent
            click.echo(setup_notice(server.setup_link))
        sys.stdout.flush()

    from microletter.core.errors import Unavailable

    try:
        app.run(settings, announce)
    except Unavailable as exc:  # the database or bus cannot be reached at start
        raise click.ClickException(exc.message) from None


@main.command(hidden=True)
def writer() -> None:
    """The writer process of `serve --workers N` on SQLite (started by serve itself)."""
    from microletter import app, log
    from microletter.cli import workers as supervisor

    settings = _settings()
    if not settings.writer_socket or not settings.is_sqlite:
        raise click.UsageError("`writer` is started by `serve --workers N` on SQLite")
    log.setup(settings.log_format, settings.log_level)
    supervisor.die_with_parent()
    app.tune_gc()
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows
        sys.exit(asyncio.run(supervisor.serve_writer(settings)))
    sys.exit(uvloop.run(supervisor.serve_writer(settings)))


def setup_notice(link: str) -> str:
    return (
        "  no operator account yet: create it (once) at\n"
        f"    {link}\n"
        "  (MICROLETTER_OPERATORS names are reserved; this link works until it is used)"
    )


@main.command()
@click.option("--data", "data_dir", type=click.Path(path_type=Path), help="Data folder.")
def migrate(data_dir: Path | None) -> None:
    """Create or upgrade the database schema (SQLite or PostgreSQL), then exit."""
    import asyncio

    from microletter.core.errors import MicroletterError
    from microletter.settings import mask_url
    from microletter.storage import sqlite_path
    from microletter.storage.migrate import HEAD, migrate_postgres, migrate_sqlite
    from microletter.storage.sqlite.lock import hold_writer_lock

    settings = _settings(data_dir=data_dir)
    url = settings.effective_database_url
    if url.startswith(("postgresql:", "postgres:")):
        applied = asyncio.run(migrate_postgres(url))  # an advisory lock orders migrators
    else:
        path = Path(sqlite_path(url))
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            lock = hold_writer_lock(str(path))
        except MicroletterError as exc:
            raise click.ClickException(exc.message) from None
        with lock:
            applied = migrate_sqlite(str(path))
    click.echo(f"{'migrated' if applied else 'already at'} revision {HEAD}: {mask_url(url)}")


SETTING_NAMES = ", ".join(f"MICROLETTER_{f.name.upper()}" for f in fields(Settings))


@main.command(epilog=f"The settings: {SETTING_NAMES}.")
def config() -> None:
    """Print the effective settings (passwords masked) and how to change them.

    Each setting is read from the environment variable MICROLETTER_<NAME>; `serve` flags
    win over them. An unknown MICROLETTER_* variable is an error, so typos fail loudly."""
    settings = _settings()
    for name, value in settings.redacted().items():
        click.echo(f"MICROLETTER_{name.upper():24} {value}")
    click.echo("Change one with its environment variable, e.g. MICROLETTER_PORT=9000.", err=True)


@main.command()
@click.argument(
    "scenario",
    type=click.Choice(
        [
            "direct",
            "groups",
            "biggroup",
            "catchup",
            "connections",
            "coldstart",
            "upload",
            "transfer",
            "settlement",
            "chapters",
            "search",
            "redpacket",
            "moments",
            "bots",
            "checkout",
            "ranking",
        ]
    ),
)
@click.option(
    "--duration",
    type=float,
    default=10.0,
    show_default=True,
    help="Seconds measured per step (after a 1 s warm-up).",
)
@click.option("--rate", type=float, help="Offered messages/s (or the first step of --find-max).")
@click.option("--find-max", is_flag=True, help="Step the rate up until p99 passes --p99-ms.")
@click.option(
    "--p99-ms",
    type=float,
    default=100.0,
    show_default=True,
    help="End-to-end p99 latency a step must stay under to pass.",
)
@click.option("--url", help="Measure a running server instead of starting one.")
@click.option("--procs", type=int, default=1, show_default=True, help="Load processes.")
@click.option(
    "--codec",
    type=click.Choice(["compact", "msgpack", "json"]),
    default="compact",
    show_default=True,
    help="WebSocket framing the clients negotiate.",
)
@click.option(
    "--streams/--no-streams",
    default=True,
    show_default=True,
    help="Clients read large groups from their streams (protocol revision 3); "
    "--no-streams: from their update logs, as older clients do.",
)
@click.option(
    "--connections",
    type=int,
    default=10_000,
    show_default=True,
    help="Connections for the `connections` scenario.",
)
@click.option(
    "--messages",
    type=int,
    default=1_000_000,
    show_default=True,
    help="Messages of history for the `search` scenario.",
)
@click.option(
    "--queries", type=int, default=2000, show_default=True, help="Searches `search` times."
)
@click.option(
    "--database-url",
    help="The local server's database, empty (default: SQLite in a temporary folder).",
)
@click.option(
    "--scale",
    type=float,
    default=1.0,
    show_default=True,
    help="Shrink the generated data (`moments`: 10,000 users, `ranking`: 100,000 players at 1.0).",
)
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option(
    "--mode",
    type=click.Choice(["stream", "many"]),
    default="stream",
    show_default=True,
    help="redpacket: one group's stream of packets, or many groups at once.",
)
@click.option("--packets", type=int, default=50, show_default=True, help="redpacket: per sender.")
@click.option("--groups", type=int, default=10, show_default=True, help="redpacket many: groups.")
@click.option(
    "--workers",
    type=int,
    default=1,
    show_default=True,
    help="The local server's processes (serve --workers N); redpacket: servers.",
)
@click.option(
    "--via",
    type=click.Choice(["ws", "http"]),
    default="ws",
    show_default=True,
    help="redpacket: open with open_red_packet frames, each member on its WebSocket, or HTTP.",
)
@click.option(
    "--shop-mode",
    type=click.Choice(["hot", "spread"]),
    default="hot",
    show_default=True,
    help="checkout: every buyer on one product, or each on its own.",
)
@click.option(
    "--transcribing",
    type=int,
    default=0,
    show_default=True,
    help="direct, groups, biggroup: people converting voice notes to text meanwhile.",
)
def bench(
    scenario: str,
    duration: float,
    rate: float | None,
    find_max: bool,
    p99_ms: float,
    url: str | None,
    procs: int,
    codec: str,
    streams: bool,
    connections: int,
    messages: int,
    queries: int,
    database_url: str | None,
    scale: float,
    json_path: str | None,
    mode: str,
    packets: int,
    groups: int,
    workers: int,
    via: str,
    shop_mode: str,
    transcribing: int,
) -> None:
    """Measure a server: direct, groups, biggroup, catchup, connections, coldstart, upload
    search, transfer, settlement, chapters, redpacket, moments, checkout or ranking.

    Starts its own server (SQLite, default durability) unless --url is given; users,
    contacts and groups are made through the public API. Reports sends/s, deliveries/s,
    ack and end-to-end latency percentiles, errors, CPU and memory, bytes on the wire;
    `upload` reports images and voice notes checked per second and their p50/p99; `search`
    writes --messages of history straight into a new database (1,000 users, 5,000 groups)
    and reports the p50/p99 of Chinese and English searches over the API; `transfer`
    reports wallet transfers per second and their p50/p99; `settlement` reports shop orders
    per second, how soon the scheduler settles them, and credit draws' and repayments'
    p50/p99; `redpacket` reports successful and failed opens per second and their latency;
    `checkout` reports shop checkouts per second (payment tokens minted beforehand) and
    their p50/p99, on one hot product or spread over many (--shop-mode); `chapters` reports
    chapter purchases in reading sessions per second and their p50/p99; `ranking` reports
    the p50/p99 of a game's friend ranking (1,000 friends among 100,000 players)."""
    if scenario == "redpacket":
        from microletter.bench import redpacket

        found = redpacket.run(
            redpacket.Options(
                mode=mode,
                packets=packets,
                members=500 if mode == "stream" else 100,
                shares=100 if mode == "stream" else 50,
                groups=groups,
                procs=max(procs, 1),
                database_url=database_url,
                workers=workers,
                via=via,
                log=lambda line: click.echo(line, err=True),
            )
        )
        click.echo(found.summary())
        return
    from microletter.bench import Options, run

    options = Options(
        scenario,
        duration=duration,
        rate=rate,
        find_max=find_max,
        url=url,
        procs=procs,
        codec=codec,
        streams=streams,
        p99_ms=p99_ms,
        connections=connections,
        messages=messages,
        queries=queries,
        database_url=database_url,
        scale=scale,
        transcribing=transcribing,
        shop_mode=shop_mode,
        workers=workers,
        log=lambda line: click.echo(line, err=True),
    )
    report = run(options)
    click.echo(report.table())
    if json_path:
        report.write(json_path)


moderation.add_command(funding)  # `microletter chat admin funding ...`
chat.add_command(moderation)  # `microletter chat admin ...`
chat.add_command(wallet)  # `microletter chat wallet ...`
chat.add_command(bots)  # `microletter chat bots ...`
main.add_command(chat)
main.add_command(admin)
