"""SQL written once, in PostgreSQL's dialect, and translated for SQLite.

Queries shared by both backends are written with `$1`-style placeholders, PostgreSQL's
casts and row locks. `for_sqlite` rewrites such a statement into what SQLite understands
with the same meaning, once per distinct text (the result is cached):

    $1                      ?1           (numbered parameters, so one may repeat)
    x = ANY($1::bigint[])   x IN (SELECT value FROM json_each(?1))
                                         (the list is bound as a JSON array: `bind`)
    ::bigint, ::text[] ...  removed      (SQLite's columns are dynamically typed)
    FOR [NO KEY] UPDATE, FOR [KEY] SHARE [OF t] [SKIP LOCKED]
                            removed      (one writer: nothing to lock against)
    GREATEST(a, b), LEAST   max(a, b), min
    IS [NOT] DISTINCT FROM  IS NOT, IS

Only these forms are translated. A statement that needs more than that is not the same
on both backends, and belongs in the backend's own module (say why there).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

import msgspec

_ANY = re.compile(r"=\s*ANY\(\s*\$(\d+)(?:::[a-z_]+\[\])?\s*\)", re.IGNORECASE)
_PARAM = re.compile(r"\$(\d+)")
_CAST = re.compile(r"::[a-z_]+(?:\[\])?", re.IGNORECASE)
_LOCKING = re.compile(
    r"\s+FOR\s+(?:NO\s+KEY\s+UPDATE|KEY\s+SHARE|UPDATE|SHARE)(?:\s+OF\s+\w+)?"
    r"(?:\s+SKIP\s+LOCKED|\s+NOWAIT)?",
    re.IGNORECASE,
)
_GREATEST = re.compile(r"\bGREATEST\(", re.IGNORECASE)
_LEAST = re.compile(r"\bLEAST\(", re.IGNORECASE)
_NOT_DISTINCT = re.compile(r"\bIS\s+NOT\s+DISTINCT\s+FROM\b", re.IGNORECASE)
_DISTINCT = re.compile(r"\bIS\s+DISTINCT\s+FROM\b", re.IGNORECASE)

_json = msgspec.json.Encoder()


@functools.lru_cache(maxsize=4096)
def for_sqlite(sql: str) -> str:
    """`sql` (PostgreSQL's dialect, the forms above) as SQLite's."""
    sql = _ANY.sub(r"IN (SELECT value FROM json_each(?\1))", sql)
    sql = _PARAM.sub(r"?\1", sql)
    sql = _CAST.sub("", sql)
    sql = _LOCKING.sub("", sql)
    sql = _GREATEST.sub("max(", sql)
    sql = _LEAST.sub("min(", sql)
    sql = _NOT_DISTINCT.sub("IS", sql)
    return _DISTINCT.sub("IS NOT", sql)


def bind(args: Sequence[Any]) -> Sequence[Any]:
    """Parameters for SQLite: a list or tuple (an `= ANY($n)` operand) as a JSON array."""
    for value in args:
        if isinstance(value, list | tuple):
            return [_json.encode(v).decode() if isinstance(v, list | tuple) else v for v in args]
    return args
