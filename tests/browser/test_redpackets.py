"""Red packets in the browser, three people in a group: Alice sends a lucky packet from
the "+" panel (with her payment password), Bob and Carol (in Chinese) open it with the
turning button and see who got what; Alice opens her own, sees "best luck" and the note
that they opened hers; nobody's note reaches anyone else."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, OpenApp, login, no_page_errors, open_chat, shot
from tests.conftest import PASSWORD, MakeClient, befriend
from tests.support.rest import uid

pytestmark = pytest.mark.settings(operators=("root",))


async def open_packet(page: Page, button: str) -> None:
    await page.locator(".redpacket-card").last.click()
    sheet = page.locator(".redpacket-sheet")
    await expect(sheet).to_be_visible()
    await sheet.get_by_role("button", name=button).click()
    await expect(page.locator(".redpacket-details .redpacket-mine")).to_be_visible()


async def test_a_lucky_packet_is_sent_opened_and_shared_out_in_a_group(
    open_app: OpenApp, clients: MakeClient
) -> None:
    root, alice_sdk, bob_sdk, carol_sdk = [
        await clients(n) for n in ("root", "alice", "bob", "carol")
    ]
    await befriend(alice_sdk, bob_sdk)
    await befriend(alice_sdk, carol_sdk)
    await alice_sdk.create_group("Family", [uid(bob_sdk), uid(carol_sdk)])
    await root.admin_adjust(uid(alice_sdk), 10_000, "new year", "fund")
    await alice_sdk.set_pay_password(PASSWORD, "123456")
    alice = await open_app(DESKTOP)
    bob = await open_app(PHONE)
    carol = await open_app(PHONE, locale="zh-CN")
    for page, name in ((alice, "alice"), (bob, "bob"), (carol, "carol")):
        await login(page, name)
        await open_chat(page, "Family")

    # Alice: "+" → Red packet: lucky, 3.00 in 3, a greeting, then her payment password.
    await alice.locator(".composer-plus").click()
    await alice.locator(".plus-redpacket").click()
    form = alice.locator(".redpacket-form")
    await form.locator("#redpacket-amount").fill("3.00")
    await form.locator("#redpacket-shares").fill("3")
    await form.locator("#redpacket-greeting").fill("Happy new year")
    await expect(form.locator(".redpacket-total")).to_have_text("¥3.00")
    await shot(alice, "desktop-redpacket-sheet")
    await form.get_by_role("button", name="Prepare red packet").click()
    await alice.locator("input.pay-password").fill("123456")
    await alice.locator(".pay-confirm").click()
    for page in (alice, bob, carol):
        await expect(page.locator(".redpacket-card")).to_have_count(1)
    await expect(bob.locator(".redpacket-card")).to_contain_text("Happy new year")
    assert (await alice_sdk.wallet())["balance"] == 9_700

    # Bob opens it; then Carol, whose client speaks Chinese.
    await open_packet(bob, "Open")
    await shot(bob, "phone-redpacket-opened")
    await bob.get_by_role("button", name="Close").click()
    await expect(bob.locator(".msg-note")).to_contain_text(["You opened alice's red packet"])
    await open_packet(carol, "开")
    await expect(carol.locator(".redpacket-details")).to_contain_text("已存入零钱")
    await shot(carol, "phone-redpacket-details-zh")
    await carol.get_by_role("button", name="关闭").click()

    # Alice opens her own (allowed in a group): it is empty now, with a best luck.
    await open_packet(alice, "Open")
    details = alice.locator(".redpacket-details")
    await expect(details.locator(".redpacket-opening")).to_have_count(3)
    await expect(details.locator(".redpacket-best")).to_have_count(1)
    await expect(details.locator(".redpacket-summary")).to_contain_text("3/3")
    await shot(alice, "desktop-redpacket-who-got-what")
    await details.get_by_role("button", name="Close").click()
    await expect(alice.locator(".redpacket-card.done")).to_have_count(1)
    # The sender's note comes a moment later, one for both (or one each if they were slow).
    told = alice.locator(".msg-note", has_text="opened your red packet")
    await expect(told.first).to_be_visible()
    notes = await alice.locator(".msg-note").all_inner_texts()
    assert any("bob" in n for n in notes) and any("carol" in n or "others" in n for n in notes)
    # Bob's view has only his own note; nobody's unread count moved for the notes.
    await expect(bob.locator(".msg-note")).to_have_count(1)
    total = 0
    for sdk in (alice_sdk, bob_sdk, carol_sdk):
        total += (await sdk.wallet())["balance"]
    assert total == 10_000
    no_page_errors(alice, bob, carol)
