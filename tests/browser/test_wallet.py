"""The wallet in the browser, with two people: Alice (English) sets her payment password
in Me → Wallet, sends Bob (Simplified Chinese) a transfer from the "+" panel with it, Bob
accepts the card, and both see the money and the note where it moved; the sender's card
follows an accept, a return and the refund at expiry without a reload; top-ups and
withdrawals asked in Me → Wallet and decided on the operators' page; and an operator's
credit, debit and statement of any wallet."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from microletter.app import Server
from tests.browser.conftest import DESKTOP, PHONE, OpenApp, login, no_page_errors, open_chat, shot
from tests.conftest import PASSWORD, MakeClient, befriend
from tests.support.clock import Clock
from tests.support.rest import uid

DAY = 86_400_000


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
    # Alice's own card follows at once, without a reload (the settling note drives it).
    await expect(card.locator(".transfer-status")).to_have_text("Accepted")

    await bob.goto("/#/me/wallet")
    await expect(bob.locator(".wallet-balance")).to_have_text("¥3.50")
    await alice.goto("/#/me/wallet")
    await expect(alice.locator(".wallet-balance")).to_have_text("¥6.50")
    await alice.locator(".statement-line").first.click()
    await expect(alice.locator(".receipt-amount")).to_have_text("-¥3.50")
    assert (await root.admin_reconcile())["ok"]
    no_page_errors(alice, bob)


@pytest.mark.settings(operators=("root",))
async def test_the_senders_card_follows_a_return_and_the_refund_at_expiry_without_a_reload(
    open_app: OpenApp, clients: MakeClient, server: Server
) -> None:
    clock = Clock(server)
    root, alice_sdk, bob_sdk = await clients("root"), await clients("alice"), await clients("bob")
    cid = await befriend(alice_sdk, bob_sdk)
    await root.admin_adjust(uid(alice_sdk), 1000, "welcome", "fund")
    await alice_sdk.set_pay_password(PASSWORD, "135790")
    sent = []
    for amount, note in ((200, "returned one"), (300, "forgotten one")):
        token = await alice_sdk.payment_token("135790")
        reply = await alice_sdk.transfer(
            cid, amount, payment_token=token, idempotency_key=f"t{amount}", note=note
        )
        sent.append(reply["transfer"]["id"])
    alice = await open_app(DESKTOP)
    bob = await open_app(PHONE)
    await login(alice, "alice")
    await login(bob, "bob")
    await open_chat(alice, "bob")
    returned = alice.locator(f'.bubble-transfer[data-transfer="{sent[0]}"]')
    forgotten = alice.locator(f'.bubble-transfer[data-transfer="{sent[1]}"]')
    await expect(returned.locator(".transfer-status")).to_have_text("Waiting to be accepted")
    await expect(forgotten.locator(".transfer-status")).to_have_text("Waiting to be accepted")
    await alice.evaluate("window.stillHere = true")  # gone if the page were reloaded

    # Bob returns the first on his card; Alice's card says so, her page untouched.
    await open_chat(bob, "alice")
    theirs = bob.locator(f'.bubble-transfer[data-transfer="{sent[0]}"]')
    await theirs.get_by_role("button", name="Return").click()
    await expect(theirs.locator(".transfer-status")).to_have_text("Returned")
    await expect(returned.locator(".transfer-status")).to_have_text("Returned")
    await expect(returned).to_have_class(re.compile(r"\bsettled\b"))

    # A day later the scheduler refunds the other: both cards change, Bob's buttons go.
    assert server.scheduler is not None
    clock.advance(DAY)
    assert await server.scheduler.run_due() == 1
    await expect(forgotten.locator(".transfer-status")).to_have_text("Refunded")
    mine = bob.locator(f'.bubble-transfer[data-transfer="{sent[1]}"]')
    await expect(mine.locator(".transfer-status")).to_have_text("Refunded")
    await expect(mine.locator(".transfer-accept")).to_have_count(0)
    await expect(alice.locator(".msg-system", has_text="refunded")).to_be_visible()
    assert await alice.evaluate("window.stillHere === true")
    await shot(alice, "desktop-transfer-refunded")
    assert (await alice_sdk.wallet())["balance"] == 1000
    no_page_errors(alice, bob)


async def decide(page: Page, button: str, reason: str) -> None:
    """Approve or reject the first request waiting on the operators' page, with a reason."""
    await page.locator(".admin-requests .funding-request").first.locator(button).click()
    dialog = page.locator(".dialog-body")
    await dialog.locator("input").fill(reason)
    await dialog.get_by_role("button", name="OK").click()


@pytest.mark.settings(operators=("root",))
async def test_a_top_up_and_a_withdrawal_are_asked_in_the_wallet_and_decided_by_an_operator(
    open_app: OpenApp, clients: MakeClient
) -> None:
    root_sdk, alice_sdk = await clients("root"), await clients("alice")
    await alice_sdk.set_pay_password(PASSWORD, "135790")
    alice = await open_app(PHONE, locale="zh-CN")
    root = await open_app(DESKTOP)
    await login(alice, "alice")
    await login(root, "root")

    # Alice (in Chinese) asks to top up 20.00: it waits for an operator.
    await alice.goto("/#/me/wallet")
    await expect(alice.locator(".wallet-balance")).to_have_text("¥0.00")
    await alice.get_by_role("button", name="充值").click()
    await alice.locator(".funding-amount").fill("20")
    await alice.locator(".funding-next").click()
    request = alice.locator(".funding-request")
    await expect(request).to_have_count(1)
    await expect(request.locator(".funding-kind")).to_have_text("充值")
    await expect(request.locator(".funding-status")).to_have_text("待审核")
    await expect(request.locator(".line-amount")).to_have_text("+¥20.00")
    await expect(alice.locator(".wallet-balance")).to_have_text("¥0.00")

    # The operator finds it in Me → Wallet administration and approves it.
    await root.goto("/#/me")
    await root.get_by_role("link", name="Wallet administration").click()
    waiting = root.locator(".admin-requests .funding-request")
    await expect(waiting).to_have_count(1)
    await expect(waiting.locator(".admin-who")).to_have_text("alice")
    await expect(waiting.locator(".funding-status")).to_have_text("Waiting for approval")
    await shot(root, "desktop-wallet-admin-pending")
    await decide(root, ".funding-approve", "paid at the desk")
    await expect(root.locator(".admin-requests .empty-row")).to_have_text("Nothing is waiting.")

    await alice.reload()
    await expect(alice.locator(".wallet-balance")).to_have_text("¥20.00")
    await expect(request.locator(".funding-status")).to_have_text("已通过")
    await expect(alice.locator(".statement-line .line-kind").first).to_have_text("充值")

    # A withdrawal asks for the payment password and leaves the balance at once.
    await alice.get_by_role("button", name="提现").click()
    await alice.locator(".funding-amount").fill("5.5")
    await alice.locator(".funding-next").click()
    await alice.locator(".pay-password").fill("135790")
    await alice.locator(".pay-confirm").click()
    await expect(alice.locator(".wallet-balance")).to_have_text("¥14.50")
    await expect(request).to_have_count(2)
    await expect(request.first.locator(".funding-kind")).to_have_text("提现")
    await expect(request.first.locator(".line-amount")).to_have_text("-¥5.50")
    await expect(request.first.locator(".funding-status")).to_have_text("待审核")
    await shot(alice, "phone-wallet-withdrawal-waiting")

    # Rejected, it comes back.
    await root.reload()
    await expect(waiting).to_have_count(1)
    await expect(waiting.locator(".line-amount")).to_have_text("-¥5.50")
    await decide(root, ".funding-reject", "bank details wrong")
    await expect(root.locator(".admin-requests .empty-row")).to_be_visible()
    await alice.reload()
    await expect(alice.locator(".wallet-balance")).to_have_text("¥20.00")
    await expect(request.first.locator(".funding-status")).to_have_text("已拒绝")
    assert (await alice_sdk.wallet())["balance"] == 2000
    assert (await root_sdk.admin_reconcile())["ok"]
    no_page_errors(alice, root)


@pytest.mark.settings(operators=("root",))
async def test_an_operator_credits_debits_and_reads_any_wallet_on_the_operators_page(
    open_app: OpenApp, clients: MakeClient
) -> None:
    root_sdk, bob_sdk = await clients("root"), await clients("bob")
    root = await open_app(PHONE)
    bob = await open_app(PHONE)
    await login(root, "root")
    await login(bob, "bob")

    # Only operators see the page in Me.
    await bob.goto("/#/me")
    await expect(bob.get_by_role("link", name="Wallet")).to_be_visible()
    await expect(bob.get_by_role("link", name="Wallet administration")).to_have_count(0)

    await root.goto("/#/me")
    await root.get_by_role("link", name="Wallet administration").click()
    await root.locator(".admin-username").fill("nobody_here")
    await root.locator(".admin-find").click()
    await expect(root.locator(".toast", has_text="Nobody has that username.")).to_be_visible()
    await root.locator(".admin-username").fill("bob")
    await root.locator(".admin-find").click()
    await expect(root.locator(".admin-balance")).to_have_text("¥0.00")
    await expect(root.locator(".admin-statement .empty-row")).to_be_visible()

    async def adjust(button: str, amount: str, reason: str) -> None:
        await root.locator(button).click()
        sheet = root.locator(".admin-adjust")
        await sheet.locator(".funding-amount").fill(amount)
        await sheet.locator(".funding-reason").fill(reason)
        await sheet.locator(".funding-next").click()

    await adjust(".admin-credit", "12.50", "welcome bonus")
    await expect(root.locator(".admin-balance")).to_have_text("¥12.50")
    await adjust(".admin-debit", "2.5", "duplicate credit, ticket 1234")
    await expect(root.locator(".admin-balance")).to_have_text("¥10.00")
    lines = root.locator(".admin-statement .statement-line")
    await expect(lines).to_have_count(2)
    await expect(lines.first).to_contain_text("duplicate credit, ticket 1234")
    await expect(lines.first.locator(".line-amount")).to_have_text("-¥2.50")
    await expect(lines.nth(1).locator(".line-amount")).to_have_text("+¥12.50")
    await shot(root, "phone-wallet-admin-statement")

    # A reason is needed; a debit past the balance is refused and moves nothing.
    await root.locator(".admin-debit").click()
    sheet = root.locator(".admin-adjust")
    await sheet.locator(".funding-amount").fill("1")
    await sheet.locator(".funding-next").click()
    await expect(sheet.locator(".field-error")).to_have_text("Give a reason.")
    await sheet.get_by_role("button", name="Cancel").click()
    await adjust(".admin-debit", "100", "too much")
    await expect(root.locator(".toast-error", has_text="Not enough money")).to_be_visible()
    await expect(root.locator(".admin-balance")).to_have_text("¥10.00")
    assert (await bob_sdk.wallet())["balance"] == 1000
    memos = [x["memo"] for x in (await bob_sdk.statement())["lines"]]
    assert memos == ["duplicate credit, ticket 1234", "welcome bonus"]

    # Someone who is not an operator, on the page's address, is told and sees nothing.
    await bob.goto("/#/admin/wallet")
    await expect(bob.locator(".toast", has_text="Only the server's operators")).to_be_visible()
    await expect(bob.locator(".admin-requests .funding-request")).to_have_count(0)
    assert (await root_sdk.admin_reconcile())["ok"]
    no_page_errors(root, bob)


@pytest.mark.settings(operators=("root", "ops"))
async def test_the_operators_page_pages_and_its_waiting_list_follows_other_changes_live(
    open_app: OpenApp, clients: MakeClient
) -> None:
    """The waiting list comes 20 at a time, and while it is shown a new request appears
    at its top and one another operator decided leaves it, without a reload; a wallet's
    statement comes 50 lines at a time."""
    ops_sdk, alice_sdk, bob_sdk = await clients("ops"), await clients("alice"), await clients("bob")
    await clients("root")
    made = [(await alice_sdk.topup(100 + i, f"t{i}"))["request"] for i in range(23)]
    for i in range(52):
        await ops_sdk.admin_adjust(uid(bob_sdk), 1, f"credit {i}", f"c{i}")
    root = await open_app(DESKTOP)
    await login(root, "root")
    await root.goto("/#/admin/wallet")
    waiting = root.locator(".admin-requests .funding-request")
    await expect(waiting).to_have_count(20)
    await expect(waiting.first.locator(".line-amount")).to_have_text("+¥1.22")  # newest first
    more = root.locator(".admin-requests-more")
    await more.click()
    await expect(waiting).to_have_count(23)
    await expect(waiting.last.locator(".line-amount")).to_have_text("+¥1.00")
    await expect(more).to_be_hidden()

    # Live: Alice asks again, and another operator approves her first request.
    await alice_sdk.topup(999, "t-new")
    await ops_sdk.admin_decide_funding(made[0]["id"], "paid", "d0", approve=True)
    await expect(waiting).to_have_count(23, timeout=15_000)
    await expect(waiting.first.locator(".line-amount")).to_have_text("+¥9.99", timeout=15_000)
    await expect(waiting.last.locator(".line-amount")).to_have_text("+¥1.01")
    # and one decided on the first page's range, while the page is open
    await ops_sdk.admin_decide_funding(made[22]["id"], "paid", "d22", approve=False)
    await expect(waiting).to_have_count(22, timeout=15_000)
    await expect(waiting.nth(1).locator(".line-amount")).to_have_text("+¥1.21")

    # A wallet's statement, 50 lines a page.
    await root.locator(".admin-username").fill("bob")
    await root.locator(".admin-find").click()
    await expect(root.locator(".admin-balance")).to_have_text("¥0.52")
    lines = root.locator(".admin-statement .statement-line")
    await expect(lines).to_have_count(50)
    await root.locator(".admin-statement-more").click()
    await expect(lines).to_have_count(52)
    await expect(lines.last).to_contain_text("credit 0")
    await expect(root.locator(".admin-statement-more")).to_be_hidden()
    no_page_errors(root)
