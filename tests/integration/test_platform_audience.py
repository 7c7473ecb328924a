"""Follower tags and remarks, mass sends by tag and to a list of OpenIDs (with their
MASSSENDJOBFINISH events), and conditional menus matched by tag and language, all
driven by the unmodified wechatpy WeChatClient."""

from __future__ import annotations

from typing import Any

import pytest
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from microletter.client import Client
from tests.conftest import MakeClient
from tests.support.platform import FAST_PUSH, connect, follow, from_account, new_account
from tests.support.wechat import sdk, wechat_client

MENU = {"button": [{"type": "click", "name": "Default", "key": "DEFAULT"}]}
VIP_MENU = {"button": [{"type": "click", "name": "VIP", "key": "VIP"}]}


async def setup(
    clients: MakeClient, *names: str
) -> tuple[Client, dict[str, Any], WeChatClient, list[Client], dict[str, str]]:
    """An account, followers `names`, and each follower's OpenID by name."""
    dev = await clients("dev")
    made = await new_account(dev)
    client = wechat_client(dev.base_url, made["account"]["appid"], made["appsecret"])
    people = [await clients(n) for n in names]
    for person in people:
        await follow(person, made["account"]["id"])
    openids = (await sdk(client.user.get_followers)).get("data", {}).get("openid", [])
    infos = await sdk(client.user.get_batch, openids) if openids else []
    return dev, made, client, people, {i["nickname"]: i["openid"] for i in infos}


async def test_tags_are_made_given_and_listed(clients: MakeClient) -> None:
    _, _, client, _, ids = await setup(clients, "ann", "ben", "cat")
    vip = await sdk(client.tag.create, "VIP")
    assert vip["name"] == "VIP" and vip["id"] >= 100
    later = await sdk(client.tag.create, "Later")
    await sdk(client.tag.tag_user, vip["id"], [ids["ann"], ids["ben"]])
    await sdk(client.tag.tag_user, vip["id"], ids["ann"])  # again: nothing changes
    await sdk(client.tag.tag_user, later["id"], ids["ann"])
    tags = {t["name"]: t for t in await sdk(client.tag.get)}
    assert (tags["VIP"]["count"], tags["Later"]["count"]) == (2, 1)
    assert sorted(await sdk(client.tag.get_user_tag, ids["ann"])) == [vip["id"], later["id"]]
    assert (await sdk(client.user.get, ids["ann"]))["tagid_list"] == [vip["id"], later["id"]]
    members = list(await sdk(lambda: list(client.tag.iter_tag_users(vip["id"]))))
    assert sorted(members) == sorted([ids["ann"], ids["ben"]])
    await sdk(client.tag.untag_user, vip["id"], [ids["ben"]])
    assert (await sdk(client.tag.get_tag_users, vip["id"]))["data"]["openid"] == [ids["ann"]]
    await sdk(client.tag.update, vip["id"], "Gold")
    await sdk(client.tag.delete, later["id"])
    assert [(t["name"], t["count"]) for t in await sdk(client.tag.get)] == [("Gold", 1)]
    assert await sdk(client.tag.get_user_tag, ids["cat"]) == []
    empty = await sdk(client.tag.get_tag_users, vip["id"], ids["ann"])  # after the last one
    assert empty == {"count": 0, "next_openid": ""}


async def test_tag_errors_are_wechats(clients: MakeClient) -> None:
    _, _, client, _, ids = await setup(clients, "ann")
    tag = await sdk(client.tag.create, "VIP")
    cases = [
        (lambda: client.tag.create("VIP"), 45157),  # taken
        (lambda: client.tag.create("x" * 31), 45158),  # too long
        (lambda: client.tag.update(2, "Stars"), 45058),  # reserved
        (lambda: client.tag.delete(0), 45058),
        (lambda: client.tag.update(999, "Nope"), 45159),
        (lambda: client.tag.tag_user(999, ids["ann"]), 45159),
        (lambda: client.tag.tag_user(tag["id"], ["o" + "x" * 27]), 40003),
        (lambda: client.tag.tag_user(tag["id"], [f"o{i:027d}" for i in range(51)]), 40032),
    ]
    for call, code in cases:
        with pytest.raises(WeChatClientException) as caught:
            await sdk(call)
        assert caught.value.errcode == code
    for i in range(20):
        more = await sdk(client.tag.create, f"t{i}")
        if i < 19:
            await sdk(client.tag.tag_user, more["id"], ids["ann"])
    await sdk(client.tag.tag_user, tag["id"], ids["ann"])  # the 20th
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.tag.tag_user, more["id"], ids["ann"])
    assert caught.value.errcode == 45059


async def test_a_remark_is_kept_and_shown_in_user_info(clients: MakeClient) -> None:
    _, _, client, _, ids = await setup(clients, "ann")
    assert (await sdk(client.user.update_remark, ids["ann"], "best customer"))["errcode"] == 0
    assert (await sdk(client.user.get, ids["ann"]))["remark"] == "best customer"
    (info,) = await sdk(client.user.get_batch, [ids["ann"]])
    assert info["remark"] == "best customer"
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.user.update_remark, ids["ann"], "x" * 31)
    assert caught.value.errcode == 45002
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.user.update_remark, "o" + "x" * 27, "who")
    assert caught.value.errcode == 40003


@pytest.mark.settings(**FAST_PUSH, oa_broadcasts_per_day=3)
async def test_mass_sends_reach_a_tag_or_a_list_and_the_webhook_hears_them_finish(
    clients: MakeClient,
) -> None:
    dev, made, client, people, ids = await setup(clients, "ann", "ben", "cat")
    ann, ben, cat = people
    account_id = made["account"]["id"]
    bot = await connect(dev, made)
    try:
        vip = await sdk(client.tag.create, "VIP")
        await sdk(client.tag.tag_user, vip["id"], [ids["ann"], ids["cat"]])
        await cat.call("DELETE", f"/api/v1/official-accounts/{account_id}/follow")
        by_tag = await sdk(client.message.send_mass_text, vip["id"], "For VIPs")  # group_id
        assert by_tag["errcode"] == 0 and by_tag["msg_id"] > 0
        listed = await sdk(client.message.send_mass_text, [ids["ben"], ids["cat"]], "Listed")
        status = await sdk(client.message.get_mass, listed["msg_id"])
        assert status["msg_status"] == "SEND_SUCCESS"
        for person, texts in ((ann, ["For VIPs"]), (ben, ["Listed"])):
            cid = (await person.call("GET", f"/api/v1/official-accounts/{account_id}"))[
                "conversation_id"
            ]
            page = await person.history(cid)
            assert [m["text"] for m in from_account(page, account_id)] == texts
        events = [m for m in await bot.wait_for(3) if m.type == "event"]
        finished = [m for m in events if m.event == "masssendjobfinish"]
        assert len(finished) == 2
        tag_job, list_job = finished
        assert (tag_job.total_count, tag_job.sent_count) == (1, 1)  # cat unfollowed
        assert (list_job.total_count, list_job.filter_count, list_job.sent_count) == (2, 1, 1)
        assert str(tag_job.id) == str(by_tag["msg_id"])
        # A preview is free; the quota (3 a day) counts broadcasts and targeted sends.
        await sdk(client.message.send_mass_text, ids["ann"], "Preview", preview=True)
        await sdk(client.message.send_mass_text, None, "All", is_to_all=True)
        with pytest.raises(WeChatClientException) as caught:
            await sdk(client.message.send_mass_text, vip["id"], "Too many")
        assert caught.value.errcode == 45028
        with pytest.raises(WeChatClientException) as caught:
            await sdk(client.message.send_mass_text, [ids["ann"]], "Alone")
        assert caught.value.errcode == 40032
    finally:
        await bot.stop()


async def test_conditional_menus_are_matched_by_tag_and_language(clients: MakeClient) -> None:
    _, made, client, people, ids = await setup(clients, "ann", "ben")
    ann, ben = people
    account_id = made["account"]["id"]
    with pytest.raises(WeChatClientException) as caught:
        await sdk(client.menu.add_conditional, {**VIP_MENU, "matchrule": {"tag_id": "100"}})
    assert caught.value.errcode == 65303  # no default menu yet
    await sdk(client.menu.create, MENU)
    vip = await sdk(client.tag.create, "VIP")
    await sdk(client.tag.tag_user, vip["id"], ids["ann"])
    made_vip = await sdk(
        client.menu.add_conditional, {**VIP_MENU, "matchrule": {"tag_id": str(vip["id"])}}
    )
    english = {"button": [{"type": "click", "name": "English", "key": "EN"}]}
    await sdk(client.menu.add_conditional, {**english, "matchrule": {"language": "en"}})
    unknowable = {"button": [{"type": "click", "name": "Women", "key": "W"}]}
    await sdk(client.menu.add_conditional, {**unknowable, "matchrule": {"sex": "2"}})
    got = await sdk(client.menu.get)
    assert [len(got["conditionalmenu"]), got["menu"]["button"][0]["name"]] == [3, "Default"]
    # ann carries the tag but speaks English: the newest matching menu wins.
    assert (await sdk(client.menu.try_match, ids["ann"]))["button"][0]["name"] == "English"
    await sdk(
        client.menu.del_conditional, (await sdk(client.menu.get))["conditionalmenu"][1]["menuid"]
    )
    assert (await sdk(client.menu.try_match, ids["ann"]))["button"][0]["name"] == "VIP"
    assert (await sdk(client.menu.try_match, ids["ben"]))["button"][0]["name"] == "Default"
    # Followers' clients see (and press) the menu that matches them.
    for person, name, key in ((ann, "VIP", "VIP"), (ben, "Default", "DEFAULT")):
        seen = await person.call("GET", f"/api/v1/official-accounts/{account_id}")
        assert seen["account"]["menu"][0]["name"] == name
        pressed = await person.call(
            "POST", f"/api/v1/official-accounts/{account_id}/menu/press", {"button": [0]}
        )
        assert pressed["key"] == key
    errors = [
        (lambda: client.menu.add_conditional({**VIP_MENU, "matchrule": {}}), 65304),
        (lambda: client.menu.add_conditional({**VIP_MENU, "matchrule": {"sex": "9"}}), 65304),
        (lambda: client.menu.del_conditional("12345"), 65301),
        (lambda: client.menu.try_match("o" + "x" * 27), 40003),
    ]
    for call, code in errors:
        with pytest.raises(WeChatClientException) as caught:
            await sdk(call)
        assert caught.value.errcode == code
    await sdk(client.menu.delete)  # takes the conditional menus with it
    await sdk(client.menu.create, MENU)
    assert "conditionalmenu" not in await sdk(client.menu.get)
    assert made_vip["menuid"]
