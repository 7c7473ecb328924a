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

    async def setup_operator(
        self,
        token: str,
        username: str,
        password: str,
        display_name: str = "",
        device_name: str = "sdk",
    ) -> Json:
        """Create an operator's account with the setup link's token (the part after
        `#/setup/` in the link `microletter serve` printed), and log in as it."""
        reply: Json = await self.call(
            "POST",
            "/api/v1/setup/operator",
            {
                "token": token,
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

    async def change_password(
        self, old_password: str, new_password: str, *, log_out_others: bool = False
    ) -> list[int]:
        """Change my password; with `log_out_others`, every other device is logged out."""
        body: Json = {
            "old_password": old_password,
            "new_password": new_password,
            "log_out_others": log_out_others,
        }
        reply: Json = await self.call("POST", "/api/v1/me/password", body)
        logged_out: list[int] = reply["logged_out"]
        return logged_out

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
        self,
        *,
        username: str | None = None,
        user_id: int | None = None,
        greeting: str = "",
        via: str | None = None,
        remark: str = "",
    ) -> Json:
        """Ask someone to be a contact; `remark` is the name I will know them by once
        they accept (mine alone)."""
        body: Json = {"greeting": greeting, "via": via, "remark": remark}
        if username is not None:
            body["username"] = username
        if user_id is not None:
            body["user_id"] = user_id
        request: Json = (await self.call("POST", "/api/v1/contact-requests", body))["request"]
        return request

    async def privacy(self) -> Json:
        settings: Json = (await self.call("GET", "/api/v1/me/privacy"))["privacy"]
        return settings

    async def set_privacy(self, **settings: bool) -> Json:
        """add_by_username, add_by_qr, add_by_group, add_by_card, read_receipts."""
        changed: Json = (await self.call("PATCH", "/api/v1/me/privacy", settings))["privacy"]
        return changed

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

    async def refuse(self, request_id: int) -> Json:
        """Decline and hear no more requests from that person."""
        path = f"/api/v1/contact-requests/{request_id}/refuse"
        request: Json = (await self.call("POST", path))["request"]
        return request

    async def contacts(self) -> list[Json]:
        items: list[Json] = (await self.call("GET", "/api/v1/contacts"))["contacts"]
        return items

    async def remove_contact(self, user_id: int) -> None:
        await self.call("DELETE", f"/api/v1/contacts/{user_id}")

    async def set_remark(
        self, user_id: int, remark: str | None = None, *, description: str | None = None
    ) -> Json:
        """My remark name and/or description of a contact (None: unchanged)."""
        body: Json = {"remark": remark, "description": description}
        contact: Json = (await self.call("PATCH", f"/api/v1/contacts/{user_id}", body))["contact"]
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

    async def set_chat(
        self,
        cid: int,
        *,
        pinned: bool | None = None,
        unread: bool | None = None,
        saved: bool | None = None,
    ) -> Json:
        """Pin/unpin a chat, mark it unread or not, save a group to my contacts or not
        (my own list)."""
        body: Json = {"pinned": pinned, "unread": unread, "saved": saved}
        state: Json = (await self.call("PUT", f"/api/v1/conversations/{cid}/chat", body))["state"]
        return state

    async def saved_groups(self) -> list[Json]:
        """The groups I saved to my contacts (deleted from my chat list or not)."""
        views: list[Json] = (await self.call("GET", "/api/v1/saved-groups"))["conversations"]
        return views

    async def delete_chat(self, cid: int, *, clear_history: bool = False) -> Json:
        """Off my chat list until the next message; with `clear_history`, its history too."""
        body: Json = {"clear_history": clear_history}
        path = f"/api/v1/conversations/{cid}/chat/delete"
        state: Json = (await self.call("POST", path, body))["state"]
        return state

    async def clear_history(self, cid: int) -> Json:
        path = f"/api/v1/conversations/{cid}/chat/clear"
        state: Json = (await self.call("POST", path))["state"]
        return state

    # --- group invites ---

    async def create_invite(self, cid: int, *, approval: bool = False) -> Json:
        """An invite link to a group (owners and admins): `{id, token, url, expires_at}`."""
        body: Json = {"approval": approval}
        path = f"/api/v1/conversations/{cid}/invites"
        invite: Json = (await self.call("POST", path, body))["invite"]
        return invite

    async def revoke_invite(self, cid: int, invite_id: int) -> None:
        await self.call("DELETE", f"/api/v1/conversations/{cid}/invites/{invite_id}")

    async def set_invite_approval(self, cid: int, invite_id: int, approval: bool) -> Json:
        """Turn approval on or off for a live invite (the link stays the same)."""
        path = f"/api/v1/conversations/{cid}/invites/{invite_id}"
        invite: Json = (await self.call("PATCH", path, {"approval": approval}))["invite"]
        return invite

    async def invite(self, token: str) -> Json:
        """What an invite shows: `{invite, conversation}`."""
        reply: Json = await self.call("GET", f"/api/v1/invites/{token}")
        return reply

    async def join_invite(self, token: str) -> Json:
        """Join by an invite: `{conversation_id, request}` (request: when it needs approval)."""
        reply: Json = await self.call("POST", f"/api/v1/invites/{token}/join")
        return reply

    async def join_requests(self, cid: int) -> list[Json]:
        path = f"/api/v1/conversations/{cid}/join-requests"
        items: list[Json] = (await self.call("GET", path))["requests"]
        return items

    async def answer_join(self, cid: int, request_id: int, approve: bool) -> Json:
        verb = "approve" if approve else "decline"
        path = f"/api/v1/conversations/{cid}/join-requests/{request_id}/{verb}"
        request: Json = (await self.call("POST", path))["request"]
        return request

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
        """Send an image, voice, video or file message carrying uploaded `media` (the
        Media from `upload`, or its id with `kind`); images and files may have a caption."""
        media_id = media if isinstance(media, str) else media["id"]
        kind = kind or (media["kind"] if isinstance(media, dict) else "file")
        return await self.send(
            cid,
            kind,
            text=caption,
            media_id=media_id,
            client_msg_id=client_msg_id,
            reply_to=reply_to,
        )

    async def send(
        self,
        cid: int,
        kind: str,
        *,
        text: str | None = None,
        media_id: str | None = None,
        data: Json | None = None,
        client_msg_id: str | None = None,
        reply_to: int | None = None,
    ) -> Json:
        """Send a message of any kind users send (docs/protocol.md, "Message kinds"):
        `send(cid, "sticker", media_id=...)`, `send(cid, "location", data={"latitude": ...,
        "longitude": ..., "name": ...})`, `send(cid, "card", data={"user_id": ...})`."""
        body: Json = {
            "client_msg_id": client_msg_id or new_client_msg_id(),
            "kind": kind,
            "text": text,
            "media_id": media_id,
            "data": data,
            "reply_to": reply_to,
        }
        path = f"/api/v1/conversations/{cid}/messages"
        message: Json = (await self.call("POST", path, body))["message"]
        return message

    async def forward(
        self,
        cid: int,
        seqs: Sequence[int],
        to: Sequence[int],
        *,
        merged: bool = False,
        title: str = "",
        client_msg_id: str | None = None,
    ) -> list[Json]:
        """Forward messages to other chats; one result per target: `{conversation_id,
        messages, error}`."""
        body: Json = {
            "client_msg_id": client_msg_id or new_client_msg_id(),
            "seqs": list(seqs),
            "to": list(to),
            "merged": merged,
            "title": title,
        }
        reply: Json = await self.call("POST", f"/api/v1/conversations/{cid}/forward", body)
        results: list[Json] = reply["results"]
        return results

    async def hide(self, cid: int, seqs: Sequence[int]) -> list[int]:
        """Delete messages for me (all my devices; nobody else)."""
        path = f"/api/v1/conversations/{cid}/messages/hide"
        hidden: list[int] = (await self.call("POST", path, {"seqs": list(seqs)}))["seqs"]
        return hidden

    # --- favourites ---

    async def favourites(self, q: str = "", before: int | None = None) -> list[Json]:
        """My favourites, newest first; with `q`, those whose text contains it."""
        reply: Json = await self.call("GET", "/api/v1/favourites", q=q or None, before=before)
        items: list[Json] = reply["favourites"]
        return items

    async def transcribe(self, cid: int, seq: int, language: str | None = None) -> Json:
        """A voice message's text ("Convert to text"): made once on the server, in
        `language` (default: the sender's), and kept; `{conversation_id, seq, language,
        text, engine, created_at}`."""
        body: Json = {} if language is None else {"language": language}
        path = f"/api/v1/conversations/{cid}/messages/{seq}/transcript"
        transcript: Json = (await self.call("POST", path, body))["transcript"]
        return transcript

    async def transcript_languages(self) -> list[str]:
        """The languages this server converts voice messages to text in."""
        reply: Json = await self.call("GET", "/api/v1/transcripts/languages")
        languages: list[str] = reply["languages"]
        return languages

    async def keep(self, cid: int, seq: int) -> Json:
        """Keep my own copy of a message in my favourites."""
        body: Json = {"conversation_id": cid, "seq": seq}
        favourite: Json = (await self.call("POST", "/api/v1/favourites", body))["favourite"]
        return favourite

    async def translate(self, cid: int, seq: int, target: str | None = None) -> Json:
        """A text message in `target` (default: my locale), if the server has a translator."""
        body: Json = {} if target is None else {"target": target}
        path = f"/api/v1/conversations/{cid}/messages/{seq}/translation"
        translation: Json = (await self.call("POST", path, body))["translation"]
        return translation

    async def keep_link(self, url: str, title: str = "") -> Json:
        body: Json = {"url": url, "title": title}
        favourite: Json = (await self.call("POST", "/api/v1/favourites", body))["favourite"]
        return favourite

    async def remove_favourite(self, favourite_id: int) -> None:
        await self.call("DELETE", f"/api/v1/favourites/{favourite_id}")

    # --- stickers ---

    async def stickers(self) -> list[Json]:
        """My stickers (Media), in my order."""
        items: list[Json] = (await self.call("GET", "/api/v1/stickers"))["stickers"]
        return items

    async def save_sticker(self, media_id: str) -> list[Json]:
        body: Json = {"media_id": media_id}
        items: list[Json] = (await self.call("POST", "/api/v1/stickers", body))["stickers"]
        return items

    async def reorder_stickers(self, media_ids: Sequence[str]) -> list[Json]:
        body: Json = {"media_ids": list(media_ids)}
        items: list[Json] = (await self.call("PUT", "/api/v1/stickers/order", body))["stickers"]
        return items

    async def remove_sticker(self, media_id: str) -> None:
        await self.call("DELETE", f"/api/v1/stickers/{media_id}")

    # --- media ---

    async def upload(
        self,
        data: bytes | Path | AsyncIterable[bytes],
        kind: str = "file",
        name: str | None = None,
    ) -> Json:
        """Upload bytes, a file (read as it is sent) or a stream of chunks as `kind`
        (image, voice, video or file); returns the Media to send with `send_media`. A
        video (at most 60 s, else ApiError `media.too_long`) comes back transcoded to
        MP4, with `width`, `height`, `duration_ms` and a poster (`media_urls`' thumbnail)."""
        if isinstance(data, Path):
            name = name if name is not None else data.name
            data = _read_chunks(data)
        reply: Json = await self.call("POST", "/api/v1/media", raw=data, kind=kind, name=name)
        media: Json = reply["media"]
        return media

    async def send_video(
        self,
        cid: int,
        data: bytes | Path | AsyncIterable[bytes],
        *,
        name: str | None = None,
        client_msg_id: str | None = None,
        reply_to: int | None = None,
    ) -> Json:
        """Upload a video (transcoded by the server) and send it as a video message."""
        media = await self.upload(data, "video", name)
        return await self.send_media(cid, media, client_msg_id=client_msg_id, reply_to=reply_to)

    async def media_usage(self) -> Json:
        """Your storage: `{"used_bytes", "quota_bytes" (null: none), "upload_ttl_seconds"}`."""
        reply: Json = await self.call("GET", "/api/v1/media/usage")
        return reply

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

    async def search(self, q: str, *, before: int | None = None, limit: int | None = None) -> Json:
        """Search the messages of all my conversations, newest first: `{"results": [{message,
        snippet, highlights, links}], "next_before"}`; pass `next_before` as `before` for
        the next page."""
        reply: Json = await self.call("GET", "/api/v1/search", q=q, before=before, limit=limit)
        return reply

    async def search_conversation(
        self,
        cid: int,
        q: str = "",
        *,
        kind: str = "text",
        before: int | None = None,
        limit: int | None = None,
    ) -> Json:
        """Search one conversation (`kind="text"`), or list its `file`, `image` or `link`
        messages; the same reply as `search`."""
        path = f"/api/v1/conversations/{cid}/search"
        reply: Json = await self.call(
            "GET", path, q=q or None, kind=kind, before=before, limit=limit
        )
        return reply

    async def group_avatar(self, cid: int, etag: str | None = None) -> tuple[bytes | None, str]:
        """A group's avatar (WebP) and its ETag; `(None, etag)` while it is still `etag`."""
        headers = {"Authorization": f"Bearer {self.token}"}
        if etag is not None:
            headers["If-None-Match"] = etag
        path = f"{self.base_url}/api/v1/conversations/{cid}/avatar"
        async with self.session.get(path, headers=headers) as response:
            if response.status >= 400:
                error = (await response.json(content_type=None)).get("error", {})
                raise ApiError(
                    response.status, error.get("code", "internal"), error.get("message", "")
                )
            body = None if response.status == 304 else await response.read()
            return body, response.headers["ETag"]

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

    # the wallet (docs/wallet.md): amounts are ints of minor units
    async def wallet(self) -> Json:
        """`{balance, currency: {code, exponent}, has_pay_password, locked_until}`."""
        reply: Json = await self.call("GET", "/api/v1/wallet")
        return reply

    async def statement(self, before: int | None = None) -> Json:
        reply: Json = await self.call("GET", "/api/v1/wallet/statement", before=before)
        return reply

    async def receipt(self, transaction_id: int) -> Json:
        reply: Json = await self.call("GET", f"/api/v1/wallet/transactions/{transaction_id}")
        return reply

    async def set_pay_password(self, login_password: str, pay_password: str) -> None:
        body = {"login_password": login_password, "pay_password": pay_password}
        await self.call("PUT", "/api/v1/wallet/pay-password", body)

    async def payment_token(self, pay_password: str) -> str:
        """Verify the payment password: a token for one payment within a few minutes."""
        body = {"pay_password": pay_password}
        reply = await self.call("POST", "/api/v1/wallet/pay-password/verify", body)
        token: str = reply["payment_token"]
        return token

    async def transfer(
        self,
        conversation_id: int,
        amount: Any,
        *,
        payment_token: str | None,
        idempotency_key: Any,
        note: str = "",
    ) -> Json:
        """Send money in a one-to-one chat: `{transfer, currency, replayed}`."""
        body: Json = {
            "amount": amount,
            "note": note,
            "payment_token": payment_token,
            "idempotency_key": idempotency_key,
        }
        reply: Json = await self.call(
            "POST", f"/api/v1/conversations/{conversation_id}/transfers", body
        )
        return reply

    async def get_transfer(self, transfer_id: int) -> Json:
        reply: Json = await self.call("GET", f"/api/v1/wallet/transfers/{transfer_id}")
        return reply

    async def settle_transfer(self, transfer_id: int, action: str, idempotency_key: str) -> Json:
        """`action`: accept or return."""
        path = f"/api/v1/wallet/transfers/{transfer_id}/{action}"
        reply: Json = await self.call("POST", path, {"idempotency_key": idempotency_key})
        return reply

    async def send_red_packet(
        self,
        conversation_id: int,
        kind: Any,
        amount: Any,
        shares: Any = 1,
        *,
        payment_token: str | None,
        idempotency_key: Any,
        greeting: str = "",
        recipient_id: int | None = None,
    ) -> Json:
        """Send a red packet (`kind`: normal, lucky, exclusive; `amount`: the total):
        `{packet, currency, replayed}`."""
        body: Json = {
            "kind": kind,
            "amount": amount,
            "shares": shares,
            "greeting": greeting,
            "recipient_id": recipient_id,
            "payment_token": payment_token,
            "idempotency_key": idempotency_key,
        }
        path = f"/api/v1/conversations/{conversation_id}/red-packets"
        reply: Json = await self.call("POST", path, body)
        return reply

    async def open_red_packet(self, packet_id: int) -> Json:
        """Take my share: `{packet_id, conversation_id, amount, finished, currency}`."""
        reply: Json = await self.call("POST", f"/api/v1/red-packets/{packet_id}/open")
        return reply

    async def red_packet(self, packet_id: int) -> Json:
        """`{packet, currency}`: with who got how much if I sent or opened it."""
        reply: Json = await self.call("GET", f"/api/v1/red-packets/{packet_id}")
        return reply

    async def admin_adjust(
        self, user_id: int, amount: Any, reason: str, idempotency_key: Any, *, debit: bool = False
    ) -> Json:
        """An operator's credit (or debit) of a wallet, with a reason for the audit log."""
        verb = "debit" if debit else "credit"
        body: Json = {"amount": amount, "reason": reason, "idempotency_key": idempotency_key}
        reply: Json = await self.call("POST", f"/api/v1/admin/wallets/{user_id}/{verb}", body)
        return reply

    async def admin_statement(self, user_id: int, before: int | None = None) -> Json:
        path = f"/api/v1/admin/wallets/{user_id}/statement"
        reply: Json = await self.call("GET", path, before=before)
        return reply

    async def admin_reconcile(self) -> Json:
        reply: Json = await self.call("GET", "/api/v1/admin/wallet/reconcile")
        return reply

    # top-ups and withdrawals through the funding provider (the built-in one: an operator
    # approves each request)
    async def topup(self, amount: Any, idempotency_key: Any) -> Json:
        """Ask to top up `amount`: `{request, currency, next, replayed}`."""
        body: Json = {"amount": amount, "idempotency_key": idempotency_key}
        reply: Json = await self.call("POST", "/api/v1/wallet/topups", body)
        return reply

    async def withdraw(
        self, amount: Any, *, payment_token: str | None, idempotency_key: Any
    ) -> Json:
        """Ask to withdraw `amount` (it leaves the balance at once): `{request, ...}`."""
        body: Json = {
            "amount": amount,
            "idempotency_key": idempotency_key,
            "payment_token": payment_token,
        }
        reply: Json = await self.call("POST", "/api/v1/wallet/withdrawals", body)
        return reply

    async def funding_requests(self, status: str | None = None) -> Json:
        """My top-ups and withdrawals, newest first: `{requests, currency}`."""
        reply: Json = await self.call("GET", "/api/v1/wallet/funding-requests", status=status)
        return reply

    async def admin_funding_requests(self, status: str | None = None) -> Json:
        """Everyone's top-ups and withdrawals (operators only; `status`: e.g. pending)."""
        path = "/api/v1/admin/wallet/funding-requests"
        reply: Json = await self.call("GET", path, status=status)
        return reply

    async def admin_decide_funding(
        self, request_id: int, reason: str, idempotency_key: Any, *, approve: bool
    ) -> Json:
        """Approve or reject a top-up or withdrawal, with a reason for the audit log."""
        verb = "approve" if approve else "reject"
        path = f"/api/v1/admin/wallet/funding-requests/{request_id}/{verb}"
        body: Json = {"reason": reason, "idempotency_key": idempotency_key}
        reply: Json = await self.call("POST", path, body)
        return reply
