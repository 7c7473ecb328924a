"""The composition root: settings → backends → actions → gateway → a listening server.

The only module that knows every room. Everything is built here and passed down.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import socket
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from microletter import (
    books,
    favourites,
    merchant,
    miniapps,
    moments,
    redpackets,
    search,
    shop,
    stickers,
    telegram,
    transcripts,
    translate,
    wallet,
    wxpay,
)
from microletter.actions import accounts
from microletter.actions.collector import Collector
from microletter.actions.context import Context, MediaRoom, Passwords
from microletter.actions.scheduler import Scheduler
from microletter.bus import open_bus, open_presence
from microletter.core.ids import IdGenerator
from microletter.gateway.http import create_app
from microletter.gateway.hub import Hub
from microletter.gateway.ratelimit import RateLimits
from microletter.gateway.ws import Gateway
from microletter.media import (
    DecoderLimits,
    DecoderPool,
    Referrers,
    free_bytes,
    load_secret,
    open_blobs,
    open_intake,
)
from microletter.metrics import Metrics
from microletter.platform import (
    Dispatcher,
    Platform,
    PlatformStore,
    PublicFetcher,
    WebhookClient,
    platform_limits,
    register_referrers,
)
from microletter.platform import mount as mount_platform
from microletter.settings import Settings, SettingsError
from microletter.setup import OperatorSetup, setup_link
from microletter.storage import (
    MEDIA_REFERRERS,
    JobStore,
    Store,
    WriterOptions,
    open_database,
    sqlite_path,
)

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
        self.collector: Collector | None = None
        self.scheduler: Scheduler | None = None
        self.wallet: wallet.Wallet | None = None
        self.redpackets: redpackets.RedPackets | None = None
        self.wxpay: wxpay.WxPay | None = None
        self.shop: shop.ShopRoom | None = None
        self.merchant: merchant.MerchantRoom | None = None
        self.books: books.BooksRoom | None = None
        self.transcripts: transcripts.Transcripts | None = None
        self.bots: telegram.Bots | None = None
        self.miniapps: miniapps.MiniApps | None = None
        self.operator_setup = OperatorSetup(settings.data_dir)
        self.setup_link: str | None = None  # while an operator has no account (see setup.py)
        self._runner: web.AppRunner | None = None
        self._backends = contextlib.AsyncExitStack()

    @property
    def url(self) -> str:
        host = self.settings.host
        shown = f"[{host}]" if ":" in host else host
        wildcard = host in ("0.0.0.0", "::", "")  # noqa: S104 - only to print a reachable URL
        return f"http://{'127.0.0.1' if wildcard else shown}:{self.port}"

    @property
    def app(self) -> web.Application:
        """The aiohttp application being served (after start): its router lists every
        path, which the tests walk."""
        if self._runner is None:
            raise RuntimeError("the server is not started")
        return self._runner.app

    async def start(self) -> None:
        # What is opened is closed in reverse order: at shutdown (on_cleanup), or at once
        # if a later step of the start fails, so nothing leaks.
        async with contextlib.AsyncExitStack() as backends:
            await self._start(backends)
            self._backends = backends.pop_all()

    async def _start(self, backends: contextlib.AsyncExitStack) -> None:
        s = self.settings
        metrics = Metrics()
        db = await open_database(
            s.effective_database_url,
            IdGenerator(s.node_id),
            s.limits,
            writer=WriterOptions(
                s.sqlite_synchronous.upper(), metrics.observe_batch, s.fault_exit_after_commits
            ),
            pool_size=s.database_pool_size,
            timeout=s.database_timeout,
            writer_socket=s.writer_socket,
        )
        backends.push_async_callback(db.close)  # the writer commits what is queued first
        bus = await open_bus(s.bus_url)
        backends.push_async_callback(bus.close)
        presence = await open_presence(s.bus_url)
        backends.push_async_callback(presence.close)
        passwords = Passwords(s.argon2_time_cost, s.argon2_memory_kib, s.argon2_parallelism)
        backends.callback(passwords.close)
        blobs = open_blobs(s.effective_media_url)
        decoding = DecoderLimits(
            processes=s.media_decoders,
            memory_bytes=s.media_decoder_memory_mb * 1024 * 1024,
            cpu_seconds=s.media_decoder_cpu_seconds,
            wall_seconds=s.media_decoder_timeout,
            long_cpu_seconds=s.media_video_cpu_seconds,
            long_wall_seconds=s.media_video_timeout,
            per_user=s.media_decodes_per_user,
            waiting_per_user=s.media_waiting_per_user,
        )
        intake = open_intake(blobs, s.media_limits, decoding)  # no process until an upload
        backends.push_async_callback(intake.close)  # stops the decoders
        secret = load_secret(s.data_dir, s.media_secret.reveal())
        referrers = media_referrers(s)
        media = MediaRoom(intake, blobs, secret, s.retention, referrers, _free_disk(s))
        metrics.watch_disk(media.free_disk or blobs.free_bytes)
        self.ctx = ctx = Context(
            Store(db),
            bus,
            s.limits,
            passwords,
            metrics,
            media,
            presence,
            operators=frozenset(s.operators),
            setup=self.operator_setup,
        )
        # Before anything writes: every message from now on is indexed as it is posted.
        finder = search.open_room(ctx)
        await finder.store.ensure_index()  # rebuilt if missing (an older database)
        hearing = DecoderPool(transcribe_limits(s))  # no process until a conversion
        backends.push_async_callback(hearing.close)
        self.transcripts = heard = transcripts.open_room(ctx, transcribe_engines(s), hearing)
        limits = RateLimits(
            s.rate_user,
            s.rate_ip,
            s.rate_auth_ip,
            s.rate_upload,
            account=s.rate_account,
            search=s.rate_search,
            translate=s.rate_translate,
        )
        revocations = accounts.follow_revocations(ctx)
        gateway = Gateway(ctx, Hub(bus, presence, s.presence_ttl_seconds), s, limits)
        webhooks = WebhookClient(
            timeout=s.oa_webhook_timeout,
            allow_private=s.oa_allow_private_webhooks,
            per_account=s.oa_push_concurrency,
        )
        backends.push_async_callback(webhooks.close)
        self.platform = p = Platform(
            ctx,
            PlatformStore(db),
            platform_limits(s),
            webhooks,
            base_url=s.public_url,
            followers_page=s.oa_followers_page,
        )
        self.dispatcher = dispatcher = Dispatcher(
            p,
            p.store.push_lease(),
            attempts=s.oa_webhook_attempts,
            concurrency=s.oa_push_concurrency,
            recognize=transcripts.for_pushes(heard, s.transcribe_push_wait),
        )
        self.collector = collector = Collector(
            ctx.store,
            blobs,
            s.retention,
            referrers,
            metrics,
            lambda: ctx.clock(),  # the context's clock, even if replaced later (tests)
            db.lease("media-collector"),
            s.media_gc_interval_seconds,
        )
        kept, saved = favourites.open_room(ctx), stickers.open_room(ctx)
        translating = translate.open_room(
            ctx, translator(s), s.translator_timeout, s.translator_concurrency
        )
        engine_close = getattr(translating.engine, "aclose", None)
        if engine_close is not None:
            backends.push_async_callback(engine_close)
        self.wallet = money = wallet.open_room(ctx, wallet_settings(s))
        self.scheduler = scheduler = Scheduler(
            JobStore(db), ctx.publish, lambda: ctx.clock(), s.scheduler_interval_seconds
        )
        self.redpackets = packets = redpackets.open_room(ctx, redpacket_settings(s))
        for frame, handler in redpackets.frames(packets).items():
            gateway.answer(frame, handler)
        self.wxpay = merchants = wxpay.open_room(ctx, p, money)
        terms = merchant_terms(s)
        self.shop = shops = shop.open_room(  # registers its media grant
            ctx, p, money, settle_after_ms=terms.settle_after_ms, cover_premium=terms.cover_premium
        )
        self.merchant = finance = merchant.open_room(ctx, shops, money, terms)
        self.books = library = books.open_room(ctx, shops)
        scheduler.register(*wallet.JOBS, *redpackets.JOBS, *wxpay.jobs(merchants), *shop.JOBS)
        scheduler.register(*merchant.jobs(finance))
        scheduler.register(*books.JOBS)
        scheduler.every("books.sweep", 600.0, lambda now: books.sweep(library, now))
        scheduler.every("wallet.sweep", 600.0, lambda now: wallet.sweep(money, now))
        scheduler.every("merchant.sweep", 600.0, lambda now: merchant.sweep(finance, now))
        scheduler.every("wxpay.sweep", 600.0, lambda now: wxpay.sweep(merchants, now))
        if s.wallet_reconcile_seconds > 0:
            scheduler.every(
                "wallet.reconcile",
                s.wallet_reconcile_seconds,
                lambda now: _reconcile(money, metrics),
            )
        # A link card's picture is fetched by the server, under the webhooks' SSRF guard.
        fetcher = PublicFetcher(allow_private=s.oa_allow_private_webhooks)
        backends.push_async_callback(fetcher.close)
        feed = moments.open_room(ctx, fetcher.get)  # registers its media grant, log resolver
        self.bots, pusher = telegram.open_room(ctx, webhooks)
        bots = self.bots
        bots.transcribe = transcripts.for_bots(heard)  # getVoiceTranscript, an extension
        self.miniapps = apps = miniapps.open_room(ctx, p)
        mounts = [
            # before the platform's: its /wxa catch-all would answer the games' /wxa paths
            lambda a: miniapps.mount(a, apps, limits.hit),
            lambda a: mount_platform(a, p, limits.hit),
            lambda a: favourites.mount(a, kept),
            lambda a: stickers.mount(a, saved),
            lambda a: search.mount(a, finder),
            lambda a: transcripts.mount(a, heard),
            lambda a: translate.mount(a, translating),
            lambda a: wallet.mount(a, money),
            lambda a: redpackets.mount(packets),
            lambda a: moments.mount(a, feed),
            lambda a: wxpay.mount(a, merchants, limits.hit),
            lambda a: shop.mount(a, shops),
            lambda a: merchant.mount(finance),
            lambda a: books.mount(a, library),
            lambda a: telegram.mount(a, bots, limits.hit),
        ]
        app = create_app(
            ctx,
            s,
            gateway,
            limits,
            mounts=mounts,
            frame_sources=lambda: miniapps.frame_sources(apps),  # the shell's CSP frame-src
        )

        async def on_shutdown(_: web.Application) -> None:
            revocations.close()
            await finder.indexer.stop()
            await collector.stop()
            await scheduler.stop()
            await gateway.shutdown()
            await dispatcher.stop()
            await heard.stop()
            await pusher.stop()

        async def on_cleanup(_: web.Application) -> None:
            await self._backends.aclose()

        app.on_shutdown.append(on_shutdown)
        app.on_cleanup.append(on_cleanup)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=5)
        await self._runner.setup()
        sock = _listen(s.host, s.port, s.reuse_port)
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        # In one process no hint is ever lost: no need to sweep the logs.
        gateway.start(sweep=s.is_distributed or bool(s.writer_socket))
        if not p.base_url:
            p.base_url = self.url
        if s.oa_push:
            await dispatcher.start()
            pusher.start()
        collector.start()
        finder.indexer.start()
        scheduler.start()
        await self.prepare_operator_setup()
        log.info(
            "server.started",
            extra={
                "url": self.url,
                "database": s.redacted()["database_url"],
                "operator_setup": self.setup_link is not None,  # never the link: a secret
            },
        )

    async def prepare_operator_setup(self) -> str | None:
        """The setup link to print while an operator listed in the settings has no
        account (the pending one if there is one, so a restart keeps a printed link
        working); None, and the token removed, once none is missing."""
        if self.ctx is None:
            raise RuntimeError("the server is not started")
        missing = await accounts.missing_operators(self.ctx)
        token = self.operator_setup.prepare(needed=bool(missing))
        base = self.settings.public_url or self.url
        self.setup_link = None if token is None else setup_link(base, token)
        return self.setup_link

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
            log.info("server.stopped")


def redpacket_settings(s: Settings) -> redpackets.RedPacketSettings:
    currency = wallet_settings(s).currency
    return redpackets.RedPacketSettings(
        limits=redpackets.Limits(
            max_amount=min(s.redpacket_max_amount, s.redpacket_max_share * s.redpacket_max_shares),
            max_share=s.redpacket_max_share,
            max_shares=s.redpacket_max_shares,
        ),
        currency=currency.code,
        exponent=currency.exponent,
        expiry_ms=s.redpacket_expiry_seconds * 1000,
    )


def transcribe_limits(s: Settings) -> DecoderLimits:
    """The recognizers' own decoder pool: a recognition is a long job (about real time
    on one core), so its budget is the long one; other limits as the settings say."""
    return DecoderLimits(
        processes=s.transcribe_processes,
        memory_bytes=s.transcribe_memory_mb * 1024 * 1024,
        cpu_seconds=s.transcribe_cpu_seconds,
        wall_seconds=s.transcribe_timeout,
        long_cpu_seconds=s.transcribe_cpu_seconds,
        long_wall_seconds=s.transcribe_timeout,
        per_user=1,
        waiting_per_user=s.transcribe_waiting_per_user,
    )


def transcribe_engines(s: Settings) -> list[transcripts.Recognizer]:
    try:
        return transcripts.load_engines(s.transcribe_engines, s.max_voice_seconds)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def translator(s: Settings) -> translate.Translator:
    """The engine MICROLETTER_TRANSLATOR names (the default answers not_configured); one
    that cannot be loaded stops the start, as any bad setting does."""
    options = translate.EngineOptions(
        url=s.translator_url, key=s.translator_key.reveal(), timeout=s.translator_timeout
    )
    try:
        return translate.load_engine(s.translator, options)
    except translate.EngineLoadError as exc:
        raise SettingsError(f"MICROLETTER_TRANSLATOR={s.translator}: {exc}") from None


def merchant_terms(s: Settings) -> merchant.Terms:
    return merchant.Terms(
        settle_after_ms=s.merchant_settle_days * 86_400_000,
        cover_premium=s.merchant_cover_premium,
        claim_amount=s.merchant_claim_amount,
        credit_share_percent=s.merchant_credit_share_percent,
        credit_fee=s.merchant_credit_fee,
    )


def wallet_settings(s: Settings) -> wallet.WalletSettings:
    try:
        currency = wallet.Currency.of(s.currency)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None
    return wallet.WalletSettings(
        currency=currency,
        max_amount=s.wallet_max_amount,
        token_ms=s.wallet_token_seconds * 1000,
        lock_ms=s.wallet_lock_seconds * 1000,
        attempts=s.wallet_pay_attempts,
        transfer_expiry_ms=s.wallet_transfer_expiry_seconds * 1000,
    )


async def _reconcile(room: wallet.Wallet, metrics: Metrics) -> None:
    """Reconcile the ledger for /metrics (any process may: it only reads)."""
    result = await wallet.reconcile(room)
    metrics.observe_reconcile(result.ok, len(result.mismatches))
    if not result.ok:
        log.error("wallet.reconcile_mismatch", extra={"mismatches": len(result.mismatches)})


def media_referrers(s: Settings) -> Referrers:
    """Every room that keeps media ids declares them here, for the media collector."""
    referrers = Referrers()
    referrers.register(*MEDIA_REFERRERS)  # the core's: uploads, messages, avatars
    register_referrers(referrers, platform_limits(s))  # account media, broadcasts
    referrers.register(*favourites.REFERRERS, *stickers.REFERRERS)  # kept copies, stickers
    referrers.register(*moments.REFERRERS)  # pictures of posts
    referrers.register(*miniapps.REFERRERS)  # pictures pages uploaded for their account
    referrers.register(*shop.REFERRERS)  # products' pictures and files
    return referrers


def _free_disk(s: Settings) -> Callable[[], int] | None:
    """The free disk that decides whether uploads are taken: the media folder's, and the
    SQLite database's folder's where that is another filesystem (a full disk would stop
    its writes too). None: the media folder's alone."""
    url = s.effective_database_url
    if not url.startswith("sqlite:"):
        return None
    media = Path(s.effective_media_url.removeprefix("file://"))
    database = Path(sqlite_path(url)).absolute().parent
    return lambda: min(free_bytes(media), free_bytes(database))


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
    # The handlers go in before the server announces itself: whoever reads "running at"
    # and sends SIGTERM at once must get a graceful stop, not the default death by signal.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = Server(settings)
    await server.start()
    if announce is not None:
        announce(server)
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
