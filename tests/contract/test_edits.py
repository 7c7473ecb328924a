"""Editing a message in place, on every Store backend: every member's log gets an `edit`
entry that points at the message (so a later read shows it as it is then), the history
agrees with the log, only the sender edits, and a recall erases every version."""

from __future__ import annotations

import pytest

from microletter.core.errors import NotEditable
from microletter.core.events import MessageEdited, MessagePosted
from microletter.core.models import JsonValue
from microletter.ports import Store
from tests.contract.conftest import befriend, new_user, now, text


async def test_an_edit_is_in_every_members_log_and_agrees_with_history(store: Store) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    sent = (await store.post_message(text(cid, alice.id, "e1", "draft"), now())).value
    start = await store.log_head(bob.id)

    bold: dict[str, JsonValue] = {"entities": [{"type": "bold", "offset": 0, "length": 5}]}
    stamp = now()
    edited = await store.edit_message(alice.id, cid, sent.seq, "final", bold, stamp)

    assert edited.value.text == "final" and edited.value.seq == sent.seq
    assert isinstance(edited.value.data, dict) and edited.value.data["edited_at"] == stamp
    assert {e.user_id for e in edited.entries} == {alice.id, bob.id}
    (entry,) = await store.read_log(bob.id, start, 10)
    assert entry.event == MessageEdited(edited.value)
    assert await store.message(bob.id, cid, sent.seq) == edited.value  # verify_action
    # a keyboard change keeps the text; None removes a key
    again = await store.edit_message(alice.id, cid, sent.seq, None, {"entities": None}, now())
    assert again.value.text == "final" and "entities" not in (again.value.data or {})


async def test_only_the_sender_edits_and_a_recall_erases_every_version(store: Store) -> None:
    alice, bob = await new_user(store, "alice"), await new_user(store, "bob")
    cid = await befriend(store, alice.id, bob.id)
    start = await store.log_head(bob.id)
    sent = (await store.post_message(text(cid, alice.id, "e2", "one"), now())).value
    with pytest.raises(NotEditable):
        await store.edit_message(bob.id, cid, sent.seq, "hijack", {}, now())
    await store.edit_message(alice.id, cid, sent.seq, "two", {}, now())
    await store.recall_message(alice.id, cid, sent.seq, now())
    log = await store.read_log(bob.id, start, 10)
    shown = [e.event.message for e in log if isinstance(e.event, MessagePosted | MessageEdited)]
    assert [(m.text, m.recalled) for m in shown] == [(None, True), (None, True)]
    with pytest.raises(NotEditable):
        await store.edit_message(alice.id, cid, sent.seq, "three", {}, now())
