"""Games' actions: a player's records written by the game's page (through the client)
or by its server (/wxa/set_user_storage, signed with the player's session key), the
friend and group rankings, and muting a game's notices.

The open-data promise: the game (its page and its server) learns only its own player's
records, rank and how many friends play (`rank`); the entries of a ranking, with names
and scores, go only to the player's own client (`ranking`), which draws them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from microletter.actions import conversations
from microletter.core.errors import MalformedBody
from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Principal
from microletter.miniapps.actions import MiniApps, app
from microletter.miniapps.errors import PlayerNotFound, StorageSignatureInvalid
from microletter.miniapps.rules import AppId, MiniApp
from microletter.miniapps.rules import games as rules
from microletter.miniapps.rules.games import Ranked, Record
from microletter.miniapps.store.games import Standings
from microletter.platform import OfficialAccount


@dataclass(frozen=True, slots=True)
class Ranking:
    period: str
    rows: list[tuple[Ranked, str, str | None]]  # an entry, its display name and picture


# What /wxa/set_user_storage and /wxa/remove_user_storage run (protocol.py).
ServerWrite = Callable[["MiniApps", OfficialAccount, str, str, str, bytes], Awaitable[None]]


def _link(room: MiniApps, found: MiniApp) -> str:
    return f"{room.platform.base_url.rstrip('/')}/a/{found.id}"


# --- the page's calls (through the client) ---


async def set_storage(room: MiniApps, me: Principal, app_id: AppId, kv_list: object) -> int:
    """wx.setUserCloudStorage: keep my records; returns how many "beaten" notices went."""
    found, _ = await app(room, app_id)
    written = rules.check_records(kv_list)
    outcome = await room.store.write_records(
        found, _link(room, found), me.user_id, written, room.now()
    )
    if outcome.entries:
        await room.ctx.publish(outcome)
    return outcome.value


async def get_storage(room: MiniApps, me: Principal, app_id: AppId, keys: object) -> list[Record]:
    """wx.getUserCloudStorage: my own records of these keys (the ones I have)."""
    found, _ = await app(room, app_id)
    return await room.store.records(found.id, me.user_id, rules.check_keys(keys))


async def remove_storage(room: MiniApps, me: Principal, app_id: AppId, keys: object) -> None:
    found, _ = await app(room, app_id)
    await room.store.remove_records(found.id, me.user_id, rules.check_keys(keys))


async def _group(
    room: MiniApps, me: Principal, found: MiniApp, share_ticket: str | None
) -> ConversationId | None:
    """The group a share ticket of mine names (while I am one of its members), or None
    for my friends."""
    if not share_ticket:
        return None
    cid: ConversationId = await room.store.share_ticket(
        share_ticket, found.id, me.user_id, room.now()
    )
    await conversations.conversation(room.ctx, me, cid)  # still a member
    return cid


async def _ranked(
    room: MiniApps,
    me: Principal,
    app_id: AppId,
    key: str,
    period: str | None,
    share_ticket: str | None,
    *,
    names: bool,
) -> tuple[str, list[Ranked], Standings]:
    found, _ = await app(room, app_id)
    rules.check_key(key)
    stored = rules.period_key(period, room.now())
    cid = await _group(room, me, found, share_ticket)
    facts = await room.store.standings(found.id, key, stored, me.user_id, cid, names)
    return stored, rules.ranking(facts.entries, me.user_id, set(facts.circle)), facts


async def rank(
    room: MiniApps,
    me: Principal,
    app_id: AppId,
    key: str,
    period: str | None = None,
    share_ticket: str | None = None,
) -> tuple[int | None, int]:
    """All a game may learn of a ranking: my rank in it and how many others play."""
    _, ranked, _ = await _ranked(room, me, app_id, key, period, share_ticket, names=False)
    return rules.own_rank(ranked, me.user_id)


async def ranking(
    room: MiniApps,
    me: Principal,
    app_id: AppId,
    key: str,
    period: str | None = None,
    share_ticket: str | None = None,
) -> Ranking:
    """The ranking my client draws: my friends (or my group's members) who play, with
    their names and scores, and me. Never answered to the game."""
    stored, everyone, facts = await _ranked(room, me, app_id, key, period, share_ticket, names=True)
    rows = [(r, *facts.people[r.entry.user_id]) for r in rules.drawn(everyone, me.user_id)]
    return Ranking(stored, rows)


async def mute(room: MiniApps, me: Principal, app_id: AppId, muted: bool) -> None:
    """Turn a game's notices to me off (or on again)."""
    found, _ = await app(room, app_id)
    await room.store.set_mute(me.user_id, found.id, muted, room.now())


async def is_muted(room: MiniApps, me: Principal, app_id: AppId) -> bool:
    found, _ = await app(room, app_id)
    return await room.store.is_muted(me.user_id, found.id)


# --- the game's server: /wxa/set_user_storage, /wxa/remove_user_storage ---


def _json(body: bytes) -> Mapping[str, Any]:
    try:
        data = msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise MalformedBody(f"The body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise MalformedBody("The body must be a JSON object.")
    return data


async def _signed_player(
    room: MiniApps,
    account: OfficialAccount,
    openid: str,
    body: bytes,
    signature: str,
    sig_method: str,
) -> tuple[MiniApp, UserId]:
    """The player and game a signed request is for: the session of the OpenID, with one
    of the account's apps, whose key signed this very body."""
    players = await room.store.players(account.id, openid)
    if not players:
        raise PlayerNotFound()
    if sig_method != rules.SIG_METHOD:
        raise StorageSignatureInvalid(f"sig_method must be {rules.SIG_METHOD}.")
    for player in players:
        if rules.is_signed_by(player.session_key, body, signature):
            found, _ = await app(room, player.app_id)
            return found, player.user_id
    raise StorageSignatureInvalid()


async def server_set(
    room: MiniApps,
    account: OfficialAccount,
    openid: str,
    signature: str,
    sig_method: str,
    body: bytes,
) -> None:
    found, user_id = await _signed_player(room, account, openid, body, signature, sig_method)
    written = rules.check_records(_json(body).get("kv_list"))
    outcome = await room.store.write_records(
        found, _link(room, found), user_id, written, room.now()
    )
    if outcome.entries:
        await room.ctx.publish(outcome)


async def server_remove(
    room: MiniApps,
    account: OfficialAccount,
    openid: str,
    signature: str,
    sig_method: str,
    body: bytes,
) -> None:
    found, user_id = await _signed_player(room, account, openid, body, signature, sig_method)
    keys = rules.check_keys(_json(body).get("key"))
    await room.store.remove_records(found.id, user_id, keys)
