"""Webhooks: each bot with a webhook gets its updates POSTed there as JSON, with the
X-Telegram-Bot-Api-Secret-Token header when it set a secret, through the platform's
SSRF-guarded client.

Theory of operation. One worker per bot with a webhook reads the bot's log after its
`acked_seq` (actions.pending), POSTs the updates one at a time, in order, and
acknowledges each on a 2xx; a failure (a refused connection, a timeout, another status)
is recorded for getWebhookInfo and retried after a delay that doubles up to
`max_delay`, so nothing is lost and nothing overtakes. The worker waits for the bus's
hint of a new log entry (or `refresh` seconds, if a hint was lost). A crash between the
POST and the acknowledgement delivers that update again (at least once; update_id lets
bots dedupe). One pusher at a time among processes that share a database: it runs its
workers only while it holds the `telegram-webhooks` lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import aiohttp

from microletter.core.ids import UserId
from microletter.ports import Lease, user_topic
from microletter.telegram.actions import Bots, pending
from microletter.telegram.objects import Json
from microletter.telegram.rules import Bot

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
LEASE_RETRY = 1.0


class Pusher:
    """Owns one worker task per bot with a webhook; started and stopped by app.py."""

    def __init__(
        self, room: Bots, lease: Lease, *, refresh: float = 5.0, max_delay: float = 60.0
    ) -> None:
        self.room = room
        self.lease = lease
        self.refresh = refresh
        self.max_delay = max_delay
        self._workers: dict[UserId, asyncio.Task[None]] = {}
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def changed(self) -> None:
        """A webhook was set or deleted in this process: look again now."""
        self._changed.set()

    async def stop(self) -> None:
        tasks = [t for t in [self._task, *self._workers.values()] if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers.clear()
        with contextlib.suppress(Exception):
            await self.lease.release()

    async def _run(self) -> None:
        while not await self.lease.try_acquire():  # another process pushes: wait
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(LEASE_RETRY):
                    await self._changed.wait()
            self._changed.clear()
        while True:
            self._changed.clear()
            try:
                bots = await self.room.store.bots_with_webhooks()
            except Exception:
                log.exception("telegram.webhooks_unreadable")
                bots = []
            for bot in bots:
                running = self._workers.get(bot.id)
                if running is None or running.done():
                    self._workers[bot.id] = asyncio.create_task(self._work(bot.id))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.refresh):
                    await self._changed.wait()

    async def _work(self, bot_id: UserId) -> None:
        woken = asyncio.Event()
        subscription = self.room.ctx.bus.subscribe(user_topic(bot_id), lambda _: woken.set())
        delay = 1.0
        try:
            while True:
                woken.clear()
                bot = await self.room.store.bot(bot_id)
                if not bot.webhook_url:
                    return
                found, skipped_to = await pending(self.room, bot, bot.acked_seq, 100)
                if skipped_to > bot.acked_seq:
                    await self.room.store.acknowledge(bot.id, skipped_to)
                failed = False
                for update in found:
                    if not await self._deliver(bot, update):
                        failed = True
                        break
                    await self.room.store.acknowledge(bot.id, int(str(update["update_id"])))
                if failed:
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self.max_delay)
                    continue
                delay = 1.0
                if not found:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(self.refresh):
                            await woken.wait()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("telegram.webhook_worker_failed", extra={"bot_id": bot_id})
        finally:
            subscription.close()

    async def _deliver(self, bot: Bot, update: Json) -> bool:
        """POST one update; True on a 2xx. A failure is kept for getWebhookInfo."""
        headers = {SECRET_HEADER: bot.webhook_secret} if bot.webhook_secret else {}
        try:
            answer = await self.room.webhooks.request(
                "POST",
                bot.webhook_url,
                {},
                json.dumps(update, ensure_ascii=False),
                owner=bot.id,
                content_type="application/json",
                headers=headers,
            )
        except (OSError, TimeoutError, aiohttp.ClientError) as exc:
            error = (
                "Connection timed out" if isinstance(exc, TimeoutError) else "Connection refused"
            )
            await self.room.store.webhook_failed(bot.id, error, self.room.ctx.clock())
            return False
        if 200 <= answer.status < 300:
            return True
        error = f"Wrong response from the webhook: {answer.status}"
        await self.room.store.webhook_failed(bot.id, error, self.room.ctx.clock())
        return False
