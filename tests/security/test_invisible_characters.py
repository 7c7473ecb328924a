"""Names show what they are (issue 11): bidirectional controls and invisible characters
are refused in display names, group names, remarks, official accounts' names and file
names, with one code (`invalid_input.invisible_characters`) that names the character.
'admin\\u202enimda\\u200b' was accepted. The joiners stay where they join: in emoji
sequences, and in Persian and the Indic scripts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from microletter.client import Client
from microletter.core.errors import InvisibleCharacters
from microletter.core.text import check_visible, hidden_character
from tests.conftest import MakeClient, befriend
from tests.support.platform import new_account
from tests.support.rest import fails, uid

SPOOF = "admin\u202enimda\u200b"
REFUSED = [
    SPOOF,
    *(f"ab{chr(c)}cd" for c in range(0x202A, 0x202F)),  # embeddings and overrides
    *(f"ab{chr(c)}cd" for c in range(0x2066, 0x206A)),  # isolates
    "ab\u200ecd",  # left-to-right mark
    "ab\u200fcd",  # right-to-left mark
    "ab\u061ccd",  # Arabic letter mark
    "ab\u200bcd",  # zero width space
    "ab\u2060cd",  # word joiner
    "\ufeffab",  # zero width no-break space (BOM)
    "ab\u00adcd",  # soft hyphen
    "\u3164",  # Hangul filler: a name that shows as nothing
    "ab\u2028cd",  # line separator
    "ab\u200dcd",  # a joiner between Latin letters joins nothing
    "ab\u200ccd",
    "\u200d😀",  # a joiner before anything
    "😀\u200d",  # or after everything
    "ab \ufe0f",  # a variation selector on a space
]
KEPT = [
    "Alice",
    "👩\u200d💻 Dev",  # woman technologist (ZWJ)
    "👨\u200d👩\u200d👧\u200d👦",  # family
    "🏳\ufe0f\u200d🌈",  # rainbow flag (VS16, then ZWJ)
    "❤\ufe0f",  # red heart with its emoji presentation selector
    "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # Scotland's flag
    "می\u200cخواهم",  # Persian: "I want", with its zero width non-joiner
    "क्\u200dष",  # Devanagari with a zero width joiner
    "ക്\u200cക",  # Malayalam with a zero width non-joiner
    "王小明",
    "José Ñandú",
]


@pytest.mark.parametrize("name", REFUSED)
def test_a_name_that_hides_or_reorders_characters_is_refused(name: str) -> None:
    assert hidden_character(name) is not None
    with pytest.raises(InvisibleCharacters) as caught:
        check_visible(name, "display_name", "The display name")
    assert caught.value.details["field"] == "display_name"
    assert caught.value.details["character"].startswith("U+")


@pytest.mark.parametrize("name", KEPT)
def test_joiners_and_selectors_that_do_visible_work_are_kept(name: str) -> None:
    assert hidden_character(name) is None


def test_the_error_names_the_first_offending_character_and_where_it_is() -> None:
    with pytest.raises(InvisibleCharacters) as caught:
        check_visible(SPOOF, "name", "The name")
    assert caught.value.details == {"field": "name", "character": "U+202E", "position": 5}


Attempt = Callable[[Client, Client, str], Awaitable[Any]]


async def _register(alice: Client, bob: Client, name: str) -> Any:
    return await alice.call(
        "POST", "/api/v1/accounts", {"username": "eve", "password": "x" * 12, "display_name": name}
    )


async def _profile(alice: Client, bob: Client, name: str) -> Any:
    return await alice.call("PATCH", "/api/v1/me", {"display_name": name})


async def _new_group(alice: Client, bob: Client, name: str) -> Any:
    return await alice.create_group(name, [uid(bob)])


async def _rename_group(alice: Client, bob: Client, name: str) -> Any:
    group = (await alice.create_group("team", [uid(bob)]))["conversation"]
    return await alice.call("PATCH", f"/api/v1/conversations/{group['id']}", {"name": name})


async def _remark(alice: Client, bob: Client, name: str) -> Any:
    return await alice.set_remark(uid(bob), name)


async def _official_account(alice: Client, bob: Client, name: str) -> Any:
    return await new_account(alice, name)


async def _file(alice: Client, bob: Client, name: str) -> Any:
    return await alice.upload(b"%PDF-1.4 not really", "file", f"invoice{name}.pdf")


ATTEMPTS: dict[str, tuple[Attempt, str]] = {
    "sign-up display name": (_register, "display_name"),
    "profile display name": (_profile, "display_name"),
    "new group name": (_new_group, "name"),
    "group rename": (_rename_group, "name"),
    "remark": (_remark, "remark"),
    "official account name": (_official_account, "name"),
    "file name": (_file, "name"),
}


@pytest.mark.parametrize("where", list(ATTEMPTS))
async def test_every_kind_of_name_refuses_the_spoof_with_one_code(
    clients: MakeClient, where: str
) -> None:
    attempt, field = ATTEMPTS[where]
    alice, bob = await clients("alice"), await clients("bob")
    await befriend(alice, bob)
    error = await fails(attempt(alice, bob, SPOOF), "invalid_input.invisible_characters", 400)
    assert error.details["field"] == field
    assert error.details["character"] == "U+202E"


@pytest.mark.parametrize("where", list(ATTEMPTS))
async def test_every_kind_of_name_keeps_emoji_and_persian_joiners(
    clients: MakeClient, where: str
) -> None:
    attempt, _ = ATTEMPTS[where]
    alice, bob = await clients("alice"), await clients("bob")
    await befriend(alice, bob)
    await attempt(alice, bob, "می\u200cخواهم 👩\u200d💻")
