"""The `bots` scenario: Telegram bots' menus under load. N people each press a callback
button of their own bot's menu without pause; each bot (a plain Bot API client, long
polling getUpdates) answers the query and edits its message, as a python-telegram-bot
menu does. Measured: a press until its answer is back (through the bot's log, its
getUpdates and answerCallbackQuery on the bus), an editMessageText, and the presses and
edits per second.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from microletter.bench.setup import close_world, make_users
from microletter.bench.stats import percentiles
from microletter.client import ApiError, Client

MENU = {"inline_keyboard": [[{"text": "Again", "callback_data": "again"}]]}


async def bot_call(session: aiohttp.ClientSession, url: str, method: str, **params: Any) -> Any:
    async with session.post(f"{url}/bot{params.pop('token')}/{method}", json=params) as reply:
        body = await reply.json()
    if not body.get("ok"):
        raise RuntimeError(f"{method}: {body.get('description')}")
    return body["result"]


class BotLoop:
    """One bot: answers every press and edits the pressed message (a new text each time)."""

    def __init__(self, session: aiohttp.ClientSession, url: str, token: str) -> None:
        self.session, self.url, self.token = session, url, token
        self.edits: list[float] = []
        self.counting = False

    async def run(self) -> None:
        offset = 0
        turn = 0
        while True:
            updates = await bot_call(
                self.session, self.url, "getUpdates", token=self.token, offset=offset, timeout=10
            )
            for update in updates:
                offset = update["update_id"] + 1
                query = update.get("callback_query")
                if query is None:
                    continue
                await bot_call(
                    self.session, self.url, "answerCallbackQuery", token=self.token,
                    callback_query_id=query["id"], text="ok",
                )  # fmt: skip
                turn += 1
                started = time.monotonic()
                await bot_call(
                    self.session, self.url, "editMessageText", token=self.token,
                    chat_id=query["message"]["chat"]["id"],
                    message_id=query["message"]["message_id"], text=f"<b>Turn</b> {turn}",
                    parse_mode="HTML", reply_markup=MENU,
                )  # fmt: skip
                if self.counting:
                    self.edits.append(time.monotonic() - started)


async def _person(person: Client, cid: int, seq: int, presses: list[float], on: list[bool]) -> None:
    while True:
        started = time.monotonic()
        try:
            answer = await person.call(
                "POST", "/api/v1/telegram/callbacks",
                {"conversation_id": cid, "seq": seq, "data": "again"},
            )  # fmt: skip
        except ApiError:
            await asyncio.sleep(0.1)
            continue
        if on[0] and answer.get("answered"):
            presses.append(time.monotonic() - started)


async def _measure(
    url: str, people: int, duration: float, warmup: float, log: Callable[[str], None]
) -> dict[str, Any]:
    world = await make_users(url, people + 1, "botb")
    dev, users = world.users[0], world.users[1:]
    try:
        loops: list[BotLoop] = []
        chats: list[tuple[Client, int, int]] = []
        for i, person in enumerate(users):
            made = await dev.call(
                "POST", "/api/v1/telegram/bots", {"username": f"bench{i:04d}_bot", "name": "B"}
            )
            token = made["token"]
            started = await person.call(
                "POST", "/api/v1/telegram/start", {"username": f"bench{i:04d}_bot"}
            )
            cid = int(started["conversation"]["id"])
            assert person.user is not None
            said = await bot_call(
                world.session, url, "sendMessage", token=token, chat_id=person.user["id"],
                text="Menu", reply_markup=MENU,
            )  # fmt: skip
            loops.append(BotLoop(world.session, url, token))
            chats.append((person, cid, int(said["message_id"])))
        presses: list[float] = []
        on = [False]
        tasks = [asyncio.create_task(loop.run()) for loop in loops]
        tasks += [asyncio.create_task(_person(p, c, s, presses, on)) for p, c, s in chats]
        await asyncio.sleep(warmup)
        on[0] = True
        for loop in loops:
            loop.counting = True
        await asyncio.sleep(duration)
        on[0] = False
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
    finally:
        await close_world(world)
    edits = [e for loop in loops for e in loop.edits]
    press_ms, edit_ms = percentiles(presses), percentiles(edits)
    log(f"bots: {people} people, {len(presses)} presses, {len(edits)} edits in {duration}s")
    return {
        "bots": people,
        "presses_per_s": round(len(presses) / duration, 1),
        "press_ms_p50": press_ms["p50"],
        "press_ms_p99": press_ms["p99"],
        "edits_per_s": round(len(edits) / duration, 1),
        "edit_ms_p50": edit_ms["p50"],
        "edit_ms_p99": edit_ms["p99"],
    }


def measure(
    url: str, people: int, duration: float, warmup: float, log: Callable[[str], None]
) -> dict[str, Any]:
    return asyncio.run(_measure(url, people, duration, warmup, log))
