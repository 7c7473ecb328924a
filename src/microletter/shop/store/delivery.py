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
from microletter.shop.errors import (
    AreaTaken,
    DeliveryWindowNotFound,
    WindowFull,
    WindowHasOrders,
    WindowInvalid,
    ZoneNotFound,
    ZoneNotServed,
)
from microletter.shop.rules import OPEN, ShopId, WindowId, ZoneId
from microletter.shop.rules.windows import NewWindow, Window, WindowEdit, check_window_set
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
    await _insert_areas(tx, shop_id, zid, areas)
    for w in windows:
        await _insert_window(tx, shop_id, zid, w, now)
    return (await zones(tx, shop_id, zid))[0]


async def edit_zone(
    tx: Tx,
    shop_id: ShopId,
    zid: ZoneId,
    name: str | None,
    areas: Sequence[str] | None,
) -> Zone:
    """Rename a zone and/or replace the areas it serves (AreaTaken if another zone of
    the shop serves one). Orders keep the address they were booked for."""
    await _lock_zone(tx, shop_id, zid)
    if name is not None:
        await tx.execute("UPDATE shop_zones SET name=$2 WHERE id=$1", zid, name)
    if areas is not None:
        await tx.execute("DELETE FROM shop_zone_areas WHERE zone_id=$1", zid)
        await _insert_areas(tx, shop_id, zid, areas)
    return (await zones(tx, shop_id, zid))[0]


async def delete_zone(tx: Tx, shop_id: ShopId, zid: ZoneId) -> None:
    """Delete a zone with its areas and windows: WindowHasOrders if an order still to be
    delivered is booked in one of them (nothing is deleted then)."""
    await _lock_zone(tx, shop_id, zid)
    for wid in await tx.fetch(
        "SELECT id FROM shop_windows WHERE zone_id=$1 ORDER BY id FOR UPDATE", zid
    ):
        await _refuse_if_booked(tx, WindowId(wid[0]))
    await tx.execute(
        "DELETE FROM shop_slots WHERE window_id IN (SELECT id FROM shop_windows WHERE zone_id=$1)",
        zid,
    )
    await tx.execute("DELETE FROM shop_windows WHERE zone_id=$1", zid)
    await tx.execute("DELETE FROM shop_zone_areas WHERE zone_id=$1", zid)
    await tx.execute("DELETE FROM shop_zones WHERE id=$1", zid)


async def add_window(tx: Tx, shop_id: ShopId, zid: ZoneId, w: NewWindow, now: Instant) -> Zone:
    """One more daily window in a zone (WindowInvalid if one starts at the same time,
    TooLarge past MAX_WINDOWS)."""
    await _lock_zone(tx, shop_id, zid)
    others = [x for x in await shop_windows(tx, shop_id) if x.zone_id == zid]
    check_window_set([*[NewWindow(x.starts, x.ends, x.capacity) for x in others], w])
    await _insert_window(tx, shop_id, zid, w, now)
    return (await zones(tx, shop_id, zid))[0]


async def _insert_window(tx: Tx, shop_id: ShopId, zid: ZoneId, w: NewWindow, now: Instant) -> None:
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


async def edit_window(tx: Tx, shop_id: ShopId, wid: WindowId, change: WindowEdit) -> Zone:
    """Change a window's capacity (at any time: a lower one only stops new bookings) or
    its times (WindowHasOrders while an order still to be delivered is booked in it)."""
    window = await _lock_window(tx, shop_id, wid, for_times=change.moves)
    after = change.applied_to(window)
    if change.moves and (after.starts, after.ends) != (window.starts, window.ends):
        await _refuse_if_booked(tx, wid)
        others = [x for x in await shop_windows(tx, shop_id) if x.zone_id == window.zone_id]
        check_window_set(
            [NewWindow(x.starts, x.ends, x.capacity) for x in others if x.id != wid]
            + [NewWindow(after.starts, after.ends, after.capacity)]
        )
    await tx.execute(
        "UPDATE shop_windows SET starts=$2, ends=$3, capacity=$4 WHERE id=$1",
        wid,
        after.starts,
        after.ends,
        after.capacity,
    )
    return (await zones(tx, shop_id, window.zone_id))[0]


async def delete_window(tx: Tx, shop_id: ShopId, wid: WindowId) -> Zone:
    """Delete a window: WindowHasOrders while an order still to be delivered is booked in
    it; WindowInvalid if it is its zone's last (delete the zone instead)."""
    window = await _lock_window(tx, shop_id, wid, for_times=True)
    await _refuse_if_booked(tx, wid)
    left = await tx.fetchval(
        "SELECT count(*) FROM shop_windows WHERE zone_id=$1 AND id<>$2", window.zone_id, wid
    )
    if not int(left):
        raise WindowInvalid(
            "A zone has at least one window: delete the zone instead.", field="window_id"
        )
    await tx.execute("DELETE FROM shop_slots WHERE window_id=$1", wid)
    await tx.execute("DELETE FROM shop_windows WHERE id=$1", wid)
    return (await zones(tx, shop_id, window.zone_id))[0]


async def _lock_zone(tx: Tx, shop_id: ShopId, zid: ZoneId) -> None:
    found = await tx.fetchval(
        "SELECT id FROM shop_zones WHERE id=$1 AND shop_id=$2 FOR UPDATE", zid, shop_id
    )
    if found is None:
        await load_shop(tx, shop_id)  # ShopNotFound, if that is why
        raise ZoneNotFound(zone_id=zid)


async def _lock_window(tx: Tx, shop_id: ShopId, wid: WindowId, *, for_times: bool) -> Window:
    """The window, locked. `for_times` (a move or a delete): FOR UPDATE, which waits for
    the checkouts that chose it (they hold it FOR KEY SHARE, `find_window`) to commit, so
    the orders counted next include theirs; a capacity change needs no such wait."""
    lock = " FOR UPDATE" if for_times else " FOR NO KEY UPDATE"
    row = await tx.fetchrow(
        f"SELECT {WINDOW_COLS} FROM shop_windows w WHERE w.id=$1 AND w.shop_id=$2{lock}",
        wid,
        shop_id,
    )
    if row is None:
        await load_shop(tx, shop_id)
        raise DeliveryWindowNotFound(window_id=wid)
    return window_of(row)


async def _refuse_if_booked(tx: Tx, wid: WindowId) -> None:
    """WindowHasOrders if an order still to be delivered is booked in the window."""
    booked = await tx.fetchval(
        "SELECT count(*) FROM shop_orders WHERE window_id=$1 AND status = ANY($2::text[])",
        wid,
        list(OPEN),
    )
    if int(booked):
        raise WindowHasOrders(window_id=wid, orders=int(booked))


async def _insert_areas(tx: Tx, shop_id: ShopId, zid: ZoneId, areas: Sequence[str]) -> None:
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
    (ZoneNotServed, DeliveryWindowNotFound). On PostgreSQL the window's row is held FOR
    KEY SHARE until commit: a move or a delete of the window waits for the booking, and
    a booking after a delete finds no window (a capacity change waits for neither)."""
    row = await db.fetchrow(
        f"SELECT {WINDOW_COLS} FROM shop_zone_areas a JOIN shop_windows w ON w.zone_id=a.zone_id"
        " WHERE a.shop_id=$1 AND a.area=$2 AND w.id=$3 FOR KEY SHARE OF w",
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
