"""Presence: who of my contacts is online. Only contacts: presence is private."""

from __future__ import annotations

from microletter.actions.context import Context
from microletter.core.ids import UserId
from microletter.core.models import Principal


async def online_contacts(ctx: Context, me: Principal) -> list[UserId]:
    contacts = await ctx.store.contacts(me.user_id)
    return sorted(await ctx.presence.online([c.user.id for c in contacts]))
