"""Hypothesis strategies for hostile input: path values, query strings, JSON bodies shaped
by a JSON Schema (the OpenAPI document's, or a WebSocket frame's), and raw bytes.

Values are drawn from pools of what has broken parsers before (non-ASCII digits, NUL,
lone surrogates, huge and negative numbers, direction controls) mixed with real ids of
the world the test built, so requests get past validation and into the actions too.

No value ever names a host that would be looked up or reached: every `url` field is one
of SAFE_URLS, all refused by the webhook guard before any connection (tests send
traffic only to 127.0.0.1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from microletter.core.ids import MAX_ID

INTS = [0, 1, -1, 2, 7, 2**31, 2**32, MAX_ID, MAX_ID + 1, 2**63 - 1, 2**63, 2**64, -(2**63)]
TEXTS = [
    "",
    " ",
    "²",
    "١٢",
    "０",
    "\x00",
    "a\x00b",
    "\u202e",
    "admin\u202enimda\u200b",
    "%00",
    "%2e%2e%2f",
    "../../etc/passwd",
    "null",
    "[]",
    "{}",
    "1e999",
    "NaN",
    "-0",
    "😀\u200d",
    "x" * 300,
    "y" * 5000,
]
SAFE_URLS = [
    "http://127.0.0.1:1/",
    "http://[::1]:1/",
    "http://[::7f00:1]/",
    "http://[64:ff9b::a00:1]/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://10.0.0.1/",
    "https://169.254.169.254/latest",
    "javascript:alert(1)",
    "ftp://127.0.0.1/",
    "http:///",
    "http://u:p@127.0.0.1/",
    "http://127.0.0.1:99999/",
    "",
    "not a url",
]
KEYS = [
    # the open platform's JSON fields (endpoints, sending, rules)
    "access_token", "action_info", "action_name", "appid", "articles", "button", "color",
    "content", "content_source_url", "data", "description", "digest", "expire_seconds",
    "filter", "image", "is_to_all", "key", "lang", "media_id", "mpnews", "msgtype", "name",
    "openid", "picurl", "redirect_uri", "scene", "scene_id", "scene_str", "scope", "state",
    "sub_button", "template_id", "template_id_short", "text", "thumb_media_id", "title",
    "touser", "type", "unionid", "url", "user_list", "value", "tag_id", "group_id",
    # ids the protocols read from bodies (test_protocol_ids.py found '²' crashing them)
    "id", "tag", "tagid", "msg_id", "menuid", "matchrule", "offset", "count", "remark",
    "openid_list", "kf_account", "nickname",
    # and the REST bodies' most common ones
    "user_id", "username", "password", "client_msg_id", "seq", "member_ids", "kind",
]  # fmt: skip
QUERY_KEYS = [
    "access_token", "appid", "secret", "grant_type", "openid", "lang", "next_openid",
    "media_id", "type", "code", "refresh_token", "redirect_uri", "response_type", "scope",
    "state", "ticket", "before", "after", "limit", "epoch", "kind", "name", "q", "u", "e",
    "s", "v",
]  # fmt: skip


def ints(real: Sequence[int]) -> st.SearchStrategy[int]:
    return st.one_of(st.sampled_from([*INTS, *real]), st.integers())


def texts(real: Sequence[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from([*TEXTS, *real]), st.text(max_size=40))


def json_values(real_ints: Sequence[int], real_texts: Sequence[str]) -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        ints(real_ints),
        st.floats(allow_nan=False, allow_infinity=False),
        texts(real_texts),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(
                st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=4
            ),
        ),
        max_leaves=12,
    )


class Schemas:
    """Builds strategies from JSON Schema (msgspec's dialect: $ref, anyOf, enum, type)."""

    def __init__(
        self, components: Mapping[str, Any], real_ints: Sequence[int], real_texts: Sequence[str]
    ) -> None:
        self.components = components
        self.ints = ints(real_ints)
        self.texts = texts(real_texts)
        self.anything = json_values(real_ints, real_texts)

    def of(self, schema: Mapping[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
        """Mostly well-typed values (so requests reach the actions), sometimes anything."""
        if depth > 4:
            return self.anything
        typed = self._typed(schema, depth)
        return st.one_of(typed, typed, typed, typed, self.anything)

    def _typed(self, schema: Mapping[str, Any], depth: int) -> st.SearchStrategy[Any]:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            return st.deferred(lambda: self.of(self.components[name], depth + 1))
        if "anyOf" in schema:
            return st.one_of([self.of(s, depth + 1) for s in schema["anyOf"]])
        if "enum" in schema:
            return st.one_of(st.sampled_from(schema["enum"]), self.texts)
        kind = schema.get("type")
        if kind == "object":
            props = schema.get("properties", {})
            fields = {k: self.of(v, depth + 1) for k, v in props.items()}
            required = set(schema.get("required", []))
            return st.fixed_dictionaries(
                {k: v for k, v in fields.items() if k in required},
                optional={k: v for k, v in fields.items() if k not in required},
            ).map(safe)
        if kind == "array":
            return st.lists(self.of(schema.get("items", {}), depth + 1), max_size=5)
        if kind == "integer":
            return self.ints
        if kind == "number":
            return st.one_of(self.ints, st.floats())
        if kind == "string":
            return self.texts
        if kind == "boolean":
            return st.booleans()
        return self.anything


def safe(value: Any) -> Any:
    """Every `url` (at any depth) replaced by one of SAFE_URLS, chosen by what it was."""
    if isinstance(value, dict):
        return {
            k: (SAFE_URLS[len(str(v)) % len(SAFE_URLS)] if k == "url" else safe(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [safe(v) for v in value]
    return value


def path_segment(value: object) -> str:
    """A value as one percent-encoded path segment (a '/' must not change the route)."""
    return quote(str(value), safe="") or "%20"
