"""Errors to HTTP statuses and WebSocket close codes, decided once by walking the MRO."""

from __future__ import annotations

from typing import Any

from microletter.core import errors as e

HTTP_STATUS: dict[type[e.MicroletterError], int] = {
    e.MicroletterError: 500,
    e.InvalidInput: 400,
    e.TooLarge: 413,
    e.MediaUnsupported: 415,
    e.Unauthenticated: 401,
    e.Forbidden: 403,
    e.NotFound: 404,
    e.Conflict: 409,
    e.RateLimited: 429,
    e.SyncReset: 409,
    e.Unavailable: 503,
    e.StorageFull: 507,  # Insufficient Storage: the server's disk, not the request
    # Not Implemented: this server lacks the feature (RFC 9110 15.6.2), which no retry
    # cures; 503 would tell clients and proxies to come back later.
    e.NotConfigured: 501,
}


class Close:
    """WebSocket close codes we send (RFC 6455 ones, and 4000-4999 for our own)."""

    NORMAL = 1000
    GOING_AWAY = 1001  # the server shuts down; reconnect (elsewhere) and resume
    POLICY = 1008  # repeated abuse
    TOO_BIG = 1009  # a frame above the hard limit
    INTERNAL = 1011
    UNAUTHENTICATED = 4001  # no or bad hello, revoked device: log in again
    SLOW_CONSUMER = 4002  # you did not read fast enough; reconnect and resume


def http_status(error: e.MicroletterError) -> int:
    for cls in type(error).__mro__:
        status = HTTP_STATUS.get(cls)
        if status is not None:
            return status
    return 500


def error_body(error: e.MicroletterError, request_id: str | None = None) -> dict[str, Any]:
    details = dict(error.details)
    if request_id is not None and http_status(error) >= 500:
        details["request_id"] = request_id
    return {"error": {"code": error.code, "message": error.message, "details": details}}
