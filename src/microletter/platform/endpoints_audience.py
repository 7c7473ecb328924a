"""The protocol's endpoints for an account's audience and service: follower tags and
remarks, customer-service (kf) accounts, the auto-reply settings, and statistics
(/datacube). Thin: parse, call the store or actions, render as the protocol does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from microletter.core.errors import InvalidInput
from microletter.platform import service
from microletter.platform.cgi import CgiCall, endpoint
from microletter.platform.errcodes import OK
from microletter.platform.rules.audience import (
    MAX_TAGGING,
    check_changeable,
    check_openids,
    check_remark,
    check_tag_id,
    check_tag_name,
)
from microletter.platform.rules.service import autoreply_info, check_kf_account, check_nickname

TAG_PAGE = 10_000


def _tag_of(body: Mapping[str, Any]) -> Mapping[str, Any]:
    tag = body.get("tag")
    if not isinstance(tag, Mapping):
        raise InvalidInput('The body is {"tag": {...}}.', field="tag")
    return tag


# --- follower tags ---


@endpoint("/cgi-bin/tags/create", ("POST",))
async def tag_create(call: CgiCall) -> dict[str, Any]:
    name = check_tag_name(_tag_of(await call.body()).get("name"))
    tag = await call.p.store.create_tag(call.account.id, name, call.p.now())
    return {"tag": {"id": tag.id, "name": tag.name}}


@endpoint("/cgi-bin/tags/get", ("GET",))
async def tag_list(call: CgiCall) -> dict[str, Any]:
    found = await call.p.store.tags(call.account.id)
    return {"tags": [{"id": t.id, "name": t.name, "count": t.count} for t in found]}


@endpoint("/cgi-bin/tags/update", ("POST",))
async def tag_update(call: CgiCall) -> dict[str, Any]:
    tag = _tag_of(await call.body())
    tag_id = check_changeable(check_tag_id(tag.get("id")))
    await call.p.store.rename_tag(call.account.id, tag_id, check_tag_name(tag.get("name")))
    return OK


@endpoint("/cgi-bin/tags/delete", ("POST",))
async def tag_delete(call: CgiCall) -> dict[str, Any]:
    tag_id = check_changeable(check_tag_id(_tag_of(await call.body()).get("id")))
    await call.p.store.delete_tag(call.account.id, tag_id)
    return OK


async def _tagging(call: CgiCall) -> tuple[int, list[str]]:
    body = await call.body()
    tag_id = check_tag_id(body.get("tagid"))
    return tag_id, check_openids(body.get("openid_list"), 1, MAX_TAGGING)


@endpoint("/cgi-bin/tags/members/batchtagging", ("POST",))
async def tag_users(call: CgiCall) -> dict[str, Any]:
    tag_id, openids = await _tagging(call)
    await call.p.store.tag_followers(call.account.id, tag_id, openids)
    return OK


@endpoint("/cgi-bin/tags/members/batchuntagging", ("POST",))
async def untag_users(call: CgiCall) -> dict[str, Any]:
    tag_id, openids = await _tagging(call)
    await call.p.store.untag_followers(call.account.id, tag_id, openids)
    return OK


@endpoint("/cgi-bin/tags/getidlist", ("POST",))
async def tags_of_user(call: CgiCall) -> dict[str, Any]:
    openid = (await call.body()).get("openid")
    if not isinstance(openid, str) or not openid:
        raise InvalidInput("openid is needed.", field="openid")
    follower, _ = await call.p.store.follower_by_openid(call.account.id, openid)
    return {"tagid_list": await call.p.store.follower_tags(call.account.id, follower.user_id)}


@endpoint("/cgi-bin/user/tag/get", ("POST",))
async def users_of_tag(call: CgiCall) -> dict[str, Any]:
    """Followers carrying a tag, 10,000 OpenIDs a page; `next_openid` is empty on the
    last page."""
    body = await call.body()
    tag_id = check_tag_id(body.get("tagid"))
    after = body.get("next_openid") or ""
    if not isinstance(after, str):
        raise InvalidInput("next_openid is an OpenID.", field="next_openid")
    size = min(TAG_PAGE, call.p.followers_page)
    page = await call.p.store.tag_members(call.account.id, tag_id, after, size)
    out: dict[str, Any] = {"count": len(page), "next_openid": page[-1] if len(page) == size else ""}
    if page:
        out["data"] = {"openid": page}
    return out


@endpoint("/cgi-bin/user/info/updateremark", ("POST",))
async def update_remark(call: CgiCall) -> dict[str, Any]:
    body = await call.body()
    openid = body.get("openid")
    if not isinstance(openid, str) or not openid:
        raise InvalidInput("openid is needed.", field="openid")
    await call.p.store.set_remark(call.account.id, openid, check_remark(body.get("remark")))
    return OK


# --- customer-service accounts ---


async def _kf_body(call: CgiCall) -> tuple[str, str]:
    body = await call.body()
    return check_kf_account(body.get("kf_account")), check_nickname(body.get("nickname"))


@endpoint("/customservice/kfaccount/add", ("POST",))
async def kf_add(call: CgiCall) -> dict[str, Any]:
    """A customer-service account (the password WeChat's kf client would log in with
    is not kept: no such client exists here)."""
    kf_account, nickname = await _kf_body(call)
    await call.p.store.add_kf(call.account.id, kf_account, nickname, call.p.now())
    return OK


@endpoint("/customservice/kfaccount/update", ("POST",))
async def kf_update(call: CgiCall) -> dict[str, Any]:
    kf_account, nickname = await _kf_body(call)
    await call.p.store.update_kf(call.account.id, kf_account, nickname)
    return OK


@endpoint("/customservice/kfaccount/del", ("GET", "POST"))
async def kf_delete(call: CgiCall) -> dict[str, Any]:
    kf_account = call.request.query.get("kf_account")
    if kf_account is None and call.request.method == "POST":
        kf_account = (await call.body()).get("kf_account")
    await call.p.store.delete_kf(call.account.id, check_kf_account(kf_account))
    return OK


@endpoint("/cgi-bin/customservice/getkflist", ("GET",))
async def kf_list(call: CgiCall) -> dict[str, Any]:
    found = await call.p.store.kf_accounts(call.account.id)
    return {
        "kf_list": [
            {
                "kf_account": k.kf_account,
                "kf_nick": k.nickname,
                "kf_id": k.kf_id,
                "kf_headimgurl": "",
                "kf_wx": "",
            }  # fmt: skip
            for k in found
        ]
    }


@endpoint("/cgi-bin/customservice/getonlinekflist", ("GET",))
async def kf_online(call: CgiCall) -> dict[str, Any]:
    """Nobody is online: there is no customer-service client to log in with here; kf
    accounts name who a custom message is from."""
    return {"kf_online_list": []}


# --- auto-replies and statistics ---


@endpoint("/cgi-bin/get_current_autoreply_info", ("GET",))
async def autoreply(call: CgiCall) -> dict[str, Any]:
    """The auto-replies the developer set in the console (on follow, keywords, default)."""
    return autoreply_info(await call.p.store.autoreplies(call.account.id))


@endpoint("/datacube/getusersummary", ("POST",))
async def user_summary(call: CgiCall) -> dict[str, Any]:
    return {"list": await service.datacube(call.p, call.account, await call.body(), False)}


@endpoint("/datacube/getusercumulate", ("POST",))
async def user_cumulate(call: CgiCall) -> dict[str, Any]:
    return {"list": await service.datacube(call.p, call.account, await call.body(), True)}
