"""Contact tags (private to their owner), a user's Moments settings (album limit, cover,
notices read), the two per-contact switches, and which post pictures a viewer may fetch."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from microletter.core.errors import NotContact
from microletter.core.events import CollectionChanged
from microletter.core.ids import UserId
from microletter.core.media import Media, MediaId
from microletter.core.models import Instant
from microletter.moments.errors import TagNameTaken, TagNotFound
from microletter.moments.rules import MAX_TAGS, album_choice
from microletter.moments.store.facts import POST_COLS, friends_among, seen_posts
from microletter.moments.values import Settings, Switches, Tag
from microletter.ports import Reader, Tx
from microletter.storage import hold_media, snapshot

# --- tags ---


async def _check_name(tx: Tx, me: UserId, name: str, tag_id: int | None) -> None:
    taken = await tx.fetchval("SELECT id FROM contact_tags WHERE owner_id=$1 AND name=$2", me, name)
    if taken is not None and taken != tag_id:
        raise TagNameTaken(name=name)


async def _check_contacts(tx: Tx, me: UserId, people: Sequence[UserId]) -> None:
    missing = set(people) - await friends_among(tx, me, people)
    if missing:
        raise NotContact("Only your contacts can be tagged.", user_ids=sorted(missing))


async def create_tag(tx: Tx, me: UserId, name: str, people: Sequence[UserId], now: Instant) -> Tag:
    count = await tx.fetchval("SELECT count(*) FROM contact_tags WHERE owner_id=$1", me)
    if int(count) >= MAX_TAGS:
        raise TagNameTaken("You have too many tags; delete some first.", max_items=MAX_TAGS)
    await _check_name(tx, me, name, None)
    await _check_contacts(tx, me, people)
    tag_id = tx.new_id(now)
    await tx.execute(
        "INSERT INTO contact_tags (id, owner_id, name, created_at) VALUES ($1,$2,$3,$4)",
        tag_id,
        me,
        name,
        now,
    )
    await tx.executemany(
        "INSERT INTO contact_tag_members (tag_id, user_id) VALUES ($1,$2)",
        [(tag_id, u) for u in sorted(set(people))],
    )
    tx.append([(me, CollectionChanged("tags"))], now)
    return Tag(tag_id, name, sorted(set(people)))


async def update_tag(
    tx: Tx,
    me: UserId,
    tag_id: int,
    name: str | None,
    add: Sequence[UserId],
    remove: Sequence[UserId],
    now: Instant,
) -> Tag:
    """Rename a tag and/or add and remove people (who must be my contacts to be added)."""
    current = await tx.fetchval(
        "SELECT name FROM contact_tags WHERE id=$1 AND owner_id=$2", tag_id, me
    )
    if current is None:
        raise TagNotFound(tag_id=tag_id)
    if name is not None and name != current:
        await _check_name(tx, me, name, tag_id)
        await tx.execute("UPDATE contact_tags SET name=$1 WHERE id=$2", name, tag_id)
    await _check_contacts(tx, me, add)
    await tx.executemany(
        "INSERT INTO contact_tag_members (tag_id, user_id) VALUES ($1,$2) ON CONFLICT DO NOTHING",
        [(tag_id, u) for u in sorted(set(add))],
    )
    await tx.executemany(
        "DELETE FROM contact_tag_members WHERE tag_id=$1 AND user_id=$2",
        [(tag_id, u) for u in sorted(set(remove))],
    )
    tx.append([(me, CollectionChanged("tags"))], now)
    [tag] = await _tags(tx, me, tag_id)
    return tag


async def delete_tag(tx: Tx, me: UserId, tag_id: int, now: Instant) -> None:
    """Delete a tag. Posts whose audience named it keep the people it had then."""
    if not await tx.execute("DELETE FROM contact_tags WHERE id=$1 AND owner_id=$2", tag_id, me):
        raise TagNotFound(tag_id=tag_id)
    await tx.execute("DELETE FROM contact_tag_members WHERE tag_id=$1", tag_id)
    tx.append([(me, CollectionChanged("tags"))], now)


async def _tags(db: Reader, me: UserId, only: int | None = None) -> list[Tag]:
    rows = await db.fetch(
        "SELECT t.id, t.name, m.user_id FROM contact_tags t"
        " LEFT JOIN contact_tag_members m ON m.tag_id=t.id"
        " WHERE t.owner_id=$1 AND ($2::bigint IS NULL OR t.id=$2) ORDER BY t.name, m.user_id",
        me,
        only,
    )
    tags: dict[int, Tag] = {}
    for r in rows:
        tag = tags.setdefault(r[0], Tag(r[0], r[1], []))
        if r[2] is not None:
            tag.members.append(UserId(r[2]))
    return list(tags.values())


@snapshot
async def tags(db: Reader, me: UserId) -> list[Tag]:
    return await _tags(db, me)


# --- settings and switches ---


async def settings(db: Reader, me: UserId) -> Settings:
    row = await db.fetchrow("SELECT album_days, cover FROM moment_settings WHERE user_id=$1", me)
    return Settings("all", None) if row is None else Settings(album_choice(row[0]), row[1])


async def set_settings(
    tx: Tx, me: UserId, days: int | None, cover: str | None, keep_cover: bool
) -> Settings:
    if cover is not None and not keep_cover:
        await hold_media(tx, MediaId(cover))  # the collector must not take it from under us
    await tx.execute(
        "INSERT INTO moment_settings (user_id, album_days, cover, notices_read)"
        " VALUES ($1,$2,$3,0) ON CONFLICT (user_id) DO UPDATE SET album_days=$2,"
        " cover=CASE WHEN $4 THEN moment_settings.cover ELSE $3 END",
        me,
        days,
        cover,
        keep_cover,
    )
    return await settings(tx, me)


async def mark_read(tx: Tx, me: UserId, up_to: int) -> None:
    await tx.execute(
        "INSERT INTO moment_settings (user_id, album_days, cover, notices_read)"
        " VALUES ($1,NULL,NULL,$2) ON CONFLICT (user_id) DO UPDATE"
        " SET notices_read=GREATEST(moment_settings.notices_read, $2)",
        me,
        up_to,
    )


async def switches(db: Reader, me: UserId, other: UserId) -> Switches:
    row = await db.fetchrow(
        "SELECT hide_mine, hide_theirs FROM moment_switches WHERE user_id=$1 AND other_id=$2",
        me,
        other,
    )
    return Switches(False, False) if row is None else Switches(bool(row[0]), bool(row[1]))


async def set_switches(
    tx: Tx, me: UserId, other: UserId, hide_mine: bool | None, hide_theirs: bool | None
) -> Switches:
    was = await switches(tx, me, other)
    now = Switches(
        was.hide_mine if hide_mine is None else hide_mine,
        was.hide_theirs if hide_theirs is None else hide_theirs,
    )
    await tx.execute(
        "INSERT INTO moment_switches (user_id, other_id, hide_mine, hide_theirs)"
        " VALUES ($1,$2,$3,$4) ON CONFLICT (user_id, other_id)"
        " DO UPDATE SET hide_mine=$3, hide_theirs=$4",
        me,
        other,
        now.hide_mine,
        now.hide_theirs,
    )
    return now


# --- media ---


@snapshot
async def visible_pictures(
    db: Reader, viewer: UserId, ids: Sequence[MediaId], now: Instant
) -> dict[MediaId, Media]:
    """The blobs among `ids` that a post the viewer may see carries (the media grant)."""
    if not ids:
        return {}
    rows = await db.fetch(
        f"SELECT {POST_COLS} FROM moment_posts p WHERE NOT p.deleted AND p.id IN"  # noqa: S608 - fixed columns
        " (SELECT post_id FROM moment_media WHERE media_id = ANY($1::text[]))"
        " ORDER BY p.id DESC LIMIT 200",
        list(ids),
    )
    wanted, found = set(ids), dict[MediaId, Media]()
    for r, _, _ in await seen_posts(db, viewer, rows, now):
        data = msgspec.json.decode(r[6]) if r[6] else {}
        for item in [*data.get("images", []), data.get("video"), data.get("link_picture")]:
            if isinstance(item, dict) and item.get("id") in wanted:
                found.setdefault(MediaId(item["id"]), msgspec.convert(item, type=Media))
    return found
