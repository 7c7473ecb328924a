"""Ids in the WeChat protocols' bodies are ASCII digits too (issue 11, found again in the
audit). Rooms built after the path-id fix read tag ids, `msg_id`, `menuid`, a conditional
menu's `tag_id` and WeChat Pay's transaction and refund ids with `str.isdigit()` and
`int()`: '²' then raised in `int()` (a logged traceback and errcode -1, "system error"),
'١٢' was read as 12, and 20 digits overflowed the database's integers. Worse, a
conditional menu whose `tag_id` was '²' was stored, and every later look at that
account's profile answered 500. Each is now parsed by `core.ids` (ASCII digits, at most
MAX_ID) and refused with the protocol's invalid-parameter error."""

from __future__ import annotations

from typing import Any

import pytest
from wechatpy.exceptions import WeChatClientException

from microletter.core.errors import InvalidInput
from microletter.core.ids import MAX_ID, json_id
from microletter.platform.errors import MatchRuleInvalid
from microletter.platform.rules.audience import check_tag_id
from microletter.platform.rules.conditional import Audience, check_matchrule, matches
from microletter.wxpay import rules as pay
from tests.conftest import MakeClient
from tests.support.platform import new_account
from tests.support.rest import raw
from tests.support.wechat import sdk, wechat_client

NOT_IDS: list[Any] = ["²", "1²", "١٢", "０", "𝟙", "-1", " 1", "", "9" * 17, MAX_ID + 1, -1]
NOT_IDS += [10**20, True, 1.0, None, [], {}]


@pytest.mark.parametrize("value", NOT_IDS)
def test_an_id_in_a_json_body_is_a_number_or_ascii_digits_within_range(value: Any) -> None:
    assert json_id(value) is None


@pytest.mark.parametrize(("value", "read"), [("0", 0), ("0042", 42), (7, 7), (MAX_ID, MAX_ID)])
def test_an_id_in_a_json_body_reads_numbers_and_ascii_digits(value: Any, read: int) -> None:
    assert json_id(value) == read


@pytest.mark.parametrize("value", ["²", "١٢", 10**20, "9" * 20])
def test_a_tag_id_that_is_not_ascii_digits_is_invalid_input(value: Any) -> None:
    with pytest.raises(InvalidInput):
        check_tag_id(value)


def test_a_conditional_menus_tag_id_is_ascii_digits() -> None:
    with pytest.raises(MatchRuleInvalid):
        check_matchrule({"tag_id": "²"})
    assert check_matchrule({"tag_id": "100"}) == {"tag_id": "100"}
    # A rule stored before this check matches nobody, rather than failing every profile.
    assert not matches({"tag_id": "²"}, Audience(frozenset({2}), "en"))
    assert matches({"tag_id": "100"}, Audience(frozenset({100}), "en"))


@pytest.mark.parametrize(
    "digits",
    ["²" * 24, "١" * 24, "0" * 8 + "9" * 16, "9" * 24],  # the last two are past MAX_ID
)
def test_a_transaction_id_is_ascii_digits_within_range(digits: str) -> None:
    assert pay.order_id_of("4200" + digits) is None
    assert pay.refund_row_of("5030" + digits + "0") is None


def test_transaction_and_refund_ids_read_back() -> None:
    assert pay.order_id_of(pay.transaction_id_of(12345)) == 12345
    assert pay.refund_row_of(pay.refund_id_of(MAX_ID)) == MAX_ID


async def test_the_protocol_answers_invalid_parameter_not_system_error(
    clients: MakeClient,
) -> None:
    dev, alice = await clients("dev"), await clients("alice")
    made = await new_account(dev)
    client = wechat_client(dev.base_url, made["account"]["appid"], made["appsecret"])
    await sdk(client.menu.create, {"button": [{"type": "click", "name": "Hi", "key": "HI"}]})
    calls = {
        "tags/update": {"tag": {"id": "²", "name": "Gold"}},
        "tags/delete": {"tag": {"id": "١٢"}},
        "message/mass/get": {"msg_id": "²"},
        "menu/delconditional": {"menuid": "²"},
        "material/batchget_material": {"type": "image", "offset": 10**20, "count": 10},
    }
    for path, body in calls.items():  # as raw JSON: wechatpy would int() some of these
        with pytest.raises(WeChatClientException) as caught:
            await sdk(client.post, path, data=body)
        assert caught.value.errcode == 40035, (path, caught.value.errmsg)
    with pytest.raises(WeChatClientException) as caught:
        await sdk(
            client.menu.add_conditional,
            {
                "button": [{"type": "click", "name": "VIP", "key": "VIP"}],
                "matchrule": {"tag_id": "²"},
            },
        )
    assert caught.value.errcode == 65304
    status, body = await raw(alice, "GET", f"/api/v1/official-accounts/{made['account']['id']}")
    assert status == 200, body
