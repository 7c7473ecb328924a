"""The REST routes, one router per part of the API."""

from microletter.gateway.api import Router
from microletter.gateway.routes import (
    accounts,
    admin,
    contacts,
    conversations,
    media,
    messages,
    presence,
    sync,
)

ROUTERS: list[Router] = [
    accounts.router,
    contacts.router,
    conversations.router,
    messages.router,
    presence.router,
    sync.router,
    media.router,
    media.links,
    admin.router,
]

__all__ = ["ROUTERS"]
