"""Prometheus metrics, in a registry of our own so that several servers can share a process
(the tests do). Served at GET /metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

_LATENCY = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
_BATCH = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.connections = Gauge(
            "microletter_connections", "Open authenticated WebSocket connections.", registry=r
        )
        self.messages_sent = Counter(
            "microletter_messages_sent",
            "Messages committed (first sends, not retries).",
            registry=r,
        )
        self.deliveries = Counter(
            "microletter_deliveries",
            "Event frames written to devices (live and sync).",
            registry=r,
        )
        self.duplicates = Counter(
            "microletter_duplicate_sends",
            "Sends answered from an earlier client_msg_id.",
            registry=r,
        )
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
        self.send_seconds = Histogram(
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
        self.errors = Counter(
            "microletter_errors", "Errors answered to clients, by code.", ["code"], registry=r
        )

    def observe_batch(self, size: int, seconds: float) -> None:
        """Called from the writer thread after each group commit."""
        self.commit_batch.observe(size)
        self.commit_seconds.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
