"""The OpenAPI 3.1 document, generated from the routes' typed signatures (never by hand)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from microletter import API_VERSION, __version__
from microletter.core.errors import InvalidInput, MicroletterError, RateLimited, Unauthenticated
from microletter.gateway.api import Route
from microletter.gateway.errors import http_status
from microletter.gateway.wire import ErrorReply

REF = "#/components/schemas/{name}"


def _schema_hook(t: type) -> dict[str, Any]:
    if t is object:
        return {"description": "Any JSON value."}
    raise NotImplementedError


def build(routes: Iterable[Route], base_url: str = "") -> dict[str, Any]:
    routes = list(routes)
    types: list[Any] = [ErrorReply]
    for r in routes:
        types += [t for t in (r.body, r.reply, r.query) if t is not None]
    schemas, components = msgspec.json.schema_components(
        list(dict.fromkeys(types)), ref_template=REF, schema_hook=_schema_hook
    )
    by_type = dict(zip(dict.fromkeys(types), schemas, strict=True))
    paths: dict[str, dict[str, Any]] = {}
    for r in routes:
        paths.setdefault(r.path, {})[r.method.lower()] = _operation(r, by_type, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "microletter API",
            "version": f"{__version__} (api {API_VERSION})",
            "description": (
                "REST API of a microletter server. Realtime events and sends go over the "
                "WebSocket at /ws (see docs/protocol.md). Every error has the shape "
                '`{"error": {"code", "message", "details"}}` with a stable code.'
            ),
        },
        "servers": [{"url": base_url or "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The token from POST /api/v1/accounts or /sessions.",
                }
            },
        },
    }


def _operation(
    r: Route, by_type: dict[Any, dict[str, Any]], components: dict[str, Any]
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": r.handler.__name__,
        "summary": r.summary,
        "tags": list(r.tags),
        "parameters": [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "string"} if typ is str else {"type": "integer", "minimum": 0},
            }
            for name, typ in r.path_params.items()
        ],
        "responses": {},
    }
    if r.description:
        op["description"] = r.description
    if r.query is not None:
        # By its reference, not its class name: msgspec qualifies a name two rooms share
        # (both moments and wxpay have a PageQuery).
        schema = components[by_type[r.query]["$ref"].rsplit("/", 1)[1]]
        required = set(schema.get("required", []))
        for name, prop in schema["properties"].items():
            op["parameters"].append(
                {"name": name, "in": "query", "required": name in required, "schema": prop}
            )
    if r.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": by_type[r.body]}},
        }
    if r.raw_body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {r.raw_body: {"schema": {"type": "string", "format": "binary"}}},
        }
    if r.auth:
        op["security"] = [{"bearer": []}]
    if r.streams:
        op["responses"][str(r.status)] = {
            "description": "The bytes (a Range request is answered 206 Partial Content).",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    elif r.reply is None:
        op["responses"][str(204 if r.status == 200 else r.status)] = {"description": "Done."}
    else:
        op["responses"][str(r.status)] = {
            "description": "Success.",
            "content": {"application/json": {"schema": by_type[r.reply]}},
        }
    errors: list[type[MicroletterError]] = [InvalidInput, *r.errors]
    if r.auth:
        errors.append(Unauthenticated)
    if r.rate:
        errors.append(RateLimited)
    by_status: dict[int, list[str]] = {}
    for cls in errors:
        by_status.setdefault(http_status(cls()), []).append(cls.code)
    for status, codes in sorted(by_status.items()):
        op["responses"][str(status)] = {
            "description": "Error codes: " + ", ".join(f"`{c}`" for c in dict.fromkeys(codes)),
            "content": {"application/json": {"schema": by_type[ErrorReply]}},
        }
    return op
