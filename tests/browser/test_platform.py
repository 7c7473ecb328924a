"""The open platform in the web client, against the real server and a real webhook bot
(the unmodified wechatpy behind tests/support/bot.py): a developer makes an official
account in the console and connects its webhook; a follower finds it, follows it, uses
its menu, and sees its news cards, notices, pictures and broadcasts; an H5 page opened
from the chat, on a domain its account registered, learns who its user is through the
consent screen."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web
from playwright.async_api import Page, expect
from wechatpy import create_reply

from microletter.client import Client
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    OpenApp,
    bubbles,
    login,
    no_page_errors,
    open_chat,
    send_text,
    shot,
    unlabelled_controls,
)
from tests.conftest import MakeClient
from tests.support.bot import Bot, echo
from tests.support.media import picture
from tests.support.platform import (
    FAST_PUSH,
    follow,
    from_account,
    new_account,
    register_domains,
    wait_history,
)
from tests.support.wechat import sdk, wechat_client, wechat_oauth

pytestmark = pytest.mark.settings(**FAST_PUSH)
APPID_RE = re.compile(r"^wx[0-9a-f]{16}$")


def menu_bot(message: Any) -> Any:
    """The echo bot, which also answers menu clicks."""
    if message.type == "event" and message.event == "click":
        return create_reply(f"You pressed {message.key}", message)
    return echo(message)


class H5:
    """An H5 page on its own loopback port, written the way WeChat's docs write one: with
    no `code`, send the browser to authorize; with one, exchange it (WeChatOAuth) and
    greet the person by the name the server tells."""

    def __init__(self, base: str, appid: str, secret: str) -> None:
        self.base, self.appid, self.secret = base, appid, secret
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/app", self.page)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/app"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def page(self, request: web.Request) -> web.StreamResponse:
        oauth = wechat_oauth(self.base, self.appid, self.secret, self.url, "snsapi_userinfo")
        code = request.query.get("code")
        if not code:
            target = oauth.authorize_url.replace("https://open.weixin.qq.com/", self.base + "/")
            raise web.HTTPFound(target.split("#", 1)[0])
        await sdk(oauth.fetch_access_token, code)
        info = await sdk(oauth.get_user_info)
        name = html.escape(info["nickname"])
        return web.Response(
            text=f"<!doctype html><title>Shop</title><h1 id=hello>Hello {name}</h1>"
            f"<p id=openid>{html.escape(info['openid'])}</p>",
            content_type="text/html",
        )


@pytest.fixture
async def dev(clients: MakeClient) -> Client:
    return await clients("dev")


@pytest.fixture
async def bots() -> AsyncIterator[list[Bot]]:
    started: list[Bot] = []
    yield started
    for bot in started:
        await bot.stop()


async def text_of(page: Page, selector: str) -> str:
    return (await page.locator(selector).inner_text()).strip()


async def test_a_developer_builds_an_account_and_a_follower_uses_it(
    open_app: OpenApp, clients: MakeClient, dev: Client, bots: list[Bot]
) -> None:
    alice_api = await clients("alice")
    console = await open_app(DESKTOP)
    await login(console, "dev")

    # The developer console, reached from Me: create an account; the AppSecret shows once.
    await console.goto("/#/me/settings")
    await console.get_by_role("switch", name="Developer mode").check()
    await console.goto("/#/me")
    await console.get_by_role("link", name="Developer console").click()
    await console.locator("#new-account-name").fill("Weather")
    await console.locator("#new-account-desc").fill("Forecasts for your city, every morning")
    await console.get_by_role("button", name="Create account").click()
    secret = await text_of(console, "#appsecret")
    assert re.fullmatch(r"[0-9a-f]{32}", secret)
    await shot(console, "desktop-console-secret")
    await console.get_by_role("button", name="I've saved it").click()
    await expect(console.locator(".detail-pane .topbar h1")).to_have_text("Weather")
    appid = await text_of(console, "#cred-appid")
    assert APPID_RE.fullmatch(appid)
    bot = Bot(await text_of(console, "#cred-token"), await text_of(console, "#cred-aes"), appid)
    bots.append(bot)
    bot.answer = menu_bot
    url = await bot.start()

    # A webhook that fails the handshake says why; the bot's URL passes it.
    await console.locator("#webhook-url").fill(url.replace("/wechat", "/nowhere"))
    await console.get_by_role("button", name="Verify and save").click()
    failed = console.locator(".webhook-outcome.error-box")
    await expect(failed).to_contain_text("didn't pass verification")
    await expect(failed.locator(".error-details")).to_contain_text("404")
    await console.locator("#webhook-url").fill(url)
    await console.locator("#webhook-mode").select_option("safe")
    await console.get_by_role("button", name="Verify and save").click()
    await expect(console.locator(".webhook-state.on")).to_contain_text("Verified")

    # Web authorization: OAuth returns only to the hosts registered here, exactly.
    await expect(console.locator(".oauth-state")).to_contain_text("No domain yet")
    await console.locator("#oauth-domains").fill("https://shop.example/")
    await console.get_by_role("button", name="Save domains").click()
    await expect(console.locator(".console-oauth .error-box")).to_contain_text("host names only")
    await console.locator("#oauth-domains").fill("shop.example\n127.0.0.1")
    await console.get_by_role("button", name="Save domains").click()
    await expect(console.locator(".oauth-state.on")).to_be_visible()
    await expect(console.locator("#oauth-domains")).to_have_value("shop.example\n127.0.0.1")
    saved = await dev.call("GET", f"/api/v1/developer/accounts/{await account_id(console)}")
    assert saved["account"]["oauth_domains"] == ["shop.example", "127.0.0.1"]
    await console.locator("#sec-oauth").scroll_into_view_if_needed()
    await shot(console, "desktop-console-oauth")

    # The menu editor checks with the server's rules, then saves.
    await console.get_by_role("button", name="Add a button").click()
    await console.get_by_label("Button 1: Name").fill("A name far too long for a menu")
    await console.get_by_label("Button 1: Key").fill("TODAY")
    await console.locator("#menu-check").click()
    await expect(console.locator(".menu-outcome.error-box")).to_contain_text("isn't valid")
    await console.get_by_label("Button 1: Name").fill("Today")
    await console.get_by_role("button", name="Add a button").click()
    await console.get_by_label("Button 2: Name").fill("More")
    await console.get_by_label("Button 2: Type").select_option("group")
    await console.get_by_label("Button 2, sub-button 1: Name").fill("Site")
    await console.get_by_label("Button 2, sub-button 1: Type").select_option("view")
    site = url.replace("/wechat", "/site")
    await console.get_by_label("Button 2, sub-button 1: https://…").fill(site)
    await console.get_by_role("button", name="Add a sub-button").click()
    await console.get_by_label("Button 2, sub-button 2: Name").fill("Help")
    await console.get_by_label("Button 2, sub-button 2: Key").fill("HELP")
    await console.locator("#menu-save").click()
    saved = console.locator(".menu-outcome.ok-box")
    await expect(saved).to_contain_text("Menu saved")
    await expect(saved.locator(".menu-preview-item")).to_have_count(2)
    await expect(console.locator(".console-qr-box img.qr-img")).to_be_visible()
    assert await unlabelled_controls(console) == []
    await console.locator("#sec-webhook").scroll_into_view_if_needed()
    await shot(console, "desktop-console")

    # A follower finds the account by search and follows it: the bot's welcome arrives.
    alice = await open_app(PHONE)
    await login(alice, "alice")
    await alice.goto("/#/discover")
    await alice.get_by_role("link", name="Official accounts").click()
    await alice.locator("#official-search").fill("weath")
    result = alice.locator(".account-row", has_text="Weather")
    await expect(result).to_contain_text("Forecasts for your city")
    await shot(alice, "phone-official-search")
    await result.click()
    await expect(alice.locator(".account-card")).to_contain_text("0 followers")
    await shot(alice, "phone-official-profile")
    await alice.get_by_role("button", name="Follow").click()
    conversation = alice.locator(".conversation.official")
    await expect(conversation.locator(".topbar h1")).to_have_text("Weather")
    await expect(bubbles(alice)).to_have_text(["welcome!"])

    # The menu sits under the conversation instead of the keyboard, as in WeChat.
    menu = alice.get_by_role("toolbar", name="Account menu")
    await expect(menu.locator(".oa-button")).to_have_text(["Today", "More"])
    await expect(alice.locator(".composer")).to_be_hidden()
    await menu.get_by_role("button", name="Today").click()
    await expect(bubbles(alice).last).to_have_text("You pressed TODAY")
    await menu.get_by_role("button", name="More").click()
    popup = alice.get_by_role("menu", name="More")
    await expect(popup.get_by_role("menuitem")).to_have_text(["Site", "Help"])
    await shot(alice, "phone-official-menu")
    async with alice.context.expect_page() as opened:
        await popup.get_by_role("menuitem", name="Site").click()
    await (await opened.value).wait_for_url(site)
    await (await opened.value).close()
    async with asyncio.timeout(10):
        while not any(getattr(m, "event", "") == "view" for m in bot.received):
            await asyncio.sleep(0.05)
    assert [m.url for m in bot.received if getattr(m, "event", "") == "view"] == [site]

    # Switch to the keyboard and talk to the bot.
    await alice.get_by_role("button", name="Switch to keyboard").click()
    await expect(menu).to_be_hidden()
    await send_text(alice, "hello bot")
    await expect(bubbles(alice).last).to_have_text("echo: hello bot")

    # What the account sends with the SDK renders: a picture, a news card, a notice.
    client = wechat_client(dev.base_url, appid, "")
    client.secret = await reset_secret(console)
    openid = (await sdk(client.user.get_followers))["data"]["openid"][0]
    photo = await sdk(client.media.upload, "image", ("sky.png", picture((320, 200)), "image/png"))
    cover = await sdk(
        client.media.upload_image,
        ("cover.png", picture((470, 200), color=(40, 120, 200)), "image/png"),
    )
    await sdk(client.message.send_image, openid, photo["media_id"])
    article = {
        "title": "Storm on Friday",
        "description": "Wind up to 90 km/h in the north.",
        "url": site,
        "image": cover,
    }
    await sdk(client.message.send_articles, openid, [article])
    made = await dev.call(
        "POST",
        f"/api/v1/developer/accounts/{await account_id(console)}/templates",
        {"title": "Alert", "content": "{{first.DATA}}\nLevel: {{level.DATA}}"},
    )
    await sdk(
        client.message.send_template,
        openid,
        made["template_id"],
        {"first": {"value": "Storm coming"}, "level": {"value": "orange"}},
        url=site,
    )
    # The bubble's <img> gets its src only once its signed link is fetched, and an <img>
    # without a src counts as "complete": wait for the decoded picture itself.
    await alice.wait_for_function(
        "() => document.querySelector('.msg-row[data-kind=image] .bubble-image img')"
        "?.naturalWidth > 0"
    )
    news = alice.locator(".bubble-news.single")
    await expect(news.locator(".news-title")).to_have_text("Storm on Friday")
    await expect(news.locator(".news-digest")).to_have_text("Wind up to 90 km/h in the north.")
    await alice.wait_for_function(
        "() => document.querySelector('.bubble-news.single img.news-cover-img')?.naturalWidth > 0"
    )
    notice = alice.locator(".bubble-template")
    await expect(notice.locator(".tpl-title")).to_have_text("Alert")
    await expect(notice.locator(".tpl-text")).to_have_text("Storm coming\nLevel: orange")
    async with alice.context.expect_page() as opened:
        await news.click()
    await (await opened.value).wait_for_url(site)
    await (await opened.value).close()
    await shot(alice, "phone-official-news")

    # A broadcast (read diffusion): an unread badge in the chat list, then in the chat.
    await alice.goto("/#/chats")
    await console.locator("#broadcast-text").fill("Good morning! Sunny all day.")
    await console.get_by_role("button", name="Send to all").click()
    await console.get_by_role("dialog").get_by_role("button", name="Send to all").click()
    row = alice.locator(".chat-row", has_text="Weather")
    await expect(row.locator(".badge")).to_have_text("1")
    await expect(row.locator(".chat-preview")).to_have_text("Good morning! Sunny all day.")
    await shot(alice, "phone-chats-official")
    await open_chat(alice, "Weather")
    post = alice.locator(".msg-row[data-post='1'] .bubble-text")
    await expect(post).to_have_text("Good morning! Sunny all day.")
    await alice.goto("/#/chats")
    await expect(row.locator(".badge")).to_have_count(0)
    state = await alice_api.call("GET", "/api/v1/sync/state")
    assert [(c["head"], c["read_seq"]) for c in state["channels"]] == [(1, 1)]

    # A webhook that fails: the follower is told the account can't answer now.
    bot.status = 500
    await open_chat(alice, "Weather")
    await alice.get_by_role("button", name="Switch to keyboard").click()
    await send_text(alice, "anyone there?")
    note = alice.locator(".msg-system[data-kind=system]").last
    await expect(note).to_contain_text("Weather can't reply right now")
    assert await unlabelled_controls(alice) == []
    await shot(alice, "phone-official-chat")
    await alice.emulate_media(color_scheme="dark")
    await shot(alice, "phone-official-chat-dark")
    no_page_errors(console, alice)


async def reset_secret(console: Page) -> str:
    """The console's Reset button: a new AppSecret, shown once."""
    await console.locator("#reset-secret").click()
    await console.get_by_role("dialog").get_by_role("button", name="Reset").click()
    secret = await text_of(console, "#appsecret")
    await console.get_by_role("button", name="I've saved it").click()
    return secret


def watch_errors(page: Page) -> None:
    """Collect a new tab's script errors (no_page_errors reads them)."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors  # type: ignore[attr-defined]


async def account_id(console: Page) -> int:
    match = re.search(r"#/console/(\d+)", console.url)
    assert match
    return int(match.group(1))


async def test_a_scanned_code_follows_and_an_h5_page_learns_who_you_are(
    open_app: OpenApp, clients: MakeClient, dev: Client, bots: list[Bot]
) -> None:
    made = await new_account(dev, "Corner Shop", description="Fresh bread daily")
    account = made["account"]
    h5 = H5(dev.base_url, account["appid"], made["appsecret"])
    page_url = await h5.start()
    await register_domains(dev, made, "127.0.0.1")
    try:
        menu = {"button": [{"type": "view", "name": "Shop", "url": page_url}]}
        await dev.call("PUT", f"/api/v1/developer/accounts/{account['id']}/menu", menu)
        code = await dev.call("POST", f"/api/v1/developer/accounts/{account['id']}/qrcodes", {})
        await clients("alice")
        alice = await open_app(PHONE, locale="zh-CN")
        await login(alice, "alice")

        # The code's link opens the client at the code; following goes through the scan.
        assert code["url"].endswith("/q/" + code["ticket"])
        await alice.goto(code["url"])
        card = alice.locator(".account-card")
        await expect(card).to_contain_text("Corner Shop")
        await expect(card).to_contain_text("Fresh bread daily")
        await alice.locator("#scan-follow").click()
        await expect(alice.locator(".conversation.official .topbar h1")).to_have_text("Corner Shop")
        assert (await dev.call("GET", f"/api/v1/official-accounts/{account['id']}"))["account"][
            "follower_count"
        ] == 1

        # The menu's page opens from the chat; it sends the browser to the consent screen.
        alice.context.on("page", watch_errors)
        async with alice.context.expect_page() as opened:
            await (
                alice.get_by_role("toolbar", name="公众号菜单")
                .get_by_role("button", name="Shop")
                .click()
            )
        shop = await opened.value
        consent = shop.locator(".consent-card")
        await expect(consent.locator(".consent-name")).to_have_text("Corner Shop")
        await expect(consent.locator(".consent-me-name")).to_have_text("alice")
        assert shop.url.startswith(dev.base_url + "/#/oauth?")
        assert await unlabelled_controls(shop) == []
        await shot(shop, "phone-oauth-consent")
        await shop.get_by_role("button", name="允许").click()
        await expect(shop.locator("#hello")).to_have_text("Hello alice")
        assert shop.url.startswith(page_url + "?code=")
        no_page_errors(alice, shop)
    finally:
        await h5.stop()


async def test_the_consent_screen_on_a_wide_screen_can_decline(
    open_app: OpenApp, clients: MakeClient, dev: Client
) -> None:
    made = await new_account(dev, "Corner Shop", description="Fresh bread daily")
    aid = made["account"]["id"]
    orders = [
        {"type": "click", "name": "My orders", "key": "MINE"},
        {"type": "click", "name": "Opening hours", "key": "HOURS"},
    ]
    bread = {"type": "click", "name": "Today's bread", "key": "BREAD"}
    menu = {"button": [bread, {"name": "Orders", "sub_button": orders}]}
    await dev.call("PUT", f"/api/v1/developer/accounts/{aid}/menu", menu)
    alice_api = await clients("alice")
    await alice_api.call("PUT", f"/api/v1/official-accounts/{aid}/follow", {"scene": "search"})
    client = wechat_client(dev.base_url, made["account"]["appid"], made["appsecret"])
    openid = (await sdk(client.user.get_followers))["data"]["openid"][0]
    loaf = {"title": "Sourdough is back", "description": "Baked at 6, gone by 10.",
            "url": "https://example.com/bread", "image": ""}  # fmt: skip
    more = [
        {"title": f"Recipe {n}", "description": "", "url": "https://example.com/r", "image": ""}
        for n in (1, 2)
    ]
    await sdk(client.message.send_articles, openid, [loaf, *more])
    alice = await open_app(DESKTOP)
    await login(alice, "alice")
    await open_chat(alice, "Corner Shop")
    await expect(alice.locator(".bubble-news.multi .news-item")).to_have_count(2)
    await alice.get_by_role("button", name="Orders").click()
    await expect(alice.get_by_role("menuitem", name="Opening hours")).to_be_visible()
    await shot(alice, "desktop-official-chat")
    await alice.keyboard.press("Escape")
    await expect(alice.get_by_role("menu", name="Orders")).to_have_count(0)
    # A page on a host the account did not register is refused, and the browser stays.
    evil = {"appid": made["account"]["appid"], "redirect_uri": "https://attacker.example/"}
    await alice.goto("/#/oauth?" + urlencode({**evil, "scope": "snsapi_base"}))
    await expect(alice.locator(".consent-status")).to_contain_text("isn't one the official")
    assert alice.url.startswith(dev.base_url)
    await register_domains(dev, made, "127.0.0.1")
    back = "http://127.0.0.1:9/back"
    ask = {"appid": made["account"]["appid"], "redirect_uri": back, "response_type": "code"}
    query = urlencode({**ask, "scope": "snsapi_userinfo", "state": "s1"})
    await alice.goto(f"/connect/oauth2/authorize?{query}")
    await expect(alice.locator(".consent-name")).to_have_text("Corner Shop")
    await shot(alice, "desktop-oauth-consent")
    async with alice.expect_request(re.compile(r"^http://127\.0\.0\.1:9/back")) as leaving:
        await alice.get_by_role("button", name="Don't allow").click()
    assert "code=" not in (await leaving.value).url and "state=s1" in (await leaving.value).url


async def test_the_console_sets_auto_replies_that_answer_followers(
    open_app: OpenApp, clients: MakeClient
) -> None:
    """Without a webhook, what the developer writes in the console's Auto-replies section
    answers followers: the welcome, a keyword rule, and the answer to anything else."""
    dev = await clients("dev")
    aid = (await new_account(dev, name="Bakery"))["account"]["id"]
    console = await open_app(DESKTOP)
    await login(console, "dev")
    await console.goto(f"/#/console/{aid}")
    section = console.locator(".console-autoreplies")
    await expect(section).to_contain_text("Sent by the server")
    await console.locator("#autoreply-follow").fill("Welcome to the bakery!")
    await console.get_by_role("button", name="Add a keyword rule").click()
    rule = section.locator(".autoreply-rule")
    await rule.get_by_label("Rule name").fill("hours")
    await rule.get_by_label("Keyword", exact=True).fill("open")
    await rule.get_by_label("Replies, one per line").fill("7 to 7\nClosed on Mondays")
    await console.locator("#autoreply-default").fill("We will answer soon.")
    await console.get_by_role("button", name="Save auto-replies").click()
    await expect(console.get_by_text("Auto-replies saved")).to_be_visible()
    assert await unlabelled_controls(console) == []
    await console.reload()  # they were saved: the page reads them back
    await expect(console.locator(".autoreply-keyword")).to_have_value("open")
    no_page_errors(console)
    fan = await clients("fan")
    cid = await follow(fan, aid)
    await fan.send_text(cid, "are you open today?")
    await fan.send_text(cid, "hello")
    page = await wait_history(fan, cid, lambda p: len(from_account(p, aid)) >= 4)
    said = [m["text"] for m in sorted(from_account(page, aid), key=lambda m: m["seq"])]
    assert said == [
        "Welcome to the bakery!",
        "7 to 7",
        "Closed on Mondays",
        "We will answer soon.",
    ]
