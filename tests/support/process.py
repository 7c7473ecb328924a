"""Run `microletter serve` as a real child process (for crash and CLI tests)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.conftest import FAST_HASH, NO_RATE_LIMITS

URL = re.compile(r"running at (http://\S+)")


def server_env(**extra: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROLETTER_")}
    for key, value in {**FAST_HASH, **NO_RATE_LIMITS, "log_format": "json", **extra}.items():
        env[f"MICROLETTER_{key.upper()}"] = str(value)
    return env


class ServerProcess:
    def __init__(self, data_dir: Path, port: int = 0, **settings: Any) -> None:
        self.data_dir = data_dir
        self.port = port
        self.settings = settings
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.log = open(data_dir.parent / "server.log", "a")  # noqa: SIM115 - closed in close()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 20.0) -> str:
        self.proc = subprocess.Popen(  # noqa: S603 - our own CLI
            [
                sys.executable,
                "-m",
                "microletter",
                "serve",
                "--port",
                str(self.port),
                "--data",
                str(self.data_dir),
            ],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env=server_env(**self.settings),
        )
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"server exited with {self.proc.wait()}")
            if match := URL.search(line):
                self.url = match.group(1)
                self.port = int(self.url.rsplit(":", 1)[1])
                return self.url
        raise TimeoutError("server did not announce its URL")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash or power cut of the process."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self._close_pipes()

    def stop(self) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=20)
        self._close_pipes()
        return code

    def _close_pipes(self) -> None:
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.kill()
        self._close_pipes()
        self.log.close()
