"""The local fan-out: which sessions of which users live in this process, and the bus
subscriptions that feed them (one per user with at least one open session)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from microletter.core.events import DeviceRevoked, Event, LogEntry, Typing, kind_of
from microletter.core.ids import UserId
from microletter.gateway.connection import Codec
from microletter.ports import Bus, Subscription, user_topic

if TYPE_CHECKING:
    from microletter.gateway.ws import Session


class Hub:
    def __init__(self, bus: Bus) -> None:
        self._bus = bus
        self._sessions: dict[UserId, list[Session]] = {}
        self._subscriptions: dict[UserId, Subscription] = {}
        # The last event encoded: a fan-out hands the same event object to every member
        # in a row, so remembering one is enough to encode each event once per codec.
        self._last: Event | None = None
        self._last_kind = ""
        self._encoded: dict[str, bytes] = {}

    def attach(self, session: Session) -> None:
        uid = session.principal.user_id
        sessions = self._sessions.get(uid)
        if sessions is None:
            self._sessions[uid] = [session]
            self._subscriptions[uid] = self._bus.subscribe(
                user_topic(uid), lambda message: self._on_message(uid, message)
            )
        else:
            sessions.append(session)

    def detach(self, session: Session) -> None:
        uid = session.principal.user_id
        sessions = self._sessions.get(uid)
        if sessions is None or session not in sessions:
            return
        sessions.remove(session)
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
