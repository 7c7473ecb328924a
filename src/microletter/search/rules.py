"""Search, pure: how text becomes index tokens, how a query becomes terms, and how a hit is
shown (a snippet with its highlights). No I/O; the store turns these into FTS5 or tsvector.

Theory of operation. Chinese and Japanese have no spaces, and people search them with one
or two characters, so a run of CJK characters is indexed as its bigrams ("微信群" → 微信,
信群) followed by its single characters (微, 信, 群); other scripts are indexed as words
(NFKC, casefolded, Latin diacritics dropped). A query of one CJK character looks up that
character; of two, that bigram; of more, the phrase of its bigrams. Words are matched
whole, the last one of the query as a prefix (people search as they type).

Every token is stored under its conversation's *bucket*: three base-36 characters of the
conversation id, put in front of the token ("k3z微信"). A person's search then looks only
at the buckets of their own conversations, so its cost follows the size of their history,
not the size of the community's: "的" is in half of all Chinese messages, but in only a few
hundred of one person's. The bucket is not the conversation (ids are too long to repeat in
every token): the store checks the conversation, and the person's membership, of each hit.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from microletter.core.ids import ConversationId
from microletter.core.models import JsonValue, MessageKind
from microletter.search.errors import EmptyQuery, QueryTooLong

VERSION = "1"  # of the tokens: a new version must rebuild every index (store/index.py)
MAX_QUERY = 100  # characters of a query
MAX_TERMS = 8  # words or CJK runs of a query that count
MAX_WORD = 40  # characters of a word that count (longer ones are cut)
MAX_TOKENS = 4000  # tokens of one message that are indexed
PAGE = 20
MAX_PAGE = 50
SNIPPET = 60  # characters of a snippet, about
BUCKETS = 46649  # a prime below 36**3: three base-36 characters
MARK = "\ue000"  # private use: no word contains it, so kind tokens cannot be searched for


class Facet(StrEnum):
    """What a conversation's search lists: its text, or its files, images or links."""

    TEXT = "text"
    FILE = "file"
    IMAGE = "image"
    LINK = "link"


_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


_CJK = (
    "\u3040-\u30ff"  # hiragana, katakana
    "\u31f0-\u31ff"  # katakana extensions
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uac00-\ud7af"  # Hangul syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U00020000-\U0003134f"  # CJK extensions B-H
)
# Marks that belong to the letters before them (Indic vowel signs, Hebrew and Arabic points):
# a word goes on through them. Indic blocks are taken whole.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
    "\u0900-\u0dff\u0e31-\u0e4e\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
)
# A CJK run, or a word: letters and digits (\w but neither "_" nor CJK) and their marks.
_SEGMENT = re.compile(f"([{_CJK}]+)|((?:[^\\W_{_CJK}]|[{_MARKS}])+)")


def bucket(cid: ConversationId | int) -> str:
    """The three characters in front of every token of the conversation."""
    n = int(cid) % BUCKETS
    return _DIGITS[n // 1296] + _DIGITS[n // 36 % 36] + _DIGITS[n % 36]


def _strip_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _fold_word(word: str) -> str:
    """Latin, Greek and Cyrillic without their diacritics ("café" finds "cafe"); other
    scripts as they are (their marks are parts of their letters)."""
    if not word.isascii() and all(ord(c) < 0x530 for c in word):
        word = _strip_marks(word)
    return word[:MAX_WORD]


def segments(text: str) -> list[tuple[bool, str]]:
    """The text, normalised (NFKC, casefolded), as its words and CJK runs in order:
    (True, run) for a CJK run, (False, word) for a word."""
    text = unicodedata.normalize("NFKC", text).casefold()
    found: list[tuple[bool, str]] = []
    for cjk, word in _SEGMENT.findall(text):
        if cjk:
            found.append((True, cjk))
        elif folded := _fold_word(word):
            found.append((False, folded))
    return found


def text_tokens(text: str) -> list[str]:
    """The index tokens of a text, in order (bucket not yet in front)."""
    tokens: list[str] = []
    for cjk, part in segments(text):
        if not cjk:
            tokens.append(part)
        elif len(part) == 1:
            tokens.append(part)
        else:
            tokens.extend(part[i : i + 2] for i in range(len(part) - 1))
            tokens.extend(part)
    return tokens


def searchable_text(kind: MessageKind, text: str | None, data: dict[str, JsonValue] | None) -> str:
    """What a search looks in: the text, and what a file, place or card shows by name."""
    parts = [text or ""]
    if data:
        media = data.get("media")
        if kind is MessageKind.FILE and isinstance(media, dict):
            name = media.get("name")
            parts.append(name if isinstance(name, str) else "")
        for key in ("name", "address", "display_name", "title"):
            value = data.get(key)
            if isinstance(value, str):
                parts.append(value)
    return "\n".join(p for p in parts if p)


def facets_of(kind: MessageKind, text: str | None) -> list[Facet]:
    found = []
    if kind is MessageKind.FILE:
        found.append(Facet.FILE)
    if kind is MessageKind.IMAGE:
        found.append(Facet.IMAGE)
    if text and _URL.search(text):
        found.append(Facet.LINK)
    return found


def facet_token(facet: Facet) -> str:
    return MARK + facet.value


def message_tokens(
    cid: ConversationId | int,
    kind: MessageKind,
    text: str | None,
    data: dict[str, JsonValue] | None,
) -> list[str]:
    """Every token a message is indexed under, with its conversation's bucket in front;
    empty for a message nothing can find (a system note, a voice note)."""
    if kind is MessageKind.SYSTEM:
        return []
    words = text_tokens(searchable_text(kind, text, data))[:MAX_TOKENS]
    words.extend(facet_token(f) for f in facets_of(kind, text))
    b = bucket(cid)
    return [b + t for t in words]


def links_in(text: str | None) -> list[str]:
    return _URL.findall(text or "")


# --- queries ---


@dataclass(frozen=True, slots=True)
class Term:
    """One part of a query, all of which a hit must have: a phrase of tokens in a row
    (one token for a word or a CJK query of one or two characters); `prefix`: the last
    token may be the start of a longer one."""

    tokens: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Query:
    terms: tuple[Term, ...]
    shown: tuple[str, ...]  # the strings to highlight in a hit's text, folded


def check_query(q: str, *, required: bool = True) -> Query:
    """The terms of what a person typed; EmptyQuery if nothing in it can be searched."""
    q = q.strip()
    if len(q) > MAX_QUERY:
        raise QueryTooLong("The search is too long.", field="q", max_length=MAX_QUERY)
    parts = segments(q)[:MAX_TERMS]
    if not parts:
        if required:
            raise EmptyQuery("Search for a word or a character.", field="q")
        return Query((), ())
    terms: list[Term] = []
    for i, (cjk, part) in enumerate(parts):
        if cjk and len(part) > 2:
            terms.append(Term(tuple(part[j : j + 2] for j in range(len(part) - 1))))
        else:
            terms.append(Term((part,), prefix=not cjk and i == len(parts) - 1))
    if terms[-1].prefix and Term(terms[-1].tokens) in terms:  # "tea tea": the word, whole
        terms.pop()
    return Query(tuple(dict.fromkeys(terms)), tuple(dict.fromkeys(p for _, p in parts)))


def fts5_match(query: Query, buckets: list[str], facet: Facet | None = None) -> str:
    """The FTS5 MATCH expression: the query's terms in any of these buckets."""
    extra = (Term((facet_token(facet),)),) if facet is not None and facet is not Facet.TEXT else ()
    terms = (*query.terms, *extra)

    def term(b: str, t: Term) -> str:
        phrase = '"' + " ".join(b + tok for tok in t.tokens) + '"'
        return phrase + " *" if t.prefix else phrase

    return " OR ".join("(" + " AND ".join(term(b, t) for t in terms) + ")" for b in buckets)


def tsquery(query: Query, buckets: list[str], facet: Facet | None = None) -> str:
    """The same as a PostgreSQL tsquery literal."""
    extra = (Term((facet_token(facet),)),) if facet is not None and facet is not Facet.TEXT else ()
    terms = (*query.terms, *extra)

    def term(b: str, t: Term) -> str:
        last = len(t.tokens) - 1
        words = [
            f"'{b}{tok}'" + (":*" if t.prefix and i == last else "")
            for i, tok in enumerate(t.tokens)
        ]
        return "(" + " <-> ".join(words) + ")"

    return " | ".join("(" + " & ".join(term(b, t) for t in terms) + ")" for b in buckets)


def tsvector(tokens: list[str]) -> str:
    """Tokens as a PostgreSQL tsvector literal, with their positions (for phrases)."""
    positions: dict[str, list[str]] = {}
    for i, tok in enumerate(tokens, 1):
        found = positions.setdefault(tok, [])
        if len(found) < 256:  # PostgreSQL keeps at most 256 positions of a lexeme
            found.append(str(min(i, 16383)))
    return " ".join(f"'{tok}':{','.join(at)}" for tok, at in positions.items())


# --- showing a hit ---


def _folded(text: str) -> tuple[str, list[int]]:
    """The text folded as tokens are, and for each folded character the index of the
    original character it came from."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        f = unicodedata.normalize("NFKC", ch).casefold()
        if not f.isascii() and all(ord(c) < 0x530 for c in f):
            f = _strip_marks(f)
        out.append(f)
        where.extend([i] * len(f))
    return "".join(out), where


def highlights(text: str, query: Query) -> list[tuple[int, int]]:
    """Where the query's words and characters are in `text`: [start, end) ranges of
    code points, in order, not overlapping."""
    folded, where = _folded(text)
    spans: list[tuple[int, int]] = []
    for shown in query.shown:
        start = folded.find(shown)
        while start >= 0 and len(spans) < 100:
            end = start + len(shown)
            spans.append((where[start], where[end - 1] + 1))
            start = folded.find(shown, end)
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def snippet(text: str, query: Query) -> tuple[str, list[tuple[int, int]]]:
    """A piece of `text` of about SNIPPET characters around its first hit, with "…" where
    it was cut, and the hits' ranges inside it."""
    text = " ".join(text.split())
    spans = highlights(text, query)
    if len(text) <= SNIPPET:
        return text, spans
    first = spans[0][0] if spans else 0
    start = max(0, min(first - SNIPPET // 4, len(text) - SNIPPET))
    end = min(len(text), start + SNIPPET)
    lead = "…" if start > 0 else ""
    piece = lead + text[start:end] + ("…" if end < len(text) else "")
    shift = len(lead) - start
    inside = [
        (max(a, start) + shift, min(b, end) + shift) for a, b in spans if b > start and a < end
    ]
    return piece, inside
