"""Rules for accounts and profiles: what a valid username, password and profile look like."""

from __future__ import annotations

import re
import unicodedata

from microletter.core.errors import InvalidInput, PasswordTooWeak, TooLarge, UsernameInvalid
from microletter.core.text import check_visible

USERNAME_RE = re.compile(r"[a-z0-9_]{3,32}")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # argon2 would hash a megabyte happily; we refuse it first
MAX_DISPLAY_NAME = 64
MAX_DEVICE_NAME = 64
LOCALE_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
DEFAULT_LOCALE = "en"


def check_username(username: str) -> str:
    """Return the username if valid. Names are case-sensitive lower-case, so never folded."""
    if not USERNAME_RE.fullmatch(username):
        raise UsernameInvalid(username=username)
    return username


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise PasswordTooWeak(min_length=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise TooLarge("Password is too long.", field="password", max_length=MAX_PASSWORD)
    return password


def clean_display_name(name: str, *, fallback: str) -> str:
    """Trim; an empty name falls back to the username. Control characters are refused."""
    name = name.strip()
    if len(name) > MAX_DISPLAY_NAME:
        raise TooLarge(
            "Display name is too long.", field="display_name", max_length=MAX_DISPLAY_NAME
        )
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise InvalidInput("Display name contains control characters.", field="display_name")
    check_visible(name, "display_name", "The display name")
    return name or fallback


def clean_device_name(name: str) -> str:
    name = name.strip()[:MAX_DEVICE_NAME]
    return "".join(c for c in name if unicodedata.category(c) != "Cc") or "device"


def check_locale(locale: str) -> str:
    if len(locale) > 35 or not LOCALE_RE.fullmatch(locale):
        raise InvalidInput("Locale must be a BCP 47 tag such as 'en' or 'zh-CN'.", field="locale")
    return locale
