"""The Bot API's pure rules: tokens, usernames, commands, privacy mode, parameters."""

from __future__ import annotations

import pytest

from microletter.core.ids import UserId
from microletter.telegram.errors import BotBadRequest, BotUsernameInvalid
from microletter.telegram.params import Params
from microletter.telegram.rules import (
    check_bot_username,
    check_commands,
    command_entities,
    hash_secret,
    is_secret,
    make_token,
    sees_in_group,
    split_token,
    utf16_len,
)


def test_a_token_has_telegrams_shape_and_splits_back() -> None:
    token = make_token(UserId(123456789), bytes(range(27)))
    bot_id, secret = token.split(":")
    assert bot_id == "123456789" and len(secret) == 35
    assert split_token(token) == (UserId(123456789), secret)
    assert is_secret(secret, hash_secret(secret)) and not is_secret(
        secret + "x", hash_secret(secret)
    )
    for wrong in ["123456789", f"0:{secret}", f"12:{secret[:-1]}", f"12:{secret}!", ""]:
        assert split_token(wrong) is None


def test_a_bots_username_ends_in_bot() -> None:
    assert check_bot_username("echo_bot") == "echo_bot"
    for wrong in ["echo", "Echo_bot", "bot", "b" * 31 + "bot"]:
        with pytest.raises(BotUsernameInvalid):
            check_bot_username(wrong)


def test_commands_are_checked_like_telegrams() -> None:
    assert check_commands([{"command": "start", "description": "Begin"}])[0].command == "start"
    for wrong in ["x", [{"command": "Start", "description": "x"}], [{"command": "a"}], [1]]:
        with pytest.raises(BotBadRequest):
            check_commands(wrong)
    with pytest.raises(BotBadRequest):
        check_commands([{"command": "a", "description": "b"}] * 101)


def test_privacy_mode_lets_through_commands_replies_and_mentions_only() -> None:
    def sees(text: str, privacy: bool = True, reply: bool = False, mention: bool = False) -> bool:
        return sees_in_group(
            text,
            bot_username="echo_bot",
            privacy=privacy,
            replies_to_bot=reply,
            mentions_bot=mention,
        )

    assert not sees("hello")
    assert sees("hello", privacy=False)
    assert sees("/help") and sees("/help@echo_bot") and sees("/help@Echo_Bot x")
    assert not sees("/help@other_bot") and not sees("/ help") and not sees("a /help")
    assert sees("thanks", reply=True) and sees("hey @echo_bot", mention=True)


def test_command_entities_count_utf16_units() -> None:
    assert command_entities("/start") == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert command_entities("/go@echo_bot now") == [
        {"type": "bot_command", "offset": 0, "length": 12}
    ]
    assert command_entities("hi /start") == []
    assert utf16_len("a😀") == 3


def test_parameters_come_as_form_strings_or_json_values() -> None:
    form = Params({"chat_id": "-42", "flag": "true", "markup": '{"a": 1}', "n": "x"})
    assert form.chat_id() == -42 and form.flag("flag") is True
    assert form.mapping("markup") == {"a": 1}
    assert Params({"chat_id": "@ann"}).chat_id() == "ann"
    with pytest.raises(BotBadRequest, match="invalid n specified"):
        form.integer("n")
    with pytest.raises(BotBadRequest, match="can't parse markup"):
        Params({"markup": "{nope"}).mapping("markup")
    with pytest.raises(BotBadRequest, match="chat_id is empty"):
        Params({}).chat_id()
    assert Params({"limit": 5, "flag": False}).integer("limit") == 5
