"""The only writers: every user-visible change is one function here that checks access,
calls the core rules, saves in one transaction and publishes the events after commit."""

from microletter.actions import (
    accounts,
    collector,
    contacts,
    conversations,
    invites,
    media,
    messages,
    moderation,
    presence,
    scheduler,
    sync,
)
from microletter.actions.context import Context, Passwords, wall_clock

__all__ = [
    "Context",
    "Passwords",
    "accounts",
    "collector",
    "contacts",
    "conversations",
    "invites",
    "media",
    "messages",
    "moderation",
    "presence",
    "scheduler",
    "sync",
    "wall_clock",
]
