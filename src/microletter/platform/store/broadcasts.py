"""Broadcasts: an official account's posts to its channel (read diffusion).

A broadcast is one row in `oa_channel_posts` and one move of the account's
`channel_head`, whatever the number of followers: nobody's update log grows. A follower
sees the posts after the head at the time they followed (`channel_joined_seq`); the
storage room's channels module reads them on the follower's side.
"""

from __future__ import annotations

from microletter.core.ids import MessageId, UserId
from microletter.core.media import MediaId
from microletter.core.models import ChannelPost, Instant, JsonValue, MessageKind
from microletter.platform.rules.following import broadcast_done, check_broadcast_quota
from microletter.platform.store.accounts import load_account
from microletter.platform.store.audience import sent_today
from microletter.ports import Tx
from microletter.storage import hold_media, to_json


def carried_media(data: dict[str, JsonValue] | None) -> str | None:
    """The id of the blob a post carries (kept in a column: media access looks it up)."""
    media = (data or {}).get("media")
    found = media.get("id") if isinstance(media, dict) else None
    return found if isinstance(found, str) else None


async def broadcast(
    tx: Tx,
    account_id: UserId,
    kind: MessageKind,
    text: str | None,
    data: dict[str, JsonValue] | None,
    per_day: int,
    now: Instant,
) -> ChannelPost:
    """Post once to the account's channel, within its daily quota (the account's row is
    locked, so the head and the quota count move in order; targeted mass sends share the
    quota, store/audience.py). The account's webhook later
    hears MASSSENDJOBFINISH with the follower count."""
    account = await load_account(tx, account_id, lock=True)
    media_id = carried_media(data)
    if media_id is not None:  # kept while the post names it (the media collector)
        await hold_media(tx, MediaId(media_id))
    check_broadcast_quota(await sent_today(tx, account_id, now), per_day)
    post = ChannelPost(
        account_id, account.channel_head + 1, MessageId(tx.new_id(now)), kind, text, data, now
    )
    await tx.execute(
        "INSERT INTO oa_channel_posts (channel_id, seq, id, kind, text, data, created_at,"
        " media_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
        account_id,
        post.seq,
        post.id,
        kind.value,
        text,
        None if data is None else to_json(data),
        now,
        media_id,
    )
    await tx.execute("UPDATE oa_accounts SET channel_head=$1 WHERE id=$2", post.seq, account_id)
    tx.append([(account_id, broadcast_done(account, post))], now)
    return post
