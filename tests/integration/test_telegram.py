"""The Telegram Bot API served at /bot<token>/METHOD: tokens, the JSON conventions,
updates by long polling and their acknowledgement, sending, chats and commands, and
the Bot API's own errors."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from microletter.client import ApiError
from tests.conftest import MakeClient
from tests.support.platform import wait_history
from tests.support.telegram import bot_call, new_bot, start, user_id


async def test_a_bot_gets_a_token_of_telegrams_shape_and_knows_itself(clients: MakeClient) -> None:
    dev = await clients("dev")
    bot, token = await new_bot(dev)
    bot_id, _, secret = token.partition(":")
    assert int(bot_id) == bot["id"] and len(secret) == 35
    status, me = await bot_call(dev.base_url, token, "getMe", "GET")
    assert status == 200 and me["ok"] is True
    assert me["result"]["id"] == bot["id"] and me["result"]["is_bot"] is True
    assert me["result"]["username"] == "echo_bot"
    assert (await dev.find_user("echo_bot"))["id"] == bot["id"]  # a user people can find


async def test_a_bots_username_must_end_in_bot(clients: MakeClient) -> None:
    dev = await clients("dev")
    with pytest.raises(ApiError) as caught:
        await new_bot(dev, "echo")
    assert caught.value.code == "telegram.username_invalid"


async def test_bad_tokens_and_unknown_methods_get_the_bot_apis_errors(clients: MakeClient) -> None:
    dev = await clients("dev")
    bot, token = await new_bot(dev)
    for wrong in ["123:abc", f"{bot['id']}:{'A' * 35}", "nonsense"]:
        status, body = await bot_call(dev.base_url, wrong, "getMe")
        assert (status, body) == (
            401,
            {"ok": False, "error_code": 401, "description": "Unauthorized"},
        )
    status, body = await bot_call(dev.base_url, token, "getMeNot")
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    status, body = await bot_call(dev.base_url, token, "sendMessage", chat_id="x1", text="hi")
    assert status == 400 and body["description"] == "Bad Request: invalid chat_id specified"
    status, body = await bot_call(dev.base_url, token, "sendMessage", chat_id=12345, text="hi")
    assert status == 400 and body["description"] == "Bad Request: chat not found"
    status, body = await bot_call(dev.base_url, token, "sendMessage", chat_id=12345)
    assert status == 400 and body["description"] == "Bad Request: message text is empty"
    # a new token retires the old one
    renewed = await dev.call("POST", f"/api/v1/telegram/bots/{bot['id']}/token")
    assert (await bot_call(dev.base_url, token, "getMe"))[0] == 401
    assert (await bot_call(dev.base_url, renewed["token"], "getMe"))[0] == 200


async def test_updates_are_kept_until_acknowledged_by_offset(clients: MakeClient) -> None:
    dev, ann = await clients("dev"), await clients("ann")
    ann_id = await user_id(ann)
    _, token = await new_bot(dev)
    cid = await start(ann, "echo_bot")
    await ann.send_text(cid, "hello")
    status, got = await bot_call(dev.base_url, token, "getUpdates")
    texts = [u["message"]["text"] for u in got["result"]]
    assert status == 200 and texts == ["/start", "hello"]
    start_update = got["result"][0]
    assert start_update["message"]["entities"] == [
        {"type": "bot_command", "offset": 0, "length": 6}
    ]
    assert start_update["message"]["chat"] == {
        "id": ann_id, "type": "private", "first_name": "ann", "username": "ann",
    }  # fmt: skip
    again = (await bot_call(dev.base_url, token, "getUpdates"))[1]["result"]
    assert again == got["result"]  # not acknowledged: handed out again
    last = got["result"][-1]["update_id"]
    after = (await bot_call(dev.base_url, token, "getUpdates", offset=last + 1))[1]["result"]
    assert after == []
    # long polling: the call waits for the next message and returns it at once
    poll = asyncio.create_task(
        bot_call(dev.base_url, token, "getUpdates", offset=last + 1, timeout=20)
    )
    await asyncio.sleep(0.3)
    assert not poll.done()
    await ann.send_text(cid, "are you there?")
    async with asyncio.timeout(5):
        _, woke = await poll
    assert [u["message"]["text"] for u in woke["result"]] == ["are you there?"]


async def test_a_bot_answers_in_the_private_chat_with_a_reply_and_a_keyboard(
    clients: MakeClient,
) -> None:
    dev, ann = await clients("dev"), await clients("ann")
    ann_id = await user_id(ann)
    _, token = await new_bot(dev)
    cid = await start(ann, "echo_bot")
    hello = await ann.send_text(cid, "hello")
    keyboard = {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]}
    async with aiohttp.ClientSession() as session:  # an urlencoded form, as SDKs send it
        form = {
            "chat_id": str(ann_id),
            "text": "hi ann",
            "reply_parameters": f'{{"message_id": {hello["seq"]}}}',
            "reply_markup": json.dumps(keyboard),
        }
        async with session.post(f"{dev.base_url}/bot{token}/sendMessage", data=form) as response:
            sent = await response.json()
    assert sent["ok"] is True
    result = sent["result"]
    assert result["text"] == "hi ann" and result["reply_to_message"]["text"] == "hello"
    assert result["reply_markup"] == keyboard and result["from"]["is_bot"] is True
    page = await wait_history(ann, cid, lambda ms: any(m["text"] == "hi ann" for m in ms))
    shown = next(m for m in page if m["text"] == "hi ann")
    assert shown["reply_to"] == hello["seq"] and shown["data"]["reply_markup"] == keyboard
    status, body = await bot_call(
        dev.base_url, token, "sendMessage", chat_id=ann_id, text="x",
        reply_parameters={"message_id": 999},
    )  # fmt: skip
    assert status == 400 and body["description"] == "Bad Request: message to be replied not found"


async def test_chats_members_and_commands(clients: MakeClient) -> None:
    dev, ann = await clients("dev"), await clients("ann")
    ann_id = await user_id(ann)
    bot, token = await new_bot(dev)
    await start(ann, "echo_bot")
    chat = (await bot_call(dev.base_url, token, "getChat", chat_id=ann_id))[1]["result"]
    assert chat["type"] == "private" and chat["id"] == ann_id
    group = await ann.create_group("Fans", [bot["id"]])
    gid = -int(group["conversation"]["id"])
    chat = (await bot_call(dev.base_url, token, "getChat", chat_id=gid))[1]["result"]
    assert chat == {**chat, "id": gid, "type": "group", "title": "Fans"}
    member = (await bot_call(dev.base_url, token, "getChatMember", chat_id=gid, user_id=ann_id))[1]
    assert member["result"]["status"] == "creator"
    commands = [{"command": "help", "description": "What I do"}]
    assert (await bot_call(dev.base_url, token, "setMyCommands", commands=commands))[1][
        "result"
    ] is True
    assert (await bot_call(dev.base_url, token, "getMyCommands"))[1]["result"] == commands
    bad = await bot_call(
        dev.base_url, token, "setMyCommands", commands=[{"command": "No!", "description": "x"}]
    )
    assert bad[0] == 400 and bad[1]["description"] == "Bad Request: BOT_COMMAND_INVALID"
    assert (await bot_call(dev.base_url, token, "sendChatAction", chat_id=gid, action="typing"))[
        0
    ] == 200
    assert (await bot_call(dev.base_url, token, "leaveChat", chat_id=gid))[1]["result"] is True
    status, body = await bot_call(dev.base_url, token, "getChat", chat_id=gid)
    assert (
        status == 403 and body["description"] == "Forbidden: bot is not a member of the group chat"
    )


async def test_a_group_bot_in_privacy_mode_sees_commands_and_replies_only(
    clients: MakeClient,
) -> None:
    dev, ann = await clients("dev"), await clients("ann")
    bot, token = await new_bot(dev)
    await start(ann, "echo_bot")
    cid = int((await ann.create_group("Fans", [bot["id"]]))["conversation"]["id"])
    await bot_call(dev.base_url, token, "getUpdates", offset=-1)  # skip the private /start
    last = (await bot_call(dev.base_url, token, "getUpdates"))[1]["result"]
    offset = last[-1]["update_id"] + 1 if last else None
    said = await bot_call(dev.base_url, token, "sendMessage", chat_id=-cid, text="I am here")
    mine = said[1]["result"]["message_id"]
    for text in ["just chatting", "/help", "/help@other_bot", "/help@echo_bot now"]:
        await ann.send_text(cid, text)
    await ann.send_text(cid, "thanks, bot", reply_to=mine)
    got = (await bot_call(dev.base_url, token, "getUpdates", offset=offset))[1]["result"]
    seen = [u["message"]["text"] for u in got]
    assert seen == ["/help", "/help@echo_bot now", "thanks, bot"]
    assert got[0]["message"]["chat"]["id"] == -cid and got[0]["message"]["chat"]["type"] == "group"
    assert got[-1]["message"]["reply_to_message"]["message_id"] == mine
    offset = got[-1]["update_id"] + 1
    await dev.call("PATCH", f"/api/v1/telegram/bots/{bot['id']}", {"privacy": False})
    assert (await bot_call(dev.base_url, token, "getMe"))[1]["result"][
        "can_read_all_group_messages"
    ]
    await ann.send_text(cid, "now you hear all")
    got = (await bot_call(dev.base_url, token, "getUpdates", offset=offset))[1]["result"]
    assert [u["message"]["text"] for u in got] == ["now you hear all"]


@pytest.mark.settings(rate_account="3/minute")
async def test_too_many_calls_get_retry_after(clients: MakeClient) -> None:
    dev = await clients("dev")
    _, token = await new_bot(dev)
    answers = [await bot_call(dev.base_url, token, "getMe") for _ in range(4)]
    assert [status for status, _ in answers] == [200, 200, 200, 429]
    limited = answers[-1][1]
    retry = limited["parameters"]["retry_after"]
    assert retry >= 1 and limited["description"] == f"Too Many Requests: retry after {retry}"
    status, body = await bot_call(dev.base_url, token, "getMe", "GET")
    assert status == 429 and body["error_code"] == 429
