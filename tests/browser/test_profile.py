"""Me: a new profile picture and name reach a contact; devices; log out."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.conftest import DESKTOP, PHONE, OpenApp, login, no_page_errors, shot
from tests.conftest import MakeClient, befriend
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
