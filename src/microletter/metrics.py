"""Prometheus metrics, in a registry of our own so that several servers can share a process
(the tests do). Served at GET /metrics."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

_LATENCY = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
_BATCH = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.connections = Gauge(
            "microletter_connections", "Open authenticated WebSocket connections.", registry=r
        )
        # The hottest counters are plain ints (a Counter's lock costs a microsecond per
        # delivery, 500 per message in a big group); a collector reads them when scraped.
        self.messages_sent = 0
        self.deliveries = 0
        self.duplicates = 0
        r.register(_HotCounters(self))
        self.slow_consumers = Counter(
            "microletter_slow_consumer_drops",
            "Connections closed for a full send buffer.",
            registry=r,
        )
        self.commit_batch = Histogram(
            "microletter_commit_batch_size",
            "Writes per group commit.",
            buckets=_BATCH,
            registry=r,
        )
        self.commit_seconds = Histogram(
            "microletter_commit_seconds",
            "Duration of one group commit.",
            buckets=_LATENCY,
            registry=r,
        )
        self.send_seconds = HotHistogram(
            "microletter_send_seconds",
            "From a send request to its ack (durably committed).",
            buckets=_LATENCY,
            registry=r,
        )
        self.http_seconds = Histogram(
            "microletter_http_seconds",
            "HTTP request latency.",
            ["route", "status"],
            buckets=_LATENCY,
            registry=r,
        )
        # The wallet's ledger: the last reconciliation's result (-1: none yet).
        self.wallet_reconcile_ok = Gauge(
            "microletter_wallet_reconcile_ok",
            "1 if the last reconciliation of the ledger found nothing wrong, 0 if it did.",
            registry=r,
        )
        self.wallet_reconcile_ok.set(-1)
        self.wallet_reconcile_mismatches = Gauge(
            "microletter_wallet_reconcile_mismatches",
            "Mismatches the last reconciliation of the ledger found.",
            registry=r,
        )
        self.wallet_reconcile_time = Gauge(
            "microletter_wallet_reconcile_timestamp_seconds",
            "When the ledger was last reconciled (Unix time).",
            registry=r,
        )
        self.errors = Counter(
            "microletter_errors", "Errors answered to clients, by code.", ["code"], registry=r
        )
        self.uploads = Counter(
            "microletter_uploads", "Uploads checked and stored, by kind.", ["kind"], registry=r
        )
        # Storage (actions/collector.py): the gauges of stored media are measured at start
        # and by each run of the collector; free disk when scraped (`watch_disk`).
        self.media_blobs = Gauge(
            "microletter_media_blobs",
            "Blobs stored (measured at start and by each run of the collector).",
            registry=r,
        )
        self.media_bytes = Gauge(
            "microletter_media_bytes",
            "Bytes of the blobs stored, thumbnails not counted (as measured with the blobs).",
            registry=r,
        )
        self.disk_free = Gauge(
            "microletter_disk_free_bytes",
            "Free disk where the media and the server's data are (the least of the two).",
            registry=r,
        )
        self.uploads_expired = Counter(
            "microletter_media_uploads_expired",
            "Uploads deleted because nothing referred to their blob in time.",
            registry=r,
        )
        self.blobs_collected = Counter(
            "microletter_media_blobs_collected",
            "Blobs deleted because nothing referred to them any more.",
            registry=r,
        )
        self.media_bytes_freed = Counter(
            "microletter_media_bytes_freed",
            "Bytes of files the collector deleted (blobs and thumbnails).",
            registry=r,
        )
        self.platform_pushes = Counter(
            "microletter_platform_pushes",
            "Pushes to official accounts' webhooks, by outcome (ok: answered; failed: no"
            " valid answer after every attempt).",
            ["outcome"],
            registry=r,
        )

    def observe_reconcile(self, ok: bool, mismatches: int) -> None:
        """The last reconciliation of the wallet's ledger (app.py runs it periodically)."""
        self.wallet_reconcile_ok.set(1 if ok else 0)
        self.wallet_reconcile_mismatches.set(mismatches)
        self.wallet_reconcile_time.set_to_current_time()

    def observe_batch(self, size: int, seconds: float) -> None:
        """Called from the writer thread after each group commit."""
        self.commit_batch.observe(size)
        self.commit_seconds.observe(seconds)

    def watch_disk(self, free_bytes: Callable[[], int]) -> None:
        """Report `free_bytes()` as the free disk whenever /metrics is scraped."""
        self.disk_free.set_function(free_bytes)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _HotCounters(Collector):
    _HELP = {
        "messages_sent": ("microletter_messages_sent", "Messages committed (not retries)."),
        "deliveries": ("microletter_deliveries", "Event frames written to devices."),
        "duplicates": (
            "microletter_duplicate_sends",
            "Sends answered from an earlier client_msg_id.",
        ),
    }

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[CounterMetricFamily]:
        for attribute, (name, text) in self._HELP.items():
            yield CounterMetricFamily(name, text, value=getattr(self._metrics, attribute))


class HotHistogram(Collector):
    """A histogram for one event loop's hot path (a send's latency, once per message):
    `observe` is a bisect and two additions on plain numbers, where prometheus_client's
    Histogram takes a lock and walks its buckets in Python (~2 us a call, measured). Its
    numbers are only ever changed on the loop's thread; a scrape reads them as they are."""

    def __init__(
        self, name: str, documentation: str, buckets: tuple[float, ...], registry: CollectorRegistry
    ) -> None:
        self._name = name
        self._documentation = documentation
        self._bounds = buckets
        self._counts = [0] * (len(buckets) + 1)  # the last one: above every bound (+Inf)
        self._sum = 0.0
        registry.register(self)

    def observe(self, value: float) -> None:
        self._counts[bisect_left(self._bounds, value)] += 1
        self._sum += value

    def collect(self) -> Iterator[HistogramMetricFamily]:
        cumulative: list[tuple[str, float]] = []
        total = 0
        for bound, count in zip((*self._bounds, float("inf")), self._counts, strict=True):
            total += count
            cumulative.append(("+Inf" if bound == float("inf") else repr(float(bound)), total))
        yield HistogramMetricFamily(
            self._name, self._documentation, buckets=cumulative, sum_value=self._sum
        )
