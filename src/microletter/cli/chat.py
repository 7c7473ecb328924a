"""`microletter chat ...`: use a server from the terminal or a script (`--json`).

The login is kept in a small profile file (`--profile`, $MICROLETTER_CLI_CONFIG, or
~/.config/microletter/cli.json), so that commands can follow each other:

    microletter chat register alice --server http://127.0.0.1:8080
    microletter chat add bob --greeting "hi, it's Alice"
    microletter chat send @bob "hello"
    microletter chat listen
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import aiohttp
import click

from microletter.client import ApiError, Client
from microletter.core.ids import parse_id

DEFAULT_SERVER = "http://127.0.0.1:8080"
LOGIN_HINT = "log in with `microletter chat login USERNAME` (or `register`)"
P = ParamSpec("P")
R = TypeVar("R")


def default_profile() -> Path:
    env = os.environ.get("MICROLETTER_CLI_CONFIG")
    return Path(env) if env else Path.home() / ".config" / "microletter" / "cli.json"


@dataclass
class Profile:
    path: Path
    server: str
    data: dict[str, Any]
    as_json: bool

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # It holds a token: readable by its owner only, from the moment it exists.
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(self.data, indent=2))
        self.path.chmod(0o600)

    def client(self) -> Client:
        return Client(self.server, self.data.get("token"))

    def out(self, value: Any, text: str | Callable[[Any], str]) -> None:
        if self.as_json:
            click.echo(json.dumps(value, ensure_ascii=False))
        else:
            click.echo(text(value) if callable(text) else text)


def run(fn: Callable[P, Awaitable[R]]) -> Callable[P, R]:
    """Run an async command; turn server errors into a clean message and exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return asyncio.run(fn(*args, **kwargs))  # type: ignore[arg-type]  # fn returns a coroutine
        except ApiError as exc:
            hint = f"; {LOGIN_HINT}" if exc.code.startswith("auth.") else ""
            raise click.ClickException(f"{exc.code}: {exc.message}{hint}") from None
        except TimeoutError:
            raise click.ClickException("cannot reach the server: no answer in time") from None
        except (OSError, aiohttp.ClientError) as exc:
            raise click.ClickException(f"cannot reach the server: {exc}") from None

    return wrapper


pass_profile = click.make_pass_decorator(Profile)


@click.group()
@click.option("--server", help=f"Server URL (default: the saved one, else {DEFAULT_SERVER}).")
@click.option("--profile", "profile_path", type=click.Path(path_type=Path), help="Profile file.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per line).")
@click.pass_context
def chat(ctx: click.Context, server: str | None, profile_path: Path | None, as_json: bool) -> None:
    """Chat from the command line: register, add contacts, make groups, send, listen."""
    if server and not server.startswith(("http://", "https://")):
        raise click.BadParameter("use an http:// or https:// URL", param_hint="--server")
    # The SDK's own warnings repeat what the command reports as its error.
    logging.getLogger("microletter.client").addHandler(logging.NullHandler())
    path = profile_path or default_profile()
    data = json.loads(path.read_text()) if path.exists() else {}
    if server:
        data["server"] = server
    ctx.obj = Profile(path, data.get("server", DEFAULT_SERVER), data, as_json)


def _remember(p: Profile, reply: dict[str, Any], cursor: int, epoch: str | None) -> None:
    """Keep the new login, and the log position `listen` starts from (nothing is missed
    between logging in and the first `listen`)."""
    p.data.update(
        server=p.server, token=reply["token"], user=reply["user"], cursor=cursor, epoch=epoch
    )
    p.save()


@chat.command()
@click.argument("username")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="MICROLETTER_PASSWORD",
)
@click.option("--display-name", default="")
@pass_profile
@run
async def register(p: Profile, username: str, password: str, display_name: str) -> None:
    """Create an account and log in."""
    async with p.client() as c:
        reply = await c.register(username, password, display_name, device_name="cli")
    _remember(p, reply, 0, None)  # a new account's update log starts empty
    p.out(reply["user"], f"registered and logged in as {username} on {p.server}")


@chat.command()
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, envvar="MICROLETTER_PASSWORD")
@pass_profile
@run
async def login(p: Profile, username: str, password: str) -> None:
    """Log in (a new device)."""
    async with p.client() as c:
        reply = await c.login(username, password, device_name="cli")
        state = await c.state()
    _remember(p, reply, state["cursor"], state["epoch"])
    p.out(reply["user"], f"logged in as {username} on {p.server}")


@chat.command()
@pass_profile
@run
async def logout(p: Profile) -> None:
    """Log this device out and forget the token."""
    async with p.client() as c:
        await c.logout()
    p.data.pop("token", None)
    p.save()
    p.out({"ok": True}, "logged out")


@chat.command()
@pass_profile
@run
async def whoami(p: Profile) -> None:
    """Show the logged-in user."""
    async with p.client() as c:
        me = await c.me()
    p.out(me, lambda u: f"{u['username']} ({u['display_name']}) id={u['id']} on {p.server}")


@chat.command()
@click.argument("username")
@click.option("--greeting", default="", help="A few words for them.")
@pass_profile
@run
async def add(p: Profile, username: str, greeting: str) -> None:
    """Send a friend request."""
    async with p.client() as c:
        request = await c.request_contact(username=username, greeting=greeting)
    p.out(request, lambda r: f"request {r['id']} to {username}: {r['status']}")


@chat.command()
@pass_profile
@run
async def requests(p: Profile) -> None:
    """List friend requests (received and sent)."""
    async with p.client() as c:
        items = await c.requests()
    me = p.data.get("user", {}).get("id")
    for r in items:
        incoming = r["to_user"]["id"] == me
        who = r["from_user"]["username"] if incoming else r["to_user"]["username"]
        arrow = "from" if incoming else "to"
        p.out(r, f"{r['id']}  {arrow} {who}  {r['status']}  {r['greeting']}")


@chat.command()
@click.argument("request_id", type=int)
@pass_profile
@run
async def accept(p: Profile, request_id: int) -> None:
    """Accept a friend request by its id."""
    async with p.client() as c:
        request = await c.accept(request_id)
    p.out(request, f"you and {request['from_user']['username']} are now contacts")


@chat.command()
@click.argument("request_id", type=int)
@pass_profile
@run
async def decline(p: Profile, request_id: int) -> None:
    """Decline a friend request by its id."""
    async with p.client() as c:
        request = await c.decline(request_id)
    p.out(request, "declined")


@chat.command()
@pass_profile
@run
async def contacts(p: Profile) -> None:
    """List your contacts."""
    async with p.client() as c:
        items = await c.contacts()
    for contact in items:
        u = contact["user"]
        label = contact["remark"] or u["display_name"]
        p.out(contact, f"{u['username']:20} {label}  id={u['id']}")


@chat.command()
@pass_profile
@run
async def conversations(p: Profile) -> None:
    """List your conversations with unread counts."""
    async with p.client() as c:
        items = await c.conversations()
    for view in items:
        conv = view["conversation"]
        title = conv["name"] or (view["peer"] or {}).get("display_name", "")
        p.out(view, f"{conv['id']}  {conv['kind']:6} {title:24} unread={view['unread']}")


@chat.group()
def group() -> None:
    """Create and manage groups."""


@group.command("create")
@click.argument("name")
@click.argument("usernames", nargs=-1)
@pass_profile
@run
async def group_create(p: Profile, name: str, usernames: tuple[str, ...]) -> None:
    """Create a group with some of your contacts."""
    async with p.client() as c:
        ids = [(await c.find_user(u))["id"] for u in usernames]
        view = await c.create_group(name, ids)
    p.out(view, f"group {view['conversation']['id']} created: {name}")


@group.command("add")
@click.argument("conversation_id", type=int)
@click.argument("usernames", nargs=-1, required=True)
@pass_profile
@run
async def group_add(p: Profile, conversation_id: int, usernames: tuple[str, ...]) -> None:
    """Invite contacts to a group."""
    async with p.client() as c:
        ids = [(await c.find_user(u))["id"] for u in usernames]
        view = await c.add_members(conversation_id, ids)
    p.out(view, f"{len(ids)} added; {view['conversation']['member_count']} members")


async def _target(c: Client, target: str) -> int:
    """`@username` (your direct conversation with them) or a conversation id."""
    if target.startswith("@"):
        user = await c.find_user(target[1:])
        view = await c.open_direct(user["id"])
        return int(view["conversation"]["id"])
    cid = parse_id(target)
    if cid is None:
        raise click.BadParameter("use @username or a conversation id", param_hint="TARGET")
    return cid


@chat.command()
@click.argument("target")
@click.argument("text")
@pass_profile
@run
async def send(p: Profile, target: str, text: str) -> None:
    """Send TEXT to @username or to a conversation id."""
    async with p.client() as c:
        message = await c.send_text(await _target(c, target), text)
    p.out(message, f"sent #{message['seq']} to {target}")


@chat.command()
@click.argument("target")
@click.option("--limit", default=20, show_default=True)
@pass_profile
@run
async def history(p: Profile, target: str, limit: int) -> None:
    """Show the latest messages of @username or a conversation id."""
    async with p.client() as c:
        items = await c.history(await _target(c, target), limit=limit)
        names = {} if p.as_json else await _names(c)
    for m in items:
        p.out(m, _describe(m, names))


Names = dict[int, str]


async def _names(c: Client) -> Names:
    """Display names of everyone the state mentions (me, contacts, direct peers)."""
    state = await c.state()
    names = {state["user"]["id"]: "me"}
    for contact in state["contacts"]:
        user = contact["user"]
        names[user["id"]] = contact["remark"] or user["display_name"] or user["username"]
    for view in state["conversations"]:
        if view.get("peer"):
            names.setdefault(view["peer"]["id"], view["peer"]["display_name"])
    return names


def _who(names: Names, user_id: int) -> str:
    return names.get(user_id, str(user_id))


def _describe(m: dict[str, Any], names: Names | None = None) -> str:
    if m["recalled"]:
        body = "(recalled)"
    elif m["kind"] == "system":
        body = f"[{(m['data'] or {}).get('action', 'note')}]"
    elif m["kind"] != "text":
        media = (m["data"] or {}).get("media", {})
        body = f"<{m['kind']}: {media.get('name') or media.get('mime', '')}> {m['text'] or ''}"
    else:
        body = m["text"]
    return f"#{m['seq']:<5} {_who(names or {}, m['sender_id'])}: {body}"


@chat.command()
@click.option("--count", type=int, help="Stop after this many events.")
@click.option("--timeout", type=float, help="Stop after this many seconds.")
@click.option("--from-start", is_flag=True, help="Replay your whole update log first.")
@pass_profile
@run
async def listen(p: Profile, count: int | None, timeout: float | None, from_start: bool) -> None:
    """Print live events; resumes where the last `listen` stopped."""
    cursor = 0 if from_start else p.data.get("cursor")
    # Where the next listen resumes: after the last event printed (not merely received).
    resume = {"cursor": cursor, "epoch": p.data.get("epoch")}
    async with p.client() as c:
        names = {} if p.as_json else await _names(c)
        rt = c.realtime(cursor=cursor, epoch=resume["epoch"])
        await rt.start()
        seen = 0
        try:
            async with asyncio.timeout(timeout):
                while count is None or seen < count:
                    try:
                        event = await rt.next_event(timeout=1.0)
                    except TimeoutError:
                        if rt.fatal is not None:  # e.g. this device was logged out
                            raise rt.fatal from None
                        continue
                    _print_event(p, event, names)
                    if event["seq"] is not None:  # typing has none; reset has the new cursor
                        resume = {"cursor": event["seq"], "epoch": rt.epoch}
                    seen += 1
        except TimeoutError:
            pass
        finally:
            await rt.close()
            p.data.update(resume)
            p.save()


def _print_event(p: Profile, event: dict[str, Any], names: Names) -> None:
    p.out(event, lambda e: _event_text(e["kind"], e["data"], names))


def _event_text(kind: str, data: dict[str, Any], names: Names) -> str:
    """One readable line per event kind (docs/protocol.md lists them)."""
    if kind == "message":
        m = data["message"]
        return f"[{m['conversation_id']}] {_describe(m, names)}"
    if kind == "contact":
        user = data["contact"]["user"]
        names[user["id"]] = data["contact"]["remark"] or user["display_name"]
        return f"(contact) {user['username']} is a contact"
    if kind == "contact_request":
        r = data["request"]
        return (
            f"(request {r['id']}) {r['from_user']['username']} -> {r['to_user']['username']}:"
            f" {r['status']} {r['greeting']!r}"
        )
    if kind == "read":
        who = _who(names, data["user_id"])
        return f"[{data['conversation_id']}] {who} read up to #{data['seq']}"
    if kind == "recall":
        return f"[{data['conversation_id']}] {_who(names, data['by'])} recalled #{data['seq']}"
    if kind == "edit":
        m = data["message"]
        return f"[{m['conversation_id']}] (edited #{m['seq']}) {_describe(m, names)}"
    if kind == "typing":
        return f"[{data['conversation_id']}] {_who(names, data['user_id'])} is typing..."
    if kind == "conversation":
        conv = data["conversation"]
        return f"[{conv['id']}] {conv['kind']} {conv['name']!r}: {conv['member_count']} members"
    if kind == "left":
        return f"[{data['conversation_id']}] you are no longer a member"
    if kind == "profile":
        names[data["user"]["id"]] = data["user"]["display_name"]
        return f"(profile) {data['user']['username']} is now {data['user']['display_name']!r}"
    return f"({kind}) {json.dumps(data, ensure_ascii=False)}"
