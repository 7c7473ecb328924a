"""The bots' facade, on the one database (built in app.py)."""

from __future__ import annotations

from microletter.storage import Facade, reads, writes, writes_value
from microletter.telegram.store import bots as _bots

__all__ = ["BotStore"]


class BotStore(Facade):
    bot = reads(_bots.bot)
    secret_hash = reads(_bots.secret_hash)
    bot_by_username = reads(_bots.bot_by_username)
    bots_of = reads(_bots.bots_of)
    bots_with_webhooks = reads(_bots.bots_with_webhooks)
    create_bot = writes_value(_bots.create_bot)
    set_secret = writes_value(_bots.set_secret)
    set_privacy = writes_value(_bots.set_privacy)
    set_commands = writes_value(_bots.set_commands)
    acknowledge = writes_value(_bots.acknowledge)
    set_webhook = writes_value(_bots.set_webhook)
    webhook_failed = writes_value(_bots.webhook_failed)
    queue_event = writes(_bots.queue_event)
