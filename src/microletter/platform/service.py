"""Conditional menus, customer-service accounts, auto-replies, statistics and JS-SDK
tickets: the actions behind their protocol endpoints and console routes."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from microletter.core.errors import InvalidInput
from microletter.core.ids import UserId
from microletter.core.models import Instant, Principal
from microletter.platform import console
from microletter.platform.context import Platform
from microletter.platform.errors import JsSignatureInvalid
from microletter.platform.rules.conditional import ConditionalMenu, check_matchrule, menu_for
from microletter.platform.rules.menus import Menu, check_menu
from microletter.platform.rules.officials import OfficialAccount
from microletter.platform.rules.service import AutoReplies, check_autoreplies
from microletter.platform.rules.stats import (
    TICKET_TYPES,
    check_range,
    day_start,
    is_config_signed,
    parse_day,
    user_cumulate,
    user_summary,
)

# --- conditional menus ---


async def add_conditional_menu(
    p: Platform, account: OfficialAccount, body: Mapping[str, object]
) -> ConditionalMenu:
    menu = check_menu(body)
    rule = check_matchrule(body.get("matchrule"))
    return await p.store.add_conditional_menu(account.id, menu, rule, p.now())


async def try_match(p: Platform, account: OfficialAccount, openid: object) -> Menu | None:
    """The menu the follower with `openid` sees."""
    if not isinstance(openid, str) or not openid:
        raise InvalidInput("user_id (an OpenID) is needed.", field="user_id")
    follower, _ = await p.store.follower_by_openid(account.id, openid)
    fresh = await p.store.account(account.id)
    conditional = await p.store.conditional_menus(account.id)
    who = await p.store.audience(account.id, follower.user_id)
    return menu_for(fresh.menu, conditional, who)


# --- auto-replies (the console) ---


async def set_autoreplies(
    p: Platform, me: Principal, account_id: UserId, raw: Mapping[str, object]
) -> AutoReplies:
    await console.owned(p, me, account_id)
    settings = check_autoreplies(raw, p.now())
    saved = await p.store.set_autoreplies(account_id, settings, p.now())
    await p.webhook_changed()  # the dispatcher answers messages by them (without a webhook)
    return saved


async def autoreplies(p: Platform, me: Principal, account_id: UserId) -> AutoReplies:
    await console.owned(p, me, account_id)
    return await p.store.autoreplies(account_id)


# --- statistics ---


async def datacube(
    p: Platform, account: OfficialAccount, body: Mapping[str, object], cumulative: bool
) -> list[Any]:
    """getusersummary / getusercumulate for [begin_date, end_date] (UTC days)."""
    begin = parse_day(body.get("begin_date"), "begin_date")
    end = parse_day(body.get("end_date"), "end_date")
    check_range(begin, end, p.now())
    since, until = day_start(begin), Instant(day_start(end) + 86_400_000)
    changes = await p.store.follow_changes(account.id, since, until)
    if cumulative:
        before = await p.store.followers_at(account.id, since)
        return user_cumulate(begin, end, before, changes)
    return user_summary(begin, end, changes)


# --- JS-SDK tickets ---


def _fresh_ticket(p: Platform) -> str:
    # 64 random bytes, URL-safe: as long as WeChat's tickets (86 characters).
    return base64.urlsafe_b64encode(p.random(64)).decode().rstrip("=")


async def ticket(p: Platform, account: OfficialAccount, kind: str) -> tuple[str, int]:
    """getticket: the account's stored ticket of `kind` and its seconds left."""
    if kind not in TICKET_TYPES:
        raise InvalidInput(f"type is one of {', '.join(TICKET_TYPES)}.", field="type")
    seconds = p.limits.access_token_seconds
    found, expires = await p.store.issue_ticket(
        account.id, kind, _fresh_ticket(p), seconds, p.now()
    )
    return found, max(1, (expires - p.now()) // 1000)


async def check_js_config(
    p: Platform, appid: str, noncestr: str, timestamp: str, url: str, signature: str
) -> OfficialAccount:
    """Whether a page's wx.config (appId, nonceStr, timestamp, signature, for the page
    at `url`) was signed with a live jsapi ticket of the account: the account, else
    JsSignatureInvalid. For the mini-apps' JS bridge."""
    account = await p.store.account_by_appid(appid)
    tickets = await p.store.live_tickets(appid, "jsapi", p.now())
    if not is_config_signed(tickets, noncestr, timestamp, url, signature):
        raise JsSignatureInvalid(appid=appid)
    return account
