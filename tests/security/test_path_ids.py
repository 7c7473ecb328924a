"""Ids in paths are ASCII digits and nothing else (issue 11). `str.isdigit` accepts '²',
which `int` then refused: `/avatars/²` and `/api/v1/conversations/²` answered 500 and
logged a traceback, without authentication. '١٢' (Arabic-Indic digits) was read as 12."""

from __future__ import annotations

import re
from typing import Any

import pytest

from microletter.app import Server
from microletter.core.ids import MAX_ID, parse_id
from tests.conftest import MakeClient
from tests.support.rest import error_of, raw

NOT_ASCII_DIGITS = ["²", "1²", "١٢", "０", "۱", "߁", "𝟙", "½", "Ⅻ"]


@pytest.mark.parametrize("text", NOT_ASCII_DIGITS)
def test_the_id_parser_refuses_every_digit_that_is_not_ascii(text: str) -> None:
    assert text.isdigit() or text.isnumeric()  # what the old check let through
    assert parse_id(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("0", 0), ("7", 7), ("0042", 42), (str(MAX_ID), MAX_ID)],
)
def test_the_id_parser_reads_ascii_digits(text: str, value: int) -> None:
    assert parse_id(text) == value


@pytest.mark.parametrize(
    "text", ["", "-1", "+1", " 1", "1 ", "1_0", "0x10", str(MAX_ID + 1), "9" * 17]
)
def test_the_id_parser_refuses_signs_spaces_and_what_no_id_can_be(text: str) -> None:
    assert parse_id(text) is None


async def test_a_superscript_avatar_id_is_a_bad_request_not_a_server_error(
    server: Server, clients: MakeClient
) -> None:
    anon = await clients()
    for text in NOT_ASCII_DIGITS:
        status, body = await raw(anon, "GET", f"/avatars/{text}")
        assert status == 400, (text, body)
        assert error_of(body, "invalid_input")["details"]["field"] == "user_id"


async def test_every_id_in_every_path_refuses_digits_that_are_not_ascii(
    server: Server, clients: MakeClient
) -> None:
    """Walks the OpenAPI document: every path parameter that is an id, on every route."""
    alice = await clients("alice")
    status, spec = await raw(alice, "GET", "/openapi.json")
    assert status == 200
    checked = 0
    for template, operations in spec["paths"].items():
        for method, operation in operations.items():
            params = [p for p in operation.get("parameters", []) if p["in"] == "path"]
            ids = [p["name"] for p in params if p["schema"].get("type") == "integer"]
            # Other path parameters (a shop order's `{action}`) get a plain word.
            others = {p["name"]: "x" for p in params if p["name"] not in ids}
            for name in ids:
                for text in ("²", "١٢"):
                    path = _fill(template, others | {n: "1" for n in ids} | {name: text})
                    status, body = await raw(alice, method.upper(), path, json=_body(operation))
                    assert status == 400, (method, path, body)
                    assert error_of(body, "invalid_input")["details"]["field"] == name
                    checked += 1
    assert checked > 50  # the walk found the routes


def _fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)


def _body(operation: dict[str, Any]) -> Any:
    return {} if "requestBody" in operation else None
