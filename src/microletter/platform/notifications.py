"""Service notifications (actions): a person mutes or unmutes a sender of the cards in
their service notifications, and lists whom they muted. Sending a notice is a step of
another room's unit of work (`send_notice`, through the platform's door), not an action
of its own. Nothing here publishes: a mute changes only what arrives later."""

from __future__ import annotations

from microletter.core.models import Instant, Principal
from microletter.core.text import check_visible
from microletter.platform.context import Platform
from microletter.platform.rules.notifications import NAME_MAX, check_source_key


async def set_muted(p: Platform, me: Principal, source: str, name: str, muted: bool) -> None:
    """Mute (or unmute) the sender `source` (`app:<id>` or `account:<id>`, as a card
    names it); `name` is kept for the person's list of mutes."""
    check_source_key(source)
    shown = check_visible(name.strip()[:NAME_MAX], "name", "The sender's name")
    await p.store.set_notice_mute(me.user_id, source, shown, muted, p.now())


async def muted(p: Platform, me: Principal) -> list[tuple[str, str, Instant]]:
    """The senders I muted in service notifications: (source, name, since), newest first."""
    return await p.store.notice_mutes(me.user_id)
