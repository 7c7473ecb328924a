"""Stickers (the stickers room): a user saves images they can see, orders them, and sends
them as `sticker` messages; a saved sticker stays theirs after the original is recalled.
On both backends."""

from __future__ import annotations

from tests.conftest import MakeClient, befriend
from tests.integration.test_kinds import animated_gif
from tests.support.media import picture
from tests.support.rest import fails


async def test_a_received_image_is_saved_ordered_and_sent_as_a_sticker(
    clients: MakeClient,
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    wave = await alice.upload(animated_gif(), kind="image", name="wave.gif")
    shown = await alice.send_media(cid, wave)
    mine = await bob.upload(picture(), kind="image")

    assert [s["id"] for s in await bob.save_sticker(wave["id"])] == [wave["id"]]
    assert [s["id"] for s in await bob.save_sticker(mine["id"])] == [wave["id"], mine["id"]]
    assert len(await bob.save_sticker(mine["id"])) == 2  # saving again changes nothing
    await alice.recall(cid, shown["seq"])
    reordered = await bob.reorder_stickers([mine["id"], wave["id"]])
    assert [s["id"] for s in reordered] == [mine["id"], wave["id"]]  # still there after recall

    sent = await bob.send(cid, "sticker", media_id=wave["id"])
    assert sent["kind"] == "sticker"
    await bob.remove_sticker(mine["id"])
    assert [s["id"] for s in await bob.stickers()] == [wave["id"]]
    await fails(bob.remove_sticker(mine["id"]), "sticker.not_found", 404)


async def test_only_small_images_i_can_see_become_stickers(clients: MakeClient) -> None:
    alice, bob, eve = await clients("alice"), await clients("bob"), await clients("eve")
    await befriend(alice, bob)
    private = await alice.upload(picture(), kind="image")
    await fails(eve.save_sticker(private["id"]), "media.not_found", 404)
    document = await bob.upload(b"%PDF-1.4 not really", kind="file", name="a.pdf")
    await fails(bob.save_sticker(document["id"]), "media.kind_mismatch", 400)
    await bob.save_sticker((await bob.upload(picture(), kind="image"))["id"])
    await fails(bob.reorder_stickers([]), "invalid_input", 400)
    await fails(bob.remove_sticker("nothex"), "invalid_input", 400)
    assert await eve.stickers() == []
