"""The merchant API's pure rules: signatures agree with wechatpy's, parameters are checked
as WeChat checks them, ids round-trip, states and the retry schedule; and the encrypted
req_info of refund notifications, which wechatpy decrypts."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st
from wechatpy.crypto import RefundCrypto, WeChatRefundCrypto
from wechatpy.pay.utils import calculate_signature, calculate_signature_hmac

from microletter.core.ids import MAX_ID, UserId
from microletter.core.models import Instant
from microletter.wxpay import rules
from microletter.wxpay.crypto import ReqInfoError, decrypt_req_info, encrypt_req_info
from microletter.wxpay.errors import (
    WxPayOrderClosed,
    WxPayOrderPaid,
    WxPayParamInvalid,
    WxPayParamMissing,
    WxPaySignatureInvalid,
)

KEY = "k" * 32
NOW = Instant(1_796_000_000_000)
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
values = st.text(min_size=0, max_size=20).filter(lambda v: v == v.strip() and "\x00" not in v)


@given(st.dictionaries(names.filter(lambda n: n != "sign"), values, min_size=1, max_size=8))
def test_signatures_agree_with_wechatpy(params: dict[str, str]) -> None:
    assert rules.sign(params, KEY) == calculate_signature(params, KEY)
    assert rules.sign(params, KEY, rules.HMAC_SHA256) == calculate_signature_hmac(params, KEY)


def test_a_signature_is_checked_with_its_sign_type_and_a_changed_field_fails() -> None:
    params = {"appid": "wx1", "mch_id": "1000000001", "nonce_str": "abc", "total_fee": "1"}
    md5 = rules.signed(params, KEY, rules.MD5)
    assert "sign_type" not in md5 and rules.check_signature(md5, KEY) == rules.MD5
    hmac = rules.signed(params, KEY, rules.HMAC_SHA256)
    assert rules.check_signature(hmac, KEY) == rules.HMAC_SHA256
    assert rules.check_signature({**md5, "sign": md5["sign"].lower()}, KEY) == rules.MD5
    for forged in (
        {**md5, "total_fee": "2"},
        {**md5, "sign": ""},
        {**hmac, "sign_type": "MD5"},
        {**md5, "sign_type": "SHA1"},
    ):
        with pytest.raises(WxPaySignatureInvalid):
            rules.check_signature(forged, KEY)
    with pytest.raises(WxPaySignatureInvalid):
        rules.check_signature(md5, "x" * 32)


def order_params(**kw: str) -> dict[str, str]:
    base = {
        "body": "Tea",
        "out_trade_no": "T1",
        "total_fee": "100",
        "notify_url": "https://shop.example/n",
        "trade_type": "NATIVE",
        "product_id": "p1",
    }
    return {k: v for k, v in {**base, **kw}.items() if v is not None}


def check(**kw: str) -> rules.NewOrder:
    return rules.check_unified_order(order_params(**kw), "CNY", 5_000_000, rules.MD5, NOW)


def test_unified_order_parameters_are_checked() -> None:
    made = check()
    assert made.expires_at == NOW + rules.DEFAULT_EXPIRY_MS and made.fee_type == "CNY"
    for bad in ("0", "-1", "1.5", "１００", "5000001", "abc", "9" * 20):
        with pytest.raises(WxPayParamInvalid):
            check(total_fee=bad)
    with pytest.raises(WxPayParamMissing):
        check(trade_type="JSAPI")  # no openid
    with pytest.raises(WxPayParamMissing):
        check(product_id="")  # NATIVE needs one
    with pytest.raises(WxPayParamInvalid):
        check(trade_type="APP")
    with pytest.raises(WxPayParamInvalid):
        check(fee_type="USD")
    with pytest.raises(WxPayParamInvalid):
        check(notify_url="https://shop.example/n?x=1")
    with pytest.raises(WxPayParamInvalid):
        check(out_trade_no="has space")
    with pytest.raises(WxPayParamInvalid):
        check(body="茶" * 43)  # 129 bytes of UTF-8
    with pytest.raises(WxPayParamInvalid):
        check(time_expire=rules.format_time(NOW + 30_000))  # under a minute ahead
    later = check(time_expire=rules.format_time(NOW + 600_000))
    assert later.expires_at == NOW + 600_000
    assert check(attach="x").request_hash() != check(attach="y").request_hash()
    # wechatpy stamps time_start and time_expire on every call: a retry is the same order
    assert (
        check().request_hash() == check(time_expire=rules.format_time(NOW + 60_000)).request_hash()
    )


def test_times_are_china_standard_time() -> None:
    assert rules.format_time(0) == "19700101080000"
    assert rules.parse_time("19700101080000", "t") == 0
    with pytest.raises(WxPayParamInvalid):
        rules.parse_time("2026-12-07", "t")


@given(st.integers(min_value=1, max_value=MAX_ID))  # ids are 53 bits (core.ids)
def test_ids_round_trip(n: int) -> None:
    tid = rules.transaction_id_of(n)
    assert len(tid) == 28 and rules.order_id_of(tid) == n
    rid = rules.refund_id_of(n)
    assert len(rid) == 29 and rules.refund_row_of(rid) == n
    assert rules.order_id_of(rid) is None and rules.refund_row_of(tid) is None


def test_generated_credentials_have_their_shapes() -> None:
    assert rules.API_KEY.fullmatch(rules.api_key_from(bytes(range(32))))
    assert rules.MCH_ID.fullmatch(rules.mch_id_from(b"\xff" * 8))
    assert rules.CODE.fullmatch(rules.code_from(b"\x00" * 16))


def order(state: str, expires: int, paid: bool = False) -> rules.Order:
    return rules.Order(
        1, account_id=UserId(7), out_trade_no="T", trade_type="NATIVE",
        body="b", detail="", attach="", total_fee=1, fee_type="CNY", notify_url="u",
        openid=None, product_id="p", device_info="", sign_type="MD5", prepay_id="wx",
        code="c", state=state, created_at=NOW, expires_at=Instant(expires),
        payer_id=None, paid_at=NOW if paid else None, pay_tx=None, closed_at=None,
        refunded_fee=0, notified_at=None, notify_error=None,
    )  # fmt: skip


def test_an_unpaid_order_past_its_expiry_is_closed() -> None:
    assert rules.state_at(order("NOTPAY", NOW + 1), NOW) == "NOTPAY"
    assert rules.state_at(order("NOTPAY", NOW), NOW) == "CLOSED"
    assert rules.state_at(order("SUCCESS", NOW - 1, paid=True), NOW) == "SUCCESS"
    rules.check_payable(order("NOTPAY", NOW + 1), NOW)
    with pytest.raises(WxPayOrderClosed):
        rules.check_payable(order("NOTPAY", NOW), NOW)
    with pytest.raises(WxPayOrderPaid):
        rules.check_payable(order("REFUND", NOW + 1, paid=True), NOW)


def test_notifications_are_retried_on_wechats_schedule_then_given_up() -> None:
    waits = [rules.notify_backoff(i) for i in range(1, 17)]
    assert waits[:4] == [15_000, 15_000, 30_000, 180_000] and waits[14] == 21_600_000
    assert waits[15] is None and rules.notify_backoff(0) is None
    assert sum(w for w in waits if w) == 86_640_000  # 24 h 4 min, as WeChat's


def test_an_acknowledgement_is_http_200_with_success() -> None:
    assert rules.is_acknowledged(200, {"return_code": "SUCCESS"})
    assert not rules.is_acknowledged(500, {"return_code": "SUCCESS"})
    assert not rules.is_acknowledged(200, {"return_code": "FAIL"})
    assert not rules.is_acknowledged(200, None)


@given(st.text(min_size=0, max_size=300), st.text(min_size=1, max_size=40))
def test_req_info_is_what_wechatpy_decrypts_and_we_read_it_back(text: str, key: str) -> None:
    """AES-256-ECB with md5(key), PKCS#7: wechatpy's WeChatRefundCrypto reads ours."""
    xml = "<root><out_refund_no><![CDATA[" + text + "]]></out_refund_no></root>"
    sealed = encrypt_req_info(xml, key)
    assert decrypt_req_info(sealed, key) == xml
    reference = RefundCrypto(WeChatRefundCrypto(key).key)
    assert reference.decrypt(sealed).decode() == xml


def test_a_req_info_of_another_key_or_not_base64_is_refused() -> None:
    sealed = encrypt_req_info("<root><a>1</a></root>", KEY)
    for bad, key in ((sealed, "another key"), ("not base64!", KEY), ("", KEY), ("QUJD", KEY)):
        with pytest.raises(ReqInfoError):
            decrypt_req_info(bad, key)


@pytest.mark.parametrize("sign_type", ["MD5", "HMAC-SHA256"])
def test_a_pay_sign_made_as_wechatpy_makes_it_is_accepted_and_nothing_else(
    sign_type: str,
) -> None:
    key, appid, prepay = "k" * 32, "wx" + "a" * 16, "wx" + "0" * 32
    params = {
        "appId": appid,
        "timeStamp": "1700000000",
        "nonceStr": "n0nce",
        "package": f"prepay_id={prepay}",
        "signType": sign_type,
    }
    made = (
        calculate_signature(params, key)
        if sign_type == "MD5"
        else calculate_signature_hmac(params, key)
    )
    good = rules.PaySign(appid, "1700000000", "n0nce", params["package"], sign_type, made)
    rules.check_pay_sign(good, prepay, appid, key)
    rules.check_pay_sign(dataclasses.replace(good, pay_sign=made.lower()), prepay, appid, key)
    bad = [
        None,
        dataclasses.replace(good, pay_sign=""),
        dataclasses.replace(good, timestamp="1700000001"),
        dataclasses.replace(good, package="prepay_id=wx" + "1" * 32),
        dataclasses.replace(good, app_id="wx" + "b" * 16),
        dataclasses.replace(good, sign_type="RSA"),
    ]
    for wrong in bad:
        with pytest.raises(WxPaySignatureInvalid):
            rules.check_pay_sign(wrong, prepay, appid, key)
    with pytest.raises(WxPaySignatureInvalid):
        rules.check_pay_sign(good, prepay, appid, "j" * 32)
