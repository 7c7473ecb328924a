"""Jobs for decoder-process tests: each misbehaves the way a hostile file can make a
decoder misbehave. Only the standard library here, so a decoder imports this quickly
(it is sent the function by name and imports the module)."""

from __future__ import annotations

import os
import signal
import time

from microletter.core.errors import MediaUnsupported


def echo(value: object) -> object:
    return value


def big(size: int) -> bytes:
    """An answer larger than a socket's buffer (as a video's poster can be)."""
    return b"x" * size


def pid() -> int:
    return os.getpid()


def crash() -> None:
    """As a decoder with a memory-safety bug would."""
    os.kill(os.getpid(), signal.SIGSEGV)


def spin() -> None:
    """Burns CPU for ever (a scan bomb, a decompression loop)."""
    while True:
        pass


def burn(seconds: float) -> float:
    """Uses `seconds` of CPU, then answers them (a transcoding job's honest work)."""
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass
    return seconds


def allocate(size: int) -> int:
    """Asks for `size` bytes at once and touches them (a declared size believed)."""
    block = bytearray(size)
    return len(block)


def sleep(seconds: float) -> None:
    """Waits without using CPU: only the wall-clock timeout stops it."""
    time.sleep(seconds)


def refuse() -> None:
    raise MediaUnsupported("Not an image.", reason="test")
