"""Favourites (the favourites room): a user keeps copies of messages and links, on every
device, searchable, and kept when the original is recalled; on both backends."""

from __future__ import annotations

from typing import Any

from microletter.client import Client
from tests.conftest import PASSWORD, MakeClient, befriend
from tests.support.media import picture
from tests.support.rest import fails


async def favourites(client: Client, q: str = "") -> list[dict[str, Any]]:
    return await client.favourites(q)


async def keep(client: Client, **body: Any) -> dict[str, Any]:
    """POST /favourites with any body (the SDK's keep and keep_link send valid ones)."""
    reply: dict[str, Any] = (await client.call("POST", "/api/v1/favourites", body))["favourite"]
    return reply


async def test_a_kept_message_survives_its_recall_with_its_picture(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    photo = await alice.upload(picture(), kind="image")
    shown = await alice.send_media(cid, photo, caption="Dumpling recipe")
    kept = await keep(bob, conversation_id=cid, seq=shown["seq"])
    assert (kept["kind"], kept["text"], kept["source_seq"]) == (
        "image",
        "Dumpling recipe",
        shown["seq"],
    )

    await alice.recall(cid, shown["seq"])

    [still] = await favourites(bob)
    assert still["text"] == "Dumpling recipe"
    assert photo["id"] in (await bob.media_urls([photo["id"]]))["urls"]  # bob's own now


async def test_favourites_are_searched_and_synced_to_my_other_devices(
    clients: MakeClient,
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    said = await bob.send_text(cid, "The DUMPLING place on 5th")
    phone = await clients()
    await phone.login("alice", PASSWORD)
    cursor = (await phone.state())["cursor"]
    await keep(alice, conversation_id=cid, seq=said["seq"])
    await keep(alice, url="https://example.com/noodles", title="Hand-pulled noodles")

    assert [f["kind"] for f in await favourites(phone)] == ["link", "text"]
    assert [f["text"] for f in await favourites(phone, "dumpling")] == ["The DUMPLING place on 5th"]
    assert [f["kind"] for f in await favourites(phone, "NOODLES")] == ["link"]
    assert await favourites(phone, "100%_") == []
    events = (await phone.changes(cursor))["events"]
    assert [e["data"] for e in events if e["kind"] == "collection"] == [{"name": "favourites"}] * 2

    [link, _] = await favourites(alice)
    await alice.remove_favourite(link["id"])
    assert [f["kind"] for f in await favourites(phone)] == ["text"]
    await fails(alice.remove_favourite(link["id"]), "favourite.not_found", 404)


async def test_only_what_i_can_see_may_be_kept(clients: MakeClient) -> None:
    alice, bob, eve = await clients("alice"), await clients("bob"), await clients("eve")
    cid = await befriend(alice, bob)
    said = await alice.send_text(cid, "private")
    await fails(keep(eve, conversation_id=cid, seq=said["seq"]), "conversation.not_member", 403)
    await fails(keep(bob, conversation_id=cid, seq=999), "message.not_found", 404)
    await fails(keep(bob, url="javascript:alert(1)"), "invalid_input", 400)
    await fails(keep(bob, url="https://x.example", conversation_id=cid), "invalid_input", 400)
    await fails(keep(bob), "invalid_input", 400)
    assert await favourites(eve) == [] and await favourites(bob) == []
