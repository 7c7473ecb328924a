"""Users, devices and profiles."""

from __future__ import annotations

from microletter.core.contacts import Privacy
from microletter.core.errors import DeviceNotFound, UsernameTaken, UserNotFound
from microletter.core.events import Event, ProfileUpdated
from microletter.core.ids import DeviceId, UserId
from microletter.core.media import MediaId
from microletter.core.models import Device, Instant, User
from microletter.core.moderation import check_may_log_in
from microletter.ports import Reader, Tx
from microletter.storage.media import hold_media
from microletter.storage.rows import USER_COLS, USER_RETURNING, suspension_of, user_of


async def create_user(
    tx: Tx, username: str, password_hash: str, display_name: str, locale: str, now: Instant
) -> User:
    user = User(UserId(tx.new_id(now)), username, display_name, locale, None, now)
    row = await tx.fetchrow(
        "INSERT INTO users (id, username, password_hash, display_name, locale, created_at)"
        " VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (username) DO NOTHING RETURNING id",
        user.id,
        username,
        password_hash,
        display_name,
        locale,
        now,
    )
    if row is None:
        raise UsernameTaken(username=username)
    return user


async def create_device(
    tx: Tx, user_id: UserId, name: str, token_hash: bytes, now: Instant
) -> Device:
    # KEY SHARE (which the devices insert takes anyway) waits for a suspension in
    # flight, which locks the row FOR UPDATE, and then reads the committed row: no device
    # is added behind a suspension's back.
    row = await tx.fetchrow(
        "SELECT suspended_at, suspended_reason FROM users WHERE id=$1 FOR KEY SHARE", user_id
    )
    if row is None:
        raise UserNotFound(user_id=user_id)
    check_may_log_in(suspension_of(row))
    device = Device(DeviceId(tx.new_id(now)), user_id, name, now, now)
    await tx.execute(
        "INSERT INTO devices (id, user_id, name, token_hash, created_at, last_seen_at)"
        " VALUES ($1,$2,$3,$4,$5,$6)",
        device.id,
        user_id,
        name,
        token_hash,
        now,
        now,
    )
    tx.devices_changed(user_id)  # a new device reads its log alone until it opts in
    return device


async def revoke_device(tx: Tx, user_id: UserId, device_id: DeviceId) -> None:
    row = await tx.fetchrow(
        "DELETE FROM devices WHERE id=$1 AND user_id=$2 RETURNING id", device_id, user_id
    )
    if row is None:
        raise DeviceNotFound(device_id=device_id)
    tx.devices_changed(user_id)


async def read_streams(tx: Tx, user_id: UserId, device_id: DeviceId) -> bool:
    """The device reads large groups from their streams from now on (docs/protocol.md,
    "Streams"); once all of the user's devices do, their logs stop taking those groups'
    messages. False if it had opted in already."""
    changed = await tx.execute(
        "UPDATE devices SET streams=true WHERE id=$1 AND user_id=$2 AND NOT streams",
        device_id,
        user_id,
    )
    if changed:
        tx.devices_changed(user_id)
    return changed > 0


async def touch_device(tx: Tx, device_id: DeviceId, now: Instant) -> None:
    await tx.execute("UPDATE devices SET last_seen_at=$1 WHERE id=$2", now, device_id)


async def update_profile(
    tx: Tx,
    user_id: UserId,
    display_name: str | None,
    locale: str | None,
    avatar: str | None,
    now: Instant,
) -> User:
    if avatar is not None:  # a blob of the media room: kept while the avatar names it
        await hold_media(tx, MediaId(avatar))
    peers = [
        UserId(r[0])
        for r in await tx.fetch("SELECT peer_id FROM contacts WHERE user_id=$1", user_id)
    ]
    await tx.lock_users([user_id, *peers])  # the same rows, in the same order, as the log
    row = await tx.fetchrow(
        f"UPDATE users SET display_name=coalesce($1, display_name), locale=coalesce($2, locale),"
        f" avatar=coalesce($3, avatar) WHERE id=$4 RETURNING {USER_RETURNING}",
        display_name,
        locale,
        avatar,
        user_id,
    )
    if row is None:
        raise UserNotFound(user_id=user_id)
    user = user_of(row)
    event: Event = ProfileUpdated(user)
    tx.append([(uid, event) for uid in (user_id, *peers)], now)
    return user


# --- reads ---


async def credentials(db: Reader, username: str) -> tuple[User, str] | None:
    row = await db.fetchrow(
        f"SELECT {USER_COLS}, u.password_hash FROM users u WHERE u.username=$1", username
    )
    return None if row is None else (user_of(row), row[6])


async def device_for_token(db: Reader, token_hash: bytes) -> tuple[UserId, DeviceId] | None:
    row = await db.fetchrow("SELECT user_id, id FROM devices WHERE token_hash=$1", token_hash)
    return None if row is None else (UserId(row[0]), DeviceId(row[1]))


async def devices(db: Reader, user_id: UserId) -> list[Device]:
    rows = await db.fetch(
        "SELECT id, user_id, name, created_at, last_seen_at FROM devices WHERE user_id=$1"
        " ORDER BY id",
        user_id,
    )
    return [Device(DeviceId(r[0]), UserId(r[1]), r[2], Instant(r[3]), Instant(r[4])) for r in rows]


async def user(db: Reader, user_id: UserId) -> User:
    row = await db.fetchrow(f"SELECT {USER_COLS} FROM users u WHERE u.id=$1", user_id)
    if row is None:
        raise UserNotFound(user_id=user_id)
    return user_of(row)


async def user_by_name(db: Reader, username: str) -> User | None:
    row = await db.fetchrow(f"SELECT {USER_COLS} FROM users u WHERE u.username=$1", username)
    return None if row is None else user_of(row)


async def change_password(
    tx: Tx, user_id: UserId, password_hash: str, keep: DeviceId | None
) -> list[DeviceId]:
    """Set a new password hash; with `keep`, log out every other device of the user (in
    the same transaction). Returns the devices logged out."""
    if (
        await tx.execute("UPDATE users SET password_hash=$1 WHERE id=$2", password_hash, user_id)
        == 0
    ):
        raise UserNotFound(user_id=user_id)
    if keep is None:
        return []
    rows = await tx.fetch(
        "DELETE FROM devices WHERE user_id=$1 AND id<>$2 RETURNING id", user_id, keep
    )
    tx.devices_changed(user_id)
    return [DeviceId(r[0]) for r in rows]


async def password_hash(db: Reader, user_id: UserId) -> str:
    found = await db.fetchval("SELECT password_hash FROM users WHERE id=$1", user_id)
    if found is None:
        raise UserNotFound(user_id=user_id)
    return str(found)


PRIVACY_COLS = "add_by_username, add_by_qr, add_by_group, add_by_card, read_receipts"


async def privacy(db: Reader, user_id: UserId) -> Privacy:
    row = await db.fetchrow(f"SELECT {PRIVACY_COLS} FROM users WHERE id=$1", user_id)
    if row is None:
        raise UserNotFound(user_id=user_id)
    return Privacy(*(bool(row[i]) for i in range(5)))


async def set_privacy(tx: Tx, user_id: UserId, settings: Privacy) -> Privacy:
    await tx.execute(
        "UPDATE users SET add_by_username=$1, add_by_qr=$2, add_by_group=$3, add_by_card=$4,"
        " read_receipts=$5 WHERE id=$6",
        settings.add_by_username,
        settings.add_by_qr,
        settings.add_by_group,
        settings.add_by_card,
        settings.read_receipts,
        user_id,
    )
    return settings
