"""SQLite's writer behind a Unix socket, in the test's own event loop: the writer
(`storage.open_writer`) and the bus relay (`bus.open_relay`) that `serve --workers N`
runs in processes of their own. Whatever connects to them (a RemoteDatabase, a local://
bus) goes through the socket, pickling and batching exactly as a gateway process does."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from microletter.bus import Relay, open_relay
from microletter.core.ids import IdGenerator
from microletter.core.limits import Limits
from microletter.storage import Closable, open_writer


class SocketRunner:
    """A writer serving `db_path`, and a bus relay, on sockets in a short private folder
    (a socket's path must fit in 108 bytes; pytest's tmp_path may not)."""

    def __init__(self, db_path: Path, limits: Limits | None = None) -> None:
        self.db_path = db_path
        self.limits = limits or Limits()
        self.folder = tempfile.mkdtemp(prefix="ml-test-")
        self.writer_socket = str(Path(self.folder) / "writer.sock")
        self.bus_url = f"local://{self.folder}/bus.sock"
        self.writer: Closable | None = None
        self.relay: Relay | None = None

    async def start(self) -> SocketRunner:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self.writer = await open_writer(
            f"sqlite:///{self.db_path}", self.writer_socket, IdGenerator(0), self.limits
        )
        self.relay = await open_relay(self.bus_url.removeprefix("local://"))
        return self

    @property
    def settings(self) -> dict[str, Any]:
        """What a Server needs to be a gateway of this writer."""
        return {
            "database_url": f"sqlite:///{self.db_path}",
            "writer_socket": self.writer_socket,
            "bus_url": self.bus_url,
        }

    async def close(self) -> None:
        if self.writer is not None:
            await self.writer.close()
        if self.relay is not None:
            await self.relay.close()
        shutil.rmtree(self.folder, ignore_errors=True)
