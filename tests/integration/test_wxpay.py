"""The WeChat Pay–compatible merchant API, driven by the unmodified wechatpy WeChatPay
client on both backends: orders (NATIVE and JSAPI), payment from a wallet, signed
notifications retried until acknowledged, queries, closes and refunds, every error's
err_code, forged and replayed signatures, and the console's merchant section."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp
import pytest
from wechatpy.exceptions import WeChatPayException
from wechatpy.pay import WeChatPay
from wechatpy.pay.utils import calculate_signature, calculate_signature_hmac, dict_to_xml

from microletter.app import Server
from microletter.client import ApiError, Client
from microletter.platform import parse_xml
from tests.conftest import PASSWORD, MakeClient
from tests.support.clock import Clock
from tests.support.merchant import NotifySite
from tests.support.platform import new_account
from tests.support.rest import fails, uid
from tests.support.wechat import sdk, wechat_pay

BEIJING = timezone(timedelta(hours=8))
operators = pytest.mark.settings(operators=("root",), oa_allow_private_webhooks=True)


@dataclass
class Shop:
    dev: Client
    account: dict[str, Any]
    mch_id: str
    api_key: str
    pay: WeChatPay
    site: NotifySite


@pytest.fixture
async def shop(clients: MakeClient) -> AsyncIterator[Shop]:
    """A developer's official account made a merchant, its wechatpy client, its notify_url."""
    dev = await clients("dev")
    made = await new_account(dev, "Tea Shop")
    account = made["account"]
    issued = await dev.call("POST", f"/api/v1/developer/accounts/{account['id']}/merchant/key")
    mch_id, api_key = issued["merchant"]["mch_id"], issued["api_key"]
    pay = wechat_pay(dev.base_url, account["appid"], api_key, mch_id)
    site = NotifySite(pay)
    await site.start()
    yield Shop(dev, account, mch_id, api_key, pay, site)
    await site.stop()


async def payer(clients: MakeClient, root: Client, name: str, amount: int) -> Client:
    """A person with `amount` in their wallet and the payment password 123456."""
    person = await clients(name)
    await root.admin_adjust(uid(person), amount, "welcome", f"fund-{name}")
    await person.set_pay_password(PASSWORD, "123456")
    return person


async def pay(person: Client, key: str, **ref: str) -> dict[str, Any]:
    token = await person.payment_token("123456")
    body = {**ref, "payment_token": token, "idempotency_key": key}
    reply: dict[str, Any] = await person.call("POST", "/api/v1/merchant-orders/pay", body)
    return reply


def code_of(code_url: str) -> str:
    return code_url.rsplit("/", 1)[1]


async def native(shop: Shop, out_trade_no: str, fee: int = 1250, **kw: Any) -> dict[str, Any]:
    order: dict[str, Any] = await sdk(
        shop.pay.order.create,
        "NATIVE",
        "Jasmine tea",
        fee,
        shop.site.url,
        client_ip="127.0.0.1",
        out_trade_no=out_trade_no,
        product_id="tea-1",
        **kw,
    )
    return order


async def err_code(call: Any, *args: Any, **kw: Any) -> tuple[str | None, str | None]:
    """(return_code, err_code) of an SDK call that must fail."""
    with pytest.raises(WeChatPayException) as caught:
        await sdk(call, *args, **kw)
    return caught.value.return_code, caught.value.errcode


@operators
async def test_an_order_is_paid_notified_queried_and_refunded_with_the_sdk(
    clients: MakeClient, shop: Shop, server: Server
) -> None:
    root = await clients("root")
    alice = await payer(clients, root, "alice", 5000)
    order = await native(shop, "T1001", attach="table 4")
    assert order["trade_type"] == "NATIVE" and order["prepay_id"].startswith("wx")
    # the reply is signed with the merchant's key
    assert shop.pay.check_signature({k: v for k, v in order.items()})
    code = code_of(order["code_url"])
    seen = await alice.call("GET", "/api/v1/merchant-orders", code=code)
    assert seen["merchant"]["name"] == "Tea Shop" and seen["order"]["total_fee"] == 1250
    assert seen["order"]["body"] == "Jasmine tea" and seen["payable"]
    paid = await pay(alice, "p1", code=code)
    assert paid["order"]["state"] == "SUCCESS" and paid["paid_by_me"]
    # the notification, checked with wechatpy, says what was paid
    (note,) = await shop.site.wait()
    assert note["out_trade_no"] == "T1001" and note["total_fee"] == 1250
    assert note["attach"] == "table 4" and note["result_code"] == "SUCCESS"
    assert note["transaction_id"] == paid["order"]["transaction_id"]
    assert note["appid"] == shop.account["appid"] and note["mch_id"] == shop.mch_id
    query = await sdk(shop.pay.order.query, out_trade_no="T1001")
    assert query["trade_state"] == "SUCCESS" and query["openid"] == note["openid"]
    by_id = await sdk(shop.pay.order.query, transaction_id=note["transaction_id"])
    assert by_id["out_trade_no"] == "T1001"
    # refunds: part, then the rest; never more
    first = await sdk(shop.pay.refund.apply, 1250, 250, "R1", out_trade_no="T1001")
    assert first["refund_fee"] == "250" and first["refund_id"]
    again = await sdk(shop.pay.refund.apply, 1250, 250, "R1", out_trade_no="T1001")
    assert again["refund_id"] == first["refund_id"]  # the same refund, not a second one
    assert await err_code(shop.pay.refund.apply, 1250, 1001, "R2", out_trade_no="T1001") == (
        "SUCCESS",
        "INVALID_REQUEST",
    )
    assert await err_code(shop.pay.refund.apply, 1250, 300, "R1", out_trade_no="T1001") == (
        "SUCCESS",
        "REFUND_FEE_MISMATCH",
    )
    await sdk(shop.pay.refund.apply, 1250, 1000, "R2", transaction_id=note["transaction_id"])
    listed = await sdk(shop.pay.refund.query, out_trade_no="T1001")
    assert listed["refund_count"] == "2" and listed["refund_fee"] == "1250"
    assert {listed["out_refund_no_0"], listed["out_refund_no_1"]} == {"R1", "R2"}
    one = await sdk(shop.pay.refund.query, refund_id=first["refund_id"])
    assert one["refund_count"] == "1" and one["refund_status_0"] == "SUCCESS"
    assert (await sdk(shop.pay.order.query, out_trade_no="T1001"))["trade_state"] == "REFUND"
    # the money: 5000 - 1250 + 250 + 1000, and the shop's settlement is back at zero
    assert (await alice.wallet())["balance"] == 5000
    kinds = [x["kind"] for x in (await alice.statement())["lines"]]
    assert kinds == ["wxpay.refund", "wxpay.refund", "wxpay.pay", "credit"]
    section = await shop.dev.call(
        "GET", f"/api/v1/developer/accounts/{shop.account['id']}/merchant"
    )
    assert section["balance"] == 0 and section["merchant"]["mch_id"] == shop.mch_id
    assert (await root.admin_reconcile())["ok"]


@operators
async def test_a_refund_notification_carries_req_info_that_wechatpy_decrypts(
    clients: MakeClient, shop: Shop, server: Server
) -> None:
    """A refund whose request names a notify_url is told there, as WeChat Pay v2 does:
    unsigned, its fields in `req_info`, AES-256-ECB with md5(API key); the unmodified
    wechatpy's parse_refund_notify_result decrypts it."""
    root = await clients("root")
    alice = await payer(clients, root, "alice", 5000)
    order = await native(shop, "T2001")
    paid = await pay(alice, "p1", code=code_of(order["code_url"]))
    await shop.site.wait()
    made = await sdk(
        shop.pay.refund.apply,
        1250,
        300,
        "RN1",
        out_trade_no="T2001",
        notify_url=shop.site.refund_url,
    )
    (told,) = await shop.site.wait_refunds()
    assert told["out_refund_no"] == "RN1" and told["refund_id"] == made["refund_id"]
    assert told["out_trade_no"] == "T2001"
    assert told["transaction_id"] == paid["order"]["transaction_id"]
    assert told["total_fee"] == 1250 and told["refund_fee"] == 300
    assert told["settlement_refund_fee"] == 300 and told["refund_status"] == "SUCCESS"
    assert told["refund_request_source"] == "API"
    when = datetime.strptime(told["success_time"] + " +0800", "%Y-%m-%d %H:%M:%S %z")
    assert abs(when - datetime.now(BEIJING)) < timedelta(minutes=5)
    outer = parse_xml(shop.site.refund_bodies[0])
    assert outer["return_code"] == "SUCCESS" and outer["mch_id"] == shop.mch_id
    assert "sign" not in outer and "refund_fee" not in outer  # only inside req_info
    # the same out_refund_no again is the same refund: no second notification
    await sdk(shop.pay.refund.apply, 1250, 300, "RN1", out_trade_no="T2001")
    # a refund without notify_url is not told (WeChat would use the merchant's setting)
    await sdk(shop.pay.refund.apply, 1250, 100, "RN2", out_trade_no="T2001")
    assert server.scheduler is not None
    await server.scheduler.run_due()
    assert len(shop.site.refunds) == 1
    listed = await shop.dev.call(
        "GET", f"/api/v1/developer/accounts/{shop.account['id']}/merchant/refunds"
    )
    seen = {r["out_refund_no"]: r for r in listed["refunds"]}
    assert seen["RN1"]["notify_url"] == shop.site.refund_url and seen["RN1"]["notified_at"]
    assert seen["RN2"]["notify_url"] is None and seen["RN2"]["notified_at"] is None
    # a notify_url that is not http(s) is refused, and nothing is refunded
    assert await err_code(
        shop.pay.refund.apply, 1250, 100, "RN3", out_trade_no="T2001", notify_url="ftp://x/y"
    ) == ("SUCCESS", "PARAM_ERROR")
    assert (await alice.wallet())["balance"] == 5000 - 1250 + 300 + 100
    assert (await root.admin_reconcile())["ok"]


@operators
async def test_paying_twice_closing_and_expiry_move_money_once(
    clients: MakeClient, shop: Shop, server: Server
) -> None:
    root = await clients("root")
    alice = await payer(clients, root, "alice", 2000)
    code = code_of((await native(shop, "T1"))["code_url"])
    first = await pay(alice, "k", code=code)
    replay = await alice.call(
        "POST",
        "/api/v1/merchant-orders/pay",
        {"code": code, "payment_token": "anything", "idempotency_key": "k"},
    )
    assert (
        replay["replayed"] and replay["order"]["transaction_id"] == first["order"]["transaction_id"]
    )
    await fails(pay(alice, "k2", code=code), "wxpay.order_paid", 409)
    assert (await alice.wallet())["balance"] == 750
    # the same out_trade_no: the same order while unpaid; ORDERPAID once paid
    assert await err_code(
        shop.pay.order.create,
        "NATIVE",
        "Jasmine tea",
        1250,
        shop.site.url,
        client_ip="127.0.0.1",
        out_trade_no="T1",
        product_id="tea-1",
    ) == (
        "SUCCESS",
        "ORDERPAID",
    )
    again = await native(shop, "T2")
    assert (await native(shop, "T2"))["prepay_id"] == again["prepay_id"]
    assert await err_code(
        shop.pay.order.create,
        "NATIVE",
        "Oolong",
        1250,
        shop.site.url,
        client_ip="127.0.0.1",
        out_trade_no="T2",
        product_id="tea-1",
    ) == (
        "SUCCESS",
        "OUT_TRADE_NO_USED",
    )
    # closed: never payable; a paid order cannot be closed
    await sdk(shop.pay.order.close, "T2")
    await fails(pay(alice, "k3", code=code_of(again["code_url"])), "wxpay.order_closed", 409)
    assert await err_code(shop.pay.order.close, "T2") == ("SUCCESS", "ORDERCLOSED")
    assert await err_code(shop.pay.order.close, "T1") == ("SUCCESS", "ORDERPAID")
    assert (await sdk(shop.pay.order.query, out_trade_no="T2"))["trade_state"] == "CLOSED"
    # an order past its time_expire is closed
    clock = Clock(server)
    soon = datetime.now(BEIJING) + timedelta(minutes=2)
    late = await native(shop, "T3", time_expire=soon)
    clock.advance(3 * 60_000)
    await fails(pay(alice, "k4", code=code_of(late["code_url"])), "wxpay.order_closed", 409)
    # not enough money: nothing moves, the order stays payable
    costly = await native(shop, "T4", fee=900)
    await fails(
        pay(alice, "k5", code=code_of(costly["code_url"])), "wallet.insufficient_funds", 409
    )
    assert (await sdk(shop.pay.order.query, out_trade_no="T4"))["trade_state"] == "NOTPAY"
    assert (await alice.wallet())["balance"] == 750
    assert (await root.admin_reconcile())["ok"]


@operators
async def test_a_jsapi_order_is_for_its_one_payer_with_the_merchants_pay_sign(
    clients: MakeClient, shop: Shop, server: Server
) -> None:
    root = await clients("root")
    alice = await payer(clients, root, "alice", 2000)
    bob = await payer(clients, root, "bob", 2000)
    # alice's OpenID towards the shop's account, as its API gives it to the merchant
    await alice.call(
        "PUT", f"/api/v1/official-accounts/{shop.account['id']}/follow", {"scene": "search"}
    )
    from tests.support.wechat import wechat_client

    made_secret = await shop.dev.call(
        "POST", f"/api/v1/developer/accounts/{shop.account['id']}/secret"
    )
    oa = wechat_client(shop.dev.base_url, shop.account["appid"], made_secret["appsecret"])
    openid = (await sdk(oa.user.get_followers))["data"]["openid"][0]
    order = await sdk(
        shop.pay.order.create,
        "JSAPI",
        "Green tea",
        300,
        shop.site.url,
        client_ip="127.0.0.1",
        user_id=openid,
        out_trade_no="J1",
    )
    assert "code_url" not in order
    prepay = order["prepay_id"]
    # what the merchant's server gives the page for chooseWXPay: wechatpy's own signing
    js = shop.pay.jsapi.get_jsapi_params(prepay, jssdk=True)
    signed = {
        "prepay_id": prepay,
        "app_id": js["appId"],
        "timestamp": js["timestamp"],
        "nonce_str": js["nonceStr"],
        "package": js["package"],
        "sign_type": js["signType"],
        "pay_sign": js["paySign"],
    }
    await fails(bob.call("GET", "/api/v1/merchant-orders", **signed), "wxpay.not_payer", 403)
    # a paySign missing, forged, or for another order, or another appId: refused, nothing paid
    forged = [
        {"prepay_id": prepay},
        {**signed, "pay_sign": "0" * 32},
        {**signed, "nonce_str": signed["nonce_str"] + "x"},
        {**signed, "package": "prepay_id=wx" + "0" * 32},
        {**signed, "app_id": "wx" + "1" * 16},
        {**signed, "sign_type": "RSA"},
    ]
    for bad in forged:
        await fails(
            alice.call("GET", "/api/v1/merchant-orders", **bad), "wxpay.signature_invalid", 403
        )
        await fails(pay(alice, "f", **bad), "wxpay.signature_invalid", 403)
    assert (await alice.call("GET", "/api/v1/merchant-orders", **signed))["order"]["state"] == (
        "NOTPAY"
    )
    await fails(pay(bob, "b", **signed), "wxpay.not_payer", 403)
    paid = await pay(alice, "a", **signed)
    assert paid["order"]["state"] == "SUCCESS"
    (note,) = await shop.site.wait()
    assert (
        note["openid"] == openid and note["is_subscribe"] == "Y" and note["trade_type"] == "JSAPI"
    )
    assert (await bob.wallet())["balance"] == 2000
    assert await err_code(
        shop.pay.order.create, "JSAPI", "Green tea", 300, shop.site.url, client_ip="127.0.0.1"
    ) == ("SUCCESS", "LACK_PARAMS")


@operators
async def test_a_notification_is_retried_with_backoff_until_acknowledged(
    clients: MakeClient, shop: Shop, server: Server
) -> None:
    assert server.scheduler is not None
    clock = Clock(server)
    root = await clients("root")
    alice = await payer(clients, root, "alice", 2000)
    shop.site.refuse = 2
    code = code_of((await native(shop, "N1"))["code_url"])
    await pay(alice, "n", code=code)
    await server.scheduler.run_due()
    assert shop.site.attempts == 1 and not shop.site.received
    clock.advance(14_999)
    assert await server.scheduler.run_due() == 0  # 15 s after the first failure
    clock.advance(1)
    await server.scheduler.run_due()
    assert shop.site.attempts == 2
    clock.advance(15_000)
    await server.scheduler.run_due()
    assert shop.site.attempts == 3 and len(shop.site.received) == 1 and not shop.site.forged
    acknowledged = clock.now
    clock.advance(3600_000)
    assert await server.scheduler.run_due() == 0  # acknowledged: never again
    orders = await shop.dev.call(
        "GET", f"/api/v1/developer/accounts/{shop.account['id']}/merchant/orders"
    )
    (row,) = orders["orders"]
    assert (
        row["notified_at"] == acknowledged
        and row["state"] == "SUCCESS"
        and row["payer_id"] == uid(alice)
    )


async def post_xml(base: str, path: str, body: str | bytes, method: str = "POST") -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.request(method, base + path, data=body) as r:
        assert r.status == 200 and r.content_type == "text/xml", await r.text()
        return dict(parse_xml(await r.read()))


def signed_xml(shop: Shop, params: dict[str, Any], sign_type: str = "MD5") -> str:
    data = {"appid": shop.account["appid"], "mch_id": shop.mch_id, **params}
    if sign_type == "HMAC-SHA256":
        data["sign_type"] = sign_type
        return str(dict_to_xml(data, calculate_signature_hmac(data, shop.api_key)))
    return str(dict_to_xml(data, calculate_signature(data, shop.api_key)))


@pytest.mark.settings(oa_allow_private_webhooks=True)
async def test_forged_and_replayed_signatures_and_bad_requests_get_their_err_code(
    shop: Shop, server: Server
) -> None:
    base = shop.dev.base_url
    query = {"out_trade_no": "X1", "nonce_str": "n1"}
    good = signed_xml(shop, query)
    assert (await post_xml(base, "/pay/orderquery", good))["err_code"] == "ORDERNOTEXIST"
    replayed = await post_xml(base, "/pay/orderquery", good)
    assert (replayed["return_code"], replayed["err_code"]) == ("FAIL", "SIGNERROR")
    forged = good.replace("X1", "X2")
    assert (await post_xml(base, "/pay/orderquery", forged))["err_code"] == "SIGNERROR"
    other_key = WeChatPay(shop.account["appid"], "k" * 32, shop.mch_id)
    from tests.support.wechat import point_at

    point_at(other_key._http, base)
    assert await err_code(other_key.order.query, out_trade_no="X1") == ("FAIL", "SIGNERROR")
    stranger = WeChatPay(shop.account["appid"], shop.api_key, "1999999999")
    point_at(stranger._http, base)
    assert await err_code(stranger.order.query, out_trade_no="X1") == ("FAIL", "MCHID_NOT_EXIST")
    wrong_app = WeChatPay("wx0000000000000000", shop.api_key, shop.mch_id)
    point_at(wrong_app._http, base)
    assert await err_code(wrong_app.order.query, out_trade_no="X1") == (
        "FAIL",
        "APPID_MCHID_NOT_MATCH",
    )
    # HMAC-SHA256: accepted, and the reply is signed the same way
    reply = await post_xml(
        base, "/pay/orderquery", signed_xml(shop, {**query, "nonce_str": "n2"}, "HMAC-SHA256")
    )
    assert reply["err_code"] == "ORDERNOTEXIST" and reply["return_code"] == "SUCCESS"
    sign = reply.pop("sign")
    assert sign == calculate_signature_hmac(reply, shop.api_key)
    # the protocol's own failures
    assert (await post_xml(base, "/pay/orderquery", "<xml><a>"))["err_code"] == "XML_FORMAT_ERROR"
    got = await post_xml(base, "/pay/orderquery", "", method="GET")
    assert got["err_code"] == "REQUIRE_POST_METHOD"
    missing = signed_xml(shop, {"nonce_str": "n3"})
    assert (await post_xml(base, "/pay/orderquery", missing))["err_code"] == "LACK_PARAMS"
    bad_fee = {
        "nonce_str": "n4",
        "body": "x",
        "out_trade_no": "B1",
        "total_fee": "1.5",
        "spbill_create_ip": "1.2.3.4",
        "notify_url": shop.site.url,
        "trade_type": "NATIVE",
        "product_id": "p",
    }
    assert (await post_xml(base, "/pay/unifiedorder", signed_xml(shop, bad_fee)))[
        "err_code"
    ] == "PARAM_ERROR"
    refundless = signed_xml(shop, {"nonce_str": "n5", "out_refund_no": "none"})
    assert (await post_xml(base, "/pay/refundquery", refundless))["err_code"] == "REFUNDNOTEXIST"
    unpaid = signed_xml(
        shop,
        {
            "nonce_str": "n6",
            "body": "x",
            "out_trade_no": "U1",
            "total_fee": "5",
            "notify_url": shop.site.url,
            "trade_type": "NATIVE",
            "product_id": "p",
        },
    )
    await post_xml(base, "/pay/unifiedorder", unpaid)
    refund = signed_xml(
        shop,
        {
            "nonce_str": "n7",
            "out_trade_no": "U1",
            "out_refund_no": "r",
            "total_fee": "5",
            "refund_fee": "5",
        },
    )
    assert (await post_xml(base, "/secapi/pay/refund", refund))["err_code"] == "TRADE_STATE_ERROR"


async def test_notify_url_must_be_public(shop: Shop) -> None:
    """Without oa_allow_private_webhooks, a loopback notify_url is refused (the SSRF guard
    of webhooks), as is one with a query."""
    assert await err_code(
        shop.pay.order.create,
        "NATIVE",
        "Tea",
        100,
        shop.site.url,
        client_ip="127.0.0.1",
        product_id="p",
    ) == ("SUCCESS", "PARAM_ERROR")
    assert await err_code(
        shop.pay.order.create,
        "NATIVE",
        "Tea",
        100,
        "https://shop.example/n?x=1",
        client_ip="127.0.0.1",
        product_id="p",
    ) == ("SUCCESS", "PARAM_ERROR")


async def test_pay_and_secapi_are_the_merchant_apis_alone(shop: Shop, server: Server) -> None:
    """No catch-all of the Official Account API answers /pay or /secapi: every path there
    answers the merchant API's XML, never {"errcode": 48001}."""
    base = shop.dev.base_url
    for path in ("/pay/micropay", "/pay/downloadbill", "/secapi/pay/reverse", "/pay", "/pay/"):
        for method in ("GET", "POST"):
            async with aiohttp.ClientSession() as http, http.request(method, base + path) as r:
                text = await r.text()
                assert "errcode" not in text and "48001" not in text, (path, text)
                if path != "/pay":
                    assert r.content_type == "text/xml" and "<return_code>" in text, (path, text)
    from microletter.platform.cgi import PREFIXES

    assert not {"/pay", "/secapi"} & set(PREFIXES)
    for resource in server.app.router.resources():
        canonical = resource.canonical
        if canonical.startswith(("/pay/", "/secapi/")):
            for route in resource:
                assert route.handler.__module__ == "microletter.wxpay.protocol", canonical


async def test_the_console_section_is_its_owners_and_a_new_key_retires_the_old(
    clients: MakeClient, shop: Shop
) -> None:
    eve = await clients("eve")
    path = f"/api/v1/developer/accounts/{shop.account['id']}/merchant"
    await fails(eve.call("GET", path), "platform.not_owner", 403)
    await fails(eve.call("POST", path + "/key"), "platform.not_owner", 403)
    await fails(eve.call("GET", path + "/orders"), "platform.not_owner", 403)
    mine = await shop.dev.call("POST", "/api/v1/developer/accounts", {"name": "No Shop"})
    other = f"/api/v1/developer/accounts/{mine['account']['id']}/merchant"
    assert (await shop.dev.call("GET", other))["merchant"] is None
    await fails(shop.dev.call("GET", other + "/orders"), "wxpay.not_merchant", 404)
    renewed = await shop.dev.call("POST", path + "/key")
    assert renewed["merchant"]["mch_id"] == shop.mch_id and renewed["api_key"] != shop.api_key
    assert await err_code(shop.pay.order.query, out_trade_no="X") == ("FAIL", "SIGNERROR")
    fresh = wechat_pay(shop.dev.base_url, shop.account["appid"], renewed["api_key"], shop.mch_id)
    assert await err_code(fresh.order.query, out_trade_no="X") == ("SUCCESS", "ORDERNOTEXIST")
    assert hashlib.sha256(renewed["api_key"].encode()).hexdigest()  # 32 characters of key
    assert len(renewed["api_key"]) == 32


@operators
async def test_many_payers_racing_for_one_order_pay_it_once(
    clients: MakeClient, shop: Shop
) -> None:
    root = await clients("root")
    people = [await payer(clients, root, f"payer{i}", 2000) for i in range(8)]
    code = code_of((await native(shop, "RACE"))["code_url"])
    tokens = [await p.payment_token("123456") for p in people]
    results = await asyncio.gather(
        *[
            p.call(
                "POST",
                "/api/v1/merchant-orders/pay",
                {"code": code, "payment_token": token, "idempotency_key": "race"},
            )
            for p, token in zip(people, tokens, strict=True)
        ],
        return_exceptions=True,
    )
    paid = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, ApiError)]
    assert len(paid) == 1 and len(refused) == 7
    assert {e.code for e in refused} == {"wxpay.order_paid"}
    balances = sorted([(await p.wallet())["balance"] for p in people])
    assert balances == [750] + [2000] * 7
    # ten refunds of 300 at once: four fit in 1250, the rest are refused
    refunds = await asyncio.gather(
        *[sdk(shop.pay.refund.apply, 1250, 300, f"RR{i}", out_trade_no="RACE") for i in range(10)],
        return_exceptions=True,
    )
    assert sum(isinstance(r, dict) for r in refunds) == 4
    assert {r.errcode for r in refunds if isinstance(r, WeChatPayException)} == {"INVALID_REQUEST"}
    assert sorted([(await p.wallet())["balance"] for p in people]) == [1950] + [2000] * 7
    section = await shop.dev.call(
        "GET", f"/api/v1/developer/accounts/{shop.account['id']}/merchant"
    )
    assert section["balance"] == 50
    assert (await root.admin_reconcile())["ok"]


@operators
async def test_a_notification_never_acknowledged_is_given_up_after_a_day(
    clients: MakeClient, shop: Shop, server: Server
) -> None:
    assert server.scheduler is not None
    clock = Clock(server)
    root = await clients("root")
    alice = await payer(clients, root, "alice", 2000)
    shop.site.refuse = 1000
    await pay(
        alice, "g", code=code_of((await native(shop, "G1", sign_type="HMAC-SHA256"))["code_url"])
    )
    await server.scheduler.run_due()
    for _ in range(15):
        clock.advance(6 * 3600_000)
        await server.scheduler.run_due()
    assert shop.site.attempts == 16
    clock.advance(86_400_000)
    assert await server.scheduler.run_due() == 0  # given up: never again
    orders = await shop.dev.call(
        "GET", f"/api/v1/developer/accounts/{shop.account['id']}/merchant/orders"
    )
    (row,) = orders["orders"]
    assert row["notified_at"] is None and row["notify_error"] == "NotAcknowledged"


@operators
async def test_a_suspended_merchant_takes_no_payments(clients: MakeClient, shop: Shop) -> None:
    root = await clients("root")
    alice = await payer(clients, root, "alice", 2000)
    code = code_of((await native(shop, "S1"))["code_url"])
    await root.call("PUT", f"/api/v1/admin/users/{uid(shop.dev)}/suspension", {"reason": "fraud"})
    seen = await alice.call("GET", "/api/v1/merchant-orders", code=code)
    assert not seen["payable"] and seen["order"]["state"] == "NOTPAY"
    await fails(pay(alice, "s", code=code), "wxpay.merchant_restricted", 403)
    assert await err_code(shop.pay.order.query, out_trade_no="S1") == ("FAIL", "NOAUTH")
    assert (await alice.wallet())["balance"] == 2000
