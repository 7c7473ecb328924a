"""A PostgreSQL and a Redis of a test's own, started from the machine's binaries in a
temporary folder on free ports, so fault tests can stop, kill and restart them without
touching the shared servers."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import IO

from tests.support.services import RUN, unavailable

PG_BIN = Path(os.environ.get("MICROLETTER_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


def _as_postgres() -> str | None:
    """initdb and postgres refuse to run as root: run them as the postgres user then
    (as user and group; None runs them as whoever runs the tests)."""
    return "postgres" if os.geteuid() == 0 else None


class PrivatePostgres:
    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists():
            unavailable("PostgreSQL binaries", f"no initdb in {PG_BIN}")
        # Its own folder under the system temp dir: pytest's are root's alone (mode 700).
        self.root = root = Path(tempfile.mkdtemp(prefix="microletter-pg-"))
        self.data = root / "pgdata"
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        subprocess.run(  # noqa: S603 - the machine's own initdb
            [str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"],
            check=True,
            capture_output=True,
            user=_as_postgres(),
            group=_as_postgres(),
        )

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        with open(self.root / "postgres.log", "ab") as log:
            self.proc = self._spawn(log)
        wait_port(self.port)
        for _ in range(100):  # listening is not accepting: wait for the end of recovery
            done = subprocess.run(  # noqa: S603
                [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                capture_output=True,
            )
            if done.returncode == 0:
                return
            time.sleep(0.1)
        raise TimeoutError("postgres did not become ready")

    def _spawn(self, log: IO[bytes]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(  # noqa: S603
            [
                str(PG_BIN / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.root),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "max_connections=60",
                "-c",
                "shared_buffers=32MB",
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
            user=_as_postgres(),
            group=_as_postgres(),
        )

    def stop(self, mode: signal.Signals = signal.SIGINT) -> None:
        """SIGINT: fast shutdown (clients are cut off, committed data stays)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(mode)
            self.proc.wait(30)
        self.proc = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    def __init__(self, root: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("Redis binaries", "no redis-server on PATH")
        self.binary = str(binary)
        self.root = root
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        root.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedisCluster:
    """A Redis Cluster of its own: `masters` masters with one replica each, private
    `redis-server` processes on free ports under `root`, made with `redis-cli --cluster
    create`. A short node timeout (1 s) makes a replica take over a killed master within a
    few seconds. Every process is ended by its PID."""

    NODE_TIMEOUT_MS = 1000

    def __init__(self, root: Path, masters: int = 3) -> None:
        binary, cli = shutil.which("redis-server"), shutil.which("redis-cli")
        if binary is None or cli is None:
            unavailable("Redis binaries", "no redis-server or redis-cli on PATH")
        self.binary, self.cli = str(binary), str(cli)
        self.root = root
        self.masters = masters
        self.ports = [free_port() for _ in range(masters * 2)]
        self.procs: dict[int, subprocess.Popen[bytes]] = {}
        self.killed: set[int] = set()
        self.namespaces = 0
        root.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        """The bus URL of the cluster: every node as a seed."""
        seeds = ",".join(f"127.0.0.1:{port}" for port in self.ports)
        return f"redis+cluster://{seeds}"

    def start(self) -> None:
        for port in self.ports:
            self._spawn(port)
        for port in self.ports:
            wait_port(port)
        subprocess.run(  # noqa: S603 - the machine's own redis-cli
            [
                self.cli,
                "--cluster",
                "create",
                *(f"127.0.0.1:{port}" for port in self.ports),
                "--cluster-replicas",
                "1",
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        self.wait_ok()
        self.wait_replicas()

    def wait_replicas(self, timeout: float = 30.0) -> None:
        """Until every replica has its master's data: a replica that never synced is
        never elected."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            infos = [self.ask(port, "info", "replication") for port in self.procs]
            replicas = [info for info in infos if "role:slave" in info]
            if len(replicas) == self.masters and all(
                "master_link_status:up" in info for info in replicas
            ):
                return
            time.sleep(0.1)
        raise TimeoutError("the Redis Cluster's replicas did not sync")

    def _spawn(self, port: int) -> None:
        folder = self.root / str(port)
        folder.mkdir(exist_ok=True)
        self.procs[port] = subprocess.Popen(  # noqa: S603
            [
                self.binary,
                "--port",
                str(port),
                "--cluster-port",
                str(free_port()),
                "--bind",
                "127.0.0.1",
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                str(folder / "nodes.conf"),
                "--cluster-node-timeout",
                str(self.NODE_TIMEOUT_MS),
                "--save",
                "",
                "--appendonly",
                "no",
                "--repl-diskless-sync-delay",
                "0",
                "--dir",
                str(folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def ask(self, port: int, *command: str) -> str:
        done = subprocess.run(  # noqa: S603
            [self.cli, "-p", str(port), *command], capture_output=True, text=True, timeout=10
        )
        return done.stdout

    def masters_now(self) -> list[int]:
        """The ports of the live masters that serve slots, as a live node sees them."""
        return sorted(self.slots())

    def slot_ranges(self) -> list[tuple[int, int]]:
        """The first slot range of each master that serves slots."""
        return [ranges[0] for ranges in self.slots().values()]

    def slots(self) -> dict[int, list[tuple[int, int]]]:
        """The slot ranges of each live master that serves slots, by its port."""
        live = next(port for port in self.ports if self.alive(port))
        found: dict[int, list[tuple[int, int]]] = {}
        for line in self.ask(live, "cluster", "nodes").splitlines():
            fields = line.split()
            if "master" in fields[2] and "fail" not in fields[2] and len(fields) > 8:
                port = int(fields[1].split("@")[0].rsplit(":", 1)[1])
                ranges = [f.split("-") for f in fields[8:] if not f.startswith("[")]
                found[port] = [(int(r[0]), int(r[-1])) for r in ranges]
        return found

    def owner(self, slot: int, asked: int | None = None) -> int | None:
        """The port of the master that serves `slot`, as node `asked` (else a live one)
        sees it."""
        port = asked if asked is not None else next(p for p in self.ports if self.alive(p))
        for line in self.ask(port, "cluster", "nodes").splitlines():
            fields = line.split()
            if len(fields) > 8 and "master" in fields[2]:
                for f in fields[8:]:
                    if f.startswith("["):
                        continue
                    first, _, last = f.partition("-")
                    if int(first) <= slot <= int(last or first):
                        return int(fields[1].split("@")[0].rsplit(":", 1)[1])
        return None

    def wait_owner(self, slot: int, port: int, timeout: float = 15.0) -> None:
        """Until every live node says master `port` serves `slot` (the new owner's claim
        reaches the replicas by gossip, which a busy machine slows down)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            live = [p for p in self.ports if self.alive(p)]
            if all(self.owner(slot, asked) == port for asked in live):
                return
            time.sleep(0.05)
        raise TimeoutError(f"the nodes do not agree that {port} serves slot {slot}")

    def move_slot(self, slot: int, to: int) -> None:
        """Give an empty slot to the master on port `to` (CLUSTER SETSLOT ... NODE on every
        master, the new owner first), as a resharding does once the slot's keys moved."""
        target = self.ask(to, "cluster", "myid").strip()
        for port in sorted(self.masters_now(), key=lambda p: p != to):
            self.ask(port, "cluster", "setslot", str(slot), "node", target)
        # Replicas learn the new owner by gossip, and take a claim only from a node whose
        # config epoch is newer than the old owner's: without a bump (a slot not migrated
        # through IMPORTING gets none) they could keep the old owner for good.
        self.ask(to, "cluster", "bumpepoch")

    def alive(self, port: int) -> bool:
        proc = self.procs.get(port)
        return proc is not None and proc.poll() is None

    def wait_ok(self, timeout: float = 30.0) -> None:
        """Until every live node says cluster_state:ok and `masters` masters serve slots,
        none of them a killed one (so a failover is over, as far as every node knows)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            live = [port for port in self.ports if self.alive(port)]
            states = [self.ask(port, "cluster", "info") for port in live]
            if all("cluster_state:ok" in state for state in states):
                masters = self.masters_now()
                if len(masters) == self.masters and not self.killed & set(masters):
                    return
            time.sleep(0.1)
        raise TimeoutError("the Redis Cluster did not reach cluster_state:ok")

    def kill(self, port: int) -> None:
        """kill -9 one node."""
        proc = self.procs.pop(port, None)
        self.killed.add(port)
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)

    def close(self) -> None:
        for port in list(self.procs):
            self.kill(port)
        shutil.rmtree(self.root, ignore_errors=True)

    # --- namespaces, for the tests that share one cluster ---

    def new_namespace(self) -> str:
        """A bus URL of its own on this cluster: a key and channel prefix."""
        self.namespaces += 1
        return f"{self.url}?prefix=mlt:{RUN}:c{self.namespaces}:"

    async def drop(self, url: str) -> None:
        """Delete the keys of that namespace, on every master."""
        from redis.asyncio.cluster import ClusterNode, RedisCluster

        prefix = url.split("prefix=", 1)[1]
        live = [port for port in self.ports if self.alive(port)]
        client = RedisCluster(startup_nodes=[ClusterNode("127.0.0.1", p) for p in live])
        try:
            keys = [k async for k in client.scan_iter(match=f"{prefix}*")]
            for key in keys:
                await client.delete(key)
        finally:
            await client.aclose()
