"""Work that stops when its client goes away. aiohttp does not cancel a handler when the
connection drops (its handler_cancellation is off, rightly: most writes must finish), so
a handler whose work is long and worth stopping, such as decoding an upload, watches the
connection itself."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TypeVar

from aiohttp import web

log = logging.getLogger(__name__)
T = TypeVar("T")
POLL_SECONDS = 0.1  # how soon a disconnect is noticed


async def while_connected(request: web.Request, work: Awaitable[T]) -> T:
    """`work`'s result. If the client disconnects first, `work` is cancelled (and has
    finished cleaning up when this returns) and so is the handler: nobody is left to
    read its answer."""
    task = asyncio.ensure_future(work)
    try:
        while not task.done():
            await asyncio.wait({task}, timeout=POLL_SECONDS)
            if not task.done() and _gone(request):
                log.info("request.client_gone", extra={"path": request.path})
                break
        else:
            return task.result()
    finally:
        if not task.done():
            task.cancel()
            await asyncio.wait({task})
    raise asyncio.CancelledError("the client went away")


def _gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()
