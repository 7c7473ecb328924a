"""OAuth 2 web authorization, driven by the unmodified wechatpy WeChatOAuth: an H5 page
learns who its user is (consent for snsapi_userinfo, silent for snsapi_base), on a domain
its account registered (the attacks on that binding: tests/security/test_oauth.py)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from wechatpy.exceptions import WeChatOAuthException

from microletter.client import ApiError, Client
from tests.conftest import MakeClient
from tests.support.platform import follow, new_account, register_domains
from tests.support.wechat import sdk, wechat_client, wechat_oauth

PAGE = "https://h5.example/app?from=chat"


def in_browser(base: str, url: str) -> str:
    """What the person's browser requests: WeChat's host is ours, the fragment stays home."""
    return url.replace("https://open.weixin.qq.com/", base + "/").split("#", 1)[0]


async def agree(person: Client, appid: str, scope: str, allow: bool = True) -> dict[str, list[str]]:
    """What the authorize page's script does for the person; returns the redirect's query."""
    ask = {"appid": appid, "redirect_uri": PAGE, "scope": scope}
    consent = await person.call(
        "GET", "/api/v1/oauth/consent", appid=appid, redirect_uri=PAGE, scope=scope
    )
    assert consent["silent"] == (scope == "snsapi_base")
    done = await person.call(
        "POST", "/api/v1/oauth/authorize", {**ask, "state": "st8", "allow": allow}
    )
    assert done["redirect"].startswith("https://h5.example/app?")
    return parse_qs(urlsplit(done["redirect"]).query)


async def test_an_h5_page_learns_its_user_with_consent(clients: MakeClient) -> None:
    dev = await clients("dev")
    made = await new_account(dev, "Shop")
    await register_domains(dev, made, "h5.example")
    appid, secret = made["account"]["appid"], made["appsecret"]
    alice = await clients("alice")
    oauth = wechat_oauth(dev.base_url, appid, secret, PAGE, "snsapi_userinfo")
    # A browser lands in the web client, whose consent screen asks what the page wants.
    url = in_browser(dev.base_url, oauth.authorize_url)
    async with alice.session.get(url, allow_redirects=False) as page:
        assert page.status == 302
        target = page.headers["Location"]
        assert target.startswith("/#/oauth?")
        sent, landed = parse_qs(url.split("?", 1)[1]), parse_qs(target.split("?", 1)[1])
        assert landed == sent and landed["scope"] == ["snsapi_userinfo"]
    query = await agree(alice, appid, "snsapi_userinfo")
    assert query["from"] == ["chat"] and query["state"] == ["st8"]
    code = query["code"][0]
    token = await sdk(oauth.fetch_access_token, code)
    assert token["expires_in"] == 7200 and token["scope"] == "snsapi_userinfo"
    info = await sdk(oauth.get_user_info)
    assert info["nickname"] == "alice" and info["openid"] == token["openid"]
    assert info["unionid"] == token["unionid"]
    # The page's OpenID is the one the account sees once she follows.
    await follow(alice, made["account"]["id"])
    client = wechat_client(dev.base_url, appid, secret)
    assert (await sdk(client.user.get_followers))["data"]["openid"] == [token["openid"]]
    renewed = await sdk(oauth.refresh_access_token, token["refresh_token"])
    assert renewed["openid"] == token["openid"] and renewed["access_token"]
    assert await sdk(oauth.check_access_token) is True
    with pytest.raises(WeChatOAuthException) as caught:
        await sdk(oauth.fetch_access_token, code)
    assert caught.value.errcode == 40163  # a code works once


async def test_snsapi_base_is_silent_and_gives_no_profile(clients: MakeClient) -> None:
    dev = await clients("dev")
    made = await new_account(dev)
    await register_domains(dev, made, "h5.example")
    appid, secret = made["account"]["appid"], made["appsecret"]
    bob = await clients("bob")
    oauth = wechat_oauth(dev.base_url, appid, secret, PAGE, "snsapi_base")
    # A client that can show its token gets the protocol's 302 at once.
    async with bob.session.get(
        in_browser(dev.base_url, oauth.authorize_url),
        headers={"Authorization": f"Bearer {bob.token}"},
        allow_redirects=False,
    ) as response:
        assert response.status == 302
        target = response.headers["Location"]
    code = parse_qs(urlsplit(target).query)["code"][0]
    token = await sdk(oauth.fetch_access_token, code)
    assert token["scope"] == "snsapi_base" and "unionid" not in token
    with pytest.raises(WeChatOAuthException) as caught:
        await sdk(oauth.get_user_info)
    assert caught.value.errcode == 48001
    assert await sdk(oauth.check_access_token) is True
    with pytest.raises(WeChatOAuthException) as caught:
        await sdk(oauth.check_access_token, openid="o" + "x" * 27)
    assert caught.value.errcode == 40001


async def test_bad_oauth_requests_get_their_errcodes(clients: MakeClient) -> None:
    dev = await clients("dev")
    first, second = await new_account(dev, "One"), await new_account(dev, "Two")
    await register_domains(dev, first, "h5.example")
    carol = await clients("carol")
    declined = await agree(carol, first["account"]["appid"], "snsapi_userinfo", allow=False)
    assert "code" not in declined and declined["state"] == ["st8"]
    code = (await agree(carol, first["account"]["appid"], "snsapi_userinfo"))["code"][0]
    other = wechat_oauth(
        dev.base_url, second["account"]["appid"], second["appsecret"], PAGE, "snsapi_userinfo"
    )
    with pytest.raises(WeChatOAuthException) as caught:
        await sdk(other.fetch_access_token, code)  # a code of another account
    assert caught.value.errcode == 40029
    wrong = wechat_oauth(dev.base_url, first["account"]["appid"], "0" * 32, PAGE, "snsapi_base")
    with pytest.raises(WeChatOAuthException) as caught:
        await sdk(wrong.fetch_access_token, code)
    assert caught.value.errcode == 40125
    with pytest.raises(WeChatOAuthException) as caught:
        await sdk(other.refresh_access_token, "not-a-token")
    assert caught.value.errcode == 40030
    for uri in ("javascript:alert(1)", "/relative", "data:text/html,hi"):
        with pytest.raises(ApiError) as api:
            await carol.call(
                "GET", "/api/v1/oauth/consent", None,
                appid=first["account"]["appid"], redirect_uri=uri, scope="snsapi_base",
            )  # fmt: skip
        assert api.value.code == "platform.redirect_invalid"


async def test_the_profile_picture_is_an_absolute_link_that_serves_the_image(
    clients: MakeClient,
) -> None:
    from tests.support.media import picture

    dev = await clients("dev")
    made = await new_account(dev, "Shop")
    await register_domains(dev, made, "h5.example")
    appid, secret = made["account"]["appid"], made["appsecret"]
    alice = await clients("alice")
    avatar = await alice.upload(picture(), "image", "me.png")
    await alice.call("PATCH", "/api/v1/me", {"avatar": avatar["id"]})
    oauth = wechat_oauth(dev.base_url, appid, secret, PAGE, "snsapi_userinfo")
    code = (await agree(alice, appid, "snsapi_userinfo"))["code"][0]
    await sdk(oauth.fetch_access_token, code)
    info = await sdk(oauth.get_user_info)
    assert info["headimgurl"] == f"{dev.base_url}/avatars/{alice.user['id']}"  # type: ignore[index]
    async with dev.session.get(info["headimgurl"]) as response:
        assert response.status == 200 and response.content_type.startswith("image/")
    await follow(alice, made["account"]["id"])
    client = wechat_client(dev.base_url, appid, secret)
    (openid,) = (await sdk(client.user.get_followers))["data"]["openid"]
    assert (await sdk(client.user.get, openid))["headimgurl"] == info["headimgurl"]
