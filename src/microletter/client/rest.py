"""The async REST client: one method per API operation, JSON in and out.

async with Client("http://127.0.0.1:8080") as c:
    await c.register("alice", "correct horse")
    await c.request_contact(username="bob", greeting="hi, it's Alice")
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp

Json = dict[str, Any]


class ApiError(Exception):
    """An error the server answered, with its stable code."""

    def __init__(self, status: int, code: str, message: str, details: Json | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}


def new_client_msg_id() -> str:
    return uuid.uuid4().hex[:16]


async def _read_chunks(path: Path, size: int = 256 * 1024) -> AsyncIterable[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(size):
            yield chunk


class Client:
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        session: aiohttp.ClientSession | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.user: Json | None = None
        self._own_session = session is None
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def call(
        self,
        method: str,
        path: str,
        body: Json | None = None,
        *,
        raw: bytes | AsyncIterable[bytes] | None = None,
        **query: Any,
    ) -> Any:
        """One request; raises ApiError for any error the server answers. `data` is a raw
        body (bytes or a stream of chunks) instead of a JSON `body`."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if raw is not None:
            headers["Content-Type"] = "application/octet-stream"
        params = {k: str(v) for k, v in query.items() if v is not None}
        async with self.session.request(
            method, self.base_url + path, json=body, data=raw, params=params, headers=headers
        ) as response:
            if response.status == 204:
                return None
            try:
                data = await response.json(content_type=None)
            except ValueError:
                data = {"error": {"code": "internal", "message": await response.text()}}
            if response.status >= 400:
                error = (data or {}).get("error", {})
                raise ApiError(
                    response.status,
                    error.get("code", "internal"),
                    error.get("message", response.reason or ""),
                    error.get("details"),
                )
            return data

    # --- accounts ---

    async def register(
        self, username: str, password: str, display_name: str = "", device_name: str = "sdk"
    ) -> Json:
        reply: Json = await self.call(
            "POST",
            "/api/v1/accounts",
            {
                "username": username,
                "password": password,
                "display_name": display_name,
                "device_name": device_name,
            },
        )
        self.token, self.user = reply["token"], reply["user"]
        return reply

    async def login(self, username: str, password: str, device_name: str = "sdk") -> Json:
        reply: Json = await self.call(
            "POST",
            "/api/v1/sessions",
            {"username": username, "password": password, "device_name": device_name},
        )
        self.token, self.user = reply["token"], reply["user"]
        return reply

    async def logout(self) -> None:
        await self.call("DELETE", "/api/v1/sessions/current")
        self.token = None

    async def me(self) -> Json:
        user: Json = (await self.call("GET", "/api/v1/me"))["user"]
        self.user = user
        return user

    async def update_profile(
        self, display_name: str | None = None, locale: str | None = None
    ) -> Json:
        body = {
            k: v
            for k, v in {"display_name": display_name, "locale": locale}.items()
            if v is not None
        }
        user: Json = (await self.call("PATCH", "/api/v1/me", body))["user"]
        return user

    async def devices(self) -> Json:
        reply: Json = await self.call("GET", "/api/v1/me/devices")
        return reply

    async def revoke_device(self, device_id: int) -> None:
        await self.call("DELETE", f"/api/v1/me/devices/{device_id}")

    async def find_user(self, username: str) -> Json:
        user: Json = (await self.call("GET", f"/api/v1/users/{username}"))["user"]
        return user

    # --- contacts ---

    async def request_contact(
        self, *, username: str | None = None, user_id: int | None = None, greeting: str = ""
    ) -> Json:
        body: Json = {"greeting": greeting}
        if username is not None:
            body["username"] = username
        if user_id is not None:
            body["user_id"] = user_id
        request: Json = (await self.call("POST", "/api/v1/contact-requests", body))["request"]
        return request

    async def requests(self) -> list[Json]:
        items: list[Json] = (await self.call("GET", "/api/v1/contact-requests"))["requests"]
        return items

    async def accept(self, request_id: int) -> Json:
        path = f"/api/v1/contact-requests/{request_id}/accept"
        request: Json = (await self.call("POST", path))["request"]
        return request

    async def decline(self, request_id: int) -> Json:
        path = f"/api/v1/contact-requests/{request_id}/decline"
        request: Json = (await self.call("POST", path))["request"]
        return request

    async def contacts(self) -> list[Json]:
        items: list[Json] = (await self.call("GET", "/api/v1/contacts"))["contacts"]
        return items

    async def remove_contact(self, user_id: int) -> None:
        await self.call("DELETE", f"/api/v1/contacts/{user_id}")

    async def set_remark(self, user_id: int, remark: str) -> Json:
        contact: Json = (
            await self.call("PATCH", f"/api/v1/contacts/{user_id}", {"remark": remark})
        )["contact"]
        return contact

    async def block(self, user_id: int) -> None:
        await self.call("PUT", f"/api/v1/blocks/{user_id}")

    async def unblock(self, user_id: int) -> None:
        await self.call("DELETE", f"/api/v1/blocks/{user_id}")

    async def blocks(self) -> list[Json]:
        users: list[Json] = (await self.call("GET", "/api/v1/blocks"))["users"]
        return users

    # --- conversations ---

    async def conversations(self) -> list[Json]:
        items: list[Json] = (await self.call("GET", "/api/v1/conversations"))["conversations"]
        return items

    async def conversation(self, cid: int) -> Json:
        view: Json = (await self.call("GET", f"/api/v1/conversations/{cid}"))["conversation"]
        return view

    async def create_group(self, name: str, member_ids: Sequence[int]) -> Json:
        body = {"name": name, "member_ids": list(member_ids)}
        view: Json = (await self.call("POST", "/api/v1/conversations", body))["conversation"]
        return view

    async def open_direct(self, user_id: int) -> Json:
        body = {"user_id": user_id}
        view: Json = (await self.call("POST", "/api/v1/conversations/direct", body))["conversation"]
        return view

    async def update_group(
        self, cid: int, *, name: str | None = None, announcement: str | None = None
    ) -> Json:
        body = {
            k: v for k, v in {"name": name, "announcement": announcement}.items() if v is not None
        }
        view: Json = (await self.call("PATCH", f"/api/v1/conversations/{cid}", body))[
            "conversation"
        ]
        return view

    async def members(self, cid: int) -> list[Json]:
        items: list[Json] = (await self.call("GET", f"/api/v1/conversations/{cid}/members"))[
            "members"
        ]
        return items

    async def add_members(self, cid: int, user_ids: Sequence[int]) -> Json:
        body = {"user_ids": list(user_ids)}
        path = f"/api/v1/conversations/{cid}/members"
        view: Json = (await self.call("POST", path, body))["conversation"]
        return view

    async def remove_member(self, cid: int, user_id: int) -> None:
        await self.call("DELETE", f"/api/v1/conversations/{cid}/members/{user_id}")

    async def leave(self, cid: int) -> None:
        if self.user is None:
            await self.me()
        assert self.user is not None
        await self.remove_member(cid, self.user["id"])

    async def set_role(self, cid: int, user_id: int, role: str) -> Json:
        path = f"/api/v1/conversations/{cid}/members/{user_id}/role"
        view: Json = (await self.call("PUT", path, {"role": role}))["conversation"]
        return view

    async def transfer_owner(self, cid: int, user_id: int) -> Json:
        path = f"/api/v1/conversations/{cid}/owner"
        view: Json = (await self.call("POST", path, {"user_id": user_id}))["conversation"]
        return view

    async def mute(self, cid: int, muted: bool = True) -> Json:
        path = f"/api/v1/conversations/{cid}/mute"
        view: Json = (await self.call("PUT", path, {"muted": muted}))["conversation"]
        return view

    # --- messages ---

    async def send_text(
        self,
        cid: int,
        text: str,
        *,
        client_msg_id: str | None = None,
        reply_to: int | None = None,
        mentions: Sequence[int] = (),
        mention_all: bool = False,
    ) -> Json:
        body: Json = {
            "client_msg_id": client_msg_id or new_client_msg_id(),
            "text": text,
            "reply_to": reply_to,
            "mentions": list(mentions),
            "mention_all": mention_all,
        }
        path = f"/api/v1/conversations/{cid}/messages"
        message: Json = (await self.call("POST", path, body))["message"]
        return message

    async def send_media(
        self,
        cid: int,
        media: Json | str,
        *,
        kind: str | None = None,
        caption: str | None = None,
        client_msg_id: str | None = None,
        reply_to: int | None = None,
    ) -> Json:
        """Send an image, voice or file message carrying uploaded `media` (the Media from
        `upload`, or its id with `kind`); images and files may have a caption."""
        media_id = media if isinstance(media, str) else media["id"]
        body: Json = {
            "client_msg_id": client_msg_id or new_client_msg_id(),
            "kind": kind or (media["kind"] if isinstance(media, dict) else "file"),
            "media_id": media_id,
            "text": caption,
            "reply_to": reply_to,
        }
        path = f"/api/v1/conversations/{cid}/messages"
        message: Json = (await self.call("POST", path, body))["message"]
        return message

    # --- media ---

    async def upload(
        self,
        data: bytes | Path | AsyncIterable[bytes],
        kind: str = "file",
        name: str | None = None,
    ) -> Json:
        """Upload bytes, a file (read as it is sent) or a stream of chunks as `kind`
        (image, voice or file); returns the Media to send with `send_media`."""
        if isinstance(data, Path):
            name = name if name is not None else data.name
            data = _read_chunks(data)
        reply: Json = await self.call("POST", "/api/v1/media", raw=data, kind=kind, name=name)
        media: Json = reply["media"]
        return media

    async def media_urls(self, ids: Sequence[str]) -> Json:
        """Signed links to media you may see: `{"urls": {id: {url, thumbnail_url,
        expires_at}}, "denied": [...]}`; the URLs are relative to the server."""
        reply: Json = await self.call("POST", "/api/v1/media/urls", {"ids": list(ids)})
        return reply

    async def download(self, url: str) -> bytes:
        """The bytes behind a signed link (no token needed)."""
        async with self.session.get(self.base_url + url) as response:
            if response.status >= 400:
                error = (await response.json(content_type=None)).get("error", {})
                raise ApiError(
                    response.status, error.get("code", "internal"), error.get("message", "")
                )
            return await response.read()

    async def history(
        self,
        cid: int,
        *,
        before: int | None = None,
        after: int | None = None,
        limit: int | None = None,
    ) -> list[Json]:
        path = f"/api/v1/conversations/{cid}/messages"
        items: list[Json] = (await self.call("GET", path, before=before, after=after, limit=limit))[
            "messages"
        ]
        return items

    async def recall(self, cid: int, seq: int) -> Json:
        path = f"/api/v1/conversations/{cid}/messages/{seq}/recall"
        message: Json = (await self.call("POST", path))["message"]
        return message

    async def mark_read(self, cid: int, seq: int) -> int:
        path = f"/api/v1/conversations/{cid}/read"
        seq_read: int = (await self.call("POST", path, {"seq": seq}))["last_read_seq"]
        return seq_read

    # --- sync ---

    async def state(self) -> Json:
        reply: Json = await self.call("GET", "/api/v1/sync/state")
        return reply

    async def changes(self, after: int, epoch: str | None = None, limit: int | None = None) -> Json:
        reply: Json = await self.call(
            "GET", "/api/v1/sync/changes", after=after, epoch=epoch, limit=limit
        )
        return reply

    def realtime(self, **options: Any) -> Any:
        """A live connection for this client's token (see microletter.client.Realtime)."""
        from microletter.client.realtime import Realtime

        return Realtime(self, **options)

    # --- moderation (operators only) ---

    async def admin_user(self, username: str | None = None, *, user_id: int | None = None) -> Json:
        """A user as an operator sees them: `{user, operator, suspension}`."""
        path = f"/by-id/{user_id}" if user_id is not None else f"/{username}"
        reply: Json = await self.call("GET", "/api/v1/admin/users" + path)
        return reply

    async def suspend(self, user_id: int, reason: str) -> Json:
        reply: Json = await self.call(
            "PUT", f"/api/v1/admin/users/{user_id}/suspension", {"reason": reason}
        )
        return reply

    async def unsuspend(self, user_id: int) -> Json:
        reply: Json = await self.call("DELETE", f"/api/v1/admin/users/{user_id}/suspension")
        return reply
