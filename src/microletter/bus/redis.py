"""The bus between processes and machines: Redis pub/sub, sharded (SPUBLISH/SSUBSCRIBE,
Redis 7+) where available, so that on a Redis Cluster a channel lives on one shard.

Theory of operation. Each process keeps one subscriber connection. Local handlers are a
dict of topic → handlers, as in bus.memory; the set of channels subscribed in Redis
follows the set of topics with handlers (`_sync` reconciles the two, in batches). A
message is delivered to the handlers of its topic in publish order.

A publish reaches the handlers of this process at once, by a direct call as in
bus.memory (so a sender's own connection sees its message before the send returns, and
nothing local waits for a round trip to Redis), and every other process through Redis;
each message carries its origin, so this process skips its own copies coming back.

Publishing is a hint: if Redis is unreachable the publish is dropped (logged), never
raised, since the write it announces is already committed. When the subscriber
connection breaks, the bus reconnects with backoff, subscribes everything again and then
calls the `on_gap` callbacks: hints may have been lost meanwhile, so whoever depends on
them (the gateway) reads the log. Channels are namespaced by a prefix (`?prefix=` in
the URL, default `ml{db}:`), because pub/sub ignores Redis database numbers.

On a Redis Cluster (redis+cluster://, bus/cluster.py) the same bus holds one subscriber
connection per master and publishes a batch as one pipeline per master; any failure of
one of them starts the subscriber over on the slots as the cluster now has them, with a
gap reported, as above.

Presence lives beside it: a sorted set per user, `{prefix}presence:{user_id}`, devices
scored by the time they expire, the key itself expiring with its last device, so the
devices of a process that died fade out by themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis.asyncio as redis
from redis.exceptions import RedisError

from microletter.bus.cluster import (
    ShardedPublisher,
    ShardedSubscriber,
    is_cluster_url,
    open_cluster,
)
from microletter.bus.codec import Codec
from microletter.bus.outbox import Outbox
from microletter.bus.subscription import TopicSubscription
from microletter.core.ids import DeviceId, UserId
from microletter.ports import Handler

if TYPE_CHECKING:
    from redis.asyncio.cluster import ClusterPipeline, RedisCluster

    Client = redis.Redis | RedisCluster
    Pipeline = redis.client.Pipeline | ClusterPipeline

log = logging.getLogger(__name__)

PUBLISH_TIMEOUT = 2.0
PRESENCE_TIMEOUT = 2.0  # a cluster's failover may take longer: presence is skipped meanwhile
POOL_SIZE = 64  # connections per client; more callers wait for one
CONTROL = "_bus"  # always subscribed, so the subscriber connection is never idle-empty
BATCH = 500  # channels per (un)subscribe command
ORIGIN = 8  # bytes of the publishing process's random id, in front of every message


def parse_url(url: str) -> tuple[str, str, bool | None]:
    """(redis-py URL, channel prefix, sharded or None for "if the server has it")."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    prefix, sharded = _prefix_and_sharded(query, parts.path.strip("/") or "0")
    clean = urlunsplit(parts._replace(query=urlencode(query)))
    return clean, prefix, sharded


def _prefix_and_sharded(query: dict[str, str], db: str) -> tuple[str, bool | None]:
    """Take the bus's own options out of a URL's query."""
    prefix = query.pop("prefix", f"ml{db}:")
    sharded_arg = query.pop("sharded", None)
    sharded = None if sharded_arg is None else sharded_arg not in ("0", "false", "no")
    return prefix, sharded


def _client(url: str) -> redis.Redis:
    """A client whose pool waits for a free connection (up to PRESENCE_TIMEOUT) instead of
    refusing the 101st at once: under a burst of presence reads that error made everyone
    look offline, and before the outbox it dropped publishes."""
    pool = redis.BlockingConnectionPool.from_url(
        url,
        max_connections=POOL_SIZE,
        timeout=PRESENCE_TIMEOUT,
        socket_connect_timeout=5,
        socket_keepalive=True,
    )
    return redis.Redis.from_pool(pool)


def _has_sharded(info: dict[str, Any]) -> bool:
    """Sharded pub/sub came with Redis 7."""
    if "redis_version" not in info and info:  # a cluster answers per node
        info = next(iter(info.values()))
    return int(str(info.get("redis_version", "0")).split(".")[0]) >= 7


class _PubSub(Protocol):
    """What this bus uses of redis-py's PubSub. Typed here, because redis-py's own types
    for it move between releases (8.2 typed `aclose`, which broke an ignore): going through
    this Protocol checks the same on every version pyproject.toml allows (8.0 and up)."""

    def subscribe(self, *channels: str) -> Awaitable[Any]: ...
    def unsubscribe(self, *channels: str) -> Awaitable[Any]: ...
    def ssubscribe(self, *channels: str) -> Awaitable[Any]: ...
    def sunsubscribe(self, *channels: str) -> Awaitable[Any]: ...
    def get_message(self, *, timeout: float) -> Awaitable[dict[str, Any] | None]: ...
    def aclose(self) -> Awaitable[None]: ...


class RedisBus:
    def __init__(self, client: Client, prefix: str, sharded: bool) -> None:
        self._client = client
        self._subscriber: Callable[[bool], _PubSub] = lambda refresh: client.pubsub()
        self._send: Callable[[list[tuple[str, bytes]]], Awaitable[None]] = self._send_to_one
        self._closing: list[Callable[[], Awaitable[None]]] = []
        # `_send` is looked up at each pipeline: a cluster bus puts its own in after this.
        self._outbox = Outbox(lambda out: self._send(out), PUBLISH_TIMEOUT, self._lost)
        self._prefix = prefix
        self._sharded = sharded
        self._out = Codec()
        self._in = Codec()
        self._origin = secrets.token_bytes(ORIGIN)
        self._topics: dict[str, list[Handler]] = {CONTROL: []}
        self._requested: set[str] = set()  # topics asked for on this connection
        self._subscribed: set[str] = set()  # of those, the ones Redis confirmed
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}
        self._dirty = asyncio.Event()
        self._gap: list[Callable[[], None]] = []
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.lost_publishes = 0
        self.reconnects = 0

    @classmethod
    async def open(cls, url: str) -> RedisBus:
        if is_cluster_url(url):
            return await cls._open_cluster(url)
        clean, prefix, sharded = parse_url(url)
        client = _client(clean)
        if sharded is None:
            sharded = _has_sharded(await client.info("server"))
        return cls._started(client, prefix, sharded, lambda refresh: client.pubsub())

    @classmethod
    async def _open_cluster(cls, url: str) -> RedisBus:
        client, options, query = open_cluster(url)
        prefix, sharded = _prefix_and_sharded(query, "0")
        if sharded is None:
            _ = await client.initialize()
            sharded = _has_sharded(await client.info("server", target_nodes=client.RANDOM))

        def subscriber(refresh: bool) -> _PubSub:
            return ShardedSubscriber(client, options, refresh)

        bus = cls._started(client, prefix, sharded, subscriber)
        publisher = ShardedPublisher(client, options, sharded)
        bus._send = publisher.publish
        bus._closing.append(publisher.close)
        return bus

    @classmethod
    def _started(
        cls, client: Client, prefix: str, sharded: bool, subscriber: Callable[[bool], _PubSub]
    ) -> RedisBus:
        bus = cls(client, prefix, sharded)
        bus._subscriber = subscriber
        bus._task = asyncio.get_running_loop().create_task(bus._run())
        return bus

    # --- the Bus protocol ---

    async def publish(self, items: Sequence[tuple[str, object]]) -> None:
        if self._closed or not items:
            return
        for topic, message in items:
            self._deliver(topic, message)
        out = [(self._prefix + t, self._origin + self._out.encode(m)) for t, m in items]
        await self._outbox.put(out)

    def _lost(self, count: int) -> None:
        self.lost_publishes += count

    async def _send_to_one(self, out: list[tuple[str, bytes]]) -> None:
        """One Redis: one pipeline."""
        pipe = self._client.pipeline(transaction=False)
        send = pipe.spublish if self._sharded else pipe.publish
        for channel, payload in out:
            send(channel, payload)  # type: ignore[unused-awaitable]  # queued on the pipeline
        await pipe.execute()

    def subscribe(self, topic: str, handler: Handler) -> TopicSubscription:
        handlers = self._topics.setdefault(topic, [])
        handlers.append(handler)
        if len(handlers) == 1 and topic not in self._requested:
            self._dirty.set()
        return TopicSubscription(self, topic, handler)

    def on_gap(self, callback: Callable[[], None]) -> None:
        self._gap.append(callback)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._topics = {}
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for waiters in self._waiters.values():
            for waiter in waiters:
                if not waiter.done():
                    waiter.cancel()
        await self._outbox.close()
        for close in self._closing:
            await close()
        await self._client.aclose()

    # --- subscriptions ---

    def _remove(self, topic: str, handler: Handler) -> None:
        handlers = self._topics.get(topic)
        if handlers is None:
            return
        with contextlib.suppress(ValueError):
            handlers.remove(handler)
            if not handlers and topic != CONTROL:
                del self._topics[topic]
                self._dirty.set()

    async def _ready(self, topic: str) -> None:
        """Return once Redis confirmed the subscription to `topic`."""
        if topic in self._subscribed or self._closed:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(topic, []).append(waiter)
        await waiter

    def _confirmed(self, topic: str) -> None:
        self._subscribed.add(topic)
        for waiter in self._waiters.pop(topic, ()):
            if not waiter.done():
                waiter.set_result(None)

    # --- the subscriber connection ---

    async def _run(self) -> None:
        delay = 0.05
        attempts = 0
        while not self._closed:
            pubsub = self._subscriber(attempts > 0)  # a cluster reads its slots again
            attempts += 1
            try:
                self._requested.clear()
                self._subscribed.clear()
                await self._sync(pubsub)
                if attempts > 1:
                    self.reconnects += 1
                    log.info("bus.reconnected")
                    self._notify_gap()
                delay = 0.05
                await self._listen(pubsub)
            except (RedisError, OSError, TimeoutError) as exc:
                log.warning("bus.disconnected", extra={"error": repr(exc)})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def _listen(self, pubsub: _PubSub) -> None:
        # Checks `_closed` itself: redis-py may turn our cancellation into a timeout.
        while not self._closed:
            if self._dirty.is_set():
                await self._sync(pubsub)
            message = await pubsub.get_message(timeout=0.02)
            while message is not None:
                self._on_message(message)
                message = await pubsub.get_message(timeout=0)

    async def _sync(self, pubsub: _PubSub) -> None:
        """Make the channels subscribed in Redis those with local handlers."""
        self._dirty.clear()
        wanted = set(self._topics)
        add = sorted(wanted - self._requested)
        drop = sorted(self._requested - wanted)
        sub = pubsub.ssubscribe if self._sharded else pubsub.subscribe
        unsub = pubsub.sunsubscribe if self._sharded else pubsub.unsubscribe
        for i in range(0, len(add), BATCH):
            await sub(*(self._prefix + t for t in add[i : i + BATCH]))
        for i in range(0, len(drop), BATCH):
            await unsub(*(self._prefix + t for t in drop[i : i + BATCH]))
        self._requested.update(add)
        self._requested.difference_update(drop)
        self._subscribed.difference_update(drop)

    def _on_message(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        channel = message["channel"]
        topic = (channel.decode() if isinstance(channel, bytes) else channel)[len(self._prefix) :]
        if kind in ("smessage", "message"):
            data: bytes = message["data"]
            if data[:ORIGIN] == self._origin or not self._topics.get(topic):
                return  # delivered here when it was published, or nobody listens
            try:
                item = self._in.decode(data[ORIGIN:])
            except Exception:
                log.exception("bus.undecodable", extra={"topic": topic})
                return
            self._deliver(topic, item)
        elif kind in ("ssubscribe", "subscribe") and topic in self._requested:
            self._confirmed(topic)

    def _deliver(self, topic: str, item: object) -> None:
        for handler in tuple(self._topics.get(topic, ())):  # a handler may unsubscribe
            try:
                handler(item)
            except Exception:  # one broken subscriber must not stop the fan-out
                log.exception("bus.handler_failed", extra={"topic": topic})

    def _notify_gap(self) -> None:
        for callback in tuple(self._gap):
            try:
                callback()
            except Exception:
                log.exception("bus.gap_callback_failed")


class RedisPresence:
    def __init__(self, client: Client, prefix: str) -> None:
        self._client = client
        self._prefix = prefix

    @classmethod
    def open(cls, url: str) -> RedisPresence:
        if is_cluster_url(url):
            client, _, query = open_cluster(url)
            return cls(client, _prefix_and_sharded(query, "0")[0])
        clean, prefix, _ = parse_url(url)
        return cls(_client(clean), prefix)

    def _key(self, uid: UserId) -> str:
        return f"{self._prefix}presence:{uid}"

    async def mark_online(self, devices: Sequence[tuple[UserId, DeviceId]], ttl: float) -> None:
        if not devices:
            return
        now, ms = time.time_ns() // 1_000_000, int(ttl * 1000)
        pipe = self._client.pipeline(transaction=False)
        for uid, did in devices:
            key = self._key(uid)
            pipe.zadd(key, {str(did): now + ms})  # type: ignore[unused-awaitable]  # queued
            pipe.zremrangebyscore(key, 0, now)  # type: ignore[unused-awaitable]  # queued
            pipe.pexpire(key, ms)  # type: ignore[unused-awaitable]  # queued
        await self._run(pipe)

    async def mark_offline(self, user_id: UserId, device_id: DeviceId) -> None:
        pipe = self._client.pipeline(transaction=False)
        pipe.zrem(self._key(user_id), str(device_id))  # type: ignore[unused-awaitable]  # queued
        await self._run(pipe)

    async def online(self, user_ids: Sequence[UserId]) -> set[UserId]:
        if not user_ids:
            return set()
        pipe = self._client.pipeline(transaction=False)
        now = time.time_ns() // 1_000_000
        for uid in user_ids:
            pipe.zcount(self._key(uid), now + 1, "+inf")  # type: ignore[unused-awaitable]  # queued
        counts = await self._run(pipe)
        return {u for u, n in zip(user_ids, counts or [0] * len(user_ids), strict=True) if n}

    async def _run(self, pipe: Pipeline) -> list[int] | None:
        """Presence is best effort: if Redis is away, nobody looks online meanwhile."""
        try:
            async with asyncio.timeout(PRESENCE_TIMEOUT):
                result: list[int] = await pipe.execute()
            return result
        except (RedisError, OSError, TimeoutError) as exc:
            log.warning("presence.unavailable", extra={"error": repr(exc)})
            return None

    async def close(self) -> None:
        await self._client.aclose()
