"""`microletter bench redpacket`: red packets opened as fast as the server allows.

`stream`: one group of 500, a stream of 100-share lucky packets, each sent when the one
before is empty; every member tries to open each one. `many`: several groups at once,
each with its own sender and its own stream. The crowd is written into the database
before the server starts (crowd.py); the openers are in load processes, each member
online on its own WebSocket and opening with `open_red_packet` frames (`via="ws"`, as
the web client does; it also receives every card and note of its log, as a phone would),
or with HTTP requests on shared keep-alive connections (`via="http"`).

A member who hears that a packet is empty (`redpacket.exhausted`, from any member of the
same load process) does not try it any more, as a phone that saw the card turn grey
would not. Reported: successful opens per second (over the whole stream, sending
included, and over the opening phases only), failed opens by code, and latency
percentiles of the opens.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
import msgspec

from microletter.bench import procstat
from microletter.bench.crowd import PAY_PASSWORD, Crowd, seed_crowd
from microletter.bench.setup import LocalServer, describe_machine
from microletter.bench.stats import percentiles


@dataclass
class Options:
    mode: str = "stream"  # stream or many
    packets: int = 50  # per sender
    members: int = 500  # of each group
    shares: int = 100
    groups: int = 10  # `many`: groups (and senders) at once
    procs: int = 2  # load processes
    concurrency: int = 32  # open requests in flight per load process (its connections)
    database_url: str | None = None  # default: SQLite in a temporary folder
    workers: int = 1  # server processes (PostgreSQL)
    via: str = "ws"  # ws (open_red_packet frames, a WebSocket per member) or http
    log: Any = print


@dataclass
class Result:
    mode: str
    backend: str
    workers: int
    via: str = "ws"
    packets: int = 0
    opens: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    open_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    server_cpu: float = 0.0
    machine: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        p = {k: v or 0.0 for k, v in percentiles(self.latencies).items()}
        return (
            f"redpacket {self.mode} on {self.backend} ({self.workers} server process(es),"
            f" opening over {self.via}):"
            f" {self.packets} packets, {self.opens} successful opens in {self.seconds:.1f} s ="
            f" {self.opens / max(self.seconds, 1e-9):,.0f} opens/s"
            f" ({self.opens / max(self.open_seconds, 1e-9):,.0f}/s while opening);"
            f" failed opens {sum(self.failed.values())} {dict(self.failed)};"
            f" open latency p50 {p['p50']:.1f} ms, p99 {p['p99']:.1f} ms, max {p['max']:.1f} ms;"
            f" server CPU {self.server_cpu:.1f} s"
        )


def run(options: Options) -> Result:
    folder = Path(tempfile.mkdtemp(prefix="microletter-redpacket-"))
    url = options.database_url or f"sqlite:///{folder / 'microletter.db'}"
    backend = "postgresql" if url.startswith("postgres") else "sqlite"
    many = options.mode == "many"
    senders = options.groups if many else 1
    users = options.members if not many else max(options.members, options.groups)
    options.log(f"seeding {users} users and {senders} group(s) of {options.members} ...")
    crowd = asyncio.run(
        seed_crowd(url, users, groups=senders, group_size=options.members, senders=senders)
    )
    env = {"MICROLETTER_DATABASE_URL": url, "MICROLETTER_REDPACKET_MAX_SHARES": "500"}
    if options.workers > 1:
        env["MICROLETTER_BUS_URL"] = os.environ.get("MICROLETTER_BUS_URL", "redis://127.0.0.1:6379")
    args = ["--workers", str(options.workers)] if options.workers > 1 else []
    server = LocalServer(folder / "data", env=env, args=args)
    base = server.start()
    result = Result(options.mode, backend, options.workers, options.via, machine=describe_machine())
    try:
        _drive(options, crowd, base, senders, result, server.pid)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return result


def _drive(
    options: Options, crowd: Crowd, base: str, senders: int, result: Result, server_pid: int
) -> None:
    """Start the load processes, then run the stream; the server's CPU is counted from
    when every member is connected (connecting 500 WebSockets is not opening)."""
    ctx = multiprocessing.get_context("spawn")
    pipes: list[Connection] = []
    procs = []
    members = crowd.tokens  # every user opens (the senders too: allowed in a group)
    for w in range(options.procs):
        parent, child = ctx.Pipe()
        mine = members[w :: options.procs]
        proc = ctx.Process(
            target=_load_main, args=(base, mine, options.concurrency, options.via, child)
        )
        proc.start()
        pipes.append(parent)
        procs.append(proc)
    try:
        for pipe in pipes:
            assert pipe.recv() == "ready"
        cpu0 = procstat.tree_cpu_seconds(server_pid)
        asyncio.run(_stream(options, crowd, base, senders, pipes, result))
        result.server_cpu = procstat.tree_cpu_seconds(server_pid) - cpu0
    finally:
        for pipe in pipes:
            pipe.send(None)
        for proc in procs:
            proc.join(timeout=30)


async def _stream(
    options: Options,
    crowd: Crowd,
    base: str,
    senders: int,
    pipes: list[Connection],
    result: Result,
) -> None:
    async with aiohttp.ClientSession() as http:

        def tokens() -> asyncio.Future[list[str]]:
            return asyncio.gather(*(_token(http, base, crowd, s) for s in range(senders)))

        started = time.monotonic()
        ready = tokens()
        for round_ in range(options.packets):
            paid = await ready
            sent = await asyncio.gather(
                *(_send(http, base, crowd, s, paid[s], options, round_) for s in range(senders))
            )
            ready = tokens()  # the next round's payment tokens, while this one is opened
            t0 = time.monotonic()
            for pipe in pipes:
                pipe.send(sent)
            for pipe in pipes:
                ok, failed, latencies = await asyncio.to_thread(pipe.recv)
                result.opens += ok
                result.failed.update(failed)
                result.latencies += latencies
            result.open_seconds += time.monotonic() - t0
            result.packets += len(sent)
            if round_ % 10 == 9:
                options.log(f"  {result.packets} packets, {result.opens} opens")
        result.seconds = time.monotonic() - started
        await ready


async def _token(http: aiohttp.ClientSession, base: str, crowd: Crowd, s: int) -> str:
    headers = {"Authorization": f"Bearer {crowd.tokens[s]}"}
    async with http.post(
        base + "/api/v1/wallet/pay-password/verify",
        json={"pay_password": PAY_PASSWORD},
        headers=headers,
    ) as r:
        return str((await r.json())["payment_token"])


async def _send(
    http: aiohttp.ClientSession,
    base: str,
    crowd: Crowd,
    s: int,
    token: str,
    options: Options,
    n: int,
) -> int:
    headers = {"Authorization": f"Bearer {crowd.tokens[s]}"}
    body = {
        "kind": "lucky",
        "amount": options.shares * 100,
        "shares": options.shares,
        "greeting": "bench",
        "idempotency_key": f"bench-{s}-{n}",
        "payment_token": token,
    }
    cid = crowd.groups[s]
    async with http.post(
        f"{base}/api/v1/conversations/{cid}/red-packets", json=body, headers=headers
    ) as r:
        reply = await r.json()
        if r.status != 201:
            raise RuntimeError(f"sending a packet failed: {reply}")
        return int(reply["packet"]["id"])


def _load_main(base: str, tokens: list[str], concurrency: int, via: str, pipe: Connection) -> None:
    asyncio.run((_load_ws if via == "ws" else _load)(base, tokens, concurrency, pipe))


class _Http:
    """A bare HTTP/1.1 keep-alive connection: the openers' requests are all alike, and
    the load shares the machine with the server, so each costs tens of microseconds
    here rather than the general client's hundreds."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, base: str) -> _Http:
        host, port = base.removeprefix("http://").rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port))
        return cls(reader, writer)

    async def post(self, path: str, token: str) -> tuple[int, bytes]:
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n"
            "Content-Length: 0\r\n\r\n".encode()
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        return status, await self.reader.readexactly(length)


async def _load(base: str, tokens: list[str], concurrency: int, pipe: Connection) -> None:
    free: asyncio.Queue[_Http] = asyncio.Queue()
    for _ in range(concurrency):
        free.put_nowait(await _Http.connect(base))
    pipe.send("ready")
    while True:
        packets = await asyncio.to_thread(pipe.recv)
        if packets is None:
            return
        opening = _Round(free=free)
        await asyncio.gather(*(opening.open(t, p) for p in packets for t in tokens))
        pipe.send((opening.ok, opening.failed, opening.latencies))


class _Member:
    """One member online: a WebSocket (compact MessagePack frames) that reads everything
    the server pushes (cards, notes) and answers `open` by the frame with its ref."""

    decoder = msgspec.msgpack.Decoder()
    encoder = msgspec.msgpack.Encoder()

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.refs = 0
        self.reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def connect(cls, http: aiohttp.ClientSession, base: str, token: str) -> _Member:
        ws = await http.ws_connect(
            base.replace("http", "ws", 1) + "/ws", protocols=("microletter.v1.compact",)
        )
        await ws.send_bytes(cls.encoder.encode({"t": "hello", "token": token}))
        while True:  # ready, then synced (nothing to catch up on: a new crowd)
            frame = cls.decoder.decode(await ws.receive_bytes())
            if isinstance(frame, dict) and frame.get("t") == "synced":
                return cls(ws)

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.BINARY:
                break
            frame = self.decoder.decode(msg.data)
            if isinstance(frame, dict):  # not an event (those are arrays in compact)
                waiter = self.waiting.pop(frame.get("ref", -1), None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(frame)

    async def open(self, pid: int) -> dict[str, Any]:
        self.refs += 1
        ref = self.refs
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[ref] = waiter
        frame = {"t": "open_red_packet", "packet_id": pid, "ref": ref}
        await self.ws.send_bytes(self.encoder.encode(frame))
        return await waiter


async def _load_ws(base: str, tokens: list[str], concurrency: int, pipe: Connection) -> None:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        members: list[_Member] = []
        for start in range(0, len(tokens), 50):  # not all at once: the server's backlog
            members += await asyncio.gather(
                *(_Member.connect(http, base, t) for t in tokens[start : start + 50])
            )
        pipe.send("ready")
        slots = asyncio.Semaphore(concurrency)  # opens in flight, as with HTTP
        while True:
            packets = await asyncio.to_thread(pipe.recv)
            if packets is None:
                break
            opening = _WsRound(slots=slots)
            await asyncio.gather(*(opening.open(m, p) for p in packets for m in members))
            pipe.send((opening.ok, opening.failed, opening.latencies))
        for m in members:
            await m.ws.close()


@dataclass
class _Tally:
    ok: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    empty: set[int] = field(default_factory=set)

    def count(self, pid: int, code: str | None) -> None:
        if code is None:
            self.ok += 1
            return
        self.failed[code] += 1
        if code in ("redpacket.exhausted", "redpacket.expired"):
            self.empty.add(pid)


@dataclass
class _WsRound(_Tally):
    """One load process's opens of one round of packets, over its members' WebSockets."""

    slots: asyncio.Semaphore = field(default_factory=asyncio.Semaphore)

    async def open(self, member: _Member, pid: int) -> None:
        if pid in self.empty:
            return
        async with self.slots:
            if pid in self.empty:  # heard while waiting for a slot
                return
            t = time.perf_counter()
            reply = await member.open(pid)
            self.latencies.append(time.perf_counter() - t)
        self.count(pid, None if reply["t"] == "opened" else str(reply["error"]["code"]))


@dataclass
class _Round(_Tally):
    """One load process's opens of one round of packets, over HTTP."""

    free: asyncio.Queue[_Http] = field(default_factory=asyncio.Queue)

    async def open(self, token: str, pid: int) -> None:
        if pid in self.empty:
            return
        http = await self.free.get()
        try:
            if pid in self.empty:  # heard while waiting for a connection
                return
            t = time.perf_counter()
            status, body = await http.post(f"/api/v1/red-packets/{pid}/open", token)
            self.latencies.append(time.perf_counter() - t)
        finally:
            self.free.put_nowait(http)
        self.count(pid, None if status == 200 else str(msgspec.json.decode(body)["error"]["code"]))
