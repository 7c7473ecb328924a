"""Text formatting as the Bot API takes it (telegram/entities.py), keyboards
(telegram/rules.py) and who may edit (core/messages.py): pure, no server."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microletter.core.errors import NotEditable
from microletter.core.ids import ConversationId, MessageId, UserId
from microletter.core.messages import check_edit
from microletter.core.models import Instant, Message, MessageKind
from microletter.telegram.entities import (
    check_entities,
    formatted,
    parse_html,
    parse_markdown,
    parse_markdown_v2,
)
from microletter.telegram.errors import BotBadRequest
from microletter.telegram.rules import check_inline_keyboard, check_reply_keyboard, utf16_len


def test_html_nests_entities_and_unescapes_text() -> None:
    text, entities = parse_html("<b>a <i>b</i></b> &lt;c&gt; &amp; &#128512; <s>d</s>")
    assert text == "a b <c> & 😀 d"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 3},
        {"type": "italic", "offset": 2, "length": 1},
        {"type": "strikethrough", "offset": 13, "length": 1},  # 😀 counts two UTF-16 units
    ]


def test_html_leaves_a_bare_ampersand_as_typed() -> None:
    assert parse_html("AT&T &copy 2024 &#x41;") == ("AT&T &copy 2024 A", [])


def test_html_pre_with_a_language_is_one_entity() -> None:
    text, entities = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert text == "x = 1"
    assert entities == [{"type": "pre", "language": "python", "offset": 0, "length": 5}]


def test_html_links_and_spoilers() -> None:
    text, entities = parse_html(
        '<a href="https://x.org/?a=1&amp;b=2">x</a> <span class="tg-spoiler">s</span>'
    )
    assert text == "x s"
    assert entities == [
        {"type": "text_link", "url": "https://x.org/?a=1&b=2", "offset": 0, "length": 1},
        {"type": "spoiler", "offset": 2, "length": 1},
    ]


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("é<img src=x>", 'Unsupported start tag "img" at byte offset 2'),
        ("</b>", "Unexpected end tag at byte offset 0"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<a href="javascript:alert(1)">x</a>', "wrong HTTP URL 'javascript:alert(1)'"),
        ("a &nope; b", 'Unsupported HTML entity "&nope;" at byte offset 2'),
    ],
)
def test_html_refuses_what_telegram_refuses(source: str, error: str) -> None:
    with pytest.raises(BotBadRequest) as caught:
        parse_html(source)
    assert caught.value.message == f"Bad Request: can't parse entities: {error}"


def test_markdown_v2_marks_escapes_links_and_code() -> None:
    text, entities = parse_markdown_v2(
        "*b _i_* __u__ ~s~ ||p|| [l](https://x.org/a\\)) `c\\`` 1\\.5"
    )
    assert text == "b i u s p l c` 1.5"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 3},
        {"type": "italic", "offset": 2, "length": 1},
        {"type": "underline", "offset": 4, "length": 1},
        {"type": "strikethrough", "offset": 6, "length": 1},
        {"type": "spoiler", "offset": 8, "length": 1},
        {"type": "text_link", "url": "https://x.org/a)", "offset": 10, "length": 1},
        {"type": "code", "offset": 12, "length": 2},
    ]


def test_markdown_v2_pre_block_keeps_its_language() -> None:
    text, entities = parse_markdown_v2("```python\nprint(1)\n```")
    assert text == "print(1)\n"
    assert entities == [{"type": "pre", "language": "python", "offset": 0, "length": 9}]


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("a.b", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("(x)", "Character '(' is reserved and must be escaped with the preceding '\\'"),
        ("*open", "Can't find end of the entity starting at byte offset 0"),
        ("`open", "Can't find end of the entity starting at byte offset 0"),
        ("[a](https://x.org", "Can't find end of a url at byte offset 4"),
    ],
)
def test_markdown_v2_refuses_what_telegram_refuses(source: str, error: str) -> None:
    with pytest.raises(BotBadRequest) as caught:
        parse_markdown_v2(source)
    assert caught.value.message == f"Bad Request: can't parse entities: {error}"


def test_legacy_markdown() -> None:
    text, entities = parse_markdown("*b* _i_ `c` ```p``` [l](http://x.org) 1.5 \\*")
    assert text == "b i c p l 1.5 *"
    assert [e["type"] for e in entities] == ["bold", "italic", "code", "pre", "text_link"]
    with pytest.raises(BotBadRequest):
        parse_markdown("*open")


def test_given_entities_are_checked_against_the_text() -> None:
    given_ok = [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "custom_emoji", "offset": 0, "length": 1},  # not drawn: dropped
    ]
    assert check_entities("😀", given_ok) == [{"type": "bold", "offset": 0, "length": 2}]
    for bad in ([{"type": "bold", "offset": 1, "length": 2}], "x", [{"type": "bold"}]):
        with pytest.raises(BotBadRequest):
            check_entities("😀", bad)
    with pytest.raises(BotBadRequest):
        formatted("x", "BBCode", None)
    assert formatted("plain", None, None) == ("plain", [])


@given(st.text(max_size=60))
def test_escaped_text_comes_back_unchanged_with_no_entities(text: str) -> None:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert parse_html(escaped) == (text, [])
    v2 = "".join(f"\\{c}" if c in "_*[]()~`>#+-=|{}.!\\" else c for c in text)
    assert parse_markdown_v2(v2) == (text, [])


# Text as the API can receive it: no lone surrogates (msgspec refuses them in JSON, and an
# HTML reference to one unescapes to U+FFFD).
TEXT = st.characters(blacklist_characters="<>&", blacklist_categories=["Cs"])


@given(st.text(alphabet=TEXT, max_size=20), st.text(alphabet=TEXT, max_size=20))
def test_an_entity_covers_exactly_its_text_in_utf16_units(before: str, inside: str) -> None:
    text, entities = parse_html(f"{before}<b>{inside}</b>")
    assert text == before + inside
    if utf16_len(inside):
        (bold,) = entities
        units = text.encode("utf-16-le")
        start, length = int(str(bold["offset"])), int(str(bold["length"]))
        assert units[2 * start : 2 * (start + length)].decode("utf-16-le") == inside


def test_keyboards_are_checked() -> None:
    check_inline_keyboard(
        [[{"text": "a", "callback_data": "x"}, {"text": "b", "url": "https://x"}]]
    )
    check_reply_keyboard([["a", {"text": "b"}]])
    bad_inline = [
        {"text": "a"},
        [[{"text": "a", "callback_data": "x" * 65}]],
        [[{"text": "a", "url": "javascript:x"}]],
        [[{"text": "", "callback_data": "x"}]],
        [[{"text": "a", "callback_data": "x"}] * 101],
    ]
    for bad in bad_inline:
        with pytest.raises(BotBadRequest):
            check_inline_keyboard(bad)
    with pytest.raises(BotBadRequest):
        check_reply_keyboard([[""]])


def message(kind: MessageKind = MessageKind.TEXT, *, recalled: bool = False) -> Message:
    return Message(
        MessageId(1), ConversationId(2), 3, UserId(4), "c", kind, "hi", None, (), False, Instant(0),
        recalled=recalled,
    )  # fmt: skip


def test_only_the_sender_edits_and_text_only_on_a_text_message() -> None:
    check_edit(message(), UserId(4), "new")
    check_edit(message(MessageKind.IMAGE), UserId(4), None)  # the keyboard only
    for case, by, text in [
        (message(), UserId(5), "new"),
        (message(recalled=True), UserId(4), "new"),
        (message(MessageKind.SYSTEM), UserId(4), None),
        (message(MessageKind.IMAGE), UserId(4), "caption"),
    ]:
        with pytest.raises(NotEditable):
            check_edit(case, by, text)
