"""The composition root: settings → backends → actions → gateway → a listening server.

The only module that knows every room. Everything is built here and passed down.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import socket
from collections.abc import Callable

from aiohttp import web

from microletter.actions import accounts
from microletter.actions.context import Context, MediaRoom, Passwords
from microletter.bus import open_bus, open_presence
from microletter.core.ids import IdGenerator
from microletter.gateway.http import create_app
from microletter.gateway.hub import Hub
from microletter.gateway.ratelimit import RateLimits
from microletter.gateway.ws import Gateway
from microletter.media import load_secret, open_blobs, open_intake
from microletter.metrics import Metrics
from microletter.platform import Dispatcher, Platform, WebhookClient
from microletter.platform import mount as mount_platform
from microletter.ports import Bus, Intake, PlatformStore, Presence, Store
from microletter.settings import Settings
from microletter.storage import open_store, platform_store

log = logging.getLogger(__name__)


class Server:
    """One microletter server process: start() binds and serves, stop() shuts down
    gracefully (stop accepting, ack in-flight writes, close sockets with 1001, flush)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = 0
        self.ctx: Context | None = None
        self.platform: Platform | None = None
        self.dispatcher: Dispatcher | None = None
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        host = self.settings.host
        shown = f"[{host}]" if ":" in host else host
        wildcard = host in ("0.0.0.0", "::", "")  # noqa: S104 - only to print a reachable URL
        return f"http://{'127.0.0.1' if wildcard else shown}:{self.port}"

    async def start(self) -> None:
        s = self.settings
        metrics = Metrics()
        store = await open_store(
            s.effective_database_url,
            IdGenerator(s.node_id),
            s.limits,
            sqlite_synchronous=s.sqlite_synchronous.upper(),
            on_batch=metrics.observe_batch,
            exit_after_commits=s.fault_exit_after_commits,
            pool_size=s.database_pool_size,
            timeout=s.database_timeout,
        )
        bus = await open_bus(s.bus_url)
        presence = await open_presence(s.bus_url)
        passwords = Passwords(s.argon2_time_cost, s.argon2_memory_kib, s.argon2_parallelism)
        blobs = open_blobs(s.effective_media_url)
        intake = open_intake(blobs, s.media_limits)
        secret = load_secret(s.data_dir, s.media_secret.reveal())
        media = MediaRoom(intake, blobs, secret)
        self.ctx = ctx = Context(
            store,
            bus,
            s.limits,
            passwords,
            metrics,
            media,
            presence,
            operators=frozenset(s.operators),
        )
        limits = RateLimits(
            s.rate_user, s.rate_ip, s.rate_auth_ip, s.rate_upload, account=s.rate_account
        )
        revocations = accounts.follow_revocations(ctx)
        gateway = Gateway(ctx, Hub(bus, presence, s.presence_ttl_seconds), s, limits)
        mounts = []
        dispatcher: Dispatcher | None = None
        part = _platform_part(store)
        if part is not None:
            self.platform = p = Platform(
                ctx,
                part,
                s.platform_limits,
                WebhookClient(
                    timeout=s.oa_webhook_timeout, allow_private=s.oa_allow_private_webhooks
                ),
                base_url=s.public_url,
                followers_page=s.oa_followers_page,
            )
            self.dispatcher = dispatcher = Dispatcher(
                p,
                part.push_lease(),
                attempts=s.oa_webhook_attempts,
                concurrency=s.oa_push_concurrency,
            )
            mounts.append(lambda a: mount_platform(a, p, limits.hit))
        app = create_app(ctx, s, gateway, limits, mounts=mounts)

        async def on_shutdown(_: web.Application) -> None:
            revocations.close()
            await gateway.shutdown()
            if dispatcher is not None:
                await dispatcher.stop()

        async def on_cleanup(_: web.Application) -> None:
            if self.platform is not None:
                await self.platform.webhooks.close()
            await _close_backends(store, bus, presence, passwords, intake)

        app.on_shutdown.append(on_shutdown)
        app.on_cleanup.append(on_cleanup)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=5)
        await self._runner.setup()
        sock = _listen(s.host, s.port, s.reuse_port)
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        # In one process no hint is ever lost: no need to sweep the logs.
        gateway.start(sweep=s.is_distributed)
        if self.platform is not None and not self.platform.base_url:
            self.platform.base_url = self.url
        if s.oa_push and dispatcher is not None:
            await dispatcher.start()
        log.info(
            "server.started", extra={"url": self.url, "database": s.redacted()["database_url"]}
        )

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
            log.info("server.stopped")


def _platform_part(store: Store) -> PlatformStore | None:
    """The open platform's part of the store (SQLite and PostgreSQL both have one); a
    store of an unknown kind without one runs without the platform's routes."""
    try:
        return platform_store(store)
    except TypeError:
        log.warning("platform.unavailable", extra={"store": type(store).__name__})
        return None


async def _close_backends(
    store: Store, bus: Bus, presence: Presence, passwords: Passwords, intake: Intake
) -> None:
    await intake.close()  # uploads being decoded finish first
    await store.close()  # the writer commits everything queued before it stops
    await bus.close()
    await presence.close()
    passwords.close()


def _listen(host: str, port: int, reuse_port: bool = False) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:  # several worker processes on one port; the kernel spreads connections
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


async def serve(settings: Settings, announce: Callable[[Server], None] | None = None) -> None:
    """Run until SIGTERM or SIGINT, then shut down gracefully."""
    server = Server(settings)
    await server.start()
    if announce is not None:
        announce(server)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()


def tune_gc() -> None:
    """Collect cycles less often. Each message allocates a few dozen short-lived objects
    (none of them cyclic); at the default threshold (700) the collector ran thousands of
    times a second under load and took ~5% of the CPU. Objects alive at start are frozen
    out of every collection."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def run(settings: Settings, announce: Callable[[Server], None] | None = None) -> None:
    """Serve on uvloop (falling back to asyncio where uvloop is not available)."""
    tune_gc()
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows
        asyncio.run(serve(settings, announce))
    else:
        uvloop.run(serve(settings, announce))
