"""Browser fixtures: Debian's Chromium driven by Playwright (async, on the test's event loop)
against the real server of the `server` fixture. Each person gets their own browser context,
so two or three people can talk on one page each. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, ViewportSize, async_playwright, expect

from microletter.app import Server
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]
TIMEOUT_MS = 15_000
HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)  # before `-m` picks tests by their marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every browser test is `slow` (a Chromium of its own): `pytest -m "not slow"` leaves
    them out of a quick local round. CI runs them all."""
    for item in items:  # every test of the run, not only this folder's
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.slow)


def chromium_path() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found is None:
        pytest.fail("Chromium is missing: scripts/install-browser installs Debian's package")
    return found


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


OpenApp = Callable[..., Awaitable[Page]]


@pytest.fixture
async def open_app(server: Server, browser: Browser) -> OpenApp:
    """`await open_app(viewport=PHONE)`: a fresh person's page on the app (not logged in)."""

    async def open_one(viewport: ViewportSize = PHONE, locale: str = "en-US") -> Page:
        context = await browser.new_context(
            viewport=viewport,
            locale=locale,
            base_url=server.url,
            permissions=["microphone", "clipboard-read", "clipboard-write"],
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors  # type: ignore[attr-defined]
        await page.goto("/")
        return page

    return open_one


async def register(page: Page, username: str, display_name: str = "") -> None:
    """Sign up through the form and wait for the chat list."""
    await page.goto("/#/register")
    await page.locator("#username").fill(username)
    await page.locator("#display-name").fill(display_name or username.capitalize())
    await page.locator("#password").fill(PASSWORD)
    await page.locator("form.auth-form button[type=submit]").click()
    await expect(page.locator(".tabbar")).to_be_visible()


async def login(page: Page, username: str) -> None:
    """Log in through the form (an account made elsewhere, e.g. with the SDK)."""
    await page.goto("/#/login")
    await page.locator("#username").fill(username)
    await page.locator("#password").fill(PASSWORD)
    await page.locator("form.auth-form button[type=submit]").click()
    await expect(page.locator(".tabbar")).to_be_visible()
    await expect(page.locator("#app")).to_have_attribute("data-connection", "online")


async def open_chat(page: Page, title: str) -> None:
    """Open a conversation from the chat list by its title."""
    await page.goto("/#/chats")
    await page.locator(".chat-row", has_text=title).click()
    await expect(page.locator(".conversation .topbar h1")).to_contain_text(title)


async def send_text(page: Page, text: str) -> None:
    await page.locator(".composer-input").fill(text)
    await page.locator(".send-btn").click()


def bubbles(page: Page) -> Any:
    """The text bubbles of the open conversation, in order."""
    return page.locator(".conversation .msg-row .bubble-text")


async def shot(page: Page, name: str) -> Path:
    """Save a screenshot of what the person sees (artifacts/screenshots/<name>.png)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
    await page.screenshot(path=str(path), animations="disabled")  # dialogs fully faded in
    return path


def no_page_errors(*pages: Page) -> None:
    for page in pages:
        assert page.errors == [], page.errors  # type: ignore[attr-defined]


UNLABELLED = """() => [...document.querySelectorAll(
  'button, a[href], input:not([type=hidden]), textarea, select, [role=switch]')]
  .filter((el) => el.offsetParent !== null && !el.closest('[aria-hidden=true]'))
  .filter((el) => !(el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
    || (el.labels && el.labels.length) || el.textContent.trim() || el.title))
  .map((el) => el.outerHTML.slice(0, 120))"""


async def unlabelled_controls(page: Page) -> list[str]:
    """Visible controls that a screen reader could not name (should be none)."""
    found: list[str] = await page.evaluate(UNLABELLED)
    return found
