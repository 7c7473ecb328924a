"""The realtime client: one device's live connection to /ws.

It reconnects with exponential backoff, resumes from its cursor (so every event arrives
once, in order, across reconnects), and re-sends unacknowledged messages with their
original client_msg_id (so none is lost and none doubled).

    rt = client.realtime(cursor=saved_cursor)
    await rt.start()
    message = await rt.send_text(conversation_id, "hello")
    async for event in rt.events():
        ...  # {"seq", "kind", "data"}; rt.cursor is the seq to save

With `streams=True` (protocol revision 3) the device reads large groups from their
streams: their messages arrive as events with `"seq": None` and `"stream": True`, once
each (a copy that also comes through the log is dropped); save `rt.positions` (the last
seq of each conversation) with the cursor and pass both back.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import aiohttp

from microletter.client.rest import ApiError, Client, Json, new_client_msg_id

log = logging.getLogger(__name__)

RETRYABLE = {"unavailable", "rate_limited", "internal"}
FATAL_CLOSE = {4001}  # authentication failed or device logged out


class Realtime:
    def __init__(
        self,
        client: Client,
        *,
        cursor: int | None = None,
        epoch: str | None = None,
        min_backoff: float = 0.1,
        max_backoff: float = 10.0,
        on_event: Callable[[Json], None] | None = None,
        streams: bool = False,
        positions: dict[int, int] | None = None,
    ) -> None:
        self.client = client
        self.cursor = cursor
        self.streams = streams
        # The last message seq this device has of each conversation (streams only).
        self.positions: dict[int, int] = dict(positions or {})
        self.revision = 1  # the server's, from `ready`
        self.epoch = epoch
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.on_event = on_event
        self.connected = asyncio.Event()
        self.synced = asyncio.Event()
        self.resets = 0
        self.connects = 0
        self.fatal: ApiError | None = None
        self._queue: asyncio.Queue[Json | None] = asyncio.Queue()  # None: refused for good
        self._pending: dict[str, tuple[Json, asyncio.Future[Json]]] = {}
        self._refs = itertools.count(1)
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return self.client.base_url.replace("http", "ws", 1) + "/ws"

    async def start(self, wait: bool = True) -> None:
        """Connect (in the background, for good); with `wait`, until caught up."""
        self._task = asyncio.get_running_loop().create_task(self._run())
        if wait:
            await self.wait_synced()

    async def wait_synced(self, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while not self.synced.is_set():
                if self.fatal is not None:
                    raise self.fatal
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(0.05):
                        await self.synced.wait()

    async def close(self) -> None:
        self._closed = True
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for _, future in self._pending.values():
            if not future.done():
                future.cancel()

    async def drop(self) -> None:
        """Break the connection as a network would (for tests); it reconnects by itself."""
        if self._ws is not None:
            await self._ws.close(code=4999, message=b"client dropped")

    # --- requests ---

    async def send_text(
        self,
        conversation_id: int,
        text: str,
        *,
        client_msg_id: str | None = None,
        reply_to: int | None = None,
        mentions: list[int] | None = None,
        mention_all: bool = False,
    ) -> Json:
        """Send, and return the message once the server acked it (after its commit)."""
        frame: Json = {
            "t": "send",
            "conversation_id": conversation_id,
            "client_msg_id": client_msg_id or new_client_msg_id(),
            "text": text,
            "reply_to": reply_to,
            "mentions": mentions or [],
            "mention_all": mention_all,
        }
        reply = await self._request(frame)
        message: Json = reply["message"]
        return message

    async def send_media(
        self,
        conversation_id: int,
        media: Json,
        *,
        caption: str | None = None,
        client_msg_id: str | None = None,
        reply_to: int | None = None,
    ) -> Json:
        """Send an uploaded Media (from `Client.upload`) as an image, voice, video or file
        message; acked, re-sent and deduplicated like `send_text`."""
        frame: Json = {
            "t": "send",
            "conversation_id": conversation_id,
            "client_msg_id": client_msg_id or new_client_msg_id(),
            "kind": media["kind"],
            "media_id": media["id"],
            "text": caption,
            "reply_to": reply_to,
        }
        reply = await self._request(frame)
        message: Json = reply["message"]
        return message

    async def mark_read(self, conversation_id: int, seq: int) -> int:
        reply = await self._request({"t": "read", "conversation_id": conversation_id, "seq": seq})
        last: int = reply["last_read_seq"]
        return last

    async def recall(self, conversation_id: int, seq: int) -> Json:
        reply = await self._request({"t": "recall", "conversation_id": conversation_id, "seq": seq})
        message: Json = reply["message"]
        return message

    async def typing(self, conversation_id: int) -> None:
        await self._write({"t": "typing", "conversation_id": conversation_id})

    async def open_red_packet(self, packet_id: int) -> Json:
        """Open a red packet on the socket (protocol revision 2): the `opened` frame
        {packet_id, conversation_id, amount, finished, currency}. Safe to send again
        after a reconnect: a second open is `redpacket.already_opened` with the amount."""
        return await self._request({"t": "open_red_packet", "packet_id": packet_id})

    async def _request(self, frame: Json) -> Json:
        ref = f"r{next(self._refs)}"
        frame["ref"] = ref
        future: asyncio.Future[Json] = asyncio.get_running_loop().create_future()
        self._pending[ref] = (frame, future)
        with contextlib.suppress(ConnectionError, aiohttp.ClientError, RuntimeError):
            await self._write(frame)  # if this fails, the reconnect re-sends it
        try:
            return await future
        finally:
            self._pending.pop(ref, None)

    async def _write(self, frame: Json) -> None:
        ws = self._ws
        if ws is not None and not ws.closed and self.connected.is_set():
            await ws.send_json(frame)

    # --- events ---

    async def events(self) -> AsyncIterator[Json]:
        """Events in order; ends by raising the refusal if the server refuses this device."""
        while True:
            yield await self.next_event(timeout=None)

    async def next_event(self, timeout: float | None = 5.0) -> Json:
        async with asyncio.timeout(timeout):
            event = await self._queue.get()
        if event is None:
            self._queue.put_nowait(None)  # every later caller learns it too
            assert self.fatal is not None
            raise self.fatal
        return event

    def pending_events(self) -> list[Json]:
        """Events received but not yet taken, without waiting."""
        items = []
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if item is None:
                self._queue.put_nowait(None)
                break
            items.append(item)
        return items

    # --- the connection loop ---

    async def _run(self) -> None:
        failures = 0
        while not self._closed:
            try:
                async with self.client.session.ws_connect(
                    self.url, protocols=("microletter.v1.json",), heartbeat=30, max_msg_size=0
                ) as ws:
                    self._ws = ws
                    if await self._session(ws):
                        failures = 0
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                log.debug("realtime.connect_failed", extra={"error": str(exc)})
            finally:
                self._ws = None
                self.connected.clear()
                self.synced.clear()
            if self._closed or self.fatal is not None:
                return
            failures += 1
            delay = min(self.max_backoff, self.min_backoff * 2 ** min(failures, 10))
            await asyncio.sleep(delay * (0.5 + random.random() / 2))  # noqa: S311 - jitter

    async def _session(self, ws: aiohttp.ClientWebSocketResponse) -> bool:
        """One connection's life; True if it got as far as `ready`."""
        await ws.send_json(
            {
                "t": "hello",
                "token": self.client.token,
                "after": self.cursor,
                "epoch": self.epoch,
                "v": 1,
            }
        )
        ready = False
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            frame: Json = msg.json()
            kind = frame.get("t")
            if kind == "ready":
                ready = True
                self.connects += 1
                self.epoch = frame["epoch"]
                self.revision = int(frame.get("revision", 1))
                if self.cursor is None:
                    self.cursor = frame["cursor"]
                self.connected.set()
                if self.streams and self.revision >= 3:
                    after = {str(c): s for c, s in self.positions.items()}
                    await ws.send_json({"t": "streams", "after": after})
                for pending, future in list(self._pending.values()):
                    if not future.done():
                        await ws.send_json(pending)
            elif kind == "ev":
                self._on_event(frame)
            elif kind == "msg":
                self._on_stream_message(frame)
            elif kind == "stream":  # where a group's stream starts on this connection
                cid, after = frame["conversation_id"], frame["after"]
                self.positions[cid] = max(self.positions.get(cid, 0), after)
                self._emit({"kind": "stream", "seq": None, "data": frame})
            elif kind == "synced":
                self.synced.set()
            elif kind == "reset":
                self.resets += 1
                self.cursor = frame["cursor"]
                self._emit({"kind": "reset", "seq": frame["cursor"], "data": frame})
            elif kind in ("typing", "channel"):  # ephemeral: no seq, cursor unchanged
                self._emit({"kind": kind, "seq": None, "data": frame})
            elif kind in ("ack", "ok", "pong", "opened"):
                self._resolve(frame.get("ref"), frame)
            elif kind == "error":
                self._on_error(frame)
        if ws.close_code in FATAL_CLOSE:
            self.fatal = ApiError(401, "auth.invalid_token", "the server refused this device")
            self._queue.put_nowait(None)
            for _, future in self._pending.values():
                if not future.done():
                    future.set_exception(self.fatal)
        return ready

    def _on_event(self, frame: Json) -> None:
        if "ref" in frame:  # the echo of our own send: it is also its acknowledgement
            self._resolve(frame["ref"], {"t": "ack", "message": frame["data"]["message"]})
        seq = frame["seq"]
        if self.cursor is not None and seq <= self.cursor:
            return  # already have it
        if self.cursor is not None and seq != self.cursor + 1:
            # Cannot happen with a conforming server; resync by reconnecting from the cursor.
            log.warning("realtime.gap", extra={"cursor": self.cursor, "seq": seq})
            self._spawn(self._reconnect())
            return
        self.cursor = seq
        if self.streams and frame.get("kind") == "message" and not self._advance(frame["data"]):
            return  # it came from its group's stream already
        self._emit(frame)

    def _on_stream_message(self, frame: Json) -> None:
        """A message of a large group's stream: in order per group, once."""
        if "ref" in frame:  # the echo of our own send
            self._resolve(frame["ref"], {"t": "ack", "message": frame["data"]["message"]})
        if self._advance(frame["data"]):
            self._emit({"kind": "message", "seq": None, "stream": True, "data": frame["data"]})

    def _advance(self, data: Json) -> bool:
        """Move the conversation's position to the message; False if it had it."""
        message = data["message"]
        cid, seq = message["conversation_id"], message["seq"]
        if seq <= self.positions.get(cid, 0):
            return False
        self.positions[cid] = seq
        return True

    def _emit(self, event: Json) -> None:
        if self.on_event is not None:
            self.on_event(event)
        self._queue.put_nowait(event)

    def _resolve(self, ref: Any, frame: Json) -> None:
        pending = self._pending.get(ref) if isinstance(ref, str) else None
        if pending is not None and not pending[1].done():
            pending[1].set_result(frame)

    def _on_error(self, frame: Json) -> None:
        error = frame.get("error", {})
        code = error.get("code", "internal")
        ref = frame.get("ref")
        pending = self._pending.get(ref) if isinstance(ref, str) else None
        if pending is None:
            log.warning("realtime.error", extra={"code": code})
            return
        if code in RETRYABLE:
            # Keep it pending: it is re-sent (same client_msg_id) on the next connection.
            delay = float(error.get("details", {}).get("retry_after_seconds", 0.5)) + 0.05
            asyncio.get_running_loop().call_later(delay, self._resend, str(ref))
            return
        if not pending[1].done():
            pending[1].set_exception(
                ApiError(400, code, error.get("message", ""), error.get("details"))
            )

    def _resend(self, ref: str) -> None:
        pending = self._pending.get(ref)
        if pending is not None and not pending[1].done():
            self._spawn(self._write(pending[0]))

    async def _reconnect(self) -> None:
        if self._ws is not None:
            await self._ws.close()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
