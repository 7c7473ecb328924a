"""The REST routes, one router per part of the API."""

from microletter.gateway.api import Router
from microletter.gateway.routes import (
    accounts,
    contacts,
    conversations,
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
]

__all__ = ["ROUTERS"]
