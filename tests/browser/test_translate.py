"""Translate in the browser (issue 24): the message menu's "Translate" shows the
translation under the bubble (and hides it again); without an engine on the server, a
toast says translation is not set up."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.conftest import DESKTOP, OpenApp, login, no_page_errors, open_chat, shot
from tests.browser.test_message_menu import menu_item
from tests.conftest import MakeClient, befriend


@pytest.mark.settings(translator="tests.support.translator:dictionary")
async def test_translate_shows_the_translation_under_the_bubble_and_hides_it(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk = await clients("alice"), await clients("bob")
    cid = await befriend(alice_sdk, bob_sdk)
    await bob_sdk.send_text(cid, "hola mundo")
    alice = await open_app(DESKTOP)
    await login(alice, "alice")
    await open_chat(alice, "bob")

    await menu_item(alice, "hola mundo", "Translate")

    row = alice.locator(".msg-row", has_text="hola mundo")
    translation = row.locator(".msg-translation")
    await expect(translation.locator(".msg-translation-text")).to_have_text("hello world")
    await expect(translation).to_have_attribute("lang", "en")  # the language the app shows
    await shot(alice, "desktop-translation-under-bubble")
    await menu_item(alice, "hola mundo", "Hide translation")
    await expect(row.locator(".msg-translation")).to_have_count(0)
    no_page_errors(alice)


async def test_without_an_engine_translate_says_it_is_not_set_up(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk = await clients("alice"), await clients("bob")
    cid = await befriend(alice_sdk, bob_sdk)
    await bob_sdk.send_text(cid, "hola mundo")
    alice = await open_app(DESKTOP)
    await login(alice, "alice")
    await open_chat(alice, "bob")

    await menu_item(alice, "hola mundo", "Translate")

    await expect(alice.locator(".toast")).to_contain_text(
        "Translation is not set up on this server."
    )
    await expect(alice.locator(".msg-translation")).to_have_count(0)
    no_page_errors(alice)
