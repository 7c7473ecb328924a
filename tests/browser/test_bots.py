"""A Telegram bot in the web client (issue 23): its formatted text drawn safely, its
inline keyboard pressed (the bot's answer shows as a toast and its edit replaces the
message live), its reply keyboard over the composer, and its commands on "/"."""

from __future__ import annotations

import asyncio
from typing import Any

from playwright.async_api import expect

from tests.browser.conftest import DESKTOP, OpenApp, login, no_page_errors, open_chat, shot
from tests.conftest import MakeClient
from tests.support.telegram import bot_call, new_bot, start, user_id


async def next_update(base: str, token: str, offset: int) -> dict[str, Any]:
    """The bot's next update after `offset` (long polling)."""
    async with asyncio.timeout(30):
        while True:
            _, got = await bot_call(base, token, "getUpdates", offset=offset, timeout=5)
            if got["result"]:
                update: dict[str, Any] = got["result"][0]
                return update


async def test_a_bots_menu_formatting_keyboards_and_commands_in_the_web_client(
    open_app: OpenApp, clients: MakeClient
) -> None:
    dev, alice_sdk = await clients("dev"), await clients("alice")
    _, token = await new_bot(dev, "menu_bot", "Menu")
    base = dev.base_url
    await start(alice_sdk, "menu_bot")
    alice_id = await user_id(alice_sdk)
    commands = [{"command": "menu", "description": "Show the menu"}]
    assert (await bot_call(base, token, "setMyCommands", commands=commands))[0] == 200
    text = (
        '<b>Bold</b> <a href="https://example.com/">site</a> <tg-spoiler>secret</tg-spoiler>'
        " &lt;img src=x onerror=alert(1)&gt; <code>x&lt;1</code>"
    )
    keyboard = {"inline_keyboard": [[{"text": "Coffee", "callback_data": "coffee"}]]}
    status, sent = await bot_call(
        base, token, "sendMessage", chat_id=alice_id, text=text, parse_mode="HTML",
        reply_markup=keyboard,
    )  # fmt: skip
    assert status == 200, sent
    seq = sent["result"]["message_id"]
    offset = (await bot_call(base, token, "getUpdates"))[1]["result"][-1]["update_id"] + 1

    alice = await open_app(DESKTOP)
    await login(alice, "alice")
    await open_chat(alice, "Menu")
    row = alice.locator(".msg-row", has_text="Bold")
    await expect(row.locator(".bubble strong")).to_have_text("Bold")
    await expect(row.locator(".bubble a")).to_have_attribute("href", "https://example.com/")
    await expect(row.locator(".bubble code")).to_have_text("x<1")
    await expect(row.locator(".bubble img")).to_have_count(0)  # text, never HTML
    await expect(row.locator(".bubble")).to_contain_text("<img src=x onerror=alert(1)>")
    spoiler = row.locator(".tg-spoiler")
    await expect(spoiler).not_to_have_class("tg-spoiler revealed")
    await spoiler.click()
    await expect(spoiler).to_have_class("tg-spoiler revealed")
    await shot(alice, "desktop-bot-menu")

    async def bot_side() -> None:
        update = await next_update(base, token, offset)
        query = update["callback_query"]
        assert query["data"] == "coffee"
        await bot_call(
            base, token, "answerCallbackQuery", callback_query_id=query["id"], text="Noted"
        )
        status, _ = await bot_call(
            base, token, "editMessageText", chat_id=alice_id, message_id=seq,
            text="You chose *coffee*", parse_mode="MarkdownV2",
        )  # fmt: skip
        assert status == 200

    answering = asyncio.create_task(bot_side())
    await row.locator(".inline-kb-btn", has_text="Coffee").click()
    await expect(alice.locator(".toast")).to_contain_text("Noted")
    await answering
    edited = alice.locator(".msg-row", has_text="You chose coffee")
    await expect(edited.locator(".bubble strong")).to_have_text("coffee")
    await expect(edited.locator(".msg-edited")).to_have_text("edited")
    await expect(edited.locator(".inline-kb")).to_have_count(0)  # no markup: the keyboard went

    reply_kb = {"keyboard": [["Yes", "No"]], "one_time_keyboard": True}
    status, _ = await bot_call(
        base, token, "sendMessage", chat_id=alice_id, text="Lunch?", reply_markup=reply_kb
    )
    assert status == 200
    board = alice.locator(".reply-kb")
    await expect(board.locator(".reply-kb-btn")).to_have_text(["Yes", "No"])
    await shot(alice, "desktop-bot-reply-keyboard")
    await board.locator(".reply-kb-btn", has_text="Yes").click()
    await expect(alice.locator(".msg-row.mine", has_text="Yes")).to_be_visible()
    await expect(board).to_be_hidden()  # one-time: put away once pressed

    await alice.locator(".composer-input").fill("/")
    await expect(alice.locator(".cmd-option")).to_have_count(1)
    await expect(alice.locator(".cmd-option .cmd-desc")).to_have_text("Show the menu")
    await alice.locator(".cmd-option", has_text="/menu").click()
    await expect(alice.locator(".msg-row.mine", has_text="/menu")).to_be_visible()
    await expect(alice.locator(".composer-input")).to_have_value("")
    no_page_errors(alice)


async def test_a_developer_makes_a_bot_and_renews_its_token_in_the_console(
    open_app: OpenApp, clients: MakeClient
) -> None:
    dev = await clients("dev")
    page = await open_app(DESKTOP)
    await login(page, "dev")
    await page.goto("/#/console")
    await page.locator("#new-bot-username").fill("helper_bot")
    await page.locator("#new-bot-name").fill("Helper")
    await page.locator("form.bot-create button[type=submit]").click()
    token = (await page.locator("#bot-token").text_content()) or ""
    bot_id, _, secret = token.partition(":")
    assert len(secret) == 35
    assert (await bot_call(dev.base_url, token, "getMe"))[1]["result"]["username"] == "helper_bot"
    await shot(page, "desktop-console-bot-token")
    await page.get_by_role("button", name="I've saved it").click()
    row = page.locator(f".bot-row[data-bot='{bot_id}']")
    await expect(row).to_contain_text("@helper_bot")

    privacy = row.get_by_role("switch")
    await expect(privacy).to_be_checked()
    await privacy.click()
    async with asyncio.timeout(10):
        while (await dev.call("GET", "/api/v1/telegram/bots"))["bots"][0]["privacy"]:
            await asyncio.sleep(0.05)

    await row.locator(".bot-token").click()
    await page.locator(".dialog .btn-danger").click()
    renewed = (await page.locator("#bot-token").text_content()) or ""
    assert renewed != token and renewed.startswith(f"{bot_id}:")
    assert (await bot_call(dev.base_url, token, "getMe"))[0] == 401
    assert (await bot_call(dev.base_url, renewed, "getMe"))[0] == 200
    no_page_errors(page)
