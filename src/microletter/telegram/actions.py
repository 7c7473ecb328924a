"""The bots' actions: the console's (make a bot, a new token, privacy mode), a person's
(start a bot), and what the Bot API's methods need (authenticate, chats, updates,
sending). Every write goes through the stores; events are published after commit.

Theory of operation (updates). A bot is a user, so everything it must hear is already in
its own update log: messages of the people it chats with and of the groups it is in.
That log is the durable queue, and `acked_seq` is how far the bot took it: getUpdates'
`offset` (an update's id is its log seq) or the webhook's 2xx moves it. Entries that are
not updates (the bot's own messages, system notes, messages privacy mode hides) are
skipped, and acknowledged with the updates around them, so no read rescans them twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from microletter.actions import conversations as conversation_actions
from microletter.actions import messages as message_actions
from microletter.actions.context import Context
from microletter.core.contacts import Via
from microletter.core.errors import (
    AlreadyContacts,
    Blocked,
    Forbidden,
    MessageNotFound,
    MicroletterError,
    NotFound,
    NotMember,
    YouBlocked,
)
from microletter.core.events import AccountEvent, LogEntry, MessagePosted
from microletter.core.ids import ConversationId, DeviceId, UserId
from microletter.core.media import MediaId
from microletter.core.messages import Draft, check_text
from microletter.core.models import (
    Conversation,
    ConversationKind,
    JsonValue,
    Message,
    MessageKind,
    Principal,
    Role,
    User,
)
from microletter.platform import WebhookClient
from microletter.ports import user_topic
from microletter.telegram.errors import BotBadRequest, BotForbidden, BotUnauthorized, ChatNotFound
from microletter.telegram.objects import Chat, Json, is_understood, message_json, user_json
from microletter.telegram.rules import (
    Bot,
    check_bot_username,
    conversation_of_group,
    hash_secret,
    is_secret,
    make_token,
    sees_in_group,
    split_token,
)
from microletter.telegram.store import BotStore

Transcribe = Callable[[UserId, ConversationId, int, str | None], Awaitable[tuple[str, str]]]
TOKEN_BYTES = 27
MAX_POLL_SECONDS = 50  # getUpdates' timeout is capped here (Telegram's own cap)
SCAN_PAGE = 100
SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass
class Bots:
    """The room: what every bot action is given (built in app.py)."""

    ctx: Context
    store: BotStore
    webhooks: WebhookClient
    on_webhook_change: Callable[[], None] = field(default=lambda: None)  # the pusher's
    # The voice-to-text room's "Convert to Text" (app.py wires it): (me, conversation,
    # seq, language or None) → (text, language). None: no transcripts on this server.
    transcribe: Transcribe | None = None
    random: Callable[[int], bytes] = field(default=secrets.token_bytes)
    _is_bot: dict[UserId, bool] = field(default_factory=dict)

    def as_user(self, bot: Bot) -> Principal:
        """The bot acting as the user it is (it has no device; nothing it does needs one)."""
        return Principal(bot.id, DeviceId(0))

    async def is_bot(self, uid: UserId) -> bool:
        """Whether a user is a bot (remembered: a user never becomes or stops being one)."""
        known = self._is_bot.get(uid)
        if known is None:
            known = self._is_bot[uid] = await self.store.secret_hash(uid) is not None
        return known


# --- the console ---


async def create_bot(room: Bots, me: Principal, username: str, name: str) -> tuple[Bot, str]:
    """A bot owned by `me`, and its token (shown once: only its hash is kept)."""
    username = check_bot_username(username)
    display = name.strip() or username
    secret = secrets.token_urlsafe(TOKEN_BYTES)  # replaced below by the id-bound token
    bot = await room.store.create_bot(
        me.user_id, username, display, hash_secret(secret), room.ctx.clock()
    )
    return await new_token(room, me, bot.id)


async def new_token(room: Bots, me: Principal, bot_id: UserId) -> tuple[Bot, str]:
    """A new token for the bot; the old one stops working at once."""
    token = make_token(bot_id, room.random(TOKEN_BYTES))
    _, secret = token.split(":", 1)
    bot = await room.store.set_secret(me.user_id, bot_id, hash_secret(secret))
    return bot, token


async def set_privacy(room: Bots, me: Principal, bot_id: UserId, privacy: bool) -> Bot:
    return await room.store.set_privacy(me.user_id, bot_id, privacy)


async def my_bots(room: Bots, me: Principal) -> list[Bot]:
    return await room.store.bots_of(me.user_id)


async def commands_in(room: Bots, me: Principal, cid: ConversationId) -> list[Bot]:
    """The bots among the members of a conversation I am in, with their commands."""
    found = []
    for _, user in await room.ctx.store.members(me.user_id, cid):
        if user.id != me.user_id and await room.is_bot(user.id):
            found.append(await room.store.bot(user.id))
    return found


async def start_bot(room: Bots, me: Principal, username: str) -> Conversation:
    """A person starts a chat with a bot: the bot takes them as a contact (so they can
    chat and add it to groups), and says `/start` for them, as Telegram's Start does."""
    ctx = room.ctx
    bot = await room.store.bot_by_username(username)
    now = ctx.clock()
    with contextlib.suppress(AlreadyContacts):
        request = await ctx.write(
            ctx.store.request_contact(me.user_id, bot.id, "", now, Via.USERNAME)
        )
        await ctx.write(ctx.store.answer_request(bot.id, request.id, True, ctx.clock()))
    conversation = await ctx.write(ctx.store.open_direct(me.user_id, bot.id, ctx.clock()))
    draft = Draft(
        conversation.id, me.user_id, f"tg.start.{secrets.token_hex(8)}", MessageKind.TEXT, "/start"
    )
    await ctx.publish(await ctx.store.post_message(draft, ctx.clock()))
    return conversation


# --- the Bot API ---


async def authenticate(room: Bots, token: str) -> Bot:
    """The bot a token names, if the token is its current one; else 401 Unauthorized."""
    parts = split_token(token)
    if parts is None:
        raise BotUnauthorized()
    bot_id, secret = parts
    stored = await room.store.secret_hash(bot_id)
    if stored is None or not is_secret(secret, stored):
        raise BotUnauthorized()
    return await room.store.bot(bot_id)


async def chat_of(room: Bots, bot: Bot, chat_id: int | str) -> Chat:
    """The chat a bot names: a group it is in (a negative id), or its private chat with
    a person (their id, or '@username') who started it. Else 400 chat not found."""
    ctx = room.ctx
    if isinstance(chat_id, str):
        user = await ctx.store.user_by_name(chat_id)
        if user is None:
            raise ChatNotFound()
        chat_id = int(user.id)
    cid = conversation_of_group(chat_id)
    try:
        if cid is not None:
            view = await ctx.store.conversation(bot.id, cid)
            return Chat(view.conversation)
        peer = await ctx.store.user(UserId(chat_id))
        conversation = await ctx.write(ctx.store.open_direct(bot.id, peer.id, ctx.clock()))
    except (Blocked, YouBlocked):
        raise BotForbidden("bot was blocked by the user") from None
    except NotMember:
        raise BotForbidden("bot is not a member of the group chat") from None
    except (NotFound, Forbidden):
        raise ChatNotFound() from None
    return Chat(conversation, peer)


async def chat_of_message(room: Bots, bot: Bot, message: Message) -> Chat:
    """The chat of a message in the bot's log, as the bot names it."""
    view = await room.ctx.store.conversation(bot.id, message.conversation_id)
    if view.conversation.kind is ConversationKind.GROUP:
        return Chat(view.conversation)
    return Chat(view.conversation, view.peer)


async def render(
    room: Bots, bot: Bot, message: Message, chat: Chat, *, nested: bool = True
) -> Json:
    """A message as the Bot API shows it, with the message it replies to (one level)."""
    sender = await room.ctx.store.user(message.sender_id)
    reply: Json | None = None
    if nested and message.reply_to is not None:
        with contextlib.suppress(NotFound, Forbidden):
            quoted = await room.ctx.store.message(bot.id, message.conversation_id, message.reply_to)
            reply = await render(room, bot, quoted, chat, nested=False)
    return message_json(
        message, chat, sender, sender_is_bot=await room.is_bot(sender.id), reply_to=reply
    )


async def send(
    room: Bots,
    bot: Bot,
    chat: Chat,
    kind: MessageKind,
    text: str | None,
    *,
    reply_to: int | None = None,
    data: dict[str, JsonValue] | None = None,
    media_id: MediaId | None = None,
) -> Json:
    """Post as the bot in the chat; the message as the Bot API shows it."""
    ctx = room.ctx
    if text is not None:
        text = check_text(text, ctx.limits)
    draft = Draft(
        chat.conversation.id, bot.id, f"tg.{room.random(12).hex()}", kind, text,
        reply_to=reply_to, data=data, media_id=media_id,
    )  # fmt: skip
    try:
        outcome = await ctx.store.post_message(draft, ctx.clock())
    except MessageNotFound:
        raise BotBadRequest("message to be replied not found") from None
    except (Blocked, YouBlocked):
        raise BotForbidden("bot was blocked by the user") from None
    await ctx.publish(outcome)
    return await render(room, bot, outcome.value, chat)


async def reply_target(
    room: Bots, bot: Bot, chat: Chat, seq: int | None, lenient: bool
) -> int | None:
    """The message a send replies to, if it exists; else 400 (or no reply, if allowed)."""
    if seq is None:
        return None
    try:
        await room.ctx.store.message(bot.id, chat.conversation.id, seq)
    except (NotFound, Forbidden):
        if lenient:
            return None
        raise BotBadRequest("message to be replied not found") from None
    return seq


# --- updates ---


async def update_of(room: Bots, bot: Bot, entry: LogEntry) -> Json | None:
    """The update a log entry is for the bot, or None if it is none."""
    event = entry.event
    if isinstance(event, AccountEvent):
        return await _callback_update(room, bot, entry.seq, event)
    if not isinstance(event, MessagePosted):
        return None
    message = event.message
    if message.sender_id == bot.id or message.recalled or not is_understood(message):
        return None
    try:
        chat = await chat_of_message(room, bot, message)
    except (NotFound, Forbidden):
        return None  # the bot left since
    if not chat.is_private and not await _sees(room, bot, message):
        return None
    return {"update_id": entry.seq, "message": await render(room, bot, message, chat)}


async def _callback_update(room: Bots, bot: Bot, seq: int, event: AccountEvent) -> Json | None:
    """A press of a callback button of the bot's message (callbacks.py)."""
    extra = event.extra or {}
    cid, message_seq = extra.get("conversation_id"), extra.get("seq")
    if (
        event.event != "callback_query"
        or not isinstance(cid, int)
        or not isinstance(message_seq, int)
    ):
        return None
    try:
        message = await room.ctx.store.message(bot.id, ConversationId(cid), message_seq)
        chat = await chat_of_message(room, bot, message)
        presser = await room.ctx.store.user(event.user_id)
    except (NotFound, Forbidden):
        return None  # the bot left, or the message is gone
    query: Json = {
        "id": event.ticket,
        "from": user_json(presser, is_bot=False),
        "chat_instance": str(cid),
        "data": event.key,
    }
    if not message.recalled:
        query["message"] = await render(room, bot, message, chat)
    return {"update_id": seq, "callback_query": query}


async def _sees(room: Bots, bot: Bot, message: Message) -> bool:
    replies_to_bot = False
    if message.reply_to is not None:
        with contextlib.suppress(NotFound, Forbidden):
            quoted = await room.ctx.store.message(bot.id, message.conversation_id, message.reply_to)
            replies_to_bot = quoted.sender_id == bot.id
    return sees_in_group(
        message.text,
        bot_username=bot.username,
        privacy=bot.privacy,
        replies_to_bot=replies_to_bot,
        mentions_bot=bot.id in message.mentions or f"@{bot.username}" in (message.text or ""),
    )


async def pending(room: Bots, bot: Bot, after: int, limit: int) -> tuple[list[Json], int]:
    """Up to `limit` updates after log seq `after`, and the seq up to which nothing but
    these updates was found (skipped entries below it may be acknowledged)."""
    found: list[Json] = []
    skipped_to = after
    while len(found) < limit:
        entries = await room.ctx.store.read_log(bot.id, after, SCAN_PAGE)
        if not entries:
            break
        for entry in entries:
            update = await update_of(room, bot, entry)
            if update is not None:
                found.append(update)
                if len(found) == limit:
                    break
            elif not found:
                skipped_to = entry.seq
        after = entries[-1].seq
    return found, skipped_to


async def get_updates(
    room: Bots, bot: Bot, offset: int | None, limit: int, timeout: int
) -> list[Json]:
    """getUpdates: acknowledge what is before `offset`, then the updates after; with a
    `timeout`, wait up to that many seconds for the first one (long polling)."""
    limit = max(1, min(limit, 100))
    if offset is not None and offset > 0:
        await room.store.acknowledge(bot.id, offset - 1)
    elif offset is not None and offset < 0:  # the last -offset entries only
        head = await room.ctx.store.log_head(bot.id)
        await room.store.acknowledge(bot.id, head + offset)
    woken = asyncio.Event()
    subscription = room.ctx.bus.subscribe(user_topic(bot.id), lambda _: woken.set())
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2):
                await subscription.ready()
        deadline = asyncio.get_running_loop().time() + max(0, min(timeout, MAX_POLL_SECONDS))
        while True:
            woken.clear()
            current = await room.store.bot(bot.id)
            found, skipped_to = await pending(room, current, current.acked_seq, limit)
            if skipped_to > current.acked_seq:
                await room.store.acknowledge(bot.id, skipped_to)
            left = deadline - asyncio.get_running_loop().time()
            if found or left <= 0:
                return found
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(left):
                    await woken.wait()
    finally:
        subscription.close()


async def bot_user(room: Bots, bot: Bot) -> User:
    return await room.ctx.store.user(bot.id)


async def typing(room: Bots, bot: Bot, chat: Chat) -> None:
    """sendChatAction: the members see the bot typing (ephemeral, never stored)."""
    await message_actions.typing(room.ctx, room.as_user(bot), chat.conversation.id)


async def member_of(room: Bots, bot: Bot, chat: Chat, user_id: int) -> tuple[User, str]:
    """A member of the chat and their status as the Bot API names it."""
    if chat.peer is not None:
        if user_id == chat.peer.id:
            return chat.peer, "member"
        if user_id == bot.id:
            return await bot_user(room, bot), "member"
        raise BotBadRequest("user not found")
    for member, user in await room.ctx.store.members(bot.id, chat.conversation.id):
        if user.id == user_id:
            status = {Role.OWNER: "creator", Role.ADMIN: "administrator"}.get(member.role, "member")
            return user, status
    raise BotBadRequest("user not found")


async def leave(room: Bots, bot: Bot, chat: Chat) -> None:
    if chat.peer is not None:
        raise BotBadRequest("chat member status can't be changed in private chats")
    await conversation_actions.leave(room.ctx, room.as_user(bot), chat.conversation.id)


# --- webhooks ---


async def set_webhook(room: Bots, bot: Bot, url: str, secret: str, drop_pending: bool) -> None:
    """setWebhook: updates go to `url` from now on (checked by the SSRF guard); an empty
    url removes the webhook, as deleteWebhook does."""
    if url:
        try:
            await room.webhooks.check_address(url)
        except MicroletterError as exc:
            raise BotBadRequest(f"bad webhook: {exc.message}") from None
    if secret and not SECRET_TOKEN_RE.fullmatch(secret):
        raise BotBadRequest("secret token contains unallowed characters")
    if drop_pending:
        await room.store.acknowledge(bot.id, await room.ctx.store.log_head(bot.id))
    await room.store.set_webhook(bot.id, url, secret)
    room.on_webhook_change()


async def webhook_info(room: Bots, bot: Bot) -> Json:
    found, _ = await pending(room, bot, bot.acked_seq, 100)
    info: Json = {
        "url": bot.webhook_url,
        "has_custom_certificate": False,
        "pending_update_count": len(found),
        "max_connections": 1,
    }
    if bot.last_error_at is not None:
        info["last_error_date"] = bot.last_error_at // 1000
        info["last_error_message"] = bot.last_error
    return info
