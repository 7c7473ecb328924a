"""Text formatting as the Bot API takes it, pure: `parse_mode` HTML, MarkdownV2 and the
legacy Markdown parsed into plain text and entities, and `entities` given as they are,
checked. Malformed input is refused with Telegram's "can't parse entities" 400, never
stored half-understood.

An entity is `{type, offset, length}` (+ `url` for text_link, `language` for pre), its
offset and length in UTF-16 code units of the plain text, as Telegram counts them (so a
JavaScript client slices `text` with them directly). Errors name a byte offset in the
UTF-8 input, as Telegram's do.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from microletter.telegram.errors import BotBadRequest
from microletter.telegram.rules import utf16_len

Entity = dict[str, object]

# Types a bot may send, and which a client renders (others are dropped when given).
TYPES = frozenset({
    "bold", "italic", "underline", "strikethrough", "spoiler", "code", "pre", "text_link",
    "blockquote", "expandable_blockquote", "url", "email", "mention", "hashtag",
    "cashtag", "bot_command", "phone_number",
})  # fmt: skip
MAX_ENTITIES = 100
URL_SCHEMES = ("http://", "https://", "tg://", "mailto:")

HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "code": "code", "pre": "pre",
    "a": "text_link", "blockquote": "blockquote", "span": "spoiler",
}  # fmt: skip
MARKDOWN_V2_RESERVED = set("_*[]()~`>#+-=|{}.!")


def fail(what: str) -> BotBadRequest:
    return BotBadRequest(f"can't parse entities: {what}")


@dataclass
class _Out:
    """The plain text being built, its length in UTF-16 units, and the entities."""

    parts: list[str] = field(default_factory=list)
    units: int = 0
    entities: list[Entity] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.units += utf16_len(text)

    def close(self, start: int, entity: Entity) -> None:
        if self.units > start:
            self.entities.append({**entity, "offset": start, "length": self.units - start})

    def result(self) -> tuple[str, list[Entity]]:
        found = sorted(self.entities, key=lambda e: (e["offset"], -int(str(e["length"]))))
        if len(found) > MAX_ENTITIES:
            raise fail(f"too many entities ({len(found)}, at most {MAX_ENTITIES})")
        return "".join(self.parts), found


def _byte_offset(source: str, at: int) -> int:
    return len(source[:at].encode())


def _unended(source: str, at: int) -> BotBadRequest:
    return fail(f"Can't find end of the entity starting at byte offset {_byte_offset(source, at)}")


def _check_url(url: str) -> str:
    url = url.strip()
    if not url.lower().startswith(URL_SCHEMES):
        raise BotBadRequest(f"can't parse entities: wrong HTTP URL {url!r}")
    return url


# --- HTML ---

_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^>]*)?)\s*(/?)>")
_ATTR_RE = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_CHARREF_RE = re.compile(r"&(#[0-9]{1,7};|#x[0-9a-fA-F]{1,6};|[a-zA-Z]{2,8};)")
KNOWN_NAMED = {"lt", "gt", "amp", "quot", "apos", "nbsp"}


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Telegram's HTML: b/strong, i/em, u/ins, s/strike/del, span class="tg-spoiler",
    tg-spoiler, a href, code, pre (with code class="language-x" inside), blockquote;
    &lt; &gt; &amp; &quot; and numeric references. Anything else is refused."""
    out = _Out()
    stack: list[tuple[str, int, Entity, int]] = []  # tag, start units, entity, byte at
    at = 0
    while at < len(source):
        lt = source.find("<", at)
        chunk = source[at:] if lt < 0 else source[at:lt]
        out.add(_unescape(chunk, source, at))
        if lt < 0:
            break
        found = _TAG_RE.match(source, lt)
        if found is None:
            raise fail(f"Unclosed start tag at byte offset {_byte_offset(source, lt)}")
        closing, name, attrs = found[1] == "/", found[2].lower(), found[3]
        if closing:
            _close_html(out, stack, name, source, lt)
        else:
            entity = _html_entity(name, attrs, stack, source, lt)
            if entity is not None:
                stack.append((name, out.units, entity, _byte_offset(source, lt)))
        at = found.end()
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


def _unescape(chunk: str, source: str, base: int) -> str:
    pos = chunk.find("&")
    while pos >= 0:
        ref = _CHARREF_RE.match(chunk, pos)
        if ref is not None and not ref[1].startswith("#") and ref[1][:-1] not in KNOWN_NAMED:
            ref = None
        if ref is None and chunk[pos + 1 : pos + 2].isalnum() and ";" in chunk[pos : pos + 10]:
            name = chunk[pos + 1 : chunk.index(";", pos)]
            raise fail(f'Unsupported HTML entity "&{name};"'
                       f" at byte offset {_byte_offset(source, base + pos)}")  # fmt: skip
        pos = chunk.find("&", pos + 1)
    # Only whole references are replaced: "&copy" without its ";" stays as typed.
    return _CHARREF_RE.sub(lambda ref: html.unescape(ref[0]), chunk)


def _html_entity(
    name: str, attrs: str, stack: list[tuple[str, int, Entity, int]], source: str, at: int
) -> Entity | None:
    kind = HTML_TAGS.get(name) if name != "tg-spoiler" else "spoiler"
    values = {
        m[1].lower(): html.unescape(m[2] or m[3] or m[4] or "") for m in _ATTR_RE.finditer(attrs)
    }
    if kind is None:
        raise fail(f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, at)}')
    if name == "span" and values.get("class") != "tg-spoiler":
        raise fail(
            f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(source, at)}'
        )
    if name == "a":
        href = values.get("href")
        if not href:
            return {"type": "text_link", "url": ""}  # kept as plain text, as Telegram does
        return {"type": "text_link", "url": _check_url(href)}
    if name == "code" and stack and stack[-1][0] == "pre":
        language = values.get("class", "")
        if language.startswith("language-"):
            stack[-1][2]["language"] = language[len("language-") :]
    if name == "blockquote" and "expandable" in attrs:
        return {"type": "expandable_blockquote"}
    return {"type": kind}


def _close_html(
    out: _Out, stack: list[tuple[str, int, Entity, int]], name: str, source: str, at: int
) -> None:
    if not stack:
        raise fail(f"Unexpected end tag at byte offset {_byte_offset(source, at)}")
    tag, start, entity, _ = stack[-1]
    if tag != name:
        raise fail(
            f"Unmatched end tag at byte offset {_byte_offset(source, at)},"
            f' expected "</{tag}>", found "</{name}>"'
        )
    stack.pop()
    if entity["type"] == "text_link" and not entity["url"]:
        return
    if entity["type"] == "code" and stack and stack[-1][0] == "pre":
        return  # <pre><code class="language-x">: one pre entity
    out.close(start, entity)


# --- MarkdownV2 ---

_V2_MARKS = ("```", "__", "||", "*", "_", "~", "`", "[")
_V2_TYPES = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}


def parse_markdown_v2(source: str) -> tuple[str, list[Entity]]:
    """Telegram's MarkdownV2: *bold* _italic_ __underline__ ~strike~ ||spoiler||
    [text](url) `code` ```lang\\npre```; every one of _*[]()~`>#+-=|{}.! outside them
    must be escaped with a backslash."""
    out = _Out()
    stack: list[tuple[str, int, int]] = []  # mark, start units, source index
    at = 0
    n = len(source)
    while at < n:
        c = source[at]
        if c == "\\":
            if at + 1 < n and ord(source[at + 1]) < 128:
                out.add(source[at + 1])
                at += 2
                continue
            out.add(c)
            at += 1
            continue
        if c == "`":
            at = _v2_code(source, at, out)
            continue
        if c == "]" and stack and stack[-1][0] == "[":
            _, start, opened = stack.pop()
            if source[at + 1 : at + 2] != "(":
                raise fail(f"Can't find end of a url at byte offset {_byte_offset(source, opened)}")
            end, url = _v2_url(source, at + 2)
            out.close(start, {"type": "text_link", "url": _check_url(url)})
            at = end
            continue
        mark = next((m for m in ("__", "||") if source.startswith(m, at)), c)
        if mark in _V2_TYPES:
            if stack and stack[-1][0] == mark:
                _, start, _ = stack.pop()
                out.close(start, {"type": _V2_TYPES[mark]})
            elif any(s[0] == mark for s in stack):
                raise _unended(source, next(s[2] for s in stack if s[0] == mark))
            else:
                stack.append((mark, out.units, at))
            at += len(mark)
            continue
        if c == "[":
            stack.append(("[", out.units, at))
            at += 1
            continue
        if c in MARKDOWN_V2_RESERVED:
            raise fail(f"Character '{c}' is reserved and must be escaped with the preceding '\\'")
        out.add(c)
        at += 1
    if stack:
        raise _unended(source, stack[-1][2])
    return out.result()


def _v2_code(source: str, at: int, out: _Out) -> int:
    """`code` or ```lang\\npre```: only ` and \\ are escaped inside."""
    fence = "```" if source.startswith("```", at) else "`"
    body_at = at + len(fence)
    language = ""
    if fence == "```":
        newline = source.find("\n", body_at)
        first = source[body_at:newline] if newline >= 0 else ""
        if newline >= 0 and re.fullmatch(r"[A-Za-z0-9_+#-]*", first):
            language, body_at = first, newline + 1
    text: list[str] = []
    i = body_at
    while i < len(source):
        if source[i] == "\\" and i + 1 < len(source) and source[i + 1] in "`\\":
            text.append(source[i + 1])
            i += 2
        elif source.startswith(fence, i):
            start = out.units
            out.add("".join(text))
            entity: Entity = {"type": "pre" if fence == "```" else "code"}
            if language:
                entity["language"] = language
            out.close(start, entity)
            return i + len(fence)
        else:
            text.append(source[i])
            i += 1
    raise _unended(source, at)


def _v2_url(source: str, at: int) -> tuple[int, str]:
    url: list[str] = []
    i = at
    while i < len(source):
        if source[i] == "\\" and i + 1 < len(source):
            url.append(source[i + 1])
            i += 2
        elif source[i] == ")":
            return i + 1, "".join(url)
        else:
            url.append(source[i])
            i += 1
    raise fail(f"Can't find end of a url at byte offset {_byte_offset(source, at)}")


# --- legacy Markdown ---

_V1_TYPES = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}


def parse_markdown(source: str) -> tuple[str, list[Entity]]:
    """The legacy Markdown: *bold* _italic_ `code` ```pre``` [text](url), no nesting;
    a backslash escapes _ * ` [ outside an entity."""
    out = _Out()
    at = 0
    n = len(source)
    while at < n:
        c = source[at]
        if c == "\\" and at + 1 < n and source[at + 1] in "_*`[":
            out.add(source[at + 1])
            at += 2
            continue
        mark = "```" if source.startswith("```", at) else c
        if mark in _V1_TYPES:
            end = source.find(mark, at + len(mark))
            if end < 0:
                raise _unended(source, at)
            start = out.units
            out.add(source[at + len(mark) : end])
            out.close(start, {"type": _V1_TYPES[mark]})
            at = end + len(mark)
            continue
        if c == "[":
            close = source.find("](", at)
            end = source.find(")", close + 2) if close >= 0 else -1
            if close < 0 or end < 0:
                raise _unended(source, at)
            start = out.units
            out.add(source[at + 1 : close])
            out.close(start, {"type": "text_link", "url": _check_url(source[close + 2 : end])})
            at = end + 1
            continue
        out.add(c)
        at += 1
    return out.result()


PARSERS = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}


def formatted(text: str, parse_mode: str | None, entities: object) -> tuple[str, list[Entity]]:
    """The plain text and entities of a message: parsed by `parse_mode`, or the given
    `entities` checked against the text (not both, as Telegram)."""
    if parse_mode:
        parser = PARSERS.get(parse_mode.lower())
        if parser is None:
            raise BotBadRequest(f"unsupported parse_mode {parse_mode!r}")
        return parser(text)
    if entities is None:
        return text, []
    return text, check_entities(text, entities)


def check_entities(text: str, given: object) -> list[Entity]:
    """Entities as a bot gave them: a list of objects within the text."""
    if not isinstance(given, Sequence) or isinstance(given, str):
        raise fail("entities must be an Array")
    if len(given) > MAX_ENTITIES:
        raise fail(f"too many entities ({len(given)}, at most {MAX_ENTITIES})")
    units = utf16_len(text)
    found: list[Entity] = []
    for item in given:
        if not isinstance(item, Mapping):
            raise fail("MessageEntity must be an Object")
        kind, offset, length = item.get("type"), item.get("offset"), item.get("length")
        if not isinstance(kind, str) or not isinstance(offset, int) or not isinstance(length, int):
            raise fail("MessageEntity must have type, offset and length")
        if offset < 0 or length < 0 or offset + length > units:
            raise fail(f"entity beyond the end of the text at offset {offset}")
        if kind not in TYPES or length == 0:
            continue
        entity: Entity = {"type": kind, "offset": offset, "length": length}
        if kind == "text_link":
            url = item.get("url")
            if not isinstance(url, str):
                raise fail("text_link must have a url")
            entity["url"] = _check_url(url)
        if kind == "pre" and isinstance(item.get("language"), str):
            entity["language"] = item["language"]
        found.append(entity)
    return sorted(found, key=lambda e: (e["offset"], -int(str(e["length"]))))
