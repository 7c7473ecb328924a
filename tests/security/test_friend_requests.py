"""A declined friend request cannot be used to notify someone over and over (issue 11):
after a decline it reaches them again only after a cooldown, any person's requests to one
person are capped per day, and the person asked may refuse more requests from the asker
without blocking them. The asker is never told of a decline, so what is kept from the
target is kept in silence: the asker still sees their request as pending."""

from __future__ import annotations

from microletter.app import Server
from microletter.core.limits import Limits
from microletter.core.models import Instant
from tests.conftest import MakeClient
from tests.support.clock import Clock
from tests.support.rest import fails, uid

DAY_MS = 86_400_000
START = Instant(1_800_000_000_000)


async def test_a_declined_request_reaches_them_again_only_after_the_cooldown(
    server: Server, clients: MakeClient
) -> None:
    clock = Clock(server, START)
    alice, bob = await clients("alice"), await clients("bob")
    first = await alice.request_contact(user_id=uid(bob), greeting="hi")
    await bob.decline(first["id"])

    clock.advance(60_000)
    again = await alice.request_contact(user_id=uid(bob), greeting="please?")
    assert again["status"] == "pending"  # as the asker sees it: never told of the decline
    [seen] = await bob.requests()
    assert (seen["status"], seen["greeting"]) == ("declined", "hi")  # bob heard nothing

    clock.advance(Limits().request_cooldown_ms)
    await alice.request_contact(user_id=uid(bob), greeting="it's been a day")
    [seen] = await bob.requests()
    assert (seen["status"], seen["greeting"]) == ("pending", "it's been a day")


async def test_requests_to_one_person_are_capped_per_day(
    server: Server, clients: MakeClient
) -> None:
    clock = Clock(server, START)
    alice, bob = await clients("alice"), await clients("bob")
    for n in range(Limits().requests_per_day):
        await alice.request_contact(user_id=uid(bob), greeting=f"hi {n}")
        clock.advance(1_000)
    refused = await fails(
        alice.request_contact(user_id=uid(bob), greeting="hi again"), "contact.request_limit", 429
    )
    assert 0 < refused.details["retry_after_seconds"] <= DAY_MS // 1000
    [seen] = await bob.requests()
    assert seen["greeting"] == f"hi {Limits().requests_per_day - 1}"  # the refused one never came

    clock.advance(DAY_MS)
    await alice.request_contact(user_id=uid(bob), greeting="a new day")
    assert (await bob.requests())[0]["greeting"] == "a new day"


async def test_refusing_requests_keeps_them_away_without_blocking_the_person(
    server: Server, clients: MakeClient
) -> None:
    clock = Clock(server, START)
    alice, bob = await clients("alice"), await clients("bob")
    request = await alice.request_contact(user_id=uid(bob), greeting="hi")
    refused = await bob.refuse(request["id"])
    assert refused["status"] == "declined"

    clock.advance(10 * DAY_MS)  # long past any cooldown
    again = await alice.request_contact(user_id=uid(bob), greeting="hello?")
    assert again["status"] == "pending"
    [seen] = await bob.requests()
    assert (seen["status"], seen["greeting"]) == ("declined", "hi")
    assert await bob.blocks() == [] and await alice.blocks() == []  # nobody is blocked

    # Bob may still ask Alice; once they are friends, nobody refuses the other any more.
    theirs = await bob.request_contact(user_id=uid(alice), greeting="actually, hi")
    await alice.accept(theirs["id"])
    await alice.remove_contact(uid(bob))
    clock.advance(DAY_MS)
    await alice.request_contact(user_id=uid(bob), greeting="friends again?")
    mine = [r for r in await bob.requests() if r["from_user"]["id"] == uid(alice)]
    assert (mine[0]["status"], mine[0]["greeting"]) == ("pending", "friends again?")


async def test_only_the_person_asked_may_refuse(server: Server, clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    request = await alice.request_contact(user_id=uid(bob), greeting="hi")
    await fails(alice.refuse(request["id"]), "contact.request_not_found", 404)
