"""Delivery zones, their daily windows, and the places taken in a window on a day
(units of work, both databases).

A place is taken by a guarded UPDATE (`taken < capacity`) of the (window, day) row, in
the checkout's own transaction: on PostgreSQL the second of two racing checkouts waits
for the first's row lock and re-reads the row, so a window is never over-filled; on
SQLite the one writer runs them one after the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from microletter.core.models import Instant
from microletter.ports import Reader, Tx
from microletter.shop.errors import AreaTaken, DeliveryWindowNotFound, WindowFull, ZoneNotServed
from microletter.shop.rules import ShopId, WindowId, ZoneId
from microletter.shop.rules.windows import NewWindow, Window
from microletter.shop.store.rows import WINDOW_COLS, load_shop, window_of


@dataclass(frozen=True, slots=True)
class Zone:
    id: ZoneId
    shop_id: ShopId
    name: str
    areas: tuple[str, ...]
    windows: tuple[Window, ...]


async def add_zone(
    tx: Tx,
    shop_id: ShopId,
    name: str,
    areas: Sequence[str],
    windows: Sequence[NewWindow],
    now: Instant,
) -> Zone:
    """A zone serving `areas` (postal codes or districts; AreaTaken if another zone of
    the shop serves one), with its daily windows."""
    await load_shop(tx, shop_id)
    zid = ZoneId(tx.new_id(now))
    await tx.execute(
        "INSERT INTO shop_zones (id, shop_id, name) VALUES ($1,$2,$3)", zid, shop_id, name
    )
    for area in areas:
        made = await tx.execute(
            "INSERT INTO shop_zone_areas (shop_id, area, zone_id) VALUES ($1,$2,$3)"
            " ON CONFLICT (shop_id, area) DO NOTHING",
            shop_id,
            area,
            zid,
        )
        if not made:
            raise AreaTaken(area=area)
    for w in windows:
        await tx.execute(
            "INSERT INTO shop_windows (id, zone_id, shop_id, starts, ends, capacity)"
            " VALUES ($1,$2,$3,$4,$5,$6)",
            tx.new_id(now),
            zid,
            shop_id,
            w.starts,
            w.ends,
            w.capacity,
        )
    return (await zones(tx, shop_id, zid))[0]


async def zones(db: Reader, shop_id: ShopId, only: ZoneId | None = None) -> list[Zone]:
    rows = await db.fetch(
        "SELECT id, name FROM shop_zones WHERE shop_id=$1 AND ($2::bigint IS NULL OR id=$2)"
        " ORDER BY id",
        shop_id,
        only,
    )
    areas: dict[int, list[str]] = {}
    for r in await db.fetch(
        "SELECT zone_id, area FROM shop_zone_areas WHERE shop_id=$1 ORDER BY area", shop_id
    ):
        areas.setdefault(int(r[0]), []).append(r[1])
    windows = await shop_windows(db, shop_id)
    return [
        Zone(
            ZoneId(r[0]),
            shop_id,
            r[1],
            tuple(areas.get(int(r[0]), [])),
            tuple(w for w in windows if w.zone_id == r[0]),
        )
        for r in rows
    ]


async def shop_windows(db: Reader, shop_id: ShopId) -> list[Window]:
    rows = await db.fetch(
        f"SELECT {WINDOW_COLS} FROM shop_windows w WHERE w.shop_id=$1 ORDER BY w.starts, w.id",
        shop_id,
    )
    return [window_of(r) for r in rows]


async def windows_for(db: Reader, shop_id: ShopId, area: str) -> list[Window]:
    """The daily windows of the zone that serves `area` (ZoneNotServed if none does)."""
    zid = await db.fetchval(
        "SELECT zone_id FROM shop_zone_areas WHERE shop_id=$1 AND area=$2", shop_id, area
    )
    if zid is None:
        raise ZoneNotServed(area=area)
    rows = await db.fetch(
        f"SELECT {WINDOW_COLS} FROM shop_windows w WHERE w.zone_id=$1 ORDER BY w.starts", zid
    )
    return [window_of(r) for r in rows]


async def taken(db: Reader, window_ids: Sequence[WindowId]) -> dict[tuple[int, str], int]:
    """Places taken, by (window, day), for the windows asked about."""
    rows = await db.fetch(
        "SELECT window_id, day, taken FROM shop_slots WHERE window_id = ANY($1::bigint[])",
        list(window_ids),
    )
    return {(int(r[0]), str(r[1])): int(r[2]) for r in rows}


async def find_window(db: Reader, shop_id: ShopId, area: str, window_id: WindowId) -> Window:
    """The daily window `window_id` of the zone that serves `area`, in one query
    (ZoneNotServed, DeliveryWindowNotFound)."""
    row = await db.fetchrow(
        f"SELECT {WINDOW_COLS} FROM shop_zone_areas a JOIN shop_windows w ON w.zone_id=a.zone_id"
        " WHERE a.shop_id=$1 AND a.area=$2 AND w.id=$3",
        shop_id,
        area,
        window_id,
    )
    if row is not None:
        return window_of(row)
    await windows_for(db, shop_id, area)  # ZoneNotServed, if that is why
    raise DeliveryWindowNotFound(window_id=window_id, area=area)


async def take_place(tx: Tx, window: Window, day: str) -> None:
    """One place in the window on `day`, or WindowFull: one guarded upsert (the first
    place of a day makes its row; a window's capacity is at least 1)."""
    took = await tx.execute(
        "INSERT INTO shop_slots AS s (window_id, day, taken) VALUES ($1,$2,1)"
        " ON CONFLICT (window_id, day) DO UPDATE SET taken=s.taken+1 WHERE s.taken < $3",
        window.id,
        day,
        window.capacity,
    )
    if not took:
        raise WindowFull(window_id=window.id, day=day)


async def free_place(tx: Tx, window_id: WindowId, day: str) -> None:
    await tx.execute(
        "UPDATE shop_slots SET taken=taken-1 WHERE window_id=$1 AND day=$2 AND taken > 0",
        window_id,
        day,
    )
