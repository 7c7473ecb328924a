"""The local fan-out: which sessions of which users live in this process, and the bus
subscriptions that feed them (one per user with at least one open session).

Hints can be lost between processes; the hub makes every session read its log when the
bus says so (`on_gap`) and, as a backstop, every so often (`sweep`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from functools import partial
from typing import TYPE_CHECKING, Any

from microletter.core.events import (
    ChannelPosted,
    DeviceRevoked,
    Event,
    LogEntry,
    MessagePosted,
    Typing,
    kind_of,
)
from microletter.core.ids import ConversationId, DeviceId, UserId
from microletter.gateway.connection import Codec, ws_frame
from microletter.ports import Bus, Presence, Subscription, channel_topic, stream_topic, user_topic

if TYPE_CHECKING:
    from microletter.gateway.ws import Session


class Hub:
    def __init__(self, bus: Bus, presence: Presence, presence_ttl: float = 60.0) -> None:
        self._bus = bus
        self._presence = presence
        self._presence_ttl = presence_ttl
        self._tasks: set[asyncio.Task[None]] = set()
        self._sessions: dict[UserId, list[Session]] = {}
        self._subscriptions: dict[UserId, Subscription] = {}
        # Broadcast channels (read diffusion): the sessions following each channel here.
        self._channels: dict[UserId, list[Session]] = {}
        self._channel_subscriptions: dict[UserId, Subscription] = {}
        # Large groups' streams (read diffusion): the sessions reading each stream here, and
        # the last stream message's frame per codec, made once for all of them.
        self._streams: dict[ConversationId, list[Session]] = {}
        self._stream_subscriptions: dict[ConversationId, Subscription] = {}
        self._framed_event: Event | None = None
        self._framed: dict[str, bytes] = {}
        self.opted: set[DeviceId] = set()  # devices whose opt-in this process stored
        # The last event encoded: a fan-out hands the same event object to every member
        # in a row, so remembering one is enough to encode each event once per codec.
        self._last: Event | None = None
        self._last_kind = ""
        self._encoded: dict[str, bytes] = {}
        bus.on_gap(self.resync_all)

    def attach(self, session: Session) -> None:
        uid = session.principal.user_id
        self._spawn(self._presence.mark_online([self._device(session)], self._presence_ttl))
        sessions = self._sessions.get(uid)
        if sessions is None:
            self._sessions[uid] = [session]
            # partial, not a lambda: one Python frame less per delivery
            self._subscriptions[uid] = self._bus.subscribe(
                user_topic(uid), partial(self._on_message, uid)
            )
        else:
            sessions.append(session)

    async def live(self, uid: UserId, timeout: float = 2.0) -> None:
        """Wait until the bus delivers this user's hints (briefly: if the bus is down,
        the session goes on and its log is read when the bus is back)."""
        subscription = self._subscriptions.get(uid)
        if subscription is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await subscription.ready()

    @staticmethod
    def _device(session: Session) -> tuple[UserId, DeviceId]:
        return session.principal.user_id, session.principal.device_id

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def renew_presence(self) -> None:
        """Renew every connected device's presence, every third of its TTL."""
        while True:
            await asyncio.sleep(self._presence_ttl / 3)
            devices = list(dict.fromkeys(self._device(s) for s in self.sessions()))
            with contextlib.suppress(Exception):
                await self._presence.mark_online(devices, self._presence_ttl)

    def resync_all(self) -> None:
        """Hints may have been lost: every session reads its log."""
        for session in self.sessions():
            session.resync()

    async def sweep(self, interval: float) -> None:
        """Every `interval` seconds, each session reads its log once (spread over the
        interval), so a lost hint delays an event by at most that long."""
        while True:
            sessions = self.sessions()
            if not sessions:
                await asyncio.sleep(interval)
                continue
            pause = interval / len(sessions)
            for session in sessions:
                if session in self._sessions.get(session.principal.user_id, ()):
                    session.resync()
                await asyncio.sleep(pause)

    def join_channel(self, session: Session, channel_id: UserId) -> None:
        """Deliver `channel` hints of this account's broadcasts to the session."""
        sessions = self._channels.get(channel_id)
        if sessions is None:
            self._channels[channel_id] = [session]
            self._channel_subscriptions[channel_id] = self._bus.subscribe(
                channel_topic(channel_id), lambda message: self._on_channel(channel_id, message)
            )
        elif session not in sessions:
            sessions.append(session)

    def leave_channel(self, session: Session, channel_id: UserId) -> None:
        sessions = self._channels.get(channel_id)
        if sessions is None or session not in sessions:
            return
        sessions.remove(session)
        if not sessions:
            del self._channels[channel_id]
            self._channel_subscriptions.pop(channel_id).close()

    def _on_channel(self, channel_id: UserId, message: object) -> None:
        if isinstance(message, ChannelPosted):
            for session in self._channels.get(channel_id, ()):
                session.channel_posted(message)

    def join_stream(self, session: Session, cid: ConversationId) -> Subscription:
        """Deliver the messages of a large group's stream to the session."""
        sessions = self._streams.get(cid)
        if sessions is None:
            self._streams[cid] = [session]
            self._stream_subscriptions[cid] = self._bus.subscribe(
                stream_topic(cid), lambda message: self._on_stream(cid, message)
            )
        elif session not in sessions:
            sessions.append(session)
        return self._stream_subscriptions[cid]

    def leave_stream(self, session: Session, cid: ConversationId) -> None:
        sessions = self._streams.get(cid)
        if sessions is None or session not in sessions:
            return
        sessions.remove(session)
        if not sessions:
            del self._streams[cid]
            self._stream_subscriptions.pop(cid).close()

    def _on_stream(self, cid: ConversationId, message: object) -> None:
        if isinstance(message, MessagePosted):
            for session in self._streams.get(cid, ()):
                session.stream_posted(message)

    def stream_frame(self, event: MessagePosted, codec: Codec) -> bytes:
        """The WebSocket frame of a stream message for one codec, made once per message:
        every member's connection is written the same bytes."""
        if self._framed_event is not event:
            self._framed_event = event
            self._framed.clear()
        frame = self._framed.get(codec.name)
        if frame is None:
            _, data = self.encoded(event, codec)
            frame = self._framed[codec.name] = ws_frame(codec.stream_event(data), codec.opcode)
        return frame

    def detach(self, session: Session) -> None:
        for channel_id in list((session.channels or {}).values()):
            self.leave_channel(session, channel_id)
        for cid in list(session.streams):
            self.leave_stream(session, cid)
        uid = session.principal.user_id
        sessions = self._sessions.get(uid)
        if sessions is None or session not in sessions:
            return
        sessions.remove(session)
        if not any(s.principal.device_id == session.principal.device_id for s in sessions):
            self._spawn(self._presence.mark_offline(uid, session.principal.device_id))
        if not sessions:
            del self._sessions[uid]
            self._subscriptions.pop(uid).close()

    def sessions(self) -> list[Session]:
        return [s for group in self._sessions.values() for s in group]

    def __len__(self) -> int:
        return sum(len(group) for group in self._sessions.values())

    def _on_message(self, uid: UserId, message: object) -> None:
        sessions = self._sessions.get(uid)
        if not sessions:
            return
        if isinstance(message, LogEntry):
            for session in sessions:
                session.offer(message)
        elif isinstance(message, Typing):
            for session in sessions:
                session.typing(message)
        elif isinstance(message, DeviceRevoked):
            for session in list(sessions):
                if session.principal.device_id == message.device_id:
                    session.kick_revoked()

    def encoded(self, event: Event, codec: Codec) -> tuple[str, bytes]:
        """(kind, encoded event) for one codec, computed once per event object."""
        if self._last is not event:
            self._last = event
            self._last_kind = kind_of(event)
            self._encoded.clear()
        data = self._encoded.get(codec.name)
        if data is None:
            data = self._encoded[codec.name] = codec.encode_event(event)
        return self._last_kind, data

    async def shutdown(self, code: int, reason: str) -> None:
        """Close every session (in-flight writes first get a moment to be acked)."""
        sessions = self.sessions()
        if sessions:
            await asyncio.gather(*(s.shutdown(code, reason) for s in sessions))
