"""OAuth codes go only to the account's registered domains (issue 11, part 2).

The attack this closes: a link with any account's AppID and a redirect_uri of the
attacker's sent a logged-in victim's code to the attacker, and the legitimate site's
backend, exchanging that code with its own AppSecret, logged the attacker in as the victim.
Now a redirect_uri whose host is not exactly one of the account's registered
web-authorization domains is refused (errcode 10003) and never redirected to, so a code
only ever travels to the developer's own hosts; a code is bound to its account and its
redirect_uri, spent once and short-lived; and the redirect_uri's own `code` and `state`
are replaced, never added to. The exchanges use the unmodified wechatpy, as sites do.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
from aiohttp import web
from wechatpy.exceptions import WeChatOAuthException

from microletter.app import Server
from microletter.client import ApiError, Client
from microletter.core.models import Instant
from tests.conftest import MakeClient
from tests.support.platform import new_account, register_domains
from tests.support.rest import fails, uid
from tests.support.wechat import sdk, wechat_oauth

Json = dict[str, Any]
PAGE = "https://h5.example/app?from=menu"
EVIL = "https://attacker.example/steal"


class Site:
    """The legitimate H5 site on its own loopback port. Its backend does what WeChat's docs
    tell a site to do: exchange the code it is given (WeChatOAuth, with its AppSecret) and
    log the holder in as the person the code names (here: a session named by the OpenID)."""

    def __init__(self, server: str, appid: str, secret: str) -> None:
        self.server, self.appid, self.secret = server, appid, secret
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/login", self.login)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/login"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def login(self, request: web.Request) -> web.Response:
        oauth = wechat_oauth(self.server, self.appid, self.secret, self.url, "snsapi_base")
        try:
            token = await sdk(oauth.fetch_access_token, request.query.get("code", ""))
        except WeChatOAuthException as exc:
            return web.json_response({"refused": exc.errcode}, status=403)
        return web.json_response({"session": token["openid"]})

    async def log_in_with(self, code: str) -> str | None:
        """What a browser holding `code` gets from the site: the session's OpenID, if any."""
        async with (
            aiohttp.ClientSession() as browser,
            browser.get(self.url, params={"code": code}) as response,
        ):
            body: dict[str, str] = await response.json()
        return body.get("session")


async def open_authorize(
    person: Client, appid: str, redirect_uri: str, scope: str = "snsapi_base", *, bearer: bool
) -> tuple[str | None, Json | None]:
    """GET the protocol's authorize page as a link opens it: (where it redirects, or None;
    its JSON body, or None). With `bearer`, as an app that shows the person's token."""
    query = {"appid": appid, "redirect_uri": redirect_uri, "response_type": "code"}
    query |= {"scope": scope, "state": "st8"}
    headers = {"Authorization": f"Bearer {person.token}"} if bearer else {}
    async with person.session.get(
        f"{person.base_url}/connect/oauth2/authorize?{urlencode(query)}",
        headers=headers,
        allow_redirects=False,
    ) as response:
        if response.status == 302:
            return response.headers["Location"], None
        assert response.status == 200
        return None, await response.json(content_type=None)


async def consent(
    person: Client, appid: str, redirect_uri: str, scope: str = "snsapi_base"
) -> Json:
    """What the web client's consent screen asks the server before anything is shown."""
    reply: Json = await person.call(
        "GET", "/api/v1/oauth/consent", None, appid=appid, redirect_uri=redirect_uri, scope=scope
    )
    return reply


async def allow(
    person: Client,
    appid: str,
    redirect_uri: str,
    scope: str = "snsapi_base",
    state: str = "st8",
    answer: bool = True,
) -> str:
    """The consent screen's answer (for snsapi_base it gives it without a click): the URL
    the browser is sent to."""
    body = {"appid": appid, "redirect_uri": redirect_uri, "scope": scope, "state": state}
    done = await person.call("POST", "/api/v1/oauth/authorize", {**body, "allow": answer})
    return str(done["redirect"])


async def shop_with_domains(clients: MakeClient, *domains: str) -> tuple[Client, Json, str, str]:
    """A developer "dev" with an account "Shop" whose OAuth pages may be on `domains`:
    (dev, what new_account answered, appid, appsecret)."""
    dev = await clients("dev")
    made = await new_account(dev, "Shop")
    await register_domains(dev, made, *domains)
    return dev, made, made["account"]["appid"], made["appsecret"]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def host_of(url: str) -> str | None:
    return urlsplit(url).hostname


async def exchange(person: Client, appid: str, secret: str, code: str, **extra: str) -> Json:
    """/sns/oauth2/access_token as raw HTTP (the protocol's JSON: errcode on failure)."""
    query = {"appid": appid, "secret": secret, "code": code, "grant_type": "authorization_code"}
    async with person.session.get(
        f"{person.base_url}/sns/oauth2/access_token", params={**query, **extra}
    ) as response:
        body: Json = await response.json(content_type=None)
    return body


class Clock:
    """The server's clock, moved by the test."""

    def __init__(self, server: Server) -> None:
        assert server.ctx is not None
        self.now = Instant(1_800_000_000_000)
        server.ctx.clock = lambda: self.now

    def advance(self, ms: int) -> None:
        self.now = Instant(self.now + ms)


# --- the theft ---


async def test_a_link_with_an_attackers_redirect_uri_cannot_log_the_attacker_in_as_the_victim(
    clients: MakeClient,
) -> None:
    dev = await clients("dev")
    made = await new_account(dev, "Shop")
    appid, secret = made["account"]["appid"], made["appsecret"]
    site = Site(dev.base_url, appid, secret)
    login_url = await site.start()
    try:
        await register_domains(dev, made, "127.0.0.1")
        alice = await clients("alice")
        # Alice logs in at the site herself: the site knows her by this session.
        location, _ = await open_authorize(alice, appid, login_url, bearer=True)
        assert location is not None and host_of(location) == "127.0.0.1"
        alices_session = await site.log_in_with(query_of(location)["code"][0])
        assert alices_session

        # The attacker's link: the site's AppID, the attacker's redirect_uri. Alice opens it
        # in an app that shows her token, and in her browser, where the web client's consent
        # screen answers snsapi_base for her without a click.
        stolen: list[str] = []
        location, refused = await open_authorize(alice, appid, EVIL, bearer=True)
        if location is not None and host_of(location) == "attacker.example":
            stolen += query_of(location)["code"]
        page, shown = await open_authorize(alice, appid, EVIL, bearer=False)
        screen: list[str] = []
        for ask in ("consent", "authorize"):  # what the screen asks, and its answer
            try:
                if ask == "consent":
                    assert (await consent(alice, appid, EVIL))["silent"]
                else:
                    stolen += query_of(await allow(alice, appid, EVIL)).get("code", [])
            except ApiError as exc:
                screen.append(exc.code)

        # The attacker hands every code they received to the site's own login.
        sessions = [await site.log_in_with(code) for code in stolen]
        assert alices_session not in sessions, "the attacker is logged in as alice"
        assert stolen == []
        # Refused with the protocol's error, and never redirected to: not even on to the
        # consent screen, which would answer for her.
        assert location is None and refused is not None and refused["errcode"] == 10003
        assert page is None and shown is not None and shown["errcode"] == 10003
        assert screen == ["platform.redirect_domain_mismatch"] * 2
    finally:
        await site.stop()


# --- registered domains ---

ACCEPTED = [
    "https://h5.example/app",
    "http://h5.example:8080/app?x=1",  # the port does not matter
    "https://H5.Example/",  # host names are case-insensitive
    "https://h5.example/%E4%B8%AD%E6%96%87?q=%20#/route",
    "http://127.0.0.1:9/back",
]
MISMATCHED = [
    EVIL,
    "https://sub.h5.example/",  # a subdomain is another host
    "https://example/",
    "https://h5.example.attacker.example/",
    "https://evilh5.example/",
    "https://h5.example./",  # a trailing dot is another name
    "https://127.0.0.2/",
]
UNREADABLE = [
    "https://h5.example@attacker.example/",  # credentials: the host is attacker.example
    "https://h5.example:443@attacker.example/",
    "https://attacker.example\\@h5.example/",  # a browser goes to attacker.example
    "https://attacker.example\\.h5.example/",
    "https:attacker.example",
    "https:///attacker.example/",
    "//h5.example/app",
    "javascript:alert(1)//h5.example",
    "https://h5.ex%61mple/",
    "https://h5.example:bad/",
    "https://h5.exa\tmple/",
    " https://h5.example/",
    "/relative",
    "data:text/html,hi",
]


async def test_a_redirect_uri_must_be_on_exactly_a_registered_host_whatever_the_port(
    clients: MakeClient,
) -> None:
    dev = await clients("dev")
    made = await new_account(dev, "Shop")
    appid = made["account"]["appid"]
    shown = await register_domains(dev, made, "h5.example", "127.0.0.1")
    assert shown["oauth_domains"] == ["h5.example", "127.0.0.1"]
    alice = await clients("alice")
    for uri in ACCEPTED:
        assert (await consent(alice, appid, uri))["silent"] is True, uri
        location, _ = await open_authorize(alice, appid, uri, bearer=True)
        assert location is not None and query_of(location)["code"], uri
        assert host_of(location) == host_of(uri), uri
    for uri, code in [(u, "redirect_domain_mismatch") for u in MISMATCHED] + [
        (u, "redirect_invalid") for u in UNREADABLE
    ]:
        await fails(consent(alice, appid, uri), f"platform.{code}", 400)
        await fails(allow(alice, appid, uri), f"platform.{code}", 400)
        for bearer in (True, False):
            location, body = await open_authorize(alice, appid, uri, bearer=bearer)
            assert location is None and body is not None, uri
            assert body["errcode"] == 10003, (uri, body)


async def test_an_account_without_a_registered_domain_sends_no_code_anywhere(
    clients: MakeClient,
) -> None:
    dev = await clients("dev")
    made = await new_account(dev, "Shop")
    appid = made["account"]["appid"]
    assert made["account"]["oauth_domains"] == []
    alice = await clients("alice")
    refused = await fails(consent(alice, appid, PAGE), "platform.redirect_domain_mismatch", 400)
    assert refused.details["registered"] == []
    _, body = await open_authorize(alice, appid, PAGE, bearer=True)
    assert body is not None and body["errcode"] == 10003
    assert "developer console" in body["errmsg"]

    await register_domains(dev, made, "h5.example")
    assert query_of(await allow(alice, appid, PAGE))["code"]
    await register_domains(dev, made)  # none again
    await fails(allow(alice, appid, PAGE), "platform.redirect_domain_mismatch", 400)


async def test_snsapi_base_is_silent_but_only_towards_a_registered_domain(
    clients: MakeClient,
) -> None:
    dev, made, appid, _ = await shop_with_domains(clients, "h5.example")
    alice = await clients("alice")
    assert (await consent(alice, appid, PAGE, "snsapi_base"))["silent"] is True
    assert (await consent(alice, appid, PAGE, "snsapi_userinfo"))["silent"] is False
    location, _ = await open_authorize(alice, appid, PAGE, "snsapi_base", bearer=True)
    assert location is not None and location.startswith("https://h5.example/app?")
    # A scope that needs a click goes to the consent screen, on the server's own origin.
    for bearer in (True, False):
        location, _ = await open_authorize(alice, appid, PAGE, "snsapi_userinfo", bearer=bearer)
        assert location is not None and location.startswith("/#/oauth?")
    # Nothing is silent towards a host that is not registered: no code, no redirect.
    for scope in ("snsapi_base", "snsapi_userinfo"):
        await fails(consent(alice, appid, EVIL, scope), "platform.redirect_domain_mismatch", 400)
        location, body = await open_authorize(alice, appid, EVIL, scope, bearer=True)
        assert location is None and body is not None and body["errcode"] == 10003


async def test_the_authorize_page_redirects_nowhere_but_the_consent_screen_and_registered_hosts(
    clients: MakeClient,
) -> None:
    dev, made, appid, _ = await shop_with_domains(clients, "h5.example")
    visitor = await clients()  # not logged in: a browser that followed a link
    location, _ = await open_authorize(visitor, appid, PAGE, bearer=False)
    assert location is not None and location.startswith("/#/oauth?")
    for bad_appid, uri, errcode in [
        ("wx" + "0" * 16, PAGE, 40013),  # no such account
        (appid, EVIL, 10003),
        (appid, "https://h5.example@attacker.example/", 10003),
        (appid, "//attacker.example/", 10003),
    ]:
        location, body = await open_authorize(visitor, bad_appid, uri, bearer=False)
        assert location is None and body is not None and body["errcode"] == errcode, uri


@pytest.mark.settings(operators=("root",))
async def test_a_restricted_account_cannot_be_used_to_redirect(clients: MakeClient) -> None:
    dev, root = await clients("dev"), await clients("root")
    made = await new_account(dev, "Shop")
    appid = made["account"]["appid"]
    await register_domains(dev, made, "h5.example")
    alice = await clients("alice")
    await root.suspend(uid(dev), "phishing")
    await fails(consent(alice, appid, PAGE), "platform.account_restricted", 403)
    location, body = await open_authorize(alice, appid, PAGE, bearer=True)
    assert location is None and body is not None and body["errcode"] == 50002


# --- the code ---


async def test_a_code_is_bound_to_the_account_it_was_issued_for(clients: MakeClient) -> None:
    dev, other_dev = await clients("dev"), await clients("mallory")
    made, other = await new_account(dev, "Shop"), await new_account(other_dev, "Copycat")
    await register_domains(dev, made, "h5.example")
    await register_domains(other_dev, other, "h5.example")  # the same domain, claimed too
    alice = await clients("alice")
    code = query_of(await allow(alice, made["account"]["appid"], PAGE))["code"][0]
    copycat = wechat_oauth(
        dev.base_url, other["account"]["appid"], other["appsecret"], PAGE, "snsapi_base"
    )
    with pytest.raises(WeChatOAuthException) as caught:
        await sdk(copycat.fetch_access_token, code)
    assert caught.value.errcode == 40029
    shop = wechat_oauth(
        dev.base_url, made["account"]["appid"], made["appsecret"], PAGE, "snsapi_base"
    )
    token = await sdk(shop.fetch_access_token, code)  # the refused try did not spend it
    assert token["openid"].startswith("o")


async def test_a_code_is_bound_to_its_redirect_uri_and_dies_with_its_domain(
    clients: MakeClient,
) -> None:
    dev, made, appid, secret = await shop_with_domains(clients, "h5.example", "other.example")
    alice = await clients("alice")
    # A client that sends redirect_uri with the exchange (RFC 6749 4.1.3) must send the same.
    code = query_of(await allow(alice, appid, PAGE))["code"][0]
    wrong = await exchange(alice, appid, secret, code, redirect_uri="https://other.example/app")
    assert wrong["errcode"] == 40029
    right = await exchange(alice, appid, secret, code, redirect_uri=PAGE)
    assert right.get("errcode", 0) == 0 and right["openid"]
    # A code issued towards a domain the developer has since removed is not accepted.
    code = query_of(await allow(alice, appid, "https://other.example/cb"))["code"][0]
    await register_domains(dev, made, "h5.example")
    gone = await exchange(alice, appid, secret, code)
    assert gone["errcode"] == 10003


async def test_a_code_is_spent_once_even_by_two_exchanges_at_once(clients: MakeClient) -> None:
    dev, made, appid, secret = await shop_with_domains(clients, "h5.example")
    alice = await clients("alice")
    for _ in range(3):
        code = query_of(await allow(alice, appid, PAGE))["code"][0]
        both = await asyncio.gather(*(exchange(alice, appid, secret, code) for _ in range(2)))
        assert sorted(b.get("errcode", 0) for b in both) == [0, 40163]
    oauth = wechat_oauth(dev.base_url, appid, secret, PAGE, "snsapi_base")
    with pytest.raises(WeChatOAuthException) as caught:
        await sdk(oauth.fetch_access_token, code)
    assert caught.value.errcode == 40163


async def test_a_code_lives_five_minutes(server: Server, clients: MakeClient) -> None:
    clock = Clock(server)
    dev, made, appid, secret = await shop_with_domains(clients, "h5.example")
    alice = await clients("alice")
    oauth = wechat_oauth(dev.base_url, appid, secret, PAGE, "snsapi_base")
    code = query_of(await allow(alice, appid, PAGE))["code"][0]
    clock.advance(299_000)
    assert (await sdk(oauth.fetch_access_token, code))["openid"]
    code = query_of(await allow(alice, appid, PAGE))["code"][0]
    clock.advance(300_000)
    with pytest.raises(WeChatOAuthException) as caught:
        await sdk(oauth.fetch_access_token, code)
    assert caught.value.errcode == 42003


async def test_code_and_state_already_in_the_redirect_uri_are_replaced(
    clients: MakeClient,
) -> None:
    dev, made, appid, secret = await shop_with_domains(clients, "h5.example")
    alice = await clients("alice")
    planted = "https://h5.example/cb?code=PLANTED&state=PLANTED&keep=1&code=AGAIN#/page"
    landed = await allow(alice, appid, planted)
    query = query_of(landed)
    assert len(query["code"]) == 1 and query["code"][0] not in ("PLANTED", "AGAIN")
    assert query["state"] == ["st8"] and query["keep"] == ["1"]
    assert urlsplit(landed).fragment == "/page"
    assert (await exchange(alice, appid, secret, query["code"][0]))["openid"]
    # Without a state of its own the planted one goes too; declining sends no code at all.
    assert "state" not in query_of(await allow(alice, appid, planted, state=""))
    declined = query_of(await allow(alice, appid, planted, answer=False))
    assert "code" not in declined and declined["state"] == ["st8"]
    location, _ = await open_authorize(alice, appid, planted, bearer=True)
    assert location is not None
    assert query_of(location)["code"] != ["PLANTED"] and query_of(location)["state"] == ["st8"]


# --- the developer console ---


async def test_the_console_registers_host_names_only_and_only_for_the_owner(
    clients: MakeClient,
) -> None:
    dev, mallory = await clients("dev"), await clients("mallory")
    made = await new_account(dev, "Shop")
    shown = await register_domains(dev, made, "H5.Example", "h5.example", "shop.example")
    assert shown["oauth_domains"] == ["h5.example", "shop.example"]  # lowercase, once each
    listed = await dev.call("GET", f"/api/v1/developer/accounts/{made['account']['id']}")
    assert listed["account"]["oauth_domains"] == ["h5.example", "shop.example"]
    for bad in (
        "https://h5.example",
        "h5.example/app",
        "h5.example:8080",
        "*.h5.example",
        "h5..example",
        "-h5.example",
        "",
        "中文.example",
        "a" * 64 + ".example",
    ):
        await fails(register_domains(dev, made, bad), "platform.oauth_domain_invalid", 400)
    too_many = [f"h{n}.example" for n in range(6)]
    await fails(register_domains(dev, made, *too_many), "platform.oauth_domain_invalid", 400)
    await fails(register_domains(mallory, made, "mallory.example"), "platform.not_owner", 403)
    account = await dev.call("GET", f"/api/v1/developer/accounts/{made['account']['id']}")
    assert account["account"]["oauth_domains"] == ["h5.example", "shop.example"]
