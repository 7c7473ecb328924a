"""WeChat's HTTP conventions at every path under its API prefixes: HTTP 200 with an
errcode, 48001 "api unauthorized" for what the server does not provide, 43001/43002 for
the wrong method, the token endpoint's own errcodes; and the wallet's merchant paths
(/pay, /secapi) are left to the wallet, answered by no catch-all of the platform."""

from __future__ import annotations

from typing import Any

import pytest
from wechatpy.exceptions import WeChatClientException

from microletter.client import Client
from microletter.platform.cgi import PREFIXES
from tests.conftest import MakeClient
from tests.support.platform import new_account
from tests.support.wechat import sdk, wechat_client


async def raw(
    client: Client, method: str, path: str, **params: str
) -> tuple[int, dict[str, Any] | None]:
    async with client.session.request(method, client.base_url + path, params=params) as response:
        try:
            body = await response.json(content_type=None)
        except ValueError:
            body = None
        return response.status, body if isinstance(body, dict) else None


async def test_every_wechat_prefix_answers_48001_for_what_is_not_built(
    clients: MakeClient,
) -> None:
    dev = await clients("dev")
    assert len(PREFIXES) == 15
    for prefix in PREFIXES:
        for path in (f"{prefix}/no/such/api", prefix):
            for method in ("GET", "POST"):
                status, body = await raw(dev, method, path, access_token="x")
                assert status == 200, path
                assert body is not None and body["errcode"] == 48001, (path, body)
                assert body["errmsg"].startswith("api unauthorized"), body


async def test_wechatpy_gets_a_wechat_error_for_an_unbuilt_api_outside_cgi_bin(
    clients: MakeClient,
) -> None:
    dev = await clients("dev")
    made = await new_account(dev)
    client = wechat_client(dev.base_url, made["account"]["appid"], made["appsecret"])
    for call in (
        lambda: client.customservice.get_session("o" + "x" * 27),  # /customservice/kfsession
        lambda: client.datacube.get_article_summary("2020-01-01", "2020-01-01"),  # /datacube
        lambda: client.semantic.search("x", "city", "weather"),  # /semantic
        lambda: client.poi.list(),  # /cgi-bin/poi
        lambda: client.device.get_stat("dev-1"),  # /device
    ):
        with pytest.raises(WeChatClientException) as caught:
            await sdk(call)
        assert caught.value.errcode == 48001
        assert str(caught.value.errmsg).startswith("api unauthorized")


async def test_the_merchant_paths_are_left_to_the_wallet(clients: MakeClient) -> None:
    """No platform catch-all answers /pay or /secapi: whatever answers there (the
    wallet's merchant API, or nothing yet), it is not a WeChat errcode."""
    dev = await clients("dev")
    for path in ("/pay/no-such-path", "/secapi/pay/no-such-path", "/pay", "/secapi"):
        for method in ("GET", "POST"):
            _, body = await raw(dev, method, path)
            assert body is None or "errcode" not in body, (path, body)


async def test_the_wrong_method_gets_43001_or_43002(clients: MakeClient) -> None:
    dev = await clients("dev")
    made = await new_account(dev)
    client = wechat_client(dev.base_url, made["account"]["appid"], made["appsecret"])
    token = (await sdk(client.fetch_access_token))["access_token"]
    checks = [
        ("GET", "/cgi-bin/menu/create", 43002, "require POST method"),
        ("PUT", "/cgi-bin/message/custom/send", 43002, "require POST method"),
        ("GET", "/customservice/kfaccount/add", 43002, "require POST method"),
        ("GET", "/datacube/getusersummary", 43002, "require POST method"),
        ("POST", "/cgi-bin/menu/get", 43001, "require GET method"),
        ("POST", "/cgi-bin/tags/get", 43001, "require GET method"),
        ("DELETE", "/cgi-bin/token", 43001, "require GET method"),
    ]
    for method, path, code, text in checks:
        status, body = await raw(dev, method, path, access_token=token)
        assert status == 200 and body is not None, path
        assert body["errcode"] == code and body["errmsg"].startswith(text), (path, body)
    # HEAD of a GET API is its GET (no body).
    async with dev.session.head(dev.base_url + "/cgi-bin/menu/get") as response:
        assert response.status == 200


async def test_the_token_endpoint_has_its_own_errcodes(clients: MakeClient) -> None:
    dev = await clients("dev")
    made = await new_account(dev)
    appid, secret = made["account"]["appid"], made["appsecret"]
    cases = [
        ({"grant_type": "password", "appid": appid, "secret": secret}, 40002),
        ({"appid": appid, "secret": secret}, 40002),
        ({"grant_type": "client_credential", "appid": appid}, 41004),
        ({"grant_type": "client_credential", "secret": secret}, 41002),
        ({"grant_type": "client_credential"}, 41002),
        ({"grant_type": "client_credential", "appid": appid, "secret": "0" * 32}, 40125),
    ]
    for params, code in cases:
        status, body = await raw(dev, "GET", "/cgi-bin/token", **params)
        assert status == 200 and body is not None and body["errcode"] == code, (params, body)
    status, body = await raw(
        dev, "GET", "/cgi-bin/token", grant_type="client_credential", appid=appid, secret=secret
    )
    assert body is not None and body["expires_in"] == 7200
    status, body = await raw(dev, "GET", "/sns/oauth2/access_token", grant_type="x")
    assert body is not None and body["errcode"] == 40002
