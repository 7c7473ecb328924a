"""QR codes in the browser (issue 14): a code read from a picture through the scanner's file
input (the vendored decoder, not the browser's BarcodeDetector), a code's link opened
directly (also before signing in), and a group invite by link with the owner's approval."""

from __future__ import annotations

import io
import re

import segno
from playwright.async_api import FilePayload, Page, expect

from microletter.app import Server
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    OpenApp,
    login,
    no_page_errors,
    open_chat,
    register,
    shot,
    unlabelled_controls,
)
from tests.conftest import PASSWORD, MakeClient, befriend
from tests.support.rest import uid


def code_png(text: str, name: str = "code.png") -> FilePayload:
    """A photo-sized picture of a QR code for `text`: the code off-centre on a grey page."""
    from PIL import Image

    symbol = io.BytesIO()
    segno.make(text, error="m").save(symbol, kind="png", scale=6, border=4)
    code = Image.open(io.BytesIO(symbol.getvalue())).convert("RGB")
    page = Image.new("RGB", (1200, 900), (214, 214, 208))
    page.paste(code, (380, 210))
    out = io.BytesIO()
    page.save(out, format="PNG")
    return {"name": name, "mimeType": "image/png", "buffer": out.getvalue()}


async def scan_picture(page: Page, picture: FilePayload) -> None:
    """Discover → Scan, then "Pick a picture"."""
    await page.goto("/#/discover")
    await page.locator(".list-pane a[data-row=scan]").click()
    await expect(page.locator("label.scan-pick")).to_be_visible()
    await page.locator("#scan-file").set_input_files(picture)


async def test_a_picture_of_a_code_opens_what_it_names(
    server: Server, open_app: OpenApp, clients: MakeClient
) -> None:
    await clients("alice")
    carol = await open_app(PHONE)
    await register(carol, "carol", "Carol")

    # A person's code: the link to their profile.
    await scan_picture(carol, code_png(f"{server.url}/u/alice"))
    await expect(carol.locator(".profile-name")).to_have_text("alice")
    await expect(carol).to_have_url(f"{server.url}/#/user/{await user_id(carol, 'alice')}")

    # A code made before links (microletter:user:<name>) still opens the profile.
    await scan_picture(carol, code_png("microletter:user:alice", "old.png"))
    await expect(carol.locator(".profile-name")).to_have_text("alice")

    # Someone else's code: shown as text, with a way out of the app.
    await scan_picture(carol, code_png("https://example.org/menu?table=4"))
    result = carol.locator(".scan-result")
    await expect(result).to_contain_text("Not a code of this server")
    await expect(result).to_contain_text("https://example.org/menu?table=4")
    await expect(result.get_by_role("link", name="Open link")).to_have_attribute(
        "href", "https://example.org/menu?table=4"
    )
    assert await unlabelled_controls(carol) == []
    await shot(carol, "phone-scan-result")

    # A picture without a code says so.
    blank = await carol.screenshot()
    await carol.locator("#scan-file").set_input_files(
        {"name": "screen.png", "mimeType": "image/png", "buffer": blank}
    )
    await expect(carol.locator(".toast")).to_contain_text("No QR code found in that picture.")
    no_page_errors(carol)


async def user_id(page: Page, username: str) -> int:
    found: int = await page.evaluate(
        "async (name) => (await window.microletter.api.findUser(name)).user.id", username
    )
    return found


async def test_my_codes_link_opens_my_profile_even_before_signing_in(
    server: Server, open_app: OpenApp
) -> None:
    alice = await open_app(PHONE)
    await register(alice, "alice", "Alice")
    await alice.goto("/#/me/qr")
    link = f"{server.url}/u/alice"
    await expect(alice.locator("#qr-payload")).to_have_text(link)
    await expect(alice.locator(".qr-img")).to_have_js_property("complete", True)
    picture = await alice.locator(".qr-frame").screenshot()  # the code as a phone would film it

    # Bob's phone camera opens the link: the client, at Alice's profile, once he signs up.
    bob = await open_app(PHONE)
    await bob.goto(link)
    await expect(bob.locator("form.auth-form")).to_be_visible()
    assert bob.url == f"{server.url}/#/u/alice"
    await bob.get_by_role("link", name="Sign up").click()
    await bob.locator("#username").fill("bob")
    await bob.locator("#display-name").fill("Bob")
    await bob.locator("#password").fill(PASSWORD)
    await bob.locator("form.auth-form button[type=submit]").click()
    await expect(bob.locator(".profile-name")).to_have_text("Alice")
    # Alice takes requests from her code only: the request says it came through it.
    await alice.goto("/#/me/privacy")
    await alice.get_by_role("switch", name="Username").uncheck()
    await alice.reload()  # what the server kept
    await expect(alice.get_by_role("switch", name="Username")).not_to_be_checked()
    await bob.get_by_role("button", name="Add to contacts").click()
    await bob.get_by_role("dialog").get_by_role("button", name="Add").click()
    await expect(bob.locator(".toast")).to_contain_text("Friend request sent")

    # The code itself, read from a picture of Alice's screen, opens the same page.
    await bob.goto("/#/contacts/new")
    await bob.locator("#add-scan-file").set_input_files(
        {"name": "alice.png", "mimeType": "image/png", "buffer": picture}
    )
    await expect(bob.locator(".profile-name")).to_have_text("Alice")
    no_page_errors(alice, bob)


async def test_a_group_invite_by_link_waits_for_the_owners_approval(
    server: Server, open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk = await clients("alice"), await clients("bob")
    await befriend(alice_sdk, bob_sdk)
    group = (await alice_sdk.create_group("Hiking club", [uid(bob_sdk)]))["conversation"]
    alice, bob = await open_app(DESKTOP), await open_app(PHONE)
    await login(alice, "alice")
    await login(bob, "bob")

    # Alice, the owner, opens the group's code from its info page and asks for approval.
    await alice.goto(f"/#/chat/{group['id']}/info")
    await alice.locator("#group-qr-row").click()
    link_box = alice.locator("#invite-link")
    await expect(link_box).to_contain_text(f"{server.url}/i/")
    link = await link_box.inner_text()
    await expect(alice.locator("#invite-qr")).to_have_js_property("complete", True)
    await alice.get_by_role("switch", name="Require my approval").check()
    await expect(alice.locator(".toast")).to_contain_text("Joining now needs approval")
    assert await unlabelled_controls(alice) == []
    await shot(alice, "desktop-group-qr-code")
    # The same link again on reopening (the token stays on this device).
    await alice.reload()
    await expect(link_box).to_have_text(link)
    await expect(alice.get_by_role("switch", name="Require my approval")).to_be_checked()
    await alice.goto(f"/#/chat/{group['id']}")  # where her request will show, live

    # Carol, a stranger, scans a picture of the code: the group, and "Request to join".
    carol = await open_app(PHONE, locale="zh-CN")
    await register(carol, "carol", "Carol")
    await scan_picture(carol, code_png(link))
    await expect(carol.locator(".join-name")).to_have_text("Hiking club")
    await expect(carol.locator(".join-count")).to_have_text("2 位成员")
    await carol.get_by_role("button", name="申请入群").click()
    await expect(carol.locator("#join-status")).to_contain_text("申请已发送")
    await shot(carol, "phone-join-request-sent-zh")

    # Alice is told in the group (Bob is not), reviews and approves her; Carol has the
    # chat, and Bob sees her join.
    note = alice.locator(".msg-note", has_text="Carol asked to join")
    await note.get_by_role("button", name="Review").click()
    await expect(alice).to_have_url(re.compile(f"#/chat/{group['id']}/requests$"))
    row = alice.locator(".request-row", has_text="Carol")
    await row.get_by_role("button", name="Approve").click()
    await expect(alice.locator(".toast")).to_contain_text("Carol joined the group")
    await expect(alice.locator("#join-requests")).to_contain_text("No one is waiting to join.")
    await open_chat(carol, "Hiking club")
    await open_chat(bob, "Hiking club")
    await expect(bob.locator(".msg-system").last).to_contain_text("Carol joined")
    await expect(bob.locator(".msg-note")).to_have_count(0)  # the request was not for him

    # The link, opened again, knows Carol is in; revoked, it stops working.
    await carol.goto(link)
    await expect(carol.get_by_role("button", name="进入群聊")).to_be_visible()
    await alice.goto(f"/#/chat/{group['id']}/qr")
    await alice.get_by_role("button", name="Revoke link").click()
    await alice.get_by_role("dialog").get_by_role("button", name="Revoke link").click()
    await expect(alice.locator("#invite-new")).to_be_visible()
    await carol.goto(link)
    await expect(carol.locator(".empty-state")).to_contain_text("该邀请已过期或已被撤销")
    no_page_errors(alice, bob, carol)
