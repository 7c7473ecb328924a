"""Rules for what may be sent, mentioned, quoted and recalled."""

from __future__ import annotations

import pytest

from microletter.core import messages as rules
from microletter.core.errors import (
    InvalidInput,
    MessageNotFound,
    NotSender,
    PermissionDenied,
    RecallExpired,
    TooLarge,
)
from microletter.core.ids import ConversationId, MessageId, UserId
from microletter.core.limits import Limits
from microletter.core.models import Instant, Member, Message, MessageKind, Role

LIMITS = Limits()
CID = ConversationId(10)
ALICE, BOB, CAROL = UserId(1), UserId(2), UserId(3)


def member(uid: UserId, role: Role = Role.MEMBER, joined_seq: int = 1) -> Member:
    return Member(CID, uid, role, joined_seq, joined_seq - 1, False, Instant(0))


def message(
    sender: UserId = ALICE, at: int = 1_000_000, kind: MessageKind = MessageKind.TEXT
) -> Message:
    return Message(MessageId(99), CID, 5, sender, "c1", kind, "hi", None, (), False, Instant(at))


# --- text ---


def test_text_up_to_the_byte_limit_is_accepted() -> None:
    text = "x" * LIMITS.max_text_bytes
    assert rules.check_text(text, LIMITS) == text


@pytest.mark.parametrize(("char", "width"), [("x", 1), ("é", 2), ("中", 3), ("😀", 4)])
def test_the_text_limit_counts_utf8_bytes_not_characters(char: str, width: int) -> None:
    limits = Limits(max_text_bytes=12)
    fits = char * (12 // width)
    assert rules.check_text(fits, limits) == fits
    with pytest.raises(TooLarge) as caught:
        rules.check_text(fits + char, limits)
    assert caught.value.details["size"] == 12 // width * width + width
    assert caught.value.details["max_bytes"] == 12


@pytest.mark.parametrize("text", ["", " ", "\n\t "])
def test_blank_text_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        rules.check_text(text, LIMITS)


@pytest.mark.parametrize("text", ["\x00", "a\x00b", "hello\x00"])
def test_text_with_a_nul_character_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.check_text(text, LIMITS)
    assert not isinstance(caught.value, TooLarge)


def test_other_text_is_kept_exactly_as_sent() -> None:
    text = "  line one\nline two 👋🏽 \t"
    assert rules.check_text(text, LIMITS) == text


# --- client_msg_id ---


@pytest.mark.parametrize(
    "cmid",
    [
        "a",
        "Z9",
        "550e8400-e29b-41d4-a716-446655440000",
        "web:1.2_3",
        "x" * LIMITS.max_client_msg_id,
    ],
)
def test_client_msg_ids_of_the_allowed_characters_are_accepted(cmid: str) -> None:
    assert rules.check_client_msg_id(cmid, LIMITS) == cmid


@pytest.mark.parametrize(
    "cmid",
    [
        "",
        "x" * (LIMITS.max_client_msg_id + 1),
        "has space",
        "slash/",
        "new\nline",
        "trailing\n",
        "ünï",
        "١٢٣",  # Arabic-Indic digits are digits, but not ours
        "a\x00",
    ],
)
def test_other_client_msg_ids_are_refused(cmid: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.check_client_msg_id(cmid, LIMITS)
    assert caught.value.details["field"] == "client_msg_id"


# --- mentions ---


def test_mentions_are_deduplicated_in_order() -> None:
    got = rules.check_mentions([BOB, CAROL, BOB], False, member(ALICE), [ALICE, BOB, CAROL], LIMITS)
    assert got == (BOB, CAROL)


def test_mentioning_a_non_member_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.check_mentions([BOB, CAROL], False, member(ALICE), [ALICE, BOB], LIMITS)
    assert caught.value.details["users"] == [CAROL]


def test_too_many_distinct_mentions_are_refused() -> None:
    limits = Limits(max_mentions=2)
    everyone = [ALICE, BOB, CAROL]
    assert rules.check_mentions([BOB, CAROL, BOB], False, member(ALICE), everyone, limits)
    with pytest.raises(TooLarge):
        rules.check_mentions([ALICE, BOB, CAROL], False, member(ALICE), everyone, limits)


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_managers_may_mention_all(role: Role) -> None:
    assert rules.check_mentions([], True, member(ALICE, role), [ALICE, BOB], LIMITS) == ()


def test_plain_members_may_not_mention_all() -> None:
    with pytest.raises(PermissionDenied):
        rules.check_mentions([], True, member(ALICE), [ALICE, BOB], LIMITS)


# --- replies ---


def test_no_reply_is_fine() -> None:
    assert rules.check_reply(None, member(ALICE), 0) is None


@pytest.mark.parametrize("seq", [4, 7, 9])
def test_a_reply_may_quote_any_message_since_the_sender_joined(seq: int) -> None:
    assert rules.check_reply(seq, member(ALICE, joined_seq=4), 9) == seq


@pytest.mark.parametrize("seq", [-1, 0, 3, 10])
def test_a_reply_outside_what_the_sender_can_see_is_not_found(seq: int) -> None:
    with pytest.raises(MessageNotFound):
        rules.check_reply(seq, member(ALICE, joined_seq=4), 9)


def test_members_see_history_from_the_seq_they_joined_at() -> None:
    assert rules.visible_from(member(ALICE, joined_seq=7)) == 7


# --- recall ---


def test_the_sender_recalls_within_the_window() -> None:
    sent = message()
    rules.check_recall(sent, ALICE, Instant(sent.created_at + 1), LIMITS)
    rules.check_recall(sent, ALICE, Instant(sent.created_at + LIMITS.recall_window_ms), LIMITS)


def test_a_recall_after_the_window_is_refused() -> None:
    sent = message()
    late = Instant(sent.created_at + LIMITS.recall_window_ms + 1)
    with pytest.raises(RecallExpired) as caught:
        rules.check_recall(sent, ALICE, late, LIMITS)
    assert caught.value.details["window_seconds"] == LIMITS.recall_window_ms // 1000


def test_nobody_recalls_someone_elses_message() -> None:
    sent = message(sender=ALICE)
    with pytest.raises(NotSender):
        rules.check_recall(sent, BOB, sent.created_at, LIMITS)


def test_nobody_recalls_a_system_note() -> None:
    note = message(sender=ALICE, kind=MessageKind.SYSTEM)
    with pytest.raises(NotSender):
        rules.check_recall(note, ALICE, note.created_at, LIMITS)


def test_a_note_records_its_action_and_actor() -> None:
    assert rules.note("group.renamed", ALICE, name="x") == {
        "action": "group.renamed",
        "actor": ALICE,
        "name": "x",
    }
