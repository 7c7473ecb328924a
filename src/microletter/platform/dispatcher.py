"""The push dispatcher: delivers each official account's followers' messages and events
to its webhook, and shows the passive replies. An account without a webhook whose
console sets keyword or default auto-replies is served the same way, with those rules
in place of the webhook (`Worker._answer_by_rules`).

Theory of operation. An account is a user, and a member of every conversation with its
followers, so everything its webhook must hear is already in its own update log
(messages of followers, and `AccountEvent`s for follows, presses and scans). That log
is the durable queue; the account's `push_cursor` is how far it was served. One worker
per account served reads the log after the cursor and, for each entry to push,
starts a job:

    one lane per follower   jobs of one follower run in order (subscribe before text)
    `concurrency` slots     at most that many pushes of one account in flight; reading
                            the log waits for a free slot (so a dead webhook backs up
                            only its own account)
    cursor                  moves to just before the oldest unfinished job and is
                            saved after jobs finish: a crash re-pushes at most the
                            jobs in flight (at least once; MsgId lets developers dedupe)

A job tries up to `attempts` times, each with the client's timeout (the protocol's 5 s);
a timeout, a refused connection or a status other than 200 is retried. `success` or an
empty body is no reply. A reply that is not valid (bad XML, a wrong signature, the
wrong addressee, a replayed envelope) is not retried. When a follower's message got no
valid answer the follower is told, in the conversation, that the account cannot serve
now; their message is kept either way. Replies and that note are posted exactly once
per log entry (their client_msg_id names it), so a re-push never shows them twice.
Chat never waits for any of this: pushes start after the sender's commit and ack.

One dispatcher at a time. Processes that share a database would otherwise all push the
same logs. The dispatcher runs its workers only while it holds the store's push lease
(`PlatformStore.push_lease`: on PostgreSQL a session advisory lock, on SQLite always
held, as one process owns the file). The others try to take it every `retry_seconds`;
when the holder stops or dies, PostgreSQL frees the lock and one of them takes over
from the saved cursors (so, again, at most the pushes in flight are repeated).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import aiohttp

from microletter.core.errors import MicroletterError
from microletter.core.events import AccountEvent, LogEntry, MessagePosted
from microletter.core.ids import UserId
from microletter.core.media import MediaId
from microletter.core.models import Message, MessageKind
from microletter.platform import sending
from microletter.platform.context import Platform
from microletter.platform.media import PUSH_LINK_MS, link
from microletter.platform.pushes import (
    BadReply,
    build_push,
    event_fields,
    message_fields,
    read_reply,
)
from microletter.platform.rules.officials import OfficialAccount, openid_for
from microletter.platform.rules.service import replies_to
from microletter.ports import PLATFORM_TOPIC, Lease, Subscription, user_topic

log = logging.getLogger(__name__)

PUSHED_KINDS = (MessageKind.TEXT, MessageKind.IMAGE, MessageKind.VOICE, MessageKind.VIDEO)
PAGE = 100
REPLAY_TTL = 900.0  # seconds an encrypted reply's (nonce, signature) is remembered
LEASE_RETRY = 1.0  # seconds between attempts to take the push lease from another process
LIVE_WAIT = 2.0  # seconds to wait for the bus to confirm a subscription before reading
MIN_ANSWER = 1.0  # seconds a webhook has to answer, however long a Recognition took
# The Recognition of a follower's voice note: (account, message) -> text, "" if none is
# ready in time (app.py passes the transcripts room's; it bounds its own wait).
Recognize = Callable[[UserId, Message], Awaitable[str]]


async def live(subscription: Subscription) -> None:
    """Wait until hints published from now on reach us, so a read that follows misses
    nothing (a write committed after the read is hinted). Briefly: with the bus away,
    go on; its gap callback wakes everyone when it is back."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(LIVE_WAIT):
            await subscription.ready()


@dataclass(frozen=True, slots=True)
class Job:
    seq: int
    user_id: UserId
    fields_of: Any  # (account, openid) -> fields
    message: Message | None


class ReplayGuard:
    """Envelopes already accepted, so a captured reply cannot be shown again."""

    def __init__(self, size: int = 100_000) -> None:
        self._seen: OrderedDict[tuple[UserId, str, str], float] = OrderedDict()
        self._size = size

    def first_time(self, account: UserId, nonce: str, signature: str) -> bool:
        now = time.monotonic()
        while self._seen and (
            next(iter(self._seen.values())) < now or len(self._seen) >= self._size
        ):
            self._seen.popitem(last=False)
        key = (account, nonce, signature)
        if key in self._seen:
            return False
        self._seen[key] = now + REPLAY_TTL
        return True


class Dispatcher:
    """Owns one Worker per account served (a webhook, or auto-replies) while it holds
    the push lease; started and stopped by app.py."""

    def __init__(
        self,
        p: Platform,
        lease: Lease,
        *,
        attempts: int = 3,
        concurrency: int = 8,
        retry_seconds: float = LEASE_RETRY,
        recognize: Recognize | None = None,
    ) -> None:
        self.p = p
        self.recognize = recognize
        self.lease = lease
        self.attempts = attempts
        self.concurrency = concurrency
        self.retry_seconds = retry_seconds
        self.replays = ReplayGuard()
        self.workers: dict[UserId, Worker] = {}
        self.leading = False  # holds the lease, runs the workers
        self._subscription: Subscription | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._refreshing = asyncio.Lock()
        self._lead_task: asyncio.Task[None] | None = None
        p.ctx.bus.on_gap(self._on_gap)

    def _on_gap(self) -> None:
        """Hints may have been lost: look at the settings and every log again."""
        if self.leading:
            self.spawn(self.refresh())
            for worker in self.workers.values():
                worker.wake.set()

    async def start(self) -> None:
        """Dispatch from now on if the lease is free; else wait for it in the background
        (the holder dispatches meanwhile)."""
        if await self.lease.try_acquire():
            await self._begin()
        self._lead_task = asyncio.get_running_loop().create_task(self._lead())

    async def stop(self) -> None:
        if self._lead_task is not None:
            self._lead_task.cancel()
            await asyncio.gather(self._lead_task, return_exceptions=True)
        await self._end()
        await self.lease.release()

    async def _lead(self) -> None:
        """Keep dispatching while the lease holds; take it when it is free."""
        while True:
            if self.leading:
                await self.lease.lost()
                log.warning("platform.push_lease_lost")
                await self._end()
            elif not await self.lease.try_acquire():
                await asyncio.sleep(self.retry_seconds)
            else:
                try:
                    await self._begin()
                except MicroletterError:  # the store is away: give the lease up, try again
                    log.exception("platform.dispatch_not_started")
                    await self._end()
                    await self.lease.release()
                    await asyncio.sleep(self.retry_seconds)

    async def _begin(self) -> None:
        log.info("platform.dispatching")
        self.leading = True
        self._subscription = self.p.ctx.bus.subscribe(
            PLATFORM_TOPIC, lambda _: self.spawn(self.refresh())
        )
        await live(self._subscription)
        await self.refresh()

    async def _end(self) -> None:
        self.leading = False
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(*(w.stop() for w in self.workers.values()))
        self.workers.clear()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def refresh(self) -> None:
        """Follow the webhook settings: start, update or stop workers."""
        async with self._refreshing:
            current = {a.id: a for a in await self.p.store.served_accounts()}
            for account_id in [a for a in self.workers if a not in current]:
                await self.workers.pop(account_id).stop()
            for account_id, account in current.items():
                worker = self.workers.get(account_id)
                if worker is None:
                    self.workers[account_id] = Worker(self, account)
                else:
                    worker.update(account)


class Worker:
    """Pushes one account's log (see the module's theory of operation)."""

    def __init__(self, d: Dispatcher, account: OfficialAccount) -> None:
        self.d = d
        self.p = d.p
        self.account = account
        self.read = account.push_cursor  # the last log seq taken from the log
        self.saved = account.push_cursor
        self.pending: set[int] = set()
        self.lanes: dict[UserId, asyncio.Task[None]] = {}
        self.slots = asyncio.Semaphore(d.concurrency)
        self.wake = asyncio.Event()
        self.wake.set()
        self._saving = False
        self._sub = self.p.ctx.bus.subscribe(user_topic(account.id), lambda _: self.wake.set())
        self._task = asyncio.get_running_loop().create_task(self.run())

    def update(self, account: OfficialAccount) -> None:
        """New settings (URL, mode, Token, key); a moved cursor means start from there."""
        if account.push_cursor > self.read:
            self.read = self.saved = account.push_cursor
        self.account = account
        self.wake.set()

    async def stop(self) -> None:
        self._sub.close()
        self._task.cancel()
        lanes = list(self.lanes.values())
        for task in lanes:
            task.cancel()
        await asyncio.gather(self._task, *lanes, return_exceptions=True)
        await self.p.webhooks.forget(self.account.id)

    async def run(self) -> None:
        await live(self._sub)
        while True:
            self.wake.clear()
            try:
                entries = await self.p.ctx.store.read_log(self.account.id, self.read, PAGE)
            except MicroletterError:
                log.exception("platform.read_failed", extra={"account_id": self.account.id})
                await asyncio.sleep(1)
                continue
            if not entries:
                self._advance()
                await self.wake.wait()
                continue
            for entry in entries:
                job = self.job_for(entry)
                if job is not None:
                    await self.slots.acquire()
                    self.pending.add(job.seq)
                    self._start(job)
                self.read = entry.seq
            self._advance()

    def job_for(self, entry: LogEntry) -> Job | None:
        event = entry.event
        if isinstance(event, MessagePosted):
            m = event.message
            if m.sender_id == self.account.id or m.kind not in PUSHED_KINDS or m.recalled:
                return None
            pic = self.pic_url(m)
            return Job(entry.seq, m.sender_id, lambda a, o, m=m: message_fields(a, o, m, pic), m)
        if isinstance(event, AccountEvent) and self.account.webhook_url is not None:
            now = self.p.seconds()
            return Job(
                entry.seq, event.user_id, lambda a, o, e=event: event_fields(a, o, e, now), None
            )
        return None

    def pic_url(self, message: Message) -> str:
        """PicUrl of a follower's picture: a signed link for the account, which sees it in
        the conversation (a recall or an unfollow ends the link's use)."""
        media = (message.data or {}).get("media")
        if message.kind is not MessageKind.IMAGE or not isinstance(media, dict):
            return ""
        return link(self.p, MediaId(str(media.get("id"))), self.account.id, PUSH_LINK_MS)

    def _start(self, job: Job) -> None:
        before = self.lanes.get(job.user_id)
        task = asyncio.get_running_loop().create_task(self._lane(before, job))
        self.lanes[job.user_id] = task

        def done(t: asyncio.Task[None], uid: UserId = job.user_id) -> None:
            if self.lanes.get(uid) is t:
                del self.lanes[uid]

        task.add_done_callback(done)

    async def _lane(self, before: asyncio.Task[None] | None, job: Job) -> None:
        try:
            if before is not None:
                await asyncio.wait([before])
            await self.push(job)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("platform.push_crashed", extra={"account_id": self.account.id})
        finally:
            self.slots.release()
        self.pending.discard(job.seq)
        self._advance()

    def _advance(self) -> None:
        """Save the cursor up to just before the oldest job still in flight."""
        safe = min(self.pending) - 1 if self.pending else self.read
        if safe > self.saved and not self._saving:
            self._saving = True
            self.d.spawn(self._save(safe))

    async def _save(self, cursor: int) -> None:
        try:
            await self.p.store.set_push_cursor(self.account.id, cursor)
            self.saved = max(self.saved, cursor)
        except MicroletterError:
            log.warning("platform.cursor_not_saved", extra={"account_id": self.account.id})
        finally:
            self._saving = False
        self._advance()

    async def push(self, job: Job) -> None:
        account = self.account
        if account.webhook_url is None:
            await self._answer_by_rules(account, job)
            return
        openid = openid_for(self.p.key, account.id, job.user_id)
        fields = job.fields_of(account, openid)
        waited = await self._recognize(account, job, fields)
        ref = str(job.seq)
        for attempt in range(1, self.d.attempts + 1):
            stamp = self.p.seconds()
            nonce = str(int.from_bytes(self.p.random(4), "big"))
            push = build_push(account, openid, fields, stamp, nonce, self.p.random(16))
            # The wait for a Recognition comes out of the first attempt's 5 s (yet the
            # webhook always has a second to answer).
            timeout = self.p.webhooks.timeout
            budget = max(timeout - waited, min(timeout, MIN_ANSWER)) if attempt == 1 else None
            try:
                answer = await self.p.webhooks.request(
                    "POST",
                    account.webhook_url,
                    push.query,
                    push.body,
                    owner=account.id,
                    timeout=budget,
                )
            except (OSError, TimeoutError, aiohttp.ClientError) as exc:
                self._note("unreachable", attempt, error=type(exc).__name__)
                continue
            if answer.status != 200:
                self._note("http_error", attempt, status=answer.status)
                continue
            try:
                if answer.truncated:
                    raise BadReply("the reply is too large")
                reply, seen = read_reply(account, openid, answer.body, stamp)
                if seen is not None and not self.d.replays.first_time(account.id, *seen):
                    raise BadReply("a replayed envelope")
            except BadReply as exc:
                self._note("bad_reply", attempt, reason=str(exc))
                break
            self.p.ctx.metrics.platform_pushes.labels("ok").inc()
            if reply is not None:
                await self._show(account, job, reply, ref)
            return
        self.p.ctx.metrics.platform_pushes.labels("failed").inc()
        if job.message is not None:
            with contextlib.suppress(MicroletterError):
                await sending.tell_unavailable(self.p, account, job.user_id, ref)

    async def _recognize(
        self, account: OfficialAccount, job: Job, fields: dict[str, object]
    ) -> float:
        """Put a voice note's transcript in its `Recognition`, if one is ready in time
        (the recognizer bounds the wait); the seconds waited."""
        m = job.message
        if m is None or m.kind is not MessageKind.VOICE or self.d.recognize is None:
            return 0.0
        started = time.monotonic()
        fields["Recognition"] = await self.d.recognize(account.id, m)
        return time.monotonic() - started

    async def _answer_by_rules(self, account: OfficialAccount, job: Job) -> None:
        """Without a webhook, the console's auto-replies answer a follower's text: the
        first keyword rule that matches, else the default answer (as WeChat's own
        auto-replies do when the developer's server is not in charge). Each answer once
        per message, as its client_msg_id names the log entry and the answer's place. The
        settings are read for each message, so a change applies from the next one."""
        m = job.message
        if m is None or m.kind is not MessageKind.TEXT or not m.text:
            return
        settings = await self.p.store.autoreplies(account.id)
        for i, text in enumerate(replies_to(settings, m.text)):
            try:
                await sending.say(
                    self.p, account, job.user_id, f"auto:{job.seq}:{i}",
                    sending.Content(MessageKind.TEXT, text),
                )  # fmt: skip
            except MicroletterError as exc:  # e.g. they unfollowed meanwhile
                log.info(
                    "platform.autoreply_dropped",
                    extra={"account_id": account.id, "error": exc.code},
                )
                return

    async def _show(self, account: OfficialAccount, job: Job, reply: Any, ref: str) -> None:
        try:
            await sending.post_reply(self.p, account, job.user_id, reply, ref)
        except MicroletterError as exc:  # e.g. an unknown MediaId, or they unfollowed
            log.info("platform.reply_dropped", extra={"account_id": account.id, "error": exc.code})
            if job.message is not None:
                with contextlib.suppress(MicroletterError):
                    await sending.tell_unavailable(self.p, account, job.user_id, ref)

    def _note(self, what: str, attempt: int, **fields: object) -> None:
        log.info(
            "platform.push_failed",
            extra={"account_id": self.account.id, "attempt": attempt, "why": what, **fields},
        )
