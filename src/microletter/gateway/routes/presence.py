"""REST: who of your contacts is online."""

from __future__ import annotations

from microletter.actions import presence
from microletter.gateway.api import Call, Router
from microletter.gateway.wire import PresenceReply

router = Router("/api/v1", tags=["presence"])


@router.get("/presence", rate="user")
async def online_contacts(call: Call) -> PresenceReply:
    """Which of your contacts are online now: they have a live connection (/ws) on any
    server of the cluster. Pull it when the contact list is shown; it is not pushed."""
    return PresenceReply([int(u) for u in await presence.online_contacts(call.ctx, call.me)])
