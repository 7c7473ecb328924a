"""The one Settings object, built once from MICROLETTER_* variables and passed down.

An unknown MICROLETTER_* variable is an error, so a typo fails loudly instead of being
ignored. Passwords inside URLs are masked wherever settings are shown.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from microletter.core.accounts import USERNAME_RE
from microletter.core.limits import Limits
from microletter.core.media import MediaLimits
from microletter.core.quotas import GIB, Retention

PREFIX = "MICROLETTER_"
# Variables our tooling reads that are not settings of the server.
NOT_SETTINGS = {
    "MICROLETTER_REQUIRE_SERVICES",
    "MICROLETTER_CLI_CONFIG",
    "MICROLETTER_PASSWORD",  # `microletter chat register/login`
    "MICROLETTER_TEST_DB",
    "MICROLETTER_TEST_POSTGRES",  # tests: the shared PostgreSQL to make databases on
    "MICROLETTER_TEST_REDIS",  # tests: the shared Redis
}


# MICROLETTER_TRANSLATOR: a module's dotted path, a colon, a name in it
TRANSLATOR_RE = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*")


class SettingsError(ValueError):
    pass


class Secret:
    """A secret setting: its repr and str are *** so that logs and tracebacks never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    def __str__(self) -> str:
        return "***" if self._value else ""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("data")
    database_url: str = ""  # default: sqlite:///<data_dir>/microletter.db
    bus_url: str = "memory://"
    node_id: int = 0
    log_format: str = "auto"  # auto | json | text
    log_level: str = "info"
    public_url: str = ""  # how clients reach us, if not http://host:port

    # limits of the domain rules
    max_text_bytes: int = 16 * 1024
    max_group_members: int = 500
    stream_members: int = 100  # groups this large are read-diffused (docs/protocol.md)
    recall_window_seconds: int = 120
    request_cooldown_seconds: int = 86_400  # a declined friend request reaches them again after
    requests_per_day: int = 3  # friend requests to one person, whatever became of them

    # rate limits, in the `limits` library's notation ("20/second;300/minute")
    rate_user: str = "30/second;600/minute"
    rate_ip: str = "200/second"
    rate_auth_ip: str = "20/minute"
    rate_account: str = "200/second"  # an official account's calls of the WeChat protocol API
    rate_search: str = "10/second;300/minute"  # searches of message history, per user
    rate_translate: str = "30/minute;600/hour"  # translations of messages, per user

    # password hashing (argon2id); defaults are argon2-cffi's RFC 9106 low-memory profile
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4

    # storage
    sqlite_synchronous: str = "FULL"
    database_pool_size: int = 10  # PostgreSQL connections per process
    database_timeout: float = 10.0  # seconds a PostgreSQL statement or pool wait may take

    # several processes: worker processes on one port (on PostgreSQL + Redis; or on
    # SQLite, where one more process owns the writer), and how often a device with no
    # news reads its log anyway (0 = never; in case a hint was lost between processes)
    workers: int = 1
    reuse_port: bool = False  # set by --workers for its children: share the port
    writer_socket: str = ""  # set by --workers on SQLite: the writer process's socket
    bus_resync_seconds: float = 30.0

    # realtime gateway
    ws_max_frame: int = 64 * 1024  # larger frames get an error frame
    ws_hard_max_frame: int = 1024 * 1024  # larger frames close the socket (1009)
    ws_send_buffer: int = 4 * 1024 * 1024  # bytes queued for one client before we drop it
    ws_hello_timeout: float = 10.0
    ws_heartbeat: float = 30.0
    ws_abuse_limit: int = 20  # bad frames per minute before a policy-violation close
    presence_ttl_seconds: float = 60.0  # a device not renewed for this long is offline

    trust_proxy: bool = False  # take the client address from X-Forwarded-For

    # moderation: usernames (comma-separated) that may look up and suspend users over
    # /api/v1/admin; they cannot be suspended through the API themselves
    operators: tuple[str, ...] = ()

    # media: where blobs live, upload limits, signed links
    media_url: str = ""  # default: file://<data_dir>/media
    media_secret: Secret = Secret("")  # signs media links; default: made once, kept in data_dir
    media_link_seconds: int = 3600  # how long a signed media link works
    max_upload_bytes: int = 100 * 1024 * 1024  # any upload (files)
    max_image_bytes: int = 25 * 1024 * 1024
    max_voice_bytes: int = 16 * 1024 * 1024
    max_voice_seconds: int = 60
    max_video_bytes: int = 64 * 1024 * 1024  # a video as uploaded (it is kept transcoded)
    max_video_seconds: int = 60
    max_image_pixels: int = 50_000_000
    rate_upload: str = "20/minute;300/hour"  # uploads per user
    # what decoding one upload may cost, checked before the work is done
    max_animation_frames: int = 1000
    max_animation_pixels: int = 50_000_000  # frames x canvas pixels of an animated image
    max_jpeg_scans: int = 100  # a progressive JPEG is decoded once per scan
    max_media_streams: int = 4  # streams in a recording's container
    max_sample_rate: int = 96_000  # Hz
    max_audio_channels: int = 2
    max_decoded_bytes: int = 64 * 1024 * 1024  # raw samples a recording may decode to
    # decoder processes: uploads are decoded there, never in the server; they start
    # with the first upload, and each job gets these limits
    media_decoders: int = 2  # processes, so uploads decoded at once
    media_decoder_memory_mb: int = 1024  # address space of one decoder (RLIMIT_AS)
    media_decoder_cpu_seconds: int = 20  # CPU time of one upload's decoding (RLIMIT_CPU)
    media_decoder_timeout: float = 30.0  # seconds from handing an upload over to its answer
    # a video is transcoded (H.264/AAC, 720p): a 60 s clip takes ~7-11 s of CPU here
    media_video_cpu_seconds: int = 45
    media_video_timeout: float = 120.0
    media_decodes_per_user: int = 1  # one user's uploads decoded at once
    media_waiting_per_user: int = 4  # one user's uploads waiting; more answer 429 media.busy
    # storage: quotas, expiry of unsent uploads, the collector, free disk (core/quotas.py)
    media_quota_bytes: int = 5 * GIB  # per user, the blobs of their uploads; 0 = no quota
    media_upload_ttl_seconds: int = 86400  # an upload nothing refers to is deleted after this
    media_gc_grace_seconds: int = 3600  # a blob stored this recently is never collected
    media_gc_interval_seconds: float = 300.0  # between runs of the collector; 0 = never
    media_gc_batch: int = 500  # uploads and blobs one run looks at (bounds its cost)
    media_min_free_bytes: int = 1 * GIB  # uploads are refused below this free disk; 0 = never
    # voice-to-text (docs/transcripts.md): the engines in order of preference (a built-in
    # name, or package.module:attribute; empty: none), run in a decoder pool of their own
    transcribe_engines: tuple[str, ...] = ("pocketsphinx",)
    transcribe_processes: int = 1  # recognitions at once (each takes a core while it runs)
    transcribe_memory_mb: int = 1024  # address space of one recognizer process
    transcribe_cpu_seconds: int = 120  # CPU time of one recognition (PocketSphinx: ~real/3)
    transcribe_timeout: float = 300.0  # seconds from handing a recording over to its text
    transcribe_waiting_per_user: int = 4  # one user's conversions waiting; more: media.busy
    transcribe_push_wait: float = 2.0  # seconds a voice push waits for its Recognition
    # the open platform (official accounts, WeChat protocol)
    # Allow loopback/private addresses for webhooks and link-card pictures (tests).
    oa_allow_private_webhooks: bool = False
    oa_webhook_timeout: float = 5.0  # seconds to wait for a webhook's answer
    oa_webhook_attempts: int = 3  # pushes of one message before giving up
    oa_push_concurrency: int = 8  # pushes of one account in flight at once
    oa_push: bool = True  # may dispatch pushes here (the push lease picks one process)
    oa_token_seconds: int = 7200  # lifetime of access tokens
    oa_broadcasts_per_day: int = 4  # broadcasts per account per 24 hours
    oa_accounts_per_owner: int = 10  # official accounts one developer may create
    oa_followers_page: int = 10000  # OpenIDs per page of user/get
    oa_media_seconds: int = 3 * 86400  # life of an account's temporary media (media/upload)

    # translation (docs/translation.md): the engine's factory, `package.module:factory`
    # (empty: none, and "Translate" answers 501 translate.not_configured), and what the
    # factory is given
    translator: str = ""
    translator_url: str = ""
    translator_key: Secret = Secret("")
    translator_timeout: float = 10.0  # seconds for one translation
    translator_concurrency: int = 4  # translations in flight at once, per process

    # the wallet (docs/wallet.md): one currency per server, by its ISO 4217 code
    currency: str = "CNY"
    wallet_max_amount: int = 5_000_000  # minor units in one payment
    wallet_token_seconds: int = 300  # a payment token's life
    wallet_lock_seconds: int = 3 * 3600  # payments locked after too many wrong passwords
    wallet_pay_attempts: int = 5  # wrong payment passwords in a row before the lock
    wallet_transfer_expiry_seconds: int = 86400  # an unaccepted transfer is refunded after
    wallet_reconcile_seconds: float = 3600.0  # between reconciliations (the metric); 0 = never
    # merchants' money (docs/commerce.md, "Settlement", "Credit line", "Return-shipping cover")
    merchant_settle_days: int = 7  # pending → the merchant's balance, after delivery
    merchant_cover_premium: int = 300  # minor units per covered order; 0 = no cover offered
    merchant_claim_amount: int = 1200  # paid from the cover pool for a covered return
    merchant_credit_share_percent: int = 20  # of 90 days of settled sales; 0 = no credit
    merchant_credit_fee: int = 500  # fixed, per draw, in minor units
    # red packets (docs/wallet.md, "Red packets"): operators' limits, in minor units
    redpacket_max_amount: int = 2_000_000  # the total of one packet (20,000.00 CNY)
    redpacket_max_share: int = 20_000  # the most one share may hold (200.00 CNY)
    redpacket_max_shares: int = 500  # shares of one packet (and never more than members)
    redpacket_expiry_seconds: int = 86400  # what is left is refunded to the sender after
    # the durable scheduler: how often each process looks for due jobs; 0 = never by itself
    scheduler_interval_seconds: float = 1.0

    # fault injection, for crash tests only: exit right after the Nth commit, before acks
    fault_exit_after_commits: int = 0

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: Any) -> Settings:
        """Settings from MICROLETTER_<FIELD> variables; keyword overrides win (CLI flags)."""
        known = {f.name: f for f in fields(cls)}
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for key, raw in environ.items():
            if not key.startswith(PREFIX) or key in NOT_SETTINGS:
                continue
            name = key.removeprefix(PREFIX).lower()
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                guess = f" (did you mean {PREFIX}{close[0].upper()}?)" if close else ""
                raise SettingsError(
                    f"unknown setting {key}{guess}; see `microletter config --help`"
                )
            values[name] = _convert(name, hints[name], raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if not 0 <= self.port <= 65535:
            raise SettingsError("port must be 0-65535")
        if self.log_format not in ("auto", "json", "text"):
            raise SettingsError("log_format must be auto, json or text")
        if self.sqlite_synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise SettingsError("sqlite_synchronous must be OFF, NORMAL, FULL or EXTRA")
        if not 0 <= self.node_id <= 15:
            raise SettingsError("node_id must be 0-15")
        if self.media_url and not self.media_url.startswith("file://"):
            raise SettingsError("media_url must be file:///path (S3 is not supported yet)")
        if self.media_link_seconds < 10:
            raise SettingsError("media_link_seconds must be at least 10")
        if self.oa_webhook_timeout <= 0 or self.oa_webhook_attempts < 1:
            raise SettingsError("oa_webhook_timeout must be > 0 and oa_webhook_attempts >= 1")
        if min(self.oa_push_concurrency, self.oa_token_seconds, self.oa_followers_page) < 1:
            raise SettingsError("oa_push_concurrency, oa_token_seconds, oa_followers_page >= 1")
        if not 1 <= self.workers <= 16:
            raise SettingsError("workers must be 1-16")
        if self.workers > 1 and not (self.is_distributed or self.is_sqlite):
            raise SettingsError(
                "--workers needs a shared database and bus: SQLite (one writer process"
                " serves the workers), or MICROLETTER_DATABASE_URL=postgresql://... with"
                " MICROLETTER_BUS_URL=redis://... (the in-memory bus belongs to one process)"
            )
        if min(self.media_quota_bytes, self.media_min_free_bytes) < 0:
            raise SettingsError("media_quota_bytes and media_min_free_bytes must be >= 0")
        if min(self.media_upload_ttl_seconds, self.media_gc_grace_seconds) < 60:
            # Below a minute an upload could expire, or its blob be collected, between
            # being stored and being sent.
            raise SettingsError(
                "media_upload_ttl_seconds and media_gc_grace_seconds must be at least 60"
            )
        if not re.fullmatch(r"[A-Za-z]{3}", self.currency):  # the wallet knows which exist
            raise SettingsError("currency is an ISO 4217 code such as CNY")
        if min(self.wallet_max_amount, self.wallet_token_seconds, self.wallet_pay_attempts) < 1:
            raise SettingsError("wallet_max_amount, wallet_token_seconds, wallet_pay_attempts >= 1")
        if (
            min(
                self.redpacket_max_amount,
                self.redpacket_max_share,
                self.redpacket_max_shares,
                self.redpacket_expiry_seconds,
            )
            < 1
        ):
            raise SettingsError("the redpacket_* limits must be at least 1")
        if (
            not 0 <= self.merchant_settle_days <= 365
            or not 0 <= self.merchant_credit_share_percent <= 100
        ):
            raise SettingsError(
                "merchant_settle_days is 0-365, merchant_credit_share_percent 0-100"
            )
        if (
            min(self.merchant_cover_premium, self.merchant_claim_amount, self.merchant_credit_fee)
            < 0
        ):
            raise SettingsError("merchant_cover_premium, _claim_amount, _credit_fee must be >= 0")
        if self.scheduler_interval_seconds < 0 or self.wallet_reconcile_seconds < 0:
            raise SettingsError("scheduler_interval_seconds, wallet_reconcile_seconds >= 0")
        if self.media_gc_interval_seconds < 0 or self.media_gc_batch < 1:
            raise SettingsError("media_gc_interval_seconds must be >= 0, media_gc_batch >= 1")
        if min(self.transcribe_processes, self.transcribe_cpu_seconds) < 1:
            raise SettingsError("transcribe_processes and transcribe_cpu_seconds must be >= 1")
        if self.transcribe_waiting_per_user < 1 or self.transcribe_memory_mb < 256:
            raise SettingsError("transcribe_waiting_per_user >= 1, transcribe_memory_mb >= 256")
        if self.transcribe_timeout <= 0 or not 0 <= self.transcribe_push_wait <= 60:
            raise SettingsError("transcribe_timeout must be > 0, transcribe_push_wait 0-60")
        if self.database_pool_size < 1:
            raise SettingsError("database_pool_size must be at least 1")
        self._validate_decoding()
        if self.translator and not TRANSLATOR_RE.fullmatch(self.translator):
            raise SettingsError("translator is an import path: package.module:factory")
        if self.translator_timeout <= 0 or self.translator_concurrency < 1:
            raise SettingsError("translator_timeout must be > 0, translator_concurrency >= 1")
        bad = [name for name in self.operators if not USERNAME_RE.fullmatch(name)]
        if bad:
            raise SettingsError(f"operators must be usernames (a-z, 0-9, _; 3-32): {bad}")

    def _validate_decoding(self) -> None:
        counts = {
            name: getattr(self, name)
            for name in (
                "max_animation_frames",
                "max_animation_pixels",
                "max_jpeg_scans",
                "max_media_streams",
                "max_sample_rate",
                "max_audio_channels",
                "max_decoded_bytes",
                "media_decoders",
                "media_decoder_cpu_seconds",
                "media_video_cpu_seconds",
                "max_video_seconds",
                "media_decodes_per_user",
                "media_waiting_per_user",
            )
        }
        low = [name for name, value in counts.items() if value < 1]
        if low:
            raise SettingsError(f"these must be at least 1: {', '.join(low)}")
        if self.media_decoder_memory_mb < 256:  # Python with Pillow and PyAV needs ~130 MB
            raise SettingsError("media_decoder_memory_mb must be at least 256")
        if self.media_decoder_timeout <= 0 or self.media_video_timeout <= 0:
            raise SettingsError("media_decoder_timeout and media_video_timeout must be > 0")

    @property
    def is_distributed(self) -> bool:
        """State and bus are shared services, so several processes can serve together."""
        return self.effective_database_url.startswith(
            ("postgresql:", "postgres:")
        ) and self.bus_url.startswith(("redis:", "rediss:", "redis+cluster:", "rediss+cluster:"))

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite:")

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'microletter.db'}"

    @property
    def effective_media_url(self) -> str:
        return self.media_url or f"file://{self.data_dir.absolute() / 'media'}"

    @property
    def media_limits(self) -> MediaLimits:
        return MediaLimits(
            max_upload_bytes=self.max_upload_bytes,
            max_image_bytes=self.max_image_bytes,
            max_voice_bytes=self.max_voice_bytes,
            max_voice_seconds=self.max_voice_seconds,
            max_video_bytes=self.max_video_bytes,
            max_video_seconds=self.max_video_seconds,
            max_image_pixels=self.max_image_pixels,
            link_ttl_ms=self.media_link_seconds * 1000,
            max_animation_frames=self.max_animation_frames,
            max_animation_pixels=self.max_animation_pixels,
            max_jpeg_scans=self.max_jpeg_scans,
            max_streams=self.max_media_streams,
            max_sample_rate=self.max_sample_rate,
            max_channels=self.max_audio_channels,
            max_decoded_bytes=self.max_decoded_bytes,
        )

    @property
    def retention(self) -> Retention:
        return Retention(
            quota_bytes=self.media_quota_bytes,
            min_free_bytes=self.media_min_free_bytes,
            upload_ttl_ms=self.media_upload_ttl_seconds * 1000,
            grace_ms=self.media_gc_grace_seconds * 1000,
            batch=self.media_gc_batch,
        )

    @property
    def limits(self) -> Limits:
        return Limits(
            max_text_bytes=self.max_text_bytes,
            max_group_members=self.max_group_members,
            stream_members=self.stream_members,
            recall_window_ms=self.recall_window_seconds * 1000,
            request_cooldown_ms=self.request_cooldown_seconds * 1000,
            requests_per_day=self.requests_per_day,
        )

    def redacted(self) -> dict[str, str]:
        """Every setting as text, passwords in URLs masked (for `microletter config`)."""
        shown = {}
        for f in fields(self):
            value = str(getattr(self, f.name))
            if f.name.endswith("_url"):
                value = mask_url(value)
            shown[f.name] = value
        shown["operators"] = ",".join(self.operators) or "(none)"
        shown["transcribe_engines"] = ",".join(self.transcribe_engines) or "(none)"
        shown["database_url"] = mask_url(self.effective_database_url)
        shown["media_url"] = mask_url(self.effective_media_url)
        if not self.media_secret:
            shown["media_secret"] = "(made on first start, kept in the data folder)"  # noqa: S105
        return shown

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        """The dataclass repr, with passwords in URLs masked (tracebacks and logs show it)."""
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_url"):
                value = mask_url(value)
            shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"


def env_text(value: object) -> str:
    """A setting's value as its variable spells it (what `from_env` reads back)."""
    if isinstance(value, Secret):
        return value.reveal()
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def mask_url(url: str) -> str:
    """Hide the password of `scheme://user:password@host`, also with an empty user
    (`redis://:password@host`) or an unescaped `@` in the password."""
    return re.sub(r"(//[^:/@]*:)[^/]+@", r"\1***@", url)


def _convert(name: str, hint: Any, raw: str) -> Any:
    if isinstance(hint, types.UnionType):
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    try:
        if hint is bool:
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if hint in (int, float, str):
            return hint(raw)
        if hint is Path:
            return Path(raw)
        if hint is Secret:
            return Secret(raw)
        if hint == tuple[str, ...]:  # a comma-separated list; blanks and spaces dropped
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError:
        raise SettingsError(
            f"{PREFIX}{name.upper()}={raw!r} is not a valid {hint.__name__}"
        ) from None
    raise SettingsError(f"{PREFIX}{name.upper()} cannot be set from the environment")
