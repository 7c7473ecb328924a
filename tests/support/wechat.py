"""Running the unmodified wechatpy against a microletter server.

The only adaptation is the documented transport-level URL rewrite (recipe 3 of the
protocol notes): a requests adapter mounted on the SDK's own HTTP session sends what it
addresses to api.weixin.qq.com and mp.weixin.qq.com (and WeChat Pay's
api.mch.weixin.qq.com) to the test server instead. The SDK
is synchronous, so tests call it in a thread (`sdk(...)`): the server shares the test's
event loop.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter
from wechatpy import WeChatClient
from wechatpy.oauth import WeChatOAuth
from wechatpy.pay import WeChatPay

WECHAT_HOSTS = (
    "https://api.weixin.qq.com/",
    "https://mp.weixin.qq.com/",
    "https://api.mch.weixin.qq.com/",
)
T = TypeVar("T")


class RewriteAdapter(HTTPAdapter):
    """Sends requests for WeChat's hosts to `base` (same paths, same everything else)."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base.rstrip("/") + "/"

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]  # requests' own signature
        for host in WECHAT_HOSTS:
            if request.url and request.url.startswith(host):
                request.url = self.base + request.url[len(host) :]
        return super().send(request, **kwargs)


def point_at(session: requests.Session, base: str) -> None:
    adapter = RewriteAdapter(base)
    for host in WECHAT_HOSTS:
        session.mount(host, adapter)


def wechat_client(base: str, appid: str, secret: str, **kw: Any) -> WeChatClient:
    client = WeChatClient(appid, secret, timeout=10, **kw)
    point_at(client._http, base)
    return client


def wechat_oauth(base: str, appid: str, secret: str, redirect_uri: str, scope: str) -> WeChatOAuth:
    oauth = WeChatOAuth(appid, secret, redirect_uri, scope=scope, state="st8")
    point_at(oauth._http, base)
    return oauth


def wechat_pay(base: str, appid: str, api_key: str, mch_id: str) -> WeChatPay:
    """The unmodified WeChatPay client of a merchant, pointed at the test server."""
    pay = WeChatPay(appid, api_key, mch_id, timeout=10)
    point_at(pay._http, base)
    return pay


async def sdk(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking SDK call off the event loop (the server runs on it)."""
    return await asyncio.to_thread(functools.partial(fn, *args, **kwargs))
