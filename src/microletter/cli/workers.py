"""`microletter serve --workers N`: N full server processes sharing one port.

The parent reserves the port (bound with SO_REUSEPORT but never listening, so the kernel
hands it no connection), starts N `microletter serve` children with the same settings
and `reuse_port`, and lets the kernel spread connections over them. It announces the URL
once every child is ready, restarts a child that dies, and on SIGTERM/SIGINT stops them
all gracefully. Only valid on PostgreSQL + Redis (Settings.validate says why).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from microletter.media import load_secret
from microletter.settings import PREFIX, Settings, env_text

log = logging.getLogger(__name__)

_READY = re.compile(r"running at (http://\S+)")
RESTART_DELAY = 1.0


def reserve_port(host: str, port: int) -> socket.socket:
    """Bind (without listening) so that port 0 becomes one fixed port for all children."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def child_env(settings: Settings, port: int) -> dict[str, str]:
    """The parent's environment, with every setting spelled out for the child."""
    env = dict(os.environ)
    for f in fields(settings):
        env[f"{PREFIX}{f.name.upper()}"] = env_text(getattr(settings, f.name))
    env[f"{PREFIX}DATABASE_URL"] = settings.effective_database_url
    env[f"{PREFIX}WORKERS"] = "1"
    env[f"{PREFIX}REUSE_PORT"] = "1"
    env[f"{PREFIX}PORT"] = str(port)
    return env


class Supervisor:
    def __init__(self, settings: Settings, announce: Callable[[str, int], None]) -> None:
        self.settings = settings
        self.announce = announce
        self.children: list[asyncio.subprocess.Process | None] = [None] * settings.workers
        self.stopping = False

    async def run(self) -> int:
        # Made once here, so the children read one key (not race to create it).
        load_secret(self.settings.data_dir, self.settings.media_secret.reveal())
        sock = reserve_port(self.settings.host, self.settings.port)
        port = sock.getsockname()[1]
        env = child_env(self.settings, port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        ready: list[asyncio.Future[str]] = [loop.create_future() for _ in self.children]
        keepers = [
            asyncio.create_task(self._keep(i, env, ready[i])) for i in range(len(self.children))
        ]
        try:
            all_ready: asyncio.Future[Any] = asyncio.ensure_future(asyncio.gather(*ready))
            stopped: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
            await asyncio.wait([all_ready, stopped], return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if not stop.is_set():
                urls = await asyncio.gather(*ready)
                self.announce(urls[0], len(urls))
                await stop.wait()
        finally:
            self.stopping = True
            await self._stop_all()
            for keeper in keepers:
                keeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await keeper
            sock.close()
        return 0

    async def _keep(self, i: int, env: dict[str, str], ready: asyncio.Future[str]) -> None:
        """Run child i; start it again if it dies (unless we are stopping)."""
        while not self.stopping:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "microletter",
                "serve",
                env=env,
                stdout=asyncio.subprocess.PIPE,
            )
            self.children[i] = proc
            assert proc.stdout is not None
            async for raw in proc.stdout:
                line = raw.decode(errors="replace")
                match = _READY.search(line)
                if match and not ready.done():
                    ready.set_result(match.group(1))
            code = await proc.wait()
            if self.stopping:
                return
            log.warning("workers.child_exited", extra={"worker": i, "code": code})
            await asyncio.sleep(RESTART_DELAY)

    async def _stop_all(self) -> None:
        running = [p for p in self.children if p is not None and p.returncode is None]
        for proc in running:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        for proc in running:
            try:
                async with asyncio.timeout(20):
                    await proc.wait()
            except TimeoutError:
                proc.kill()


def run(settings: Settings, announce: Callable[[str, int], None]) -> int:
    return asyncio.run(Supervisor(settings, announce).run())
