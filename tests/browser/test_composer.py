"""The composer's everyday gestures in the browser (issue 13): @mentions and the mention
mark of a muted group, the emoji panel, stickers saved from a received picture, and the
"+" panel's location, camera, contact card and favourites."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.async_api import Page, expect

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    OpenApp,
    login,
    no_page_errors,
    open_chat,
    send_text,
    shot,
    unlabelled_controls,
)
from tests.conftest import MakeClient, befriend


def picture(color: str, frames: int = 1) -> bytes:
    """A small GIF (animated when `frames` > 1), as a sticker would be."""
    images = [Image.new("RGB", (120, 90), c) for c in [color, "black"][: max(1, frames)]]
    out = io.BytesIO()
    images[0].save(
        out, format="GIF", save_all=frames > 1, append_images=images[1:], duration=200, loop=0
    )
    return out.getvalue()


async def open_plus(page: Page, item: str) -> None:
    """Open the composer's "+" panel and press one of its items."""
    composer = page.locator(".conversation .composer")
    await composer.get_by_role("button", name="More").click()
    await composer.locator(".plus-panel").get_by_role("button", name=item).click()


async def test_mention_picker_and_the_mark_in_a_muted_group(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk, carol_sdk = (
        await clients("alice"),
        await clients("bob"),
        await clients("carol"),
    )
    await befriend(alice_sdk, bob_sdk)
    await befriend(alice_sdk, carol_sdk)
    assert bob_sdk.user is not None and carol_sdk.user is not None
    bob_id = bob_sdk.user["id"]
    group = await alice_sdk.create_group("Lunch club", [bob_id, carol_sdk.user["id"]])
    cid = group["conversation"]["id"]
    await bob_sdk.mute(cid)
    alice = await open_app(DESKTOP)
    bob = await open_app(PHONE)
    await login(alice, "alice")
    await login(bob, "bob")
    await open_chat(alice, "Lunch club")

    # "@" lists the members (and @All, for the owner); typing narrows the list.
    field = alice.locator(".composer-input")
    await field.press_sequentially("Hi @")
    picker = alice.get_by_role("listbox", name="Choose who to mention")
    await expect(picker.locator(".mention-name")).to_have_text(["All", "bob", "carol"])
    await field.press_sequentially("bo")
    await expect(picker.locator(".mention-name")).to_have_text(["bob"])
    await shot(alice, "desktop-mention-picker")
    await field.press("Enter")  # picks, does not send
    await expect(picker).to_be_hidden()
    await expect(field).to_have_value("Hi @bob ")
    await field.press_sequentially("table at noon?")
    await field.press("Enter")
    await expect(alice.locator(".msg-row.mine .bubble-text")).to_have_text("Hi @bob table at noon?")
    await expect(alice.locator(".msg-row.mine .mention")).to_have_text("@bob")

    # The emoji panel: a picked emoji goes in at the caret, and comes first next time.
    await alice.get_by_role("button", name="Emoji").click()
    await alice.locator(".emoji-all").get_by_role("button", name="🎉").click()
    await expect(field).to_have_value("🎉")
    await send_text(alice, "🎉")
    await alice.get_by_role("button", name="Emoji").click()
    await expect(alice.locator(".emoji-recent .emoji-cell").first).to_have_text("🎉")
    await alice.get_by_role("button", name="Emoji").click()

    # Bob muted the group, yet the chat list tells him he was mentioned, in red.
    row = bob.locator(".chat-row", has_text="Lunch club")
    await expect(row.locator(".mention-mark")).to_have_text("[You were mentioned]")
    await expect(row.locator(".muted-mark")).to_be_visible()
    await shot(bob, "phone-chat-list-mentioned")
    [message] = [m for m in await bob_sdk.history(cid) if (m["text"] or "").startswith("Hi @bob")]
    assert message["mentions"] == [bob_id] and not message["mention_all"]
    assert any(v["mentioned"] for v in await bob_sdk.conversations())

    # Opening the chat shows the mention highlighted; reading it clears the mark.
    await row.click()
    await expect(bob.locator(".msg-row.theirs .bubble-text.mentions-me .mention")).to_have_text(
        "@bob"
    )
    await bob.goto("/#/chats")
    await expect(row.locator(".chat-preview")).to_be_visible()
    await expect(row.locator(".mention-mark")).to_have_count(0)
    assert await unlabelled_controls(alice) == []
    no_page_errors(alice, bob)


async def test_a_received_picture_saved_as_a_sticker_and_sent(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk = await clients("alice"), await clients("bob")
    cid = await befriend(alice_sdk, bob_sdk)
    for color in ("red", "blue"):
        media = await bob_sdk.upload(picture(color, frames=2), kind="image", name=f"{color}.gif")
        await bob_sdk.send_media(cid, media)
    alice = await open_app(PHONE)
    await login(alice, "alice")
    await open_chat(alice, "bob")

    # "Add to stickers" from the viewer of each picture Bob sent.
    images = alice.locator(".msg-row.theirs[data-kind=image] .bubble-image")
    await expect(images).to_have_count(2)
    for i in range(2):
        await images.nth(i).click()
        await alice.locator(".viewer").get_by_role("button", name="Add to stickers").click()
        await expect(alice.locator(".toast", has_text="Added to stickers").last).to_be_visible()
        await alice.keyboard.press("Escape")
    saved = [s["id"] for s in await alice_sdk.stickers()]
    assert len(saved) == 2

    # The stickers panel shows them in order; manage: move the second first, then send it.
    await alice.get_by_role("button", name="Emoji").click()
    await alice.get_by_role("tab", name="Stickers").click()
    panel = alice.locator(".sticker-panel")
    await expect(panel.locator(".sticker-send")).to_have_count(2)
    await panel.get_by_role("button", name="Manage").click()
    await panel.get_by_role("button", name="Move sticker 2 earlier").click()
    await expect(panel.locator(".sticker-send").first).to_have_attribute("data-id", saved[1])
    assert [s["id"] for s in await alice_sdk.stickers()] == [saved[1], saved[0]]
    await panel.get_by_role("button", name="Done").click()
    await shot(alice, "phone-stickers-panel")
    await panel.get_by_role("button", name="Send sticker 1").click()

    sticker = alice.locator(".msg-row.mine[data-kind=sticker]")
    await expect(sticker).to_have_attribute("data-state", re.compile("sent|read"))
    await alice.wait_for_function(
        "() => document.querySelector('.msg-row.mine[data-kind=sticker] img')?.naturalWidth > 0"
    )
    src = await sticker.locator("img").get_attribute("src")
    assert src is not None and "/thumbnail" not in src  # the full image: animated as it came
    last = (await bob_sdk.history(cid))[-1]
    assert last["kind"] == "sticker" and last["data"]["media"]["id"] == saved[1]
    await shot(alice, "phone-sticker-sent")

    # Removing one: the panel follows (the server's collection event, or the answer).
    await alice.get_by_role("button", name="Emoji").click()
    await alice.get_by_role("tab", name="Stickers").click()
    await panel.get_by_role("button", name="Manage").click()
    await panel.get_by_role("button", name="Remove sticker 2").click()
    await expect(panel.locator(".sticker-send")).to_have_count(1)
    assert [s["id"] for s in await alice_sdk.stickers()] == [saved[1]]
    no_page_errors(alice)


async def test_location_camera_contact_card_and_a_favourite_from_the_plus_panel(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk, carol_sdk = (
        await clients("alice"),
        await clients("bob"),
        await clients("carol"),
    )
    cid = await befriend(alice_sdk, bob_sdk)
    await befriend(alice_sdk, carol_sdk)
    kept = await alice_sdk.send_text(cid, "the recipe: flour, water, salt")
    await alice_sdk.keep(cid, kept["seq"])
    alice = await open_app(PHONE)
    bob = await open_app(PHONE)
    await alice.context.grant_permissions(["geolocation", "camera"])
    await alice.context.set_geolocation({"latitude": 52.520008, "longitude": 13.404954})
    await login(alice, "alice")
    await login(bob, "bob")
    await open_chat(alice, "bob")
    await open_chat(bob, "alice")

    # Location: the browser's coordinates (after the user asks) and a typed place name.
    await open_plus(alice, "Location")
    dialog = alice.get_by_role("dialog", name="Location")
    await expect(dialog.get_by_role("button", name="Send")).to_be_disabled()
    await dialog.get_by_role("button", name="Use my location").click()
    await expect(dialog.get_by_role("status")).to_contain_text("52.52001, 13.40495")
    await dialog.get_by_label("Place name").fill("Cafe Luna")
    await dialog.get_by_role("button", name="Send").click()
    place = bob.locator(".msg-row.theirs .bubble-location")
    await expect(place.locator(".location-name")).to_have_text("Cafe Luna")
    await expect(place).to_have_attribute(
        "href",
        "https://www.openstreetmap.org/?mlat=52.520008&mlon=13.404954#map=16/52.520008/13.404954",
    )
    await shot(bob, "phone-location-card")

    # Contact card: Carol's, which Bob opens to add her.
    await open_plus(alice, "Contact card")
    picker = alice.get_by_role("dialog", name="Contact card")
    await picker.get_by_role("button", name="carol").click()
    card = bob.locator(".msg-row.theirs .bubble-card")
    await expect(card.locator(".card-name")).to_have_text("carol")
    await shot(bob, "phone-contact-card")
    await card.click()
    await expect(bob.locator(".profile-name")).to_have_text("carol")
    await expect(bob.get_by_role("button", name="Add to contacts")).to_be_visible()
    await bob.go_back()

    # A favourite sent again, and a photo from the (fake) camera.
    await open_plus(alice, "Favourites")
    await (
        alice.get_by_role("dialog", name="Favourites")
        .get_by_role("button", name="the recipe: flour, water, salt")
        .click()
    )
    await expect(
        bob.locator(".msg-row.theirs .bubble-text", has_text="the recipe: flour, water, salt")
    ).to_have_count(2)
    await open_plus(alice, "Camera")
    camera = alice.get_by_role("dialog", name="Camera")
    await alice.wait_for_function("() => document.querySelector('.camera-preview')?.videoWidth > 0")
    await camera.get_by_role("button", name="Take photo").click()
    await expect(bob.locator(".msg-row.theirs[data-kind=image]")).to_have_count(1)

    kinds = [m["kind"] for m in await bob_sdk.history(cid)]
    assert kinds[-4:] == ["location", "card", "text", "image"], kinds
    await expect(alice.locator(".plus-panel .plus-video")).to_be_hidden()  # closed after sending
    no_page_errors(alice, bob)
