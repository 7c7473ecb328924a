"""The error tree: every class has its own stable code, and docs/api.md lists them all."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import microletter.app  # noqa: F401 - loads every room, so each registers its errors
from microletter.books import errors as books_errors
from microletter.core import errors
from microletter.core.errors import MicroletterError, all_error_classes
from microletter.favourites import errors as favourites_errors
from microletter.merchant import errors as merchant_errors
from microletter.miniapps import errors as miniapps_errors
from microletter.moments import errors as moments_errors
from microletter.platform import errors as platform_errors
from microletter.redpackets import errors as redpackets_errors
from microletter.search import errors as search_errors
from microletter.shop import errors as shop_errors
from microletter.stickers import errors as stickers_errors
from microletter.telegram import errors as telegram_errors
from microletter.transcripts import errors as transcripts_errors
from microletter.translate import errors as translate_errors
from microletter.wallet import errors as wallet_errors
from microletter.wxpay import errors as wxpay_errors

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
CODE = re.compile(r"[a-z][a-z_]*(?:\.[a-z][a-z_]*)*")
ERRORS = all_error_classes()
ERROR_MODULES = [
    errors,
    platform_errors,
    favourites_errors,
    stickers_errors,
    search_errors,
    wallet_errors,
    redpackets_errors,
    moments_errors,
    wxpay_errors,
    transcripts_errors,
    telegram_errors,
    translate_errors,
    miniapps_errors,
    shop_errors,
    merchant_errors,
    books_errors,
]  # the core's tree, and each feature room's part

# Codes are API: once released they never change. Add new ones; never edit these.
RELEASED = {
    "MicroletterError": "internal",
    "InvalidInput": "invalid_input",
    "MalformedBody": "invalid_input.malformed",
    "TooLarge": "invalid_input.too_large",
    "UsernameInvalid": "user.username_invalid",
    "PasswordTooWeak": "user.password_too_weak",
    "Unauthenticated": "auth.required",
    "BadCredentials": "auth.bad_credentials",
    "InvalidToken": "auth.invalid_token",
    "Forbidden": "forbidden",
    "NotMember": "conversation.not_member",
    "PermissionDenied": "conversation.permission_denied",
    "NotContact": "contact.required",
    "Blocked": "contact.blocked",
    "RecallExpired": "message.recall_expired",
    "NotFound": "not_found",
    "UserNotFound": "user.not_found",
    "DeviceNotFound": "device.not_found",
    "ConversationNotFound": "conversation.not_found",
    "MessageNotFound": "message.not_found",
    "ContactRequestNotFound": "contact.request_not_found",
    "Conflict": "conflict",
    "UsernameTaken": "user.username_taken",
    "AlreadyContacts": "contact.already",
    "RequestAlreadyAnswered": "contact.request_answered",
    "GroupFull": "conversation.full",
    "AlreadyMember": "conversation.already_member",
    "RateLimited": "rate_limited",
    "SyncReset": "sync.reset",
    "Unavailable": "unavailable",
}


def test_all_error_classes_starts_at_the_root_and_misses_none() -> None:
    assert ERRORS[0] is MicroletterError
    defined = {
        obj
        for module in ERROR_MODULES
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, MicroletterError)
    }
    assert set(ERRORS) == defined
    assert len(ERRORS) == len(defined)


def test_every_error_code_is_unique() -> None:
    seen: dict[str, str] = {}
    for cls in ERRORS:
        assert cls.code not in seen, f"{cls.__name__} reuses {cls.code!r} of {seen[cls.code]}"
        seen[cls.code] = cls.__name__


@pytest.mark.parametrize("cls", ERRORS, ids=lambda cls: cls.__name__)
def test_every_error_class_names_its_own_code_and_hint(cls: type[MicroletterError]) -> None:
    assert "code" in vars(cls), f"{cls.__name__} inherits its code"
    assert "hint" in vars(cls), f"{cls.__name__} inherits its hint"
    assert CODE.fullmatch(cls.code), f"{cls.__name__}.code {cls.code!r} is not a dotted name"


def test_released_codes_are_never_renamed_or_removed() -> None:
    current = {cls.__name__: cls.code for cls in ERRORS}
    changed = {name: code for name, code in RELEASED.items() if current.get(name) != code}
    assert not changed, f"released codes changed or vanished: {changed}"


@pytest.mark.parametrize("cls", ERRORS, ids=lambda cls: cls.__name__)
def test_the_drawn_tree_shows_every_class_with_its_code(cls: type[MicroletterError]) -> None:
    drawn = sys.modules[cls.__module__].__doc__  # the tree of the module that declares it
    assert drawn is not None
    line = re.compile(rf"\b{cls.__name__}\s+{re.escape(cls.code)}$", re.MULTILINE)
    assert line.search(drawn), f"{cls.__name__} {cls.code} is missing from the tree"


def test_a_code_used_twice_fails_when_the_class_is_defined() -> None:
    with pytest.raises(TypeError, match="reuses the error code 'user.not_found'"):

        class Again(errors.NotFound):
            code = "user.not_found"
            hint = "A second owner of a code."


def test_an_error_carries_its_message_and_details() -> None:
    plain = errors.GroupFull()
    assert plain.message == errors.GroupFull.hint
    assert str(plain) == plain.message
    detailed = errors.GroupFull("Full.", max_members=3)
    assert (detailed.message, dict(detailed.details)) == ("Full.", {"max_members": 3})


def documented_codes(markdown: str) -> set[str]:
    """The codes in the '## Error codes' section: the first backticked dotted name of
    each table row or list item (other backticked words in a row are not codes)."""
    section = re.search(r"^## Error codes[ \t]*\n(.*?)(?=^## |\Z)", markdown, re.S | re.M)
    assert section, "docs/api.md has no '## Error codes' section"
    codes = set()
    for line in section.group(1).splitlines():
        if not line.lstrip().startswith(("|", "-", "*")):
            continue
        for token in re.findall(r"`([^`]+)`", line):
            if CODE.fullmatch(token):
                codes.add(token)
                break
    return codes


def test_documented_codes_takes_the_code_of_each_row() -> None:
    doc = (
        "# API\n\n## Error codes\n\n| Code | HTTP | When |\n|---|---|---|\n"
        "| `not_found` | 404 | nothing at `path` |\n| `user.not_found` | 404 | |\n"
        "- `sync.reset`: resync\n\nSee `details`.\n\n## Other\n\n| `conflict` | 409 |\n"
    )
    assert documented_codes(doc) == {"not_found", "user.not_found", "sync.reset"}


def test_api_doc_lists_exactly_the_error_codes() -> None:
    assert API_DOC.exists(), "docs/api.md is missing: it must list every error code"
    documented = documented_codes(API_DOC.read_text(encoding="utf-8"))
    defined = {cls.code for cls in ERRORS}
    assert not defined - documented, f"codes missing from docs/api.md: {defined - documented}"
    assert not documented - defined, f"docs/api.md lists unknown codes: {documented - defined}"
