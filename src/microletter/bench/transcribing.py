"""`--transcribing N` of the throughput scenarios: N people convert voice notes to text
without pause while the chat load runs, to show that recognition never slows chat.

Each stream is a pair of contacts: one sends a voice note (the same recording, a new
message each time, so each is heard anew), the other converts it, and again, until the
window ends. The recording is speech spoken by espeak-ng when it is installed (what the
tests use), else a tone of the same length. The streams run on their own event loop in
a thread of the bench process; the load generators are other processes."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from microletter.bench.setup import befriend, close_world, make_users
from microletter.bench.stats import percentiles
from microletter.client import ApiError, Client

SPEECH = (
    "hello, this is a voice message about the plans for tomorrow. we will meet at the"
    " station at nine and take the train to the market, then have lunch by the river."
)


def recording() -> tuple[bytes, str]:
    """About ten seconds of speech (espeak-ng), or of a tone without it; and which."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        from microletter.bench.uploads import recording as tone

        return tone(0, seconds=10.0), "tone"
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "speech.wav"
        subprocess.run(  # noqa: S603 - a fixed program and text
            [espeak, "-v", "en-us+f2", "-s", "150", "-w", str(out), SPEECH],
            check=True,
            capture_output=True,
            timeout=60,
        )
        return out.read_bytes(), "speech"


class Transcribing:
    """Start with `start()` (returns once every stream made its first transcript, so
    the models are loaded before the measured window); `stop()` returns the facts."""

    def __init__(self, url: str, streams: int, log: Callable[[str], None]) -> None:
        self.url = url
        self.streams = streams
        self.log = log
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.source = ""
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._counting = False
        self._thread = threading.Thread(target=self._main, name="bench-transcribing")
        self._failure: BaseException | None = None

    def start(self, timeout: float = 300.0) -> None:
        self._thread.start()
        if not self._ready.wait(timeout) or self._failure is not None:
            self._stop.set()
            raise RuntimeError(f"the transcription streams did not start: {self._failure}")
        self._counting = True

    def stop(self) -> dict[str, Any]:
        self._counting = False
        self._stop.set()
        self._thread.join()
        seconds = percentiles(self.latencies)
        return {
            "transcribing_streams": self.streams,
            "transcribing_audio": self.source,
            "transcripts": len(self.latencies),
            "transcript_ms_p50": seconds["p50"],
            "transcript_ms_max": seconds["max"],
            "transcript_errors": sum(self.errors.values()),
        }

    def _main(self) -> None:
        try:
            asyncio.run(self._run())
        except BaseException as exc:  # reported by start(), or lost with the bench
            self._failure = exc
            self._ready.set()

    async def _run(self) -> None:
        clip, self.source = recording()
        world = await make_users(self.url, 2 * self.streams, "tx")
        try:
            pairs = [(2 * i, 2 * i + 1) for i in range(self.streams)]
            cids = [await befriend(world, a, b) for a, b in pairs]
            media = [await world.users[a].upload(clip, "voice") for a, _ in pairs]
            warm = [asyncio.Event() for _ in pairs]
            tasks = [
                asyncio.create_task(self._stream(world.users[a], world.users[b], cid, m, w))
                for (a, b), cid, m, w in zip(pairs, cids, media, warm, strict=True)
            ]
            for event in warm:
                await event.wait()
            self.log(f"transcribing: {self.streams} streams of {self.source}, warm")
            self._ready.set()
            await asyncio.to_thread(self._stop.wait)  # set by stop(), in the bench's thread
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            await close_world(world)

    async def _stream(
        self, sender: Client, reader: Client, cid: int, media: Any, warm: asyncio.Event
    ) -> None:
        while True:
            said = await sender.send_media(cid, media)
            started = time.monotonic()
            try:
                await reader.transcribe(cid, said["seq"])
            except ApiError as exc:
                self.errors[exc.code] = self.errors.get(exc.code, 0) + 1
                await asyncio.sleep(1.0)  # e.g. media.busy: the pool is full
                continue
            if self._counting:
                self.latencies.append(time.monotonic() - started)
            warm.set()
