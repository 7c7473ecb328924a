"""REST: the start-up state with its cursor, and the log after a cursor (polling clients)."""

from __future__ import annotations

from microletter.actions import sync
from microletter.core.errors import SyncReset
from microletter.core.events import kind_of
from microletter.gateway.api import Call, Router
from microletter.gateway.wire import ChangesQuery, ChangesReply, EventOut, StateReply

router = Router("/api/v1", tags=["sync"])


@router.get("/sync/state", rate="user")
async def state(call: Call) -> StateReply:
    """Everything a device starts from, read in one consistent snapshot, and the cursor
    to resume the WebSocket from (`hello` with `after=cursor`)."""
    snap = await sync.snapshot(call.ctx, call.me)
    return StateReply(
        epoch=call.ctx.store.epoch,
        cursor=snap.log_seq,
        user=snap.user,
        conversations=snap.conversations,
        contacts=snap.contacts,
        requests=snap.requests,
        blocks=snap.blocks,
        channels=snap.channels,
        operator=sync.is_operator_me(call.ctx, snap),
    )


@router.get("/sync/changes", rate="user", errors=[SyncReset])
async def changes(call: Call, query: ChangesQuery) -> ChangesReply:
    """Your update log after `after`, in order, one page at a time (`has_more`).

    A cursor from another epoch, or beyond the head, answers `sync.reset`: reload the
    state and continue from its cursor."""
    await sync.check_cursor(call.ctx, call.me, query.after, query.epoch)
    page = min(query.limit or call.ctx.limits.sync_page, call.ctx.limits.sync_page)
    entries = await sync.changes(call.ctx, call.me, query.after, page)
    cursor = entries[-1].seq if entries else query.after
    events = [EventOut(e.seq, kind_of(e.event), e.event) for e in entries]  # type: ignore[arg-type]  # encoded as the dataclass it is
    return ChangesReply(call.ctx.store.epoch, events, cursor, len(entries) == page)
