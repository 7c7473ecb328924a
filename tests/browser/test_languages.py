"""Going abroad: the client speaks the browser's language among six, Arabic lays out
right to left (the chat list and the conversation mirrored, screenshots kept in
artifacts/screenshots for people to look at), money follows the locale's format, and the
language can be changed in Me."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.async_api import Page, expect

from tests.browser.conftest import PHONE, OpenApp, no_page_errors, register, send_text, shot
from tests.conftest import PASSWORD, MakeClient, befriend

LOCALES = Path(__file__).resolve().parents[2] / "src" / "microletter" / "web" / "locales"


def strings(tag: str) -> dict[str, str]:
    loaded: dict[str, str] = json.loads((LOCALES / f"{tag}.json").read_text(encoding="utf-8"))
    return loaded


async def box(page: Page, selector: str) -> tuple[float, float]:
    """The left and right edges of the first element `selector` finds."""
    found = await page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found["x"], found["x"] + found["width"]


async def test_arabic_is_laid_out_right_to_left(open_app: OpenApp, clients: MakeClient) -> None:
    ar = strings("ar")
    page = await open_app(PHONE, locale="ar-EG")
    await register(page, "amal", "Amal")
    html = page.locator("html")
    await expect(html).to_have_attribute("dir", "rtl")
    await expect(html).to_have_attribute("lang", "ar")
    await expect(page.locator(".tabbar")).to_contain_text(ar["nav.chats"])

    amal, bob = await clients(), await clients("bob")
    await amal.login("amal", PASSWORD)
    cid = await befriend(bob, amal)
    await bob.send_text(cid, "مرحبا")
    row = page.locator(".chat-row", has_text="Bob")
    await expect(row).to_be_visible()
    # The chat list mirrored: the avatar at the right, the name to its left.
    avatar_left, avatar_right = await box(page, ".chat-row .avatar-wrap")
    name_left, name_right = await box(page, ".chat-row .chat-name")
    assert avatar_left > name_left and avatar_right > name_right
    await shot(page, "phone-chat-list-ar")

    await row.click()
    await send_text(page, "أهلا يا بوب")
    await expect(page.locator(".msg-row.mine .bubble-text")).to_have_text("أهلا يا بوب")
    # Theirs start at the right edge, mine at the left: the conversation mirrored.
    width = (page.viewport_size or {"width": 0})["width"]
    _, theirs_right = await box(page, ".msg-row.theirs .bubble-text")
    mine_left, _ = await box(page, ".msg-row.mine .bubble-text")
    assert theirs_right > width * 0.6 and mine_left < width * 0.4
    await shot(page, "phone-conversation-ar")
    no_page_errors(page)


async def test_the_language_follows_the_browser_and_changes_in_me(open_app: OpenApp) -> None:
    ja, es = strings("ja"), strings("es")
    page = await open_app(PHONE, locale="es-MX")
    await register(page, "sofia", "Sofía")
    await expect(page.locator("html")).to_have_attribute("lang", "es")
    await expect(page.locator(".tabbar")).to_contain_text(es["nav.chats"])
    await page.goto("/#/me/settings")  # Me → Settings → Language
    await page.get_by_role("link", name=es["me.language"]).click()
    await page.get_by_role("radio", name="日本語").check()
    await expect(page.locator("html")).to_have_attribute("lang", "ja")
    await expect(page.locator("html")).to_have_attribute("dir", "ltr")
    await expect(page.locator(".tabbar")).to_contain_text(ja["nav.chats"])
    await page.reload()  # the choice is kept
    await expect(page.locator(".tabbar")).to_contain_text(ja["nav.me"])
    # Money in the locale's format (Intl), from integer minor units.
    # The very modules the page runs (their URL carries the version), so one i18n state.
    shown = await page.evaluate(
        """async () => {
            const app = document.querySelector('script[type=module]').src;
            const { formatMoney } = await import(new URL("views/wallet.js", app).href);
            const { chooseLocale } = await import(new URL("i18n.js", app).href);
            const out = {};
            for (const tag of ["en", "es", "ar"]) {
                await chooseLocale(tag);
                out[tag] = formatMoney(123456, { code: "CNY", exponent: 2 });
            }
            return out;
        }"""
    )
    assert shown["en"] == "¥1,234.56"
    assert "1234,56" in shown["es"].replace(".", "").replace("\u00a0", "")  # 1234,56 ¥
    assert "١٬٢٣٤٫٥٦" in shown["ar"] or "1,234.56" in shown["ar"]
    no_page_errors(page)
