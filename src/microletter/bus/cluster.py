"""The bus and presence on a Redis Cluster: the URL, the cluster client, and the
subscriber that holds one connection per shard. Never imported unless the bus URL is
redis+cluster:// (or rediss+cluster://).

Publishing and presence go through redis-py's `RedisCluster`, which sends each command to
the master of its key's (or shard channel's) slot and follows the cluster's changes.
Subscribing does not use its `ClusterPubSub`, although redis-py (8.0 and up) has one
with sharded subscribe: that one recovers from a failover by itself, silently and
differently from one release to the next, so the bus could not tell when hints may have
been lost, which is what `on_gap` is for. `ShardedSubscriber` is the same idea made
explicit: one plain pub/sub connection per master, each SSUBSCRIBEd to the channels of
the slots that master owns. Any error on any of them (a master that died, a MOVED reply,
a channel whose slot moved away) ends the subscriber; the bus then reads the cluster's
slots again, subscribes everything again on the new owners, and reports a gap, exactly
as it does when a single Redis restarts (bus/redis.py).

No key needs a hash tag: every command names one key (presence: one sorted set per
user), so none crosses slots. A prefix must not contain `{...}`: it would put every
channel and key of the community in one slot, on one master.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import redis.asyncio as redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

SCHEMES = ("redis+cluster:", "rediss+cluster:")
DEFAULT_PORT = 6379


class ClusterURLError(ValueError):
    pass


def is_cluster_url(url: str) -> bool:
    return url.startswith(SCHEMES)


def parse_cluster_url(url: str) -> tuple[list[tuple[str, int]], dict[str, Any], dict[str, str]]:
    """`redis+cluster://[user:password@]host:port,host:port[/0][?prefix=..&sharded=..]`
    → (seed nodes, connection options, the bus's own query options)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    options: dict[str, Any] = {"ssl": parts.scheme.startswith("rediss")}
    if "@" in netloc:
        auth, netloc = netloc.rsplit("@", 1)
        user, _, password = auth.partition(":")
        options["username"] = unquote(user) or None
        options["password"] = unquote(password) or None
    seeds = []
    for seed in filter(None, netloc.split(",")):
        host, port = seed, ""
        if seed.rfind(":") > seed.rfind("]"):  # host:port, [v6]:port
            host, _, port = seed.rpartition(":")
        try:
            seeds.append((host.strip("[]"), int(port) if port else DEFAULT_PORT))
        except ValueError:
            raise ClusterURLError(f"bad Redis Cluster node {seed!r} in the bus URL") from None
    if not seeds:
        raise ClusterURLError("a redis+cluster:// URL names at least one node: host:port")
    if parts.path.strip("/") not in ("", "0"):
        raise ClusterURLError("a Redis Cluster has only database 0 (leave the path out)")
    query = dict(parse_qsl(parts.query))
    if "{" in query.get("prefix", ""):
        raise ClusterURLError("a Redis Cluster prefix must not contain a {hash tag}")
    return seeds, options, query


def open_cluster(url: str) -> tuple[RedisCluster, dict[str, Any], dict[str, str]]:
    """A cluster client (bounded retries: a command waits out a failover for a few
    seconds at most), the options its per-shard connections share, and the query."""
    seeds, options, query = parse_cluster_url(url)
    options.update(socket_connect_timeout=2, socket_timeout=5, socket_keepalive=True)
    client = RedisCluster(
        startup_nodes=[ClusterNode(host, port) for host, port in seeds],
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=6),
        **options,
    )
    return client, options, query


def owner(cluster: RedisCluster, channel: str) -> ClusterNode:
    """The master of a channel's slot, as the cluster client last read the slots."""
    node = cluster.get_node_from_key(channel)
    if node is None:
        raise RedisConnectionError(f"no master serves the slot of {channel!r}")
    return node


class ShardedPublisher:
    """Publishes a batch as one plain pipeline per master, in parallel: redis-py's cluster
    pipeline routes and checks each command in Python, which cost twice the CPU per hint
    here. The batch's channels are sorted to their slot's master by the cluster client's
    slot map; after any error (a dead master, MOVED, CLUSTERDOWN) the next batch reads
    the slots again first, at most every REFRESH seconds, and the error reaches the bus,
    which counts the batch as lost (a hint: the log has it)."""

    REFRESH = 0.2

    def __init__(self, cluster: RedisCluster, options: dict[str, Any], sharded: bool) -> None:
        self._cluster = cluster
        self._options = options
        self._sharded = sharded
        self._clients: dict[str, redis.Redis] = {}
        self._stale = False
        self._refreshed = 0.0

    async def publish(self, out: list[tuple[str, bytes]]) -> None:
        cluster = self._cluster
        if self._stale and time.monotonic() - self._refreshed > self.REFRESH:
            self._refreshed = time.monotonic()
            await cluster.nodes_manager.initialize()
            self._stale = False
        else:
            _ = await cluster.initialize()  # once, at the first publish
        pipes: dict[str, Any] = {}
        first = cluster.get_primaries()[0]
        for channel, payload in out:
            node = owner(cluster, channel) if self._sharded else first
            pipe = pipes.get(node.name)
            if pipe is None:
                pipe = pipes[node.name] = self._client(node).pipeline(transaction=False)
            if self._sharded:
                pipe.spublish(channel, payload)
            else:
                pipe.publish(channel, payload)
        try:
            await asyncio.gather(*(pipe.execute() for pipe in pipes.values()))
        except BaseException:
            self._stale = True
            raise

    def _client(self, node: ClusterNode) -> redis.Redis:
        client = self._clients.get(node.name)
        if client is None:
            client = redis.Redis(
                host=node.host, port=int(node.port), retry=Retry(NoBackoff(), 0), **self._options
            )
            self._clients[node.name] = client
        return client

    async def close(self) -> None:
        for client in self._clients.values():
            with contextlib.suppress(Exception):
                await client.aclose()
        self._clients.clear()


class SlotMoved(RedisConnectionError):
    """A shard channel's slot moved to another master (resharding, or a failed master
    back as a replica): Redis unsubscribed us, so the subscriber starts again."""


class ShardedSubscriber:
    """What the bus needs of a pub/sub connection (bus/redis.py `_PubSub`), over one
    connection per master. Classic SUBSCRIBE (Redis before 7, or `?sharded=0`) goes to
    one master: a cluster broadcasts classic PUBLISH to every node."""

    def __init__(self, cluster: RedisCluster, options: dict[str, Any], refresh: bool) -> None:
        self._cluster = cluster
        self._options = options
        self._refresh = refresh  # read the slots again first (after a failure)
        self._ready = False
        self._clients: dict[str, redis.Redis] = {}
        self._pubsubs: dict[str, Any] = {}  # node name → redis-py PubSub
        self._leaving: dict[bytes, int] = {}  # channels we asked to sunsubscribe
        self._next = 0

    async def _start(self) -> None:
        if self._ready:
            return
        if self._refresh:
            await self._cluster.nodes_manager.initialize()
        else:
            _ = await self._cluster.initialize()
        self._ready = True

    def _pubsub(self, node: ClusterNode) -> Any:
        pubsub = self._pubsubs.get(node.name)
        if pubsub is None:
            # No retry of its own: an error must reach the bus, which starts over.
            client = redis.Redis(
                host=node.host, port=int(node.port), retry=Retry(NoBackoff(), 0), **self._options
            )
            self._clients[node.name] = client
            pubsub = self._pubsubs[node.name] = client.pubsub()
        return pubsub

    def _by_slot(self, channels: tuple[str, ...]) -> list[tuple[ClusterNode, list[str]]]:
        """The channels by slot (one SSUBSCRIBE may not cross slots), with their master."""
        slots: dict[int, list[str]] = {}
        for channel in channels:
            slots.setdefault(self._cluster.keyslot(channel), []).append(channel)
        return [(owner(self._cluster, names[0]), names) for names in slots.values()]

    async def ssubscribe(self, *channels: str) -> None:
        await self._start()
        for node, names in self._by_slot(channels):
            await self._pubsub(node).ssubscribe(*names)

    async def sunsubscribe(self, *channels: str) -> None:
        await self._start()
        for node, names in self._by_slot(channels):
            for name in names:
                key = name.encode()
                self._leaving[key] = self._leaving.get(key, 0) + 1
            await self._pubsub(node).sunsubscribe(*names)

    async def subscribe(self, *channels: str) -> None:
        await self._start()
        await self._pubsub(self._cluster.get_primaries()[0]).subscribe(*channels)

    async def unsubscribe(self, *channels: str) -> None:
        await self._start()
        await self._pubsub(self._cluster.get_primaries()[0]).unsubscribe(*channels)

    async def get_message(self, *, timeout: float) -> dict[str, Any] | None:
        """The next message of any shard: each is asked in turn, the waiting shared."""
        pubsubs = [p for p in self._pubsubs.values() if p.connection is not None]
        if not pubsubs:
            await asyncio.sleep(timeout)  # nothing subscribed yet: the bus's loop must wait
            return None
        share = timeout / len(pubsubs)
        for wait in (0.0, share) if timeout else (0.0,):
            for i in range(len(pubsubs)):
                index = (self._next + i) % len(pubsubs)
                message = await pubsubs[index].get_message(timeout=wait)
                if message is not None:
                    self._next = index  # drain this shard before the next
                    return self._checked(message)
        return None

    def _checked(self, message: dict[str, Any]) -> dict[str, Any]:
        if message["type"] == "sunsubscribe":
            channel = message["channel"]
            count = self._leaving.get(channel, 0)
            if count == 0:
                raise SlotMoved(f"Redis moved shard channel {channel!r} away")
            if count == 1:
                del self._leaving[channel]
            else:
                self._leaving[channel] = count - 1
        return message

    async def aclose(self) -> None:
        for pubsub in self._pubsubs.values():
            with contextlib.suppress(Exception):
                await pubsub.aclose()
        for client in self._clients.values():
            with contextlib.suppress(Exception):
                await client.aclose()
        self._pubsubs.clear()
        self._clients.clear()
