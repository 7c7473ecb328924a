"""Permanent material (oa_materials): files that name a blob of the media room, and
news that keep their articles. The media collector keeps a material's blob while the
row exists (store/referrers.py); adding one holds the blob in the same transaction."""

from __future__ import annotations

import msgspec

from microletter.core.ids import UserId
from microletter.core.media import MediaId
from microletter.core.models import Instant, JsonValue
from microletter.platform.errors import MaterialNotFound
from microletter.platform.rules.material import Material, check_material_count, counted_as
from microletter.platform.store.accounts import load_account
from microletter.ports import Reader, Row, Tx
from microletter.storage import hold_media, to_json

COLS = (
    "account_id, media_id, type, blob_id, name, title, introduction, articles, created_at,"
    " updated_at"
)


def material_of(r: Row) -> Material:
    articles = None if r[7] is None else msgspec.json.decode(r[7], type=list[dict[str, JsonValue]])
    return Material(
        UserId(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], articles, Instant(r[8]), Instant(r[9])
    )


async def add_material(tx: Tx, m: Material) -> Material:
    """Keep a new material within its type's cap (the account's row is locked, so two
    adds cannot both take the last place)."""
    await load_account(tx, m.account_id, lock=True)
    kinds = ["image", "thumb"] if counted_as(m.type) == "image" else [m.type]
    existing = await tx.fetchval(
        "SELECT count(*) FROM oa_materials WHERE account_id=$1 AND type = ANY($2::text[])",
        m.account_id,
        kinds,
    )
    check_material_count(m.type, int(existing))
    if m.blob_id is not None:  # kept from now on by the referrer of oa_materials
        await hold_media(tx, MediaId(m.blob_id))
    await tx.execute(
        f"INSERT INTO oa_materials ({COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
        m.account_id,
        m.media_id,
        m.type,
        m.blob_id,
        m.name,
        m.title,
        m.introduction,
        None if m.articles is None else to_json(m.articles),
        m.created_at,
        m.updated_at,
    )
    return m


async def material(db: Reader, account_id: UserId, media_id: str) -> Material:
    row = await db.fetchrow(
        f"SELECT {COLS} FROM oa_materials WHERE account_id=$1 AND media_id=$2",
        account_id,
        media_id,
    )
    if row is None:
        raise MaterialNotFound(media_id=media_id)
    return material_of(row)


async def update_article(
    tx: Tx, account_id: UserId, media_id: str, index: int, article: dict[str, JsonValue],
    now: Instant,
) -> Material:  # fmt: skip
    """Replace the article at `index` of a news material."""
    row = await tx.fetchrow(
        f"SELECT {COLS} FROM oa_materials WHERE account_id=$1 AND media_id=$2 AND type='news'"
        " FOR UPDATE",
        account_id,
        media_id,
    )
    if row is None:
        raise MaterialNotFound(media_id=media_id)
    found = material_of(row)
    articles = list(found.articles or [])
    if not 0 <= index < len(articles):
        raise MaterialNotFound("No article at that index.", media_id=media_id, index=index)
    articles[index] = article
    await tx.execute(
        "UPDATE oa_materials SET articles=$1, updated_at=$2 WHERE account_id=$3 AND media_id=$4",
        to_json(articles),
        now,
        account_id,
        media_id,
    )
    return await material(tx, account_id, media_id)


async def delete_material(tx: Tx, account_id: UserId, media_id: str) -> None:
    """Forget a material; its blob goes once nothing else refers to it (the collector).
    Messages that carried it keep their copy, as any message does."""
    row = await tx.fetchrow(
        "DELETE FROM oa_materials WHERE account_id=$1 AND media_id=$2 RETURNING 1",
        account_id,
        media_id,
    )
    if row is None:
        raise MaterialNotFound(media_id=media_id)


async def material_counts(db: Reader, account_id: UserId) -> dict[str, int]:
    rows = await db.fetch(
        "SELECT type, count(*) FROM oa_materials WHERE account_id=$1 GROUP BY type", account_id
    )
    counts = {"image": 0, "voice": 0, "video": 0, "news": 0}
    for r in rows:
        counts[counted_as(r[0])] += int(r[1])
    return counts


async def materials_page(
    db: Reader, account_id: UserId, kind: str, offset: int, count: int
) -> tuple[int, list[Material]]:
    """(how many of the type, the page), newest first (images include thumbs)."""
    kinds = ["image", "thumb"] if kind == "image" else [kind]
    total = await db.fetchval(
        "SELECT count(*) FROM oa_materials WHERE account_id=$1 AND type = ANY($2::text[])",
        account_id,
        kinds,
    )
    rows = await db.fetch(
        f"SELECT {COLS} FROM oa_materials WHERE account_id=$1 AND type = ANY($2::text[])"
        " ORDER BY updated_at DESC, media_id LIMIT $3 OFFSET $4",
        account_id,
        kinds,
        count,
        offset,
    )
    return int(total), [material_of(r) for r in rows]
