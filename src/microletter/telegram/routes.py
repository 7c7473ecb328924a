"""The Bot API's HTTP door (/bot<token>/METHOD and /file/bot<token>/<file_path>), in
Telegram's JSON conventions, and the console's /api/v1 routes (make a bot, a token,
privacy mode; start a bot). Thin: parse, call, render."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Awaitable, Callable

from aiohttp import BodyPartReader, web

from microletter.core.errors import (
    Forbidden,
    InvalidInput,
    MessageNotFound,
    MicroletterError,
    NotFound,
    NotMember,
    RateLimited,
    TooLarge,
    Unauthenticated,
    UsernameTaken,
    UserNotFound,
)
from microletter.core.ids import ConversationId, UserId
from microletter.gateway.api import Call, Router
from microletter.telegram import actions, callbacks, files
from microletter.telegram.actions import Bots
from microletter.telegram.errors import (
    BotApiError,
    BotMethodNotFound,
    BotNotFound,
    BotUsernameInvalid,
    ButtonNotFound,
    NotBotOwner,
)
from microletter.telegram.methods import METHODS
from microletter.telegram.params import Params, Upload, from_json
from microletter.telegram.wire import (
    BotBody,
    BotCommandsOut,
    BotOut,
    BotPatch,
    BotReply,
    BotsReply,
    BotTokenReply,
    CommandsQuery,
    CommandsReply,
    PressBody,
    PressReply,
    StartBody,
    StartReply,
)

log = logging.getLogger(__name__)

Limit = Callable[[str, str], Awaitable[None]]


def answer(result: object) -> web.Response:
    return web.json_response({"ok": True, "result": result}, dumps=_dumps)


def _dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False)


def failure(exc: MicroletterError) -> web.Response:
    """The Bot API's error shape; the HTTP status is the error_code, as Telegram's."""
    status, description = bot_error(exc)
    body: dict[str, object] = {"ok": False, "error_code": status, "description": description}
    retry = exc.details.get("retry_after") or exc.details.get("retry_after_seconds")
    if status == 429 and isinstance(retry, int | float):
        seconds = max(1, math.ceil(retry))
        body["description"] = f"Too Many Requests: retry after {seconds}"
        body["parameters"] = {"retry_after": seconds}
    return web.json_response(body, status=status, dumps=_dumps)


def bot_error(exc: MicroletterError) -> tuple[int, str]:
    """A microletter error as the Bot API says it (code, description)."""
    if isinstance(exc, BotApiError):
        return exc.error_code, exc.message
    if isinstance(exc, TooLarge):
        return 400, f"Bad Request: {exc.message}"
    if isinstance(exc, InvalidInput):
        return 400, f"Bad Request: {exc.message}"
    if isinstance(exc, Unauthenticated):
        return 401, "Unauthorized"
    if isinstance(exc, Forbidden):
        return 403, f"Forbidden: {exc.message}"
    if isinstance(exc, NotFound):
        return 400, f"Bad Request: {exc.message}"
    if isinstance(exc, RateLimited):
        return 429, "Too Many Requests: retry later"
    return 500, "Internal Server Error"


async def read_params(request: web.Request) -> Params:
    """The call's parameters: query string, then the body (JSON, urlencoded, multipart)."""
    values: dict[str, object] = dict(request.query)
    files: dict[str, Upload] = {}
    if request.method == "POST" and request.can_read_body:
        kind = request.content_type
        if kind == "application/json":
            try:
                body = json.loads(await request.read() or b"{}")
            except ValueError:
                body = None
            values.update(from_json(body).values)
        elif kind == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                if part.filename is not None:
                    data = await part.read()
                    files[part.name] = Upload(
                        part.filename, part.headers.get("Content-Type", ""), bytes(data)
                    )
                else:
                    values[part.name] = await part.text()
        else:
            form = await request.post()
            values.update({k: v for k, v in form.items() if isinstance(v, str)})
    return Params(values, files)


def bot_api(room: Bots, limit: Limit) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            bot = await actions.authenticate(room, request.match_info["token"])
            method = METHODS.get(request.match_info["method"].lower())
            if method is None:
                raise BotMethodNotFound()
            await limit("account", f"bot:{bot.id}")
            params = await read_params(request)
            return answer(await method(room, bot, params))
        except MicroletterError as exc:
            room.ctx.metrics.errors.labels(exc.code).inc()
            return failure(exc)
        except web.HTTPRequestEntityTooLarge:
            return web.json_response(
                {"ok": False, "error_code": 413, "description": "Request Entity Too Large"},
                status=413,
            )
        except Exception:
            log.exception("telegram.unexpected", extra={"path": request.match_info.get("method")})
            return failure(MicroletterError())

    return handle


def file_download(room: Bots) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            bot = await actions.authenticate(room, request.match_info["token"])
            served = await files.serve(room, bot, request.match_info["path"])
        except MicroletterError as exc:
            return failure(exc)
        if served.path is None:
            raise web.HTTPFound(served.url or "/")
        return web.FileResponse(served.path, headers={"Content-Type": served.media.mime})

    return handle


def mount_bot_api(app: web.Application, room: Bots, limit: Limit) -> None:
    app.router.add_route("*", "/bot{token}/{method}", bot_api(room, limit))
    app.router.add_get("/file/bot{token}/{path:.+}", file_download(room))


def routers(room: Bots) -> list[Router]:
    router = Router("/api/v1", tags=["telegram"])

    @router.post("/telegram/bots", status=201, errors=[BotUsernameInvalid, UsernameTaken])
    async def create_bot(call: Call, body: BotBody) -> BotTokenReply:
        """Make a bot that speaks the Telegram Bot API at /bot<token>/METHOD. The token
        (`<bot id>:<35 characters>`) is shown this once."""
        bot, token = await actions.create_bot(room, call.me, body.username, body.name)
        return BotTokenReply(BotOut.of(bot), token)

    @router.get("/telegram/bots", rate=None)
    async def list_bots(call: Call) -> BotsReply:
        """The bots you made."""
        return BotsReply([BotOut.of(b) for b in await actions.my_bots(room, call.me)])

    @router.post("/telegram/bots/{bot_id}/token", errors=[BotNotFound, NotBotOwner])
    async def new_token(call: Call, bot_id: int) -> BotTokenReply:
        """A new token for your bot; the old one stops working at once."""
        bot, token = await actions.new_token(room, call.me, UserId(bot_id))
        return BotTokenReply(BotOut.of(bot), token)

    @router.patch("/telegram/bots/{bot_id}", errors=[BotNotFound, NotBotOwner])
    async def patch_bot(call: Call, bot_id: int, body: BotPatch) -> BotReply:
        """Turn your bot's group privacy mode on or off."""
        return BotReply(
            BotOut.of(await actions.set_privacy(room, call.me, UserId(bot_id), body.privacy))
        )

    @router.post("/telegram/callbacks", errors=[ButtonNotFound, MessageNotFound, NotMember])
    async def press_button(call: Call, body: PressBody) -> PressReply:
        """Press a callback button under a bot's message: the bot gets a callback query.
        Answers with the bot's answerCallbackQuery if it comes within 10 seconds."""
        found = await callbacks.press(
            room, call.me, ConversationId(body.conversation_id), body.seq, body.data
        )
        return PressReply(
            bool(found.get("answered")), str(found.get("text") or ""),
            bool(found.get("show_alert")), str(found.get("url") or ""),
        )  # fmt: skip

    @router.get("/telegram/commands", rate=None, errors=[NotMember])
    async def bot_commands(call: Call, query: CommandsQuery) -> CommandsReply:
        """The commands of the bots in a conversation you are in (shown on "/")."""
        found = await actions.commands_in(room, call.me, ConversationId(query.conversation_id))
        return CommandsReply([BotCommandsOut.of(b) for b in found])

    @router.post("/telegram/start", errors=[BotNotFound, UserNotFound])
    async def start(call: Call, body: StartBody) -> StartReply:
        """Start a chat with a bot (by its username): it becomes your contact, so you can
        also add it to groups, and `/start` is said for you."""
        return StartReply(await actions.start_bot(room, call.me, body.username))

    return [router]
