"""Games' /api/v1 routes, for the web client: what a game page's wx calls become
(storage, its own rank) and what the client draws itself (the ranking panel, muting a
game's notices). The page has no token: the client calls these on its behalf, and
never passes the ranking's entries to the page."""

from __future__ import annotations

from microletter.core.errors import ConversationNotFound, NotMember
from microletter.gateway.api import Call, Router
from microletter.miniapps import games
from microletter.miniapps.actions import MiniApps
from microletter.miniapps.errors import (
    AppNotFound,
    RankingPeriodInvalid,
    ShareTicketInvalid,
    StorageInvalid,
)
from microletter.miniapps.rules import AppId
from microletter.miniapps.wire import (
    KeysBody,
    NoticesBody,
    NoticesReply,
    RankedWire,
    RankingReply,
    RankQuery,
    RankReply,
    RecordsReply,
    RecordWire,
    StorageBody,
    StorageReply,
)

RANK_ERRORS = [
    AppNotFound,
    StorageInvalid,
    RankingPeriodInvalid,
    ShareTicketInvalid,
    ConversationNotFound,
    NotMember,
]


def routers(room: MiniApps) -> list[Router]:
    api = Router("/api/v1", tags=["mini games"])
    base = "/miniapps/{app_id}"

    @api.post(f"{base}/storage", errors=[AppNotFound, StorageInvalid])
    async def set_game_storage(call: Call, app_id: int, body: StorageBody) -> StorageReply:
        """wx.setUserCloudStorage: keep your records in the game (at most 128; a key of
        1 to 128 bytes; key and value at most 1024 bytes). A record holding a score
        (`{"wxgame": {"score": N}}` or an integer) counts in the key's rankings."""
        sent = await games.set_storage(room, call.me, AppId(app_id), body.kv_list)
        return StorageReply(sent)

    @api.post(f"{base}/storage/query", errors=[AppNotFound, StorageInvalid])
    async def get_game_storage(call: Call, app_id: int, body: KeysBody) -> RecordsReply:
        """wx.getUserCloudStorage: your own records of these keys."""
        found = await games.get_storage(room, call.me, AppId(app_id), body.keys)
        return RecordsReply([RecordWire(r.key, r.value) for r in found])

    @api.post(f"{base}/storage/remove", status=204, errors=[AppNotFound, StorageInvalid])
    async def remove_game_storage(call: Call, app_id: int, body: KeysBody) -> None:
        """wx.removeUserCloudStorage: forget these records (and their scores)."""
        await games.remove_storage(room, call.me, AppId(app_id), body.keys)

    @api.get(f"{base}/rank", errors=RANK_ERRORS)
    async def get_game_rank(call: Call, app_id: int, query: RankQuery) -> RankReply:
        """Your rank among your friends (or the group's members) who play, and how many
        of them play: all a game page may learn of a ranking."""
        mine, count = await games.rank(
            room, call.me, AppId(app_id), query.key, query.period, query.share_ticket
        )
        return RankReply(mine, count)

    @api.get(f"{base}/ranking", errors=RANK_ERRORS)
    async def get_game_ranking(call: Call, app_id: int, query: RankQuery) -> RankingReply:
        """The friend ranking (or, with a share ticket, the group's) that the client
        draws in its own panel: names and scores, never given to the game."""
        found = await games.ranking(
            room, call.me, AppId(app_id), query.key, query.period, query.share_ticket
        )
        me = call.me.user_id
        return RankingReply(
            found.period,
            [
                RankedWire(
                    r.rank, r.entry.user_id, name, avatar, r.entry.score, r.entry.user_id == me
                )
                for r, name, avatar in found.rows
            ],
        )

    @api.get(f"{base}/notices", rate=None, errors=[AppNotFound])
    async def get_game_notices(call: Call, app_id: int) -> NoticesReply:
        """Whether you muted the game's notices ("beaten" cards)."""
        return NoticesReply(await games.is_muted(room, call.me, AppId(app_id)))

    @api.put(f"{base}/notices", errors=[AppNotFound])
    async def set_game_notices(call: Call, app_id: int, body: NoticesBody) -> NoticesReply:
        """Mute (or unmute) the game's notices to you."""
        await games.mute(room, call.me, AppId(app_id), body.muted)
        return NoticesReply(body.muted)

    return [api]
