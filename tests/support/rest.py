"""Helpers for integration tests that talk raw HTTP, and for checking the one error shape."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import pytest

from microletter.client import ApiError, Client

Json = dict[str, Any]


async def raw(
    client: Client,
    method: str,
    path: str,
    *,
    json: Any = None,
    data: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    token: str | None = None,
) -> tuple[int, Any]:
    """One request without the SDK's help: (status, decoded JSON body or None).

    Sends the client's token unless `token` or an Authorization header is given."""
    sent = dict(headers or {})
    bearer = token if token is not None else client.token
    if bearer and "Authorization" not in sent:
        sent["Authorization"] = f"Bearer {bearer}"
    if data is not None:
        sent.setdefault("Content-Type", "application/json")
    async with client.session.request(
        method, client.base_url + path, json=json, data=data, headers=sent
    ) as response:
        body = await response.read()
        if not body:
            return response.status, None
        return response.status, await response.json(content_type=None)


def error_of(body: Any, code: str) -> Json:
    """Check `body` is exactly {"error": {"code", "message", "details"}} with this code."""
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error["details"], dict), error
    assert error["code"] == code, error
    return dict(error)


async def fails(call: Awaitable[Any], code: str, status: int) -> ApiError:
    """Await an SDK call that must fail with this code and HTTP status."""
    with pytest.raises(ApiError) as caught:
        await call
    assert (caught.value.code, caught.value.status) == (code, status), caught.value
    return caught.value


def uid(client: Client) -> int:
    """The user id of a registered (or logged-in) client."""
    assert client.user is not None
    return int(client.user["id"])
