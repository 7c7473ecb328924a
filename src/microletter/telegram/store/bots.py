"""The bots' SQL, written once for both backends: a bot is a `users` row (so it can be
a member and a sender, found by username) plus a `tg_bots` row; and callback queries."""

from __future__ import annotations

import json

from microletter.core.errors import UsernameTaken
from microletter.core.events import AccountEvent
from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.ports import Reader, Row, Tx
from microletter.telegram.errors import BotNotFound, NotBotOwner
from microletter.telegram.rules import Bot, BotCommand

NO_LOGIN = "!"  # a bot's password hash: never a valid argon2 hash, nobody logs in
BOT_COLS = (
    "b.id, b.owner_id, u.username, u.display_name, b.privacy, b.commands, b.acked_seq,"
    " b.webhook_url, b.webhook_secret, b.last_error_at, b.last_error, b.created_at"
)
FROM = "tg_bots b JOIN users u ON u.id = b.id"


def bot_of(row: Row) -> Bot:
    commands = tuple(BotCommand(c["command"], c["description"]) for c in json.loads(row[5]))
    return Bot(
        UserId(row[0]), UserId(row[1]), row[2], row[3], bool(row[4]), commands, int(row[6]),
        row[7], row[8], row[9], row[10], row[11],
    )  # fmt: skip


async def bot(db: Reader, bot_id: UserId) -> Bot:
    row = await db.fetchrow(f"SELECT {BOT_COLS} FROM {FROM} WHERE b.id=$1", bot_id)
    if row is None:
        raise BotNotFound(bot_id=bot_id)
    return bot_of(row)


async def secret_hash(db: Reader, bot_id: UserId) -> str | None:
    found = await db.fetchval("SELECT secret_hash FROM tg_bots WHERE id=$1", bot_id)
    return None if found is None else str(found)


async def bot_by_username(db: Reader, username: str) -> Bot:
    row = await db.fetchrow(f"SELECT {BOT_COLS} FROM {FROM} WHERE u.username=$1", username)
    if row is None:
        raise BotNotFound(username=username)
    return bot_of(row)


async def bots_of(db: Reader, owner: UserId) -> list[Bot]:
    rows = await db.fetch(f"SELECT {BOT_COLS} FROM {FROM} WHERE b.owner_id=$1 ORDER BY b.id", owner)
    return [bot_of(r) for r in rows]


async def bots_with_webhooks(db: Reader) -> list[Bot]:
    rows = await db.fetch(f"SELECT {BOT_COLS} FROM {FROM} WHERE b.webhook_url <> ''")
    return [bot_of(r) for r in rows]


async def owned(tx: Tx, owner: UserId, bot_id: UserId) -> Bot:
    found = await bot(tx, bot_id)
    if found.owner_id != owner:
        raise NotBotOwner(bot_id=bot_id)
    return found


# --- writes ---


async def create_bot(
    tx: Tx, owner: UserId, username: str, name: str, secret_hash: str, now: Instant
) -> Bot:
    """A new bot (a users row and its tg_bots row); UsernameTaken if the name is."""
    bot_id = UserId(tx.new_id(now))
    made = await tx.fetchval(
        "INSERT INTO users (id, username, password_hash, display_name, locale, avatar,"
        " created_at) VALUES ($1,$2,$3,$4,'en',NULL,$5) ON CONFLICT DO NOTHING RETURNING id",
        bot_id,
        username,
        NO_LOGIN,
        name,
        now,
    )
    if made is None:
        raise UsernameTaken(username=username)
    await tx.execute(
        "INSERT INTO tg_bots (id, owner_id, secret_hash, created_at) VALUES ($1,$2,$3,$4)",
        bot_id,
        owner,
        secret_hash,
        now,
    )
    return await bot(tx, bot_id)


async def set_secret(tx: Tx, owner: UserId, bot_id: UserId, secret_hash: str) -> Bot:
    await owned(tx, owner, bot_id)
    await tx.execute("UPDATE tg_bots SET secret_hash=$1 WHERE id=$2", secret_hash, bot_id)
    return await bot(tx, bot_id)


async def set_privacy(tx: Tx, owner: UserId, bot_id: UserId, privacy: bool) -> Bot:
    await owned(tx, owner, bot_id)
    await tx.execute("UPDATE tg_bots SET privacy=$1 WHERE id=$2", privacy, bot_id)
    return await bot(tx, bot_id)


async def set_commands(tx: Tx, bot_id: UserId, commands: tuple[BotCommand, ...]) -> None:
    listed = [{"command": c.command, "description": c.description} for c in commands]
    await tx.execute("UPDATE tg_bots SET commands=$1 WHERE id=$2", json.dumps(listed), bot_id)


async def acknowledge(tx: Tx, bot_id: UserId, seq: int) -> None:
    """Updates up to `seq` were taken: they are not handed out again (never moves back)."""
    await tx.execute("UPDATE tg_bots SET acked_seq=$1 WHERE id=$2 AND acked_seq < $1", seq, bot_id)


async def set_webhook(tx: Tx, bot_id: UserId, url: str, secret: str) -> None:
    await tx.execute(
        "UPDATE tg_bots SET webhook_url=$1, webhook_secret=$2, last_error_at=NULL,"
        " last_error='' WHERE id=$3",
        url,
        secret,
        bot_id,
    )


async def queue_event(tx: Tx, bot_id: UserId, event: AccountEvent, now: Instant) -> None:
    """An event for the bot alone (a callback query), appended to its own log."""
    tx.append([(bot_id, event)], now)


async def webhook_failed(tx: Tx, bot_id: UserId, error: str, now: Instant) -> None:
    await tx.execute(
        "UPDATE tg_bots SET last_error_at=$1, last_error=$2 WHERE id=$3", now, error, bot_id
    )
