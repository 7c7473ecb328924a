"""Rules for usernames, passwords, display names, device names and locales."""

from __future__ import annotations

import pytest

from microletter.core import accounts
from microletter.core.errors import InvalidInput, PasswordTooWeak, TooLarge, UsernameInvalid


@pytest.mark.parametrize("name", ["bob", "alice_2", "a" * 32, "___", "007"])
def test_valid_usernames_are_returned_unchanged(name: str) -> None:
    assert accounts.check_username(name) == name


@pytest.mark.parametrize(
    "name",
    ["", "ab", "a" * 33, "Alice", "al ice", "al-ice", "alice.b", "élan", "bob\n", "ｂｏｂ"],
)
def test_invalid_usernames_are_refused_not_folded(name: str) -> None:
    with pytest.raises(UsernameInvalid) as caught:
        accounts.check_username(name)
    assert caught.value.details["username"] == name


def test_a_password_needs_eight_characters() -> None:
    assert accounts.check_password("8 chars!") == "8 chars!"
    with pytest.raises(PasswordTooWeak) as caught:
        accounts.check_password("7 chars")
    assert caught.value.details["min_length"] == accounts.MIN_PASSWORD


def test_password_length_counts_characters_not_bytes() -> None:
    assert accounts.check_password("密码密码密码密码") == "密码密码密码密码"


def test_an_enormous_password_is_refused_before_hashing() -> None:
    accounts.check_password("x" * accounts.MAX_PASSWORD)
    with pytest.raises(TooLarge):
        accounts.check_password("x" * (accounts.MAX_PASSWORD + 1))


def test_a_display_name_is_trimmed() -> None:
    assert accounts.clean_display_name("  Alice  ", fallback="alice") == "Alice"


def test_an_empty_display_name_falls_back_to_the_username() -> None:
    assert accounts.clean_display_name("   ", fallback="alice") == "alice"


def test_a_display_name_is_limited_in_characters() -> None:
    name = "名" * accounts.MAX_DISPLAY_NAME
    assert accounts.clean_display_name(name, fallback="x") == name
    with pytest.raises(TooLarge):
        accounts.clean_display_name(name + "名", fallback="x")


@pytest.mark.parametrize("name", ["a\nb", "a\x00b", "a\x1bb", "a\tb", "a\x7fb"])
def test_a_display_name_with_control_characters_is_refused(name: str) -> None:
    with pytest.raises(InvalidInput):
        accounts.clean_display_name(name, fallback="x")


def test_a_device_name_is_cleaned_rather_than_refused() -> None:
    assert accounts.clean_device_name("  Pixel\x00 8\n ") == "Pixel 8"
    assert accounts.clean_device_name("x" * 100) == "x" * accounts.MAX_DEVICE_NAME
    assert accounts.clean_device_name("a\x7fb\x85c") == "abc"
    assert accounts.clean_device_name(" \x01\x02 ") == "device"
    assert accounts.clean_device_name("") == "device"


@pytest.mark.parametrize("locale", ["en", "zh-CN", "zh-Hant-TW", "de-CH-1996", "yue"])
def test_bcp47_locales_are_accepted(locale: str) -> None:
    assert accounts.check_locale(locale) == locale


@pytest.mark.parametrize("locale", ["", "e", "EN", "en_US", "en-", "english", "en-" + "a" * 40])
def test_other_locales_are_refused(locale: str) -> None:
    with pytest.raises(InvalidInput):
        accounts.check_locale(locale)
