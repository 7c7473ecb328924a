"""Sync: the start-up snapshot with its log position, and the log after a cursor."""

from __future__ import annotations

from microletter.actions.context import Context
from microletter.core.errors import SyncReset
from microletter.core.events import LogEntry
from microletter.core.models import Principal, Snapshot
from microletter.core.moderation import is_operator


async def snapshot(ctx: Context, me: Principal) -> Snapshot:
    return await ctx.store.snapshot(me.user_id)


def is_operator_me(ctx: Context, snap: Snapshot) -> bool:
    """Whether the snapshot's user is one of the server's operators (the web client shows
    the operators' pages only to them; the admin routes check again on every call)."""
    return is_operator(snap.user.username, ctx.operators)


async def check_cursor(ctx: Context, me: Principal, after: int, epoch: str | None) -> int:
    """Return the head of the log if a device may resume from `after`, else SyncReset."""
    head = await ctx.store.log_head(me.user_id)
    if (epoch is not None and epoch != ctx.store.epoch) or after > head or after < 0:
        raise SyncReset(head=head, epoch=ctx.store.epoch)
    return head


async def changes(
    ctx: Context, me: Principal, after: int, limit: int | None = None
) -> list[LogEntry]:
    """Log entries after `after`, in order, at most one page."""
    page = min(limit or ctx.limits.sync_page, ctx.limits.sync_page)
    entries = await ctx.store.read_log(me.user_id, after, max(page, 1))
    for resolve in ctx.resolvers:  # rooms' pointers become what the reader may see now
        entries = await resolve(me.user_id, entries)
    return entries
