"""The Bus contract, for every backend: per-topic fan-out in publish order, nothing for
other topics, nothing after close, and one broken subscriber never starves the others.

Delivery may be asynchronous (Redis), so tests wait until a subscription is live, wait for
what they expect, and use a fence (a message on a topic of its own, published last)
before asserting that nothing came."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from microletter.bus import open_bus
from microletter.core.events import LogEntry, MessagePosted, Typing
from microletter.core.ids import ConversationId, MessageId, UserId
from microletter.core.models import Instant, Message, MessageKind
from microletter.ports import Bus, Subscription, user_topic
from tests.contract.conftest import ProcessPair

_fences = itertools.count()


async def live(subscription: Subscription) -> Subscription:
    """A subscription once it is live: what is published from now on reaches it."""
    await subscription.ready()
    return subscription


class Inbox:
    """A handler that keeps what it receives and lets the test wait for it."""

    def __init__(self) -> None:
        self.got: list[object] = []
        self._changed = asyncio.Event()

    def __call__(self, message: object) -> None:
        self.got.append(message)
        self._changed.set()

    async def wait_for(self, count: int) -> list[object]:
        async with asyncio.timeout(5):
            while len(self.got) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.got


async def fence(bus: Bus) -> None:
    """Return once everything published before has been delivered (publish order holds
    across topics for one publisher, on one Redis; on a cluster, on each master, so the
    fence goes to a topic on each)."""
    n = next(_fences)
    topics = getattr(bus, "fences", None) or [f"fence:{n}"]
    inboxes = [Inbox() for _ in topics]
    subscriptions = [await live(bus.subscribe(t, i)) for t, i in zip(topics, inboxes, strict=True)]
    try:
        await bus.publish([(topic, "fence") for topic in topics])
        for inbox in inboxes:
            await inbox.wait_for(1)
    finally:
        for subscription in subscriptions:
            subscription.close()


async def test_every_subscriber_of_a_topic_gets_every_message_in_publish_order(
    bus: Bus,
) -> None:
    first, second = Inbox(), Inbox()
    await live(bus.subscribe("u:1", first))
    await live(bus.subscribe("u:1", second))

    await bus.publish([("u:1", i) for i in range(50)])
    for i in range(50, 60):
        await bus.publish([("u:1", i)])

    assert await first.wait_for(60) == list(range(60))
    assert await second.wait_for(60) == list(range(60))


async def test_subscribers_of_other_topics_get_nothing(bus: Bus) -> None:
    one, two, three = Inbox(), Inbox(), Inbox()
    await live(bus.subscribe("u:1", one))
    await live(bus.subscribe("u:2", two))
    await live(bus.subscribe("u:3", three))

    await bus.publish([("u:1", "a"), ("u:2", "b"), ("u:1", "c"), ("u:4", "nobody")])
    await fence(bus)

    assert await one.wait_for(2) == ["a", "c"]
    assert two.got == ["b"]
    assert three.got == []


async def test_a_closed_subscription_gets_nothing_more(bus: Bus) -> None:
    leaving, staying = Inbox(), Inbox()
    subscription = await live(bus.subscribe("u:1", leaving))
    await live(bus.subscribe("u:1", staying))
    await bus.publish([("u:1", 1)])
    await leaving.wait_for(1)

    subscription.close()
    subscription.close()  # closing twice is harmless
    await bus.publish([("u:1", 2)])
    await staying.wait_for(2)
    await fence(bus)

    assert leaving.got == [1]
    assert staying.got == [1, 2]


async def test_the_same_handler_on_two_topics_is_two_subscriptions(bus: Bus) -> None:
    inbox = Inbox()
    one = await live(bus.subscribe("u:1", inbox))
    await live(bus.subscribe("u:2", inbox))
    one.close()
    await bus.publish([("u:1", "a"), ("u:2", "b")])
    await fence(bus)
    assert inbox.got == ["b"]


async def test_a_closed_bus_delivers_nothing(bus: Bus) -> None:
    inbox = Inbox()
    await live(bus.subscribe("u:1", inbox))
    await bus.publish([("u:1", 1)])
    await inbox.wait_for(1)

    if isinstance(bus, ProcessPair):
        # The receiving process closes its bus; another one, still subscribed, shows when
        # Redis has delivered the next message to every subscriber it had.
        await bus.receiver.close()
        witness, seen = await open_bus(bus.url), Inbox()
        try:
            await live(witness.subscribe("u:1", seen))
            await bus.sender.publish([("u:1", 2)])
            assert await seen.wait_for(1) == [2]
        finally:
            await witness.close()
    else:  # in one process, publish calls the handlers before it returns
        await bus.close()
        await bus.publish([("u:1", 2)])
    assert inbox.got == [1]


async def test_a_raising_handler_does_not_stop_delivery_to_others(
    bus: Bus, caplog: pytest.LogCaptureFixture
) -> None:
    before, after = Inbox(), Inbox()

    def broken(message: object) -> None:
        raise RuntimeError("subscriber bug")

    await live(bus.subscribe("u:1", before))
    await live(bus.subscribe("u:1", broken))
    await live(bus.subscribe("u:1", after))

    await bus.publish([("u:1", 1), ("u:1", 2), ("u:1", 3)])

    assert await before.wait_for(3) == [1, 2, 3]
    assert await after.wait_for(3) == [1, 2, 3]
    assert "bus.handler_failed" in caplog.messages


async def test_a_handler_that_unsubscribes_while_called_does_not_make_others_miss_it(
    bus: Bus,
) -> None:
    others = Inbox()
    got: list[object] = []

    def once(message: object) -> None:
        got.append(message)
        subscription.close()

    subscription = await live(bus.subscribe("u:1", once))
    await live(bus.subscribe("u:1", others))

    await bus.publish([("u:1", 1), ("u:1", 2)])

    assert await others.wait_for(2) == [1, 2]
    assert got == [1]


async def test_the_messages_the_gateway_sends_arrive_equal(bus: Bus) -> None:
    inbox = Inbox()
    uid = UserId(7)
    await live(bus.subscribe(user_topic(uid), inbox))
    message = Message(
        MessageId(1),
        ConversationId(2),
        3,
        UserId(8),
        "c1",
        MessageKind.TEXT,
        "hi",
        None,
        (),
        False,
        Instant(1_700_000_000_000),
    )
    items: list[object] = [
        LogEntry(uid, 5, MessagePosted(message)),
        MessagePosted(message),  # a large group's stream hint
        Typing(ConversationId(2), uid),
    ]

    await bus.publish([(user_topic(uid), item) for item in items])

    assert await inbox.wait_for(3) == items
