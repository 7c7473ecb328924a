"""Telegram bots change what they said (editMessageText, editMessageReplyMarkup,
deleteMessage, seen by people as `edit` and `recall` events), people press their
buttons (callback queries and answerCallbackQuery), and text comes formatted
(parse_mode HTML, MarkdownV2, Markdown; entities), all against the real server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from microletter.client import ApiError, Client
from tests.conftest import MakeClient
from tests.support.telegram import bot_call, new_bot, start, user_id

MENU = {
    "inline_keyboard": [
        [{"text": "One", "callback_data": "one"}],
        [{"text": "Site", "url": "https://example.com/"}],
    ]
}
RESERVED = "Character '.' is reserved and must be escaped with the preceding '\\'"


async def events_of(person: Client, kind: str) -> list[dict[str, Any]]:
    changes = await person.changes(0)
    return [e["data"] for e in changes["events"] if e["kind"] == kind]


async def bot_says(base: str, token: str, chat_id: int, **params: Any) -> dict[str, Any]:
    status, body = await bot_call(base, token, "sendMessage", chat_id=chat_id, **params)
    assert status == 200, body
    result: dict[str, Any] = body["result"]
    return result


async def test_a_bots_edit_reaches_every_member_as_an_edit_event(clients: MakeClient) -> None:
    dev, ann = await clients("dev"), await clients("ann")
    _, token = await new_bot(dev)
    cid = await start(ann, "echo_bot")
    ann_id = await user_id(ann)
    sent = await bot_says(dev.base_url, token, ann_id, text="Pick one", reply_markup=MENU)
    assert sent["reply_markup"] == MENU
    status, body = await bot_call(
        dev.base_url, token, "editMessageText", chat_id=ann_id,
        message_id=sent["message_id"], text="<b>Picked</b>", parse_mode="HTML",
    )  # fmt: skip
    assert status == 200, body
    edited = body["result"]
    assert edited["text"] == "Picked" and "reply_markup" not in edited  # no markup: it goes
    assert edited["entities"] == [{"type": "bold", "offset": 0, "length": 6}]
    assert isinstance(edited["edit_date"], int)
    (event,) = await events_of(ann, "edit")
    message = event["message"]
    assert (message["seq"], message["text"]) == (sent["message_id"], "Picked")
    assert "reply_markup" not in message["data"] and message["data"]["edited_at"] > 0
    history = await ann.history(cid)
    (kept,) = [m for m in history if m["seq"] == sent["message_id"]]
    assert kept["text"] == "Picked" and kept["data"]["entities"][0]["type"] == "bold"
    # search finds the new words, never the old ones
    assert [r["message"]["seq"] for r in (await ann.search("Picked"))["results"]] == [
        sent["message_id"]
    ]
    assert (await ann.search("Pick one"))["results"] == []
    # the same content again is Telegram's "not modified"
    status, body = await bot_call(
        dev.base_url, token, "editMessageText", chat_id=ann_id,
        message_id=sent["message_id"], text="<b>Picked</b>", parse_mode="HTML",
    )  # fmt: skip
    assert status == 400 and body["description"].startswith("Bad Request: message is not modified")


async def test_a_bot_changes_only_the_keyboard_and_only_its_own_messages(
    clients: MakeClient,
) -> None:
    dev, ann = await clients("dev"), await clients("ann")
    _, token = await new_bot(dev)
    cid = await start(ann, "echo_bot")
    ann_id = await user_id(ann)
    sent = await bot_says(dev.base_url, token, ann_id, text="menu", reply_markup=MENU)
    status, body = await bot_call(
        dev.base_url, token, "editMessageReplyMarkup", chat_id=ann_id,
        message_id=sent["message_id"],
        reply_markup={"inline_keyboard": [[{"text": "Two", "callback_data": "two"}]]},
    )  # fmt: skip
    assert status == 200 and body["result"]["text"] == "menu"
    assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Two"
    mine = await ann.send_text(cid, "my words")
    status, body = await bot_call(
        dev.base_url, token, "editMessageText", chat_id=ann_id, message_id=mine["seq"], text="x"
    )
    assert (status, body["description"]) == (400, "Bad Request: message can't be edited")
    status, body = await bot_call(
        dev.base_url, token, "editMessageText", chat_id=ann_id, message_id=999, text="x"
    )
    assert (status, body["description"]) == (400, "Bad Request: message to edit not found")
    status, body = await bot_call(
        dev.base_url, token, "editMessageReplyMarkup", chat_id=ann_id,
        message_id=sent["message_id"], reply_markup={"keyboard": [["a"]]},
    )  # fmt: skip
    assert status == 400


async def test_a_bot_deletes_its_message_for_everyone_but_not_a_persons(
    clients: MakeClient,
) -> None:
    dev, ann = await clients("dev"), await clients("ann")
    _, token = await new_bot(dev)
    cid = await start(ann, "echo_bot")
    ann_id = await user_id(ann)
    sent = await bot_says(dev.base_url, token, ann_id, text="soon gone")
    status, body = await bot_call(
        dev.base_url, token, "deleteMessage", chat_id=ann_id, message_id=sent["message_id"]
    )
    assert (status, body["result"]) == (200, True)
    (recall,) = await events_of(ann, "recall")
    assert recall["seq"] == sent["message_id"]
    mine = await ann.send_text(cid, "stays")
    status, body = await bot_call(
        dev.base_url, token, "deleteMessage", chat_id=ann_id, message_id=mine["seq"]
    )
    assert (status, body["description"]) == (400, "Bad Request: message can't be deleted")
    status, body = await bot_call(
        dev.base_url, token, "deleteMessage", chat_id=ann_id, message_id=999
    )
    assert (status, body["description"]) == (400, "Bad Request: message to delete not found")


async def test_a_bot_that_manages_a_group_deletes_anyones_message(clients: MakeClient) -> None:
    dev, ann = await clients("dev"), await clients("ann")
    bot, token = await new_bot(dev)
    await start(ann, "echo_bot")
    gid = int((await ann.create_group("club", [bot["id"]]))["conversation"]["id"])
    said = await ann.send_text(gid, "spam")
    status, body = await bot_call(
        dev.base_url, token, "deleteMessage", chat_id=-gid, message_id=said["seq"]
    )
    assert status == 400  # a plain member may not
    await ann.set_role(gid, bot["id"], "admin")
    status, body = await bot_call(
        dev.base_url, token, "deleteMessage", chat_id=-gid, message_id=said["seq"]
    )
    assert (status, body["result"]) == (200, True)
    (kept,) = [m for m in await ann.history(gid) if m["seq"] == said["seq"]]
    assert kept["recalled"] is True and kept["text"] is None


async def test_a_pressed_button_reaches_the_bot_and_its_answer_comes_back(
    clients: MakeClient,
) -> None:
    dev, ann = await clients("dev"), await clients("ann")
    _, token = await new_bot(dev)
    cid = await start(ann, "echo_bot")
    ann_id = await user_id(ann)
    sent = await bot_says(dev.base_url, token, ann_id, text="Pick", reply_markup=MENU)
    acked = (await bot_call(dev.base_url, token, "getUpdates"))[1]["result"]
    offset = acked[-1]["update_id"] + 1

    async def bot_answers() -> dict[str, Any]:
        status, got = await bot_call(dev.base_url, token, "getUpdates", offset=offset, timeout=10)
        (update,) = got["result"]
        query = update["callback_query"]
        status, body = await bot_call(
            dev.base_url, token, "answerCallbackQuery", callback_query_id=query["id"],
            text="You picked one", show_alert=True,
        )  # fmt: skip
        assert (status, body["result"]) == (200, True)
        return dict(query)

    bot_side = asyncio.create_task(bot_answers())
    pressed = await ann.call(
        "POST", "/api/v1/telegram/callbacks",
        {"conversation_id": cid, "seq": sent["message_id"], "data": "one"},
    )  # fmt: skip
    query = await bot_side
    assert pressed == {
        "answered": True, "text": "You picked one", "show_alert": True, "url": "",
    }  # fmt: skip
    assert query["data"] == "one" and query["from"]["id"] == ann_id
    assert query["message"]["message_id"] == sent["message_id"]
    assert query["message"]["reply_markup"] == MENU and query["chat_instance"] == str(cid)
    with pytest.raises(ApiError) as caught:
        await ann.call(
            "POST", "/api/v1/telegram/callbacks",
            {"conversation_id": cid, "seq": sent["message_id"], "data": "nope"},
        )  # fmt: skip
    assert caught.value.code == "telegram.button_not_found"
    status, body = await bot_call(
        dev.base_url, token, "answerCallbackQuery", callback_query_id="forged"
    )
    assert status == 400 and "query ID is invalid" in body["description"]


async def test_the_commands_of_a_chats_bots_are_listed_for_its_members(
    clients: MakeClient,
) -> None:
    dev, ann, bob = await clients("dev"), await clients("ann"), await clients("bob")
    _, token = await new_bot(dev)
    cid = await start(ann, "echo_bot")
    commands = [{"command": "menu", "description": "Show the menu"}]
    assert (await bot_call(dev.base_url, token, "setMyCommands", commands=commands))[0] == 200
    listed = await ann.call("GET", "/api/v1/telegram/commands", conversation_id=cid)
    (bot,) = listed["bots"]
    assert bot["username"] == "echo_bot" and bot["commands"] == commands
    with pytest.raises(ApiError):
        await bob.call("GET", "/api/v1/telegram/commands", conversation_id=cid)


@pytest.mark.parametrize(
    ("mode", "text", "plain", "entities"),
    [
        ("HTML", 'a <i>b</i> <a href="https://x.org/">c</a>', "a b c",
         [{"type": "italic", "offset": 2, "length": 1},
          {"type": "text_link", "url": "https://x.org/", "offset": 4, "length": 1}]),
        ("MarkdownV2", "😀 *b* ||s|| `c\\`d`", "😀 b s c`d",
         [{"type": "bold", "offset": 3, "length": 1}, {"type": "spoiler", "offset": 5, "length": 1},
          {"type": "code", "offset": 7, "length": 3}]),
        ("Markdown", "*b* [l](https://x.org)", "b l",
         [{"type": "bold", "offset": 0, "length": 1},
          {"type": "text_link", "url": "https://x.org", "offset": 2, "length": 1}]),
    ],
)  # fmt: skip
async def test_formatted_text_is_parsed_into_entities_and_kept(
    clients: MakeClient, mode: str, text: str, plain: str, entities: list[dict[str, Any]]
) -> None:
    dev, ann = await clients("dev"), await clients("ann")
    _, token = await new_bot(dev)
    cid = await start(ann, "echo_bot")
    sent = await bot_says(dev.base_url, token, await user_id(ann), text=text, parse_mode=mode)
    assert (sent["text"], sent["entities"]) == (plain, entities)
    (kept,) = [m for m in await ann.history(cid) if m["seq"] == sent["message_id"]]
    assert kept["text"] == plain and kept["data"]["entities"] == entities


@pytest.mark.parametrize(
    ("mode", "text", "error"),
    [
        ("HTML", "<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("HTML", "<script>x</script>", 'Unsupported start tag "script" at byte offset 0'),
        ("MarkdownV2", "1.5", RESERVED),
        ("MarkdownV2", "*open", "Can't find end of the entity starting at byte offset 0"),
        ("Markdown", "_open", "Can't find end of the entity starting at byte offset 0"),
    ],
)  # fmt: skip
async def test_malformed_formatting_gets_telegrams_cant_parse_entities(
    clients: MakeClient, mode: str, text: str, error: str
) -> None:
    dev, ann = await clients("dev"), await clients("ann")
    _, token = await new_bot(dev)
    await start(ann, "echo_bot")
    status, body = await bot_call(
        dev.base_url, token, "sendMessage", chat_id=await user_id(ann), text=text, parse_mode=mode
    )
    assert (status, body["description"]) == (400, f"Bad Request: can't parse entities: {error}")
