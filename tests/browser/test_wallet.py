"""The wallet in the browser, with two people: Alice (English) sets her payment password
in Me → Wallet, sends Bob (Simplified Chinese) a transfer from the "+" panel with it, Bob
accepts the card, and both see the money and the note where it moved."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.conftest import DESKTOP, PHONE, OpenApp, login, no_page_errors, open_chat, shot
from tests.conftest import PASSWORD, MakeClient, befriend
from tests.support.rest import uid


@pytest.mark.settings(operators=("root",))
async def test_a_transfer_is_sent_from_the_plus_panel_and_accepted_on_its_card(
    open_app: OpenApp, clients: MakeClient
) -> None:
    root, alice_sdk, bob_sdk = await clients("root"), await clients("alice"), await clients("bob")
    await befriend(alice_sdk, bob_sdk)
    await root.admin_adjust(uid(alice_sdk), 1000, "welcome", "fund")
    alice = await open_app(DESKTOP)
    bob = await open_app(PHONE, locale="zh-CN")
    await login(alice, "alice")
    await login(bob, "bob")

    # Me → Wallet: the balance in the server's currency, and the payment password.
    await alice.goto("/#/me")
    await alice.get_by_role("link", name="Wallet").click()
    await expect(alice.locator(".wallet-balance")).to_have_text("¥10.00")
    await expect(alice.locator(".statement-line")).to_have_count(1)
    await alice.get_by_role("button", name="Set payment password").click()
    await alice.get_by_label("Login password").fill(PASSWORD)
    await alice.get_by_label("New 6-digit payment password").fill("135790")
    await alice.locator(".save-pay-password").click()
    await expect(alice.locator(".wallet-password")).to_have_text("Change payment password")

    # The "+" panel of the chat: amount, note, payment password; the card appears.
    await open_chat(alice, "bob")
    composer = alice.locator(".conversation .composer")
    await composer.get_by_role("button", name="More").click()
    await composer.locator(".plus-panel").get_by_role("button", name="Transfer").click()
    await alice.locator(".transfer-amount").fill("3.5")
    await alice.locator(".transfer-note").fill("for the tea")
    await alice.locator(".transfer-next").click()
    await alice.locator(".pay-password").fill("135790")
    await alice.locator(".pay-confirm").click()
    card = alice.locator(".bubble-transfer")
    await expect(card.locator(".transfer-amount")).to_have_text("¥3.50")
    await expect(card.locator(".transfer-status")).to_have_text("Waiting to be accepted")
    await shot(alice, "desktop-transfer-sent")

    # Bob (in Chinese) accepts it on the card.
    await open_chat(bob, "alice")
    theirs = bob.locator(".bubble-transfer")
    await expect(theirs.locator(".transfer-note")).to_have_text("for the tea")
    await theirs.get_by_role("button", name="收款").click()
    await expect(theirs.locator(".transfer-status")).to_have_text("已收款")
    await shot(bob, "phone-transfer-accepted")
    await expect(alice.locator(".msg-system", has_text="accepted the transfer")).to_be_visible()

    await bob.goto("/#/me/wallet")
    await expect(bob.locator(".wallet-balance")).to_have_text("¥3.50")
    await alice.goto("/#/me/wallet")
    await expect(alice.locator(".wallet-balance")).to_have_text("¥6.50")
    await alice.locator(".statement-line").first.click()
    await expect(alice.locator(".receipt-amount")).to_have_text("-¥3.50")
    assert (await root.admin_reconcile())["ok"]
    no_page_errors(alice, bob)
