"""The search room's rules, pure: tokens, queries, the FTS5 and tsquery expressions, and
snippets with their highlights."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microletter.core.models import JsonValue, MessageKind
from microletter.search.errors import EmptyQuery, QueryTooLong
from microletter.search.rules import (
    VERSION,
    Facet,
    Term,
    bucket,
    check_query,
    fts5_match,
    highlights,
    message_tokens,
    snippet,
    text_tokens,
    tsquery,
    tsvector,
)


def test_cjk_is_indexed_by_pairs_and_characters_and_other_scripts_by_words() -> None:
    assert text_tokens("微信群") == ["微信", "信群", "微", "信", "群"]
    assert text_tokens("饺") == ["饺"]
    assert text_tokens("Hello, Café!") == ["hello", "cafe"]
    assert text_tokens("ｆｕｌｌ　ＷＩＤＴＨ") == ["full", "width"]  # NFKC
    assert text_tokens("Straße") == ["strasse"]  # casefolded
    assert text_tokens("用app聊天") == ["用", "app", "聊天", "聊", "天"]
    assert text_tokens("日本語です") == [
        "日本",
        "本語",
        "語で",
        "です",
        "日",
        "本",
        "語",
        "で",
        "す",
    ]
    assert text_tokens("नमस्ते दुनिया") == ["नमस्ते", "दुनिया"]  # vowel signs stay in the word
    assert text_tokens("snake_case, e-mail") == ["snake", "case", "e", "mail"]
    assert text_tokens("!!! ... ---") == []


def test_the_tokens_are_pinned_to_the_version() -> None:
    """Indexes hold these tokens: changing how text is tokenised needs a new VERSION (which
    rebuilds every index at start), so this test changes together with it."""
    assert VERSION == "1"
    assert message_tokens(46649 + 37, MessageKind.TEXT, "Go 去吃饭 https://x.io", None) == [
        "011go",
        "011去吃",
        "011吃饭",
        "011去",
        "011吃",
        "011饭",
        "011https",
        "011x",
        "011io",
        "011\ue000link",
    ]


def test_every_conversation_has_a_three_character_bucket() -> None:
    assert bucket(0) == "000"
    assert bucket(46648) == "zzs"  # 46648 = 35*1296 + 35*36 + 28
    assert bucket(46649) == "000"
    assert len({bucket(n) for n in range(10_000)}) == 10_000


def test_what_a_message_is_found_by() -> None:
    media: dict[str, JsonValue] = {"media": {"id": "a" * 64, "name": "Trip plan.pdf"}}
    assert message_tokens(1, MessageKind.FILE, None, media) == [
        "001trip",
        "001plan",
        "001pdf",
        "001\ue000file",
    ]
    assert message_tokens(1, MessageKind.IMAGE, None, {"media": {"name": "x.jpg"}}) == [
        "001\ue000image"
    ]
    assert message_tokens(1, MessageKind.SYSTEM, "members.added", None) == []
    assert message_tokens(1, MessageKind.VOICE, None, {"media": {"name": "v.webm"}}) == []
    place: dict[str, JsonValue] = {
        "latitude": 1.0,
        "longitude": 2.0,
        "name": "Din Tai Fung",
        "address": "101 大楼",
    }
    assert "001fung" in message_tokens(1, MessageKind.LOCATION, None, place)


def test_a_query_becomes_terms_that_must_all_be_there() -> None:
    query = check_query("  微信群 Hello wor ")
    assert query.terms == (
        Term(("微信", "信群")),
        Term(("hello",)),
        Term(("wor",), prefix=True),
    )
    assert check_query("饺子").terms == (Term(("饺子",)),)
    assert check_query("饺").terms == (Term(("饺",)),)
    assert check_query("tea tea").terms == (Term(("tea",)),)


def test_an_empty_or_long_query_is_refused() -> None:
    with pytest.raises(EmptyQuery):
        check_query(" ?! ")
    assert check_query("", required=False).terms == ()
    with pytest.raises(QueryTooLong):
        check_query("x" * 101)


def test_the_expressions_look_in_each_bucket() -> None:
    query = check_query("微信群 tea")
    assert fts5_match(query, ["abc", "x01"]) == (
        '("abc微信 abc信群" AND "abctea" *) OR ("x01微信 x01信群" AND "x01tea" *)'
    )
    assert tsquery(query, ["abc"]) == "(('abc微信' <-> 'abc信群') & ('abctea':*))"
    listed = check_query("", required=False)
    assert fts5_match(listed, ["abc"], Facet.IMAGE) == '("abc\ue000image")'
    assert tsquery(listed, ["abc"], Facet.LINK) == "(('abc\ue000link'))"


def test_a_tsvector_keeps_positions_for_phrases() -> None:
    assert tsvector(["a", "b", "a"]) == "'a':1,3 'b':2"
    many = tsvector(["x"] * 300)
    assert many.count(",") == 255  # PostgreSQL keeps 256 positions of a lexeme


def test_highlights_are_where_the_query_is_in_the_original_text() -> None:
    query = check_query("CAFE 饺子")
    text = "Le Café sert des 饺子"
    assert [text[a:b] for a, b in highlights(text, query)] == ["Café", "饺子"]
    assert highlights("Straße", check_query("strasse")) == [(0, 6)]


def test_a_snippet_is_cut_around_the_first_hit() -> None:
    text = "word " * 30 + "the 饺子 are here " + "more " * 30
    piece, spans = snippet(text, check_query("饺子"))
    assert piece.startswith("…") and piece.endswith("…") and len(piece) <= 62
    assert [piece[a:b] for a, b in spans] == ["饺子"]
    assert snippet("short 饺子", check_query("饺子")) == ("short 饺子", [(6, 8)])


@given(st.text(max_size=80), st.text(min_size=1, max_size=10))
def test_highlights_always_fall_inside_the_snippet(text: str, q: str) -> None:
    try:
        query = check_query(q)
    except (EmptyQuery, QueryTooLong):
        return
    piece, spans = snippet(text, query)
    last = 0
    for a, b in spans:
        assert last <= a < b <= len(piece)
        last = b
