"""A method's parameters as the Bot API takes them: from the query string, an
urlencoded or multipart form (where objects and arrays come JSON-encoded, booleans as
'true'/'false') or a JSON body. Wrong types answer the Bot API's 400s. Pure."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from microletter.telegram.errors import BotBadRequest


@dataclass(frozen=True, slots=True)
class Upload:
    """A file sent in a multipart body: its name, type and bytes."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Params:
    values: Mapping[str, object]
    files: Mapping[str, Upload] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def integer(self, name: str, default: int | None = None) -> int | None:
        raw = self.values.get(name)
        if raw is None or raw == "":
            return default
        if isinstance(raw, bool):
            raise BotBadRequest(f"invalid {name} specified")
        if isinstance(raw, int):
            return raw
        if isinstance(raw, str):
            try:
                return int(raw.strip())
            except ValueError:
                pass
        raise BotBadRequest(f"invalid {name} specified")

    def need_int(self, name: str) -> int:
        found = self.integer(name)
        if found is None:
            raise BotBadRequest(f"{name} is empty")
        return found

    def text(self, name: str, default: str | None = None) -> str | None:
        raw = self.values.get(name)
        if raw is None:
            return default
        if isinstance(raw, str):
            return raw
        if isinstance(raw, bool):
            raise BotBadRequest(f"invalid {name} specified")
        if isinstance(raw, int | float):
            return str(raw)
        raise BotBadRequest(f"invalid {name} specified")

    def flag(self, name: str, default: bool = False) -> bool:
        raw = self.values.get(name)
        if raw is None or raw == "":
            return default
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("true", "false", "1", "0"):
            return raw.lower() in ("true", "1")
        if isinstance(raw, int):
            return raw != 0
        raise BotBadRequest(f"invalid {name} specified")

    def value(self, name: str) -> object:
        """A JSON value: as it came in a JSON body, or decoded from a form's string."""
        raw = self.values.get(name)
        if isinstance(raw, str):
            if raw == "":
                return None
            try:
                return json.loads(raw)
            except ValueError:
                raise BotBadRequest(f"can't parse {name} JSON object") from None
        return raw

    def mapping(self, name: str) -> Mapping[str, object] | None:
        found = self.value(name)
        if found is None:
            return None
        if not isinstance(found, Mapping):
            raise BotBadRequest(f"can't parse {name} JSON object")
        return found

    def chat_id(self) -> int | str:
        """A chat's number, or '@username' (a private chat with that person)."""
        raw = self.values.get("chat_id")
        if raw is None or raw == "":
            raise BotBadRequest("chat_id is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            return raw[1:]
        found = self.integer("chat_id")
        if found is None:
            raise BotBadRequest("chat_id is empty")
        return found


def from_form(fields: Mapping[str, str], files: Mapping[str, Upload] | None = None) -> Params:
    return Params(dict(fields), dict(files or {}))


def from_json(body: object) -> Params:
    if not isinstance(body, Mapping):
        raise BotBadRequest("can't parse request JSON object")
    return Params({str(k): v for k, v in body.items()})
