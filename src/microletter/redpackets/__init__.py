"""Red packets, a feature room on the wallet: normal, lucky and exclusive packets in
groups and one-to-one chats, opened by hundreds of members in the same second
(docs/wallet.md, "Red packets").

rules.py and errors.py (pure), store.py (units of work; `RedPacketStore`), actions.py,
routes.py and wire.py. Money moves through the wallet's door (`post`, `run_once`,
`spend_token`), inside this room's own transactions. app.py builds it, mounts its routes
and registers its scheduler jobs (the expiry refund, the sender's combined note).
"""

from __future__ import annotations

from microletter.actions.context import Context
from microletter.actions.scheduler import JobKind
from microletter.gateway.api import Router
from microletter.redpackets.actions import RedPackets, RedPacketSettings
from microletter.redpackets.routes import frames, routers
from microletter.redpackets.rules import Limits
from microletter.redpackets.store import RedPacketStore
from microletter.redpackets.store.packets import ANNOUNCE_JOB, EXPIRY_JOB, announce, expire_packet

__all__ = [
    "JOBS",
    "Limits",
    "RedPacketSettings",
    "RedPacketStore",
    "RedPackets",
    "frames",
    "mount",
    "open_room",
]

# The scheduler's jobs of this room (app.py registers them).
JOBS = (JobKind(EXPIRY_JOB, expire_packet), JobKind(ANNOUNCE_JOB, announce))


def mount(room: RedPackets) -> list[Router]:
    """The room's /api/v1 routers (the gateway binds them with its auth and limits)."""
    return routers(room)


def open_room(ctx: Context, settings: RedPacketSettings) -> RedPackets:
    return RedPackets(ctx, RedPacketStore(ctx.store.db), settings)
