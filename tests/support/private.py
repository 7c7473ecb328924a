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

from tests.support.services import unavailable

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
