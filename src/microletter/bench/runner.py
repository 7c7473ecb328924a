"""The scenarios of `microletter bench` and the rate search that drives them.

Throughput scenarios (direct, groups, biggroup) hold every connection in load processes
and step the offered rate; catchup, connections, coldstart and upload (uploads.py) measure
one thing each.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
import msgspec

from microletter.bench import procstat, settlement
from microletter.bench.bots import measure as measure_bots
from microletter.bench.chapters import measure as measure_chapters
from microletter.bench.checkout import measure as measure_checkouts
from microletter.bench.load import Conn, Plan, worker_main
from microletter.bench.moments import moments
from microletter.bench.ranking import ranking
from microletter.bench.search import measure as measure_search
from microletter.bench.setup import (
    LocalServer,
    World,
    befriend,
    close_world,
    describe_machine,
    make_group,
    make_users,
    token,
)
from microletter.bench.stats import Report, Step, percentiles
from microletter.bench.transcribing import Transcribing
from microletter.bench.transfers import measure as measure_transfers
from microletter.bench.uploads import measure as measure_uploads

SCENARIOS = (
    "direct",
    "groups",
    "biggroup",
    "catchup",
    "connections",
    "coldstart",
    "upload",
    "search",
    "transfer",
    "bots",
    "checkout",
    "settlement",
    "chapters",
)
DEFAULT_RATE = {"direct": 5000.0, "groups": 1000.0, "biggroup": 100.0}


@dataclass
class Options:
    scenario: str
    duration: float = 10.0
    rate: float | None = None
    find_max: bool = False
    url: str | None = None
    procs: int = 1
    codec: str = "compact"
    streams: bool = True  # clients read large groups' streams (protocol revision 3)
    p99_ms: float = 100.0
    connections: int = 10_000
    warmup: float = 1.0
    log: Callable[[str], None] = print
    scale: float = 1.0  # shrink user counts (the test suite's smoke run)
    messages: int = 1_000_000  # the `search` scenario's history
    queries: int = 2000  # the `search` scenario's timed searches
    # The local server's database (default: SQLite); `search` fills it, so it must be empty.
    database_url: str | None = None
    transcribing: int = 0  # streams converting voice notes to text during the window
    shop_mode: str = "hot"  # `checkout`: one hot product, or each buyer its own (spread)
    workers: int = 1  # the local server's `serve --workers N`


Measure = Callable[["Options", Report, "LocalServer | None"], None]


@dataclass
class Load:
    """Running load processes and how to reach them."""

    pipes: list[Connection]
    procs: list[Any]
    senders: list[int]  # senders per process
    members: dict[int, list[int]]
    base: int = 0
    connect_seconds: list[float] = field(default_factory=list)


def run(options: Options) -> Report:
    """Run one scenario end to end (starting a local server unless --url) and report."""
    report = Report(options.scenario, describe_machine(), _settings(options))
    if options.scenario == "search":  # its own database and server (search.py)
        report.facts.update(
            measure_search(options.messages, options.queries, options.database_url, options.log)
        )
        return report
    server = None
    if options.url is None:
        # `transfer`, `checkout` and `chapters` credit wallets as an operator
        env = {"MICROLETTER_OPERATORS": "benchroot"}
        if options.scenario == "settlement":
            env.update(settlement.ENV)  # settled at once, the scheduler often
        if options.database_url:
            env["MICROLETTER_DATABASE_URL"] = options.database_url
        args = ["--workers", str(options.workers)] if options.workers > 1 else []
        server = LocalServer(env=env, args=args)
        options.url = server.start()
        options.log(f"local server {options.url} (pid {server.pid}, data {server.data_dir})")
    try:
        measure = _MEASURES.get(options.scenario, throughput)
        measure(options, report, server)
    finally:
        if server is not None:
            server.stop()
            server.remove()
    return report


def _people(options: Options, count: int, least: int) -> int:
    """A scenario's number of users, shrunk by --scale but never below `least`."""
    return max(least, int(count * options.scale))


# Each scenario that measures a few facts against the server: its measure function, given
# the options, the server's URL and its data directory (None with --url).
FactsOf = Callable[[Options, str, Path | None], dict[str, Any]]
_FACTS: dict[str, FactsOf] = {
    "transfer": lambda o, url, data: asyncio.run(
        measure_transfers(url, data, _people(o, 16, 2), o.duration, o.warmup, o.log)
    ),
    "bots": lambda o, url, data: measure_bots(url, _people(o, 32, 2), o.duration, o.warmup, o.log),
    "checkout": lambda o, url, data: asyncio.run(
        measure_checkouts(
            url,
            data,
            _people(o, 32, 2),
            o.duration,
            o.shop_mode,
            max(5, int(o.duration * 25)),
            o.log,
        )
    ),
    "chapters": lambda o, url, data: asyncio.run(
        measure_chapters(url, data, _people(o, 16, 1), o.duration, o.warmup, o.log)
    ),
    "settlement": lambda o, url, data: asyncio.run(
        settlement.measure(url, data, _people(o, 8, 2), o.duration, o.warmup, o.log)
    ),
}


def _facts(facts_of: FactsOf) -> Measure:
    def measure(options: Options, report: Report, server: LocalServer | None) -> None:
        assert options.url is not None
        data_dir = None if server is None else server.data_dir
        report.facts.update(facts_of(options, options.url, data_dir))

    return measure


def _settings(options: Options) -> dict[str, Any]:
    return {
        "duration": options.duration,
        "rate": options.rate,
        "find_max": options.find_max,
        "procs": options.procs,
        "codec": options.codec,
        "streams": options.streams,
        "p99_ms": options.p99_ms,
        "url": options.url,
        "scale": options.scale,
        "workers": options.workers,
    }


# --- throughput: direct, groups, biggroup ---


async def _world_for(options: Options) -> tuple[World, list[Conn]]:
    s, name = options.scale, options.scenario
    assert options.url is not None
    if name == "direct":
        world = await make_users(options.url, max(2, int(100 * s)) // 2 * 2, "d")
        conns = [Conn(token(c), world.uid(i)) for i, c in enumerate(world.users)]
        for a in range(0, len(world.users), 2):
            cid = await befriend(world, a, a + 1)
            conns[a].targets.append(cid)
            conns[a + 1].targets.append(cid)
        return world, conns
    if name == "groups":
        size, groups = max(3, int(20 * s)), max(1, int(10 * s))
        world = await make_users(options.url, size * groups, "g")
        conns = [Conn(token(c), world.uid(i)) for i, c in enumerate(world.users)]
        for g in range(groups):
            members = list(range(g * size, (g + 1) * size))
            cid = await make_group(world, members[0], members, f"group {g}")
            for m in members:
                conns[m].targets.append(cid)
        return world, conns
    size = max(6, int(500 * s))
    world = await make_users(options.url, size, "b")
    conns = [Conn(token(c), world.uid(i)) for i, c in enumerate(world.users)]
    cid = await make_group(world, 0, list(range(size)), "big group")
    for sender in range(5):
        conns[sender].targets.append(cid)
    return world, conns


def _start_load(options: Options, conns: list[Conn], members: dict[int, list[int]]) -> Load:
    assert options.url is not None
    ctx = multiprocessing.get_context("spawn")
    shares: list[list[Conn]] = [[] for _ in range(options.procs)]
    for i, conn in enumerate(conns):
        shares[i % options.procs].append(conn)
    load = Load([], [], [sum(1 for c in share if c.targets) for share in shares], members)
    for w, share in enumerate(shares):
        parent, child = ctx.Pipe()
        proc = ctx.Process(
            target=worker_main,
            args=(Plan(options.url, options.codec, share, w, options.streams), child),
        )
        proc.start()
        load.pipes.append(parent)
        load.procs.append(proc)
    for pipe in load.pipes:
        kind, value = pipe.recv()
        if kind == "failed":
            raise RuntimeError(f"a load process failed to connect: {value}")
        load.connect_seconds.append(value)
    return load


def _stop_load(load: Load) -> None:
    for pipe in load.pipes:
        pipe.send(("stop", ()))
    for proc in load.procs:
        proc.join(timeout=30)


def throughput(options: Options, report: Report, server: LocalServer | None) -> None:
    world, conns = asyncio.run(_setup(options))
    options.log(f"setup: {len(conns)} connections, {len(world.members)} conversations")
    load = _start_load(options, conns, world.members)
    hearing = None
    try:
        if options.transcribing:
            assert options.url is not None
            hearing = Transcribing(options.url, options.transcribing, options.log)
            hearing.start()
        if options.find_max:
            _find_max(options, report, server, load)
        else:
            rate = options.rate or DEFAULT_RATE[options.scenario]
            step = _step(options, server, load, rate)
            report.steps.append(step)
            report.best = step if step.passed else None
            options.log(report.table().splitlines()[-1])
    finally:
        if hearing is not None:
            report.facts.update(hearing.stop())
        _stop_load(load)


async def _setup(options: Options) -> tuple[World, list[Conn]]:
    world, conns = await _world_for(options)
    await close_world(world)
    return world, conns


def _step(options: Options, server: LocalServer | None, load: Load, rate: float) -> Step:
    total_senders = sum(load.senders)
    t0 = time.monotonic() + 0.3
    for pipe, senders in zip(load.pipes, load.senders, strict=True):
        share = rate * senders / total_senders
        pipe.send(("step", (share, t0, options.warmup, options.duration, load.base)))
    load.base += int(rate * (options.warmup + options.duration)) + 1
    window_start = t0 + options.warmup
    time.sleep(max(0.0, window_start - time.monotonic()))
    cpu0 = _cpu_snapshot(server, load)
    time.sleep(max(0.0, window_start + options.duration - time.monotonic()))
    cpu1 = _cpu_snapshot(server, load)
    results = [pipe.recv() for pipe in load.pipes]
    step = Step(offered_rate=rate, seconds=options.duration)
    acks: list[float] = []
    e2e: list[float] = []
    delivery_bytes = other_bytes = 0
    for kind, result in results:
        if kind != "stepped":
            raise RuntimeError(f"a load process failed: {result}")
        acks += result["ack"]
        e2e += result["e2e"]
        step.sends += result["sent"]
        step.errors += result["errors"]
        delivery_bytes += result["delivery_bytes"]
        other_bytes += result["other_bytes"]
        for cid, count in result["sent_by_conversation"].items():
            step.expected_deliveries += count * (len(load.members[int(cid)]) - 1)
    step.acks = len(acks)
    step.deliveries = len(e2e)
    step.ack_ms = percentiles(acks)
    step.e2e_ms = percentiles(e2e)
    if step.deliveries:
        step.bytes_per_delivery = round(delivery_bytes / step.deliveries, 1)
        step.bytes_per_message = round((delivery_bytes + other_bytes) / max(step.sends, 1), 1)
    _apply_cpu(step, cpu0, cpu1, options.duration, server)
    p99 = step.e2e_ms.get("p99")
    step.passed = (
        step.errors == 0
        and step.delivered_ratio >= 0.999
        and step.acks >= 0.999 * step.sends
        and step.sends >= 0.95 * rate * options.duration
        and p99 is not None
        and p99 < options.p99_ms
    )
    return step


def _cpu_snapshot(server: LocalServer | None, load: Load) -> dict[str, float]:
    snap = {
        "load": sum(procstat.cpu_seconds(p.pid) for p in load.procs),
        "machine": procstat.machine_cpu_seconds(),
        "at": time.monotonic(),
    }
    if server is not None and server.args:  # --workers: every process of the server
        roles = procstat.role_cpu_seconds(server.pid)
        snap["server"] = sum(roles.values())
        snap.update({f"role:{role}": cpu for role, cpu in roles.items()})
    elif server is not None:
        snap["server"] = procstat.cpu_seconds(server.pid)
    return snap


def _apply_cpu(
    step: Step, a: dict[str, float], b: dict[str, float], seconds: float, server: LocalServer | None
) -> None:
    span = b["at"] - a["at"] or seconds
    step.loadgen_cpu = round((b["load"] - a["load"]) / span, 2)
    step.machine_cpu = round((b["machine"] - a["machine"]) / span, 2)
    if server is not None:
        step.server_cpu = round((b["server"] - a["server"]) / span, 3)
        step.server_cpu_roles = {
            key.removeprefix("role:"): round((b[key] - a[key]) / span, 3)
            for key in b
            if key.startswith("role:") and key in a
        }
        step.server_rss_kib = procstat.memory_kib(server.pid).get("VmHWM")


def _find_max(options: Options, report: Report, server: LocalServer | None, load: Load) -> None:
    """×1.5 until a step fails, bisect between the best pass and the first failure,
    then confirm the best passing rate with a repeat."""
    rate = options.rate or DEFAULT_RATE[options.scenario] / 5
    best: Step | None = None
    failed: float | None = None
    while failed is None:
        step = _run_logged(options, server, load, rate, report)
        if step.passed:
            best, rate = step, rate * 1.5
        else:
            failed = rate
    low = best.offered_rate if best else rate / 4
    for _ in range(3):
        middle = (low + failed) / 2
        step = _run_logged(options, server, load, middle, report)
        if step.passed:
            best, low = step, middle
        else:
            failed = middle
    if best is not None:
        confirm = _run_logged(options, server, load, best.offered_rate, report)
        report.best = confirm if confirm.passed else best
    report.facts["max_passing_rate"] = report.best.offered_rate if report.best else None


def _run_logged(
    options: Options, server: LocalServer | None, load: Load, rate: float, report: Report
) -> Step:
    step = _step(options, server, load, rate)
    report.steps.append(step)
    options.log(report.table().splitlines()[-1])
    return step


# --- catchup ---


async def catchup(options: Options, report: Report, backlog: int = 2000) -> None:
    """A device is offline while `backlog` messages arrive in its conversations; time from
    its reconnect until it holds them all."""
    assert options.url is not None
    backlog = max(50, int(backlog * options.scale))
    rounds = max(1, round(5 * options.scale))
    world = await make_users(options.url, 5, "c")
    convs = [await befriend(world, 0, i) for i in range(1, 5)]
    times: list[float] = []
    decoder = msgspec.json.decode if options.codec == "json" else msgspec.msgpack.decode
    protocol = "microletter.v1." + options.codec
    try:
        for r in range(rounds):
            cursor = (await world.users[0].state())["cursor"]
            await _send_backlog(world, convs, backlog, r)
            async with aiohttp.ClientSession() as session:
                started = time.monotonic()
                async with session.ws_connect(
                    options.url.replace("http", "ws", 1) + "/ws",
                    protocols=(protocol,),
                    max_msg_size=0,
                ) as ws:
                    hello = {"t": "hello", "token": token(world.users[0]), "after": cursor}
                    if options.codec != "json":
                        await ws.send_bytes(msgspec.msgpack.encode(hello))
                    else:
                        await ws.send_json(hello)
                    got = 0
                    async for msg in ws:
                        frame = decoder(msg.data)
                        if isinstance(frame, list) or frame.get("t") == "ev":
                            got += 1
                        elif frame.get("t") == "synced":
                            break
                    times.append(time.monotonic() - started)
                    if got < backlog:
                        raise RuntimeError(f"catch-up delivered {got} of {backlog}")
    finally:
        await close_world(world)
    report.facts.update(
        backlog=backlog,
        rounds=rounds,
        codec=options.codec,
        seconds_median=round(statistics.median(times), 4),
        seconds_min=round(min(times), 4),
        seconds_max=round(max(times), 4),
    )


async def _send_backlog(world: World, convs: list[int], count: int, round_: int) -> None:
    async def sender(i: int) -> None:
        client = world.users[i + 1]
        for n in range(i, count, len(convs)):
            await client.send_text(convs[i], f"backlog {n}", client_msg_id=f"b{round_}.{n}")

    await asyncio.gather(*(sender(i) for i in range(len(convs))))


# --- connections ---


def connections(options: Options, report: Report, server: LocalServer | None) -> None:
    """N idle authenticated connections: time to connect them all and memory each."""
    count = options.connections
    users = max(1, count // 10)
    world = asyncio.run(_users_only(options, users))
    conns = [Conn(token(world.users[i % users]), world.uid(i % users)) for i in range(count)]
    before = procstat.memory_kib(server.pid)["VmRSS"] if server else None
    started = time.monotonic()
    load = _start_load(options, conns, {})
    took = time.monotonic() - started
    try:
        time.sleep(1.0)
        after = procstat.memory_kib(server.pid)["VmRSS"] if server else None
        report.facts.update(
            connections=count,
            users=users,
            seconds_to_connect_all=round(max(load.connect_seconds), 2),
            seconds_including_process_start=round(took, 2),
        )
        if before is not None and after is not None:
            report.facts.update(
                server_rss_before_mib=round(before / 1024, 1),
                server_rss_after_mib=round(after / 1024, 1),
                kib_per_connection=round((after - before) / count, 2),
            )
    finally:
        _stop_load(load)


async def _users_only(options: Options, count: int) -> World:
    assert options.url is not None
    world = await make_users(options.url, count, "n")
    await close_world(world)
    return world


# --- upload ---


def upload(options: Options, report: Report, server: LocalServer | None) -> None:
    """Images, then voice notes, uploaded by `8 * scale` users at once, then videos of
    60 s at 720p (2 s at 320x240 in a scaled-down run) one at a time (see uploads.py)."""
    assert options.url is not None
    users = max(2, int(8 * options.scale))
    pid = server.pid if server is not None else None
    video = (60.0, (1280, 720)) if options.scale >= 1 else (2.0, (320, 240))
    facts = asyncio.run(
        measure_uploads(
            options.url, users, options.duration, options.warmup, pid, options.log, video
        )
    )
    report.facts.update(facts)


# --- coldstart ---


def coldstart(options: Options, report: Report, server: LocalServer | None) -> None:
    """From process start to answering /healthz, on an existing (migrated) database."""
    if server is None:
        raise SystemExit("coldstart measures a local server; drop --url")
    server.stop()
    times = []
    rounds = max(1, round(5 * options.scale))
    for _ in range(rounds):
        again = LocalServer(server.data_dir)
        started = time.monotonic()
        url = again.start()
        asyncio.run(_wait_healthy(url))
        times.append(time.monotonic() - started)
        again.stop()
    first = LocalServer()
    started = time.monotonic()
    asyncio.run(_wait_healthy(first.start()))
    fresh = time.monotonic() - started
    first.stop()
    first.remove()
    report.facts.update(
        rounds=rounds,
        seconds_median=round(statistics.median(times), 3),
        seconds_max=round(max(times), 3),
        seconds_first_start_with_migration=round(fresh, 3),
    )


async def _wait_healthy(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                await asyncio.sleep(0.005)


def _catchup(options: Options, report: Report, server: LocalServer | None) -> None:
    asyncio.run(catchup(options, report))


# How each scenario but `search` and the throughput ones (direct, groups, biggroup) runs
# against its server.
_MEASURES: dict[str, Measure] = {
    "coldstart": coldstart,
    "catchup": _catchup,
    "connections": connections,
    "upload": upload,
    "moments": moments,
    "ranking": ranking,
    **{name: _facts(facts_of) for name, facts_of in _FACTS.items()},
}
