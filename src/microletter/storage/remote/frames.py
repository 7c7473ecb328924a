"""What crosses the writer's Unix socket: length-prefixed frames, each one pickled batch.

A frame is a 4-byte big-endian length and that many bytes. Both ends pickle: a unit of
work travels as a reference to its module-level function (pickle names it, it does not
copy code) with its arguments, and comes back as its Outcome, so no unit of work needs a
schema of its own (docs/ARCHITECTURE.md, "One node, every core, on SQLite"). Pickle is
safe here because both ends are processes of the same server, started by one supervisor
as one user, on a socket in a private (0700) folder: nobody else can connect, exactly as
nobody else can open the database file itself.

A function defined inside another (a closure: the scheduler's `finish`, a room's job
handler that captured its terms) has no name to import, so it crosses by value: its code
(marshal, the same Python on both ends), its module (whose globals it gets again), its
defaults and the contents of its cells, pickled in turn. A closure over something that
cannot cross (a connection, a facade) fails at once with a TypeError that says so.
Plain pickling is tried first, so a frame without closures costs no Python-level hook.

Errors cross as their class, args and attributes, rebuilt without calling `__init__`, so
every error of the tree arrives as it was raised, whatever its constructor takes.
"""

from __future__ import annotations

import asyncio
import copyreg
import dataclasses
import enum
import importlib
import io
import logging
import marshal
import operator
import pickle  # noqa: S403 - between our own processes only (see the docstring)
import struct
import sys
from collections.abc import Callable
from types import CellType, FunctionType
from typing import Any, cast

from microletter.core.errors import MicroletterError

log = logging.getLogger(__name__)

HEADER = struct.Struct("!I")
MAX_FRAME = 1 << 30


def dump(value: object) -> bytes:
    _Fast.refresh()
    out = io.BytesIO()
    try:
        _Fast(out, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    except (pickle.PicklingError, AttributeError, TypeError):  # a closure, by value
        out = io.BytesIO()
        _ByValue(out, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    data = out.getvalue()
    return HEADER.pack(len(data)) + data


def _reducer(cls: type) -> Callable[[Any], Any] | None:
    """A dataclass as its class and its fields, rebuilt by calling the class (half the
    cost of pickle's default for frozen, slotted dataclasses, whose state goes through
    Python-level __getstate__/__setstate__); an enum member by name. None: the default."""
    if isinstance(cls, enum.EnumMeta):
        return lambda member: (getattr, (cls, member.name))
    if "__dataclass_fields__" not in vars(cls) or hasattr(cls, "__post_init__"):
        return None  # not a dataclass itself (a subclass may have its own __init__)
    if not cls.__dataclass_params__.init:  # type: ignore[attr-defined]  # set by @dataclass
        return None
    fields = dataclasses.fields(cls)
    if not fields or not all(f.init for f in fields):
        return None
    get = operator.attrgetter(*(f.name for f in fields))
    if len(fields) == 1:
        return lambda obj: (cls, (get(obj),))
    return lambda obj: (cls, get(obj))


class _Fast(pickle.Pickler):
    """pickle with `_reducer` for our own values: a table looked up in C (a hook called
    for every object would cost more than it saves), kept up to date with the modules of
    ours that are loaded."""

    dispatch_table: dict[type, Callable[[Any], Any]] = dict(copyreg.dispatch_table)
    _scanned: set[str] = set()
    _loaded = 0  # len(sys.modules) at the last scan

    @classmethod
    def refresh(cls) -> None:
        if len(sys.modules) == cls._loaded:
            return
        cls._loaded = len(sys.modules)
        for name in [n for n in list(sys.modules) if n.startswith("microletter.")]:
            if name in cls._scanned:
                continue
            cls._scanned.add(name)
            for value in list(vars(sys.modules[name]).values()):
                if isinstance(value, type) and value.__module__ == name:
                    reduce = _reducer(value)
                    if reduce is not None:
                        cls.dispatch_table[value] = reduce


class _ByValue(_Fast):
    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is FunctionType and "<locals>" in obj.__qualname__:
            cells = tuple(_contents(c) for c in obj.__closure__ or ())
            code = marshal.dumps(obj.__code__)
            return _function, (
                code,
                obj.__module__,
                obj.__qualname__,
                obj.__defaults__,
                cells,
                obj.__dict__,  # marks such as checks_first
            )
        return NotImplemented


_EMPTY = "microletter.frames.empty-cell"


def _contents(cell: CellType) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # not assigned yet
        return _EMPTY


def _function(
    code: bytes,
    module: str,
    qualname: str,
    defaults: tuple[Any, ...] | None,
    cells: tuple[Any, ...],
    attrs: dict[str, Any],
) -> FunctionType:
    """A closure again, in this process (see the docstring)."""
    closure = tuple(CellType() if c == _EMPTY else CellType(c) for c in cells)
    globals_ = importlib.import_module(module).__dict__
    fn = FunctionType(marshal.loads(code), globals_, None, defaults, closure or None)  # noqa: S302 - our own code
    fn.__qualname__ = qualname
    fn.__dict__.update(attrs)
    return fn


def load(data: bytes) -> Any:
    return pickle.loads(data)  # noqa: S301 - between our own processes only (see above)


def pack_error(exc: BaseException) -> tuple[type[BaseException], tuple[Any, ...], dict[str, Any]]:
    if not isinstance(exc, MicroletterError):  # a bug in a unit of work: its 500, here
        log.error("writer.job_failed", exc_info=exc)
        exc = RuntimeError(f"the writer failed a unit of work: {exc!r}")
    return type(exc), exc.args, dict(vars(exc))


def unpack_error(
    packed: tuple[type[BaseException], tuple[Any, ...], dict[str, Any]],
) -> BaseException:
    cls, args, attrs = packed
    exc = cls.__new__(cls)
    exc.args = args
    vars(exc).update(attrs)
    return exc


class FrameProtocol(asyncio.Protocol):
    """Cuts the byte stream into frames; `frame_received` gets each one's bytes."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        start = 0
        end = len(buffer)
        while end - start >= 4:
            (size,) = HEADER.unpack_from(buffer, start)
            if size > MAX_FRAME:
                raise ConnectionError("frame too large")
            if end - start - 4 < size:
                break
            frame = bytes(buffer[start + 4 : start + 4 + size])
            start += 4 + size
            self.frame_received(frame)
        if start:
            del buffer[:start]

    def frame_received(self, frame: bytes) -> None:
        raise NotImplementedError
