"""Me: a new profile picture and name reach a contact; devices; log out."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from microletter.app import Server
from microletter.setup import TOKEN_FILE
from tests.browser.conftest import DESKTOP, PHONE, OpenApp, login, no_page_errors, shot
from tests.conftest import PASSWORD, MakeClient, befriend
from tests.support.media import picture


async def test_new_avatar_and_name_reach_a_contact_and_logging_out_ends_the_session(
    open_app: OpenApp, clients: MakeClient
) -> None:
    await befriend(await clients("alice"), await clients("bob"))
    alice = await open_app(PHONE)
    bob = await open_app(DESKTOP)
    await login(alice, "alice")
    await login(bob, "bob")
    await expect(bob.locator(".chat-row .chat-name")).to_have_text(["alice"])

    await alice.goto("/#/me/profile")
    await alice.locator("#avatar-file").set_input_files(
        {
            "name": "me.png",
            "mimeType": "image/png",
            "buffer": picture((480, 480), "PNG", (7, 193, 96)),
        }
    )
    await expect(alice.locator(".avatar-edit .avatar img")).to_have_count(1)
    await alice.get_by_role("button", name="Name").click()
    await alice.get_by_role("dialog").locator("input").fill("Alice Liddell")
    await alice.get_by_role("dialog").get_by_role("button", name="OK").click()
    await expect(alice.locator("button.cell")).to_contain_text("Alice Liddell")
    await shot(alice, "phone-my-profile")

    # Bob's chat list shows the new name and picture, live.
    row = bob.locator(".chat-row")
    await expect(row.locator(".chat-name")).to_have_text("Alice Liddell")
    await expect(row.locator(".avatar img")).to_have_count(1)
    await bob.wait_for_function(
        "() => document.querySelector('.chat-row .avatar img')?.naturalWidth > 0"
    )

    # Devices: this one is listed as current; logging out returns to the login form.
    await alice.goto("/#/me/devices")
    await expect(alice.locator(".device-row")).to_contain_text(["This device"])
    await alice.goto("/#/me")
    await alice.get_by_role("button", name="Log out").click()
    await alice.get_by_role("dialog").get_by_role("button", name="Log out").click()
    await expect(alice.locator("form.auth-form")).to_be_visible()
    await alice.reload()
    await expect(alice.locator("form.auth-form")).to_be_visible()
    no_page_errors(alice, bob)


@pytest.mark.settings(operators=("root", "chief"))
async def test_the_setup_link_creates_the_operator_account_and_keeps_no_token_in_the_url(
    open_app: OpenApp, server: Server
) -> None:
    assert server.setup_link is not None
    link = server.setup_link.removeprefix(server.url)
    page = await open_app(PHONE)
    await page.goto(link)
    await expect(page.locator(".auth-title")).to_have_text("Set up this server")
    assert page.url.endswith("#/setup")  # the token is not left in the address bar
    await page.locator("#username").fill("root")
    await page.locator("#display-name").fill("The Operator")
    await page.locator("#password").fill(PASSWORD)
    await page.locator("form.auth-form button[type=submit]").click()
    await expect(page.locator(".tabbar")).to_be_visible()
    assert not (server.settings.data_dir / TOKEN_FILE).exists()  # used up
    no_page_errors(page)

    # Used once: the same link now says so.
    other = await open_app(PHONE)
    await other.goto(link)
    await other.locator("#username").fill("chief")
    await other.locator("#password").fill(PASSWORD)
    await other.locator("form.auth-form button[type=submit]").click()
    await expect(other.locator(".form-error")).to_contain_text("has been used")
