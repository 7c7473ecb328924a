"""Pictures a page uploaded with uploadImage: its app's account may fetch them at
/cgi-bin/media/get for UPLOAD_MS, as WeChat's serverId (units of work, both databases)."""

from __future__ import annotations

from collections.abc import Sequence

from microletter.core.ids import UserId
from microletter.core.media import MediaId
from microletter.core.models import Instant
from microletter.miniapps.rules import UPLOAD_MS, AppId
from microletter.ports import Reader, Referrer, Tx
from microletter.storage import hold_media

# What the media collector asks (ports.Referrer): the blobs an account may still fetch.
REFERRERS = (
    Referrer(
        "miniapps.uploads",
        "SELECT media_id FROM miniapp_uploads WHERE media_id = ANY($1::text[])"
        f" AND created_at > $2::bigint - {UPLOAD_MS}",
    ),
)


async def keep_upload(
    tx: Tx, account_id: UserId, app_id: AppId, user_id: UserId, media_id: MediaId, now: Instant
) -> None:
    await hold_media(tx, media_id)
    await tx.execute(
        "DELETE FROM miniapp_uploads WHERE (account_id, media_id) IN (SELECT account_id,"
        " media_id FROM miniapp_uploads WHERE created_at < $1 LIMIT 100)",
        now - UPLOAD_MS,
    )
    await tx.execute(
        "INSERT INTO miniapp_uploads (account_id, media_id, app_id, user_id, created_at)"
        " VALUES ($1,$2,$3,$4,$5) ON CONFLICT (account_id, media_id)"
        " DO UPDATE SET created_at=excluded.created_at, user_id=excluded.user_id",
        account_id,
        media_id,
        app_id,
        user_id,
        now,
    )


async def uploaders(
    db: Reader, account_id: UserId, ids: Sequence[MediaId], now: Instant
) -> dict[MediaId, UserId]:
    """Who uploaded each of `ids` for the account, among those it may still fetch."""
    rows = await db.fetch(
        "SELECT media_id, user_id FROM miniapp_uploads WHERE account_id=$1"
        " AND media_id = ANY($2::text[]) AND created_at > $3",
        account_id,
        list(ids),
        now - UPLOAD_MS,
    )
    return {MediaId(r[0]): UserId(r[1]) for r in rows}
