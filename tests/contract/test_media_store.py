"""The Store's media contract, for every backend: uploads are recorded per user and kind,
and a blob is visible to its uploaders and to the members who can see a message that
carries it, until that message is recalled or the member leaves."""

from __future__ import annotations

import dataclasses

import pytest

from microletter.core.errors import MediaKindMismatch, MediaNotFound
from microletter.core.ids import ConversationId, UserId
from microletter.core.media import BlobFacts, MediaId, MediaKind
from microletter.core.messages import Draft
from microletter.core.models import Instant, MessageKind
from microletter.ports import Store
from tests.contract.conftest import befriend, new_user, now

IMAGE = BlobFacts(MediaId("a" * 64), "image/png", 100, 640, 480, True)
VOICE = BlobFacts(MediaId("b" * 64), "audio/webm", 50, duration_ms=1500, waveform=(1,) * 64)


def media_draft(
    cid: ConversationId, sender: UserId, cmid: str, kind: MessageKind, media_id: MediaId
) -> Draft:
    return Draft(cid, sender, cmid, kind, None, media_id=media_id)


async def test_an_upload_is_visible_to_its_uploader_only(store: Store) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    media = await store.save_media(alice.id, IMAGE, MediaKind.IMAGE, "cat.png", now())
    assert (media.id, media.kind, media.name, media.width, media.has_thumbnail) == (
        IMAGE.id,
        MediaKind.IMAGE,
        "cat.png",
        640,
        True,
    )
    assert await store.visible_media(alice.id, [IMAGE.id, VOICE.id]) == {IMAGE.id: media}
    assert await store.visible_media(bob.id, [IMAGE.id]) == {}


async def test_uploading_again_keeps_the_first_time_and_takes_the_new_name(store: Store) -> None:
    alice = await new_user(store, "alice")
    first = await store.save_media(alice.id, VOICE, MediaKind.VOICE, "a.webm", now())
    again = await store.save_media(
        alice.id, VOICE, MediaKind.VOICE, "b.webm", Instant(first.created_at + 5)
    )
    assert again == dataclasses.replace(first, name="b.webm")
    as_file = await store.save_media(alice.id, VOICE, MediaKind.FILE, "c.webm", now())
    assert (as_file.kind, as_file.duration_ms, as_file.waveform) == (MediaKind.FILE, None, None)


async def test_a_message_carries_media_to_the_members_until_it_is_recalled(store: Store) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    carol = await new_user(store, "carol")
    cid = await befriend(store, alice.id, bob.id)
    media = await store.save_media(alice.id, IMAGE, MediaKind.IMAGE, "cat.png", now())
    sent = await store.post_message(
        media_draft(cid, alice.id, "m1", MessageKind.IMAGE, IMAGE.id), now()
    )
    assert sent.value.data == {"media": {**dataclasses.asdict(media), "kind": "image"}}
    assert await store.visible_media(bob.id, [IMAGE.id]) == {IMAGE.id: media}
    assert await store.visible_media(carol.id, [IMAGE.id]) == {}
    again = await store.post_message(
        media_draft(cid, alice.id, "m1", MessageKind.IMAGE, IMAGE.id), now()
    )
    assert again.value == sent.value and again.entries == ()
    await store.recall_message(alice.id, cid, sent.value.seq, now())
    assert await store.visible_media(bob.id, [IMAGE.id]) == {}
    assert IMAGE.id in await store.visible_media(alice.id, [IMAGE.id])


async def test_media_is_sent_only_as_its_kind_and_only_if_visible(store: Store) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    await store.save_media(alice.id, VOICE, MediaKind.VOICE, "v.webm", now())
    with pytest.raises(MediaKindMismatch):
        await store.post_message(
            media_draft(cid, alice.id, "m1", MessageKind.FILE, VOICE.id), now()
        )
    with pytest.raises(MediaNotFound):
        await store.post_message(media_draft(cid, bob.id, "m2", MessageKind.VOICE, VOICE.id), now())
    await store.post_message(media_draft(cid, alice.id, "m3", MessageKind.VOICE, VOICE.id), now())
    forwarded = await store.post_message(
        media_draft(cid, bob.id, "m4", MessageKind.VOICE, VOICE.id), now()
    )
    assert forwarded.value.data is not None
    assert forwarded.value.data["media"]["duration_ms"] == 1500  # type: ignore[index]


async def test_members_see_no_media_from_before_they_joined_or_after_they_left(
    store: Store,
) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    carol = await new_user(store, "carol")
    await befriend(store, alice.id, bob.id)
    await befriend(store, alice.id, carol.id)
    group = (await store.create_group(alice.id, [bob.id], "g", now())).value.id
    await store.save_media(alice.id, IMAGE, MediaKind.IMAGE, "cat.png", now())
    await store.post_message(media_draft(group, alice.id, "m1", MessageKind.IMAGE, IMAGE.id), now())
    await store.add_members(alice.id, group, [carol.id], now())
    assert await store.visible_media(carol.id, [IMAGE.id]) == {}
    assert IMAGE.id in await store.visible_media(bob.id, [IMAGE.id])
    await store.leave(bob.id, group, now())
    assert await store.visible_media(bob.id, [IMAGE.id]) == {}
