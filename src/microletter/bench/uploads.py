"""The `upload` scenario: how many images and voice notes the server checks and keeps per
second, and how long one takes (p50/p99), with several users uploading at once; then what
one video costs to transcode.

Each user keeps one upload in flight (a closed loop), first images for the measured
window, then voice notes. The media are made here, before the window: photos (1024x768
JPEG, noisy like a camera's) and 5-second Opus recordings in WebM (what browsers send),
a few distinct ones of each so the server decodes every upload for real.

Videos are measured apart, one at a time (a 60 s clip takes seconds of CPU, not
milliseconds): `VIDEOS` clips of 60 s, 1280x720 at 30 fps with sound (H.264/AAC, a textured
picture that moves, so the encoder has work like a camera's), each upload's time and the CPU
seconds the server and its decoders spent on it.
"""

from __future__ import annotations

import asyncio
import io
import math
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from microletter.bench import procstat
from microletter.bench.setup import close_world, make_users
from microletter.bench.stats import percentiles
from microletter.client import ApiError, Client

DISTINCT = 6  # different files of each kind, cycled
VIDEOS = 3  # clips uploaded one after another


@dataclass
class Window:
    """One kind's measured window."""

    kind: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def facts(self) -> dict[str, Any]:
        ms = percentiles(self.latencies)
        return {
            f"{self.kind}_per_s": round(len(self.latencies) / self.seconds, 2),
            f"{self.kind}_ms_p50": ms["p50"],
            f"{self.kind}_ms_p99": ms["p99"],
            f"{self.kind}_ms_max": ms["max"],
            f"{self.kind}_errors": sum(self.errors.values()),
        }


def photo(n: int, size: tuple[int, int] = (1024, 768)) -> bytes:
    """A camera-like JPEG: a gradient under noise (so it compresses like a photo)."""
    from PIL import Image

    noise = Image.effect_noise(size, 40 + n).convert("RGB")
    gradient = Image.linear_gradient("L").resize(size).convert("RGB")
    im = Image.blend(noise, gradient, 0.5)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def recording(n: int, seconds: float = 5.0, rate: int = 48_000) -> bytes:
    """A tone (a different pitch per `n`), Opus in WebM."""
    import av

    buf = io.BytesIO()
    pitch, per = 220 + 40 * n, 960
    with av.open(buf, "w", format="webm") as out:
        stream = out.add_stream("libopus", rate=rate, layout="mono")
        total = int(seconds * rate)
        for start in range(0, total, per):
            step = 2 * math.pi * pitch / rate
            pcm = array("h", (int(9000 * math.sin(step * (start + i))) for i in range(per)))
            frame = av.AudioFrame(format="s16", layout="mono", samples=per)
            data = pcm.tobytes()
            frame.planes[0].update(data + bytes(frame.planes[0].buffer_size - len(data)))
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def film(n: int, seconds: float, size: tuple[int, int], fps: int = 30) -> bytes:
    """A moving, textured clip with a tone, H.264/AAC in MP4 (a different one per `n`)."""
    import av
    from PIL import Image, ImageChops

    base = Image.blend(
        Image.effect_noise(size, 30 + n).convert("RGB"),
        Image.linear_gradient("L").resize(size).convert("RGB"),
        0.5,
    )
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        picture = out.add_stream("libx264", rate=fps)
        picture.width, picture.height, picture.pix_fmt = size[0], size[1], "yuv420p"
        picture.options = {"preset": "ultrafast"}
        sound = out.add_stream("aac", rate=44_100, layout="mono")  # before the first packet
        for i in range(int(seconds * fps)):
            moved = ImageChops.offset(base, i * 6, i * 2)
            frame = av.VideoFrame.from_image(moved)  # type: ignore[no-untyped-call]  # PyAV stub
            for packet in picture.encode(frame):
                out.mux(packet)
        for packet in picture.encode(None):
            out.mux(packet)
        _tone(out, sound, seconds, 330 + 20 * n)
    return buf.getvalue()


def _tone(out: Any, sound: Any, seconds: float, pitch: int, rate: int = 44_100) -> None:
    import av

    per = 1024
    step = 2 * math.pi * pitch / rate
    for start in range(0, int(seconds * rate), per):
        pcm = array("h", (int(6000 * math.sin(step * (start + i))) for i in range(per)))
        frame = av.AudioFrame(format="s16", layout="mono", samples=per)
        frame.planes[0].update(pcm.tobytes())
        frame.sample_rate = rate
        frame.pts = start
        for packet in sound.encode(frame):
            out.mux(packet)
    for packet in sound.encode(None):
        out.mux(packet)


async def measure_videos(
    client: Client, clips: list[bytes], server_pid: int | None
) -> dict[str, Any]:
    """Upload each clip in turn; the time of each and the server's CPU seconds per clip."""
    latencies: list[float] = []
    cpu: list[float] = []
    kept = 0
    errors: dict[str, int] = {}
    for n, clip in enumerate(clips):
        cpu0 = _cpu(server_pid)
        started = time.monotonic()
        try:
            media = await client.upload(clip, "video", f"bench-{n}.mp4")
        except ApiError as exc:
            errors[exc.code] = errors.get(exc.code, 0) + 1
            continue
        latencies.append(time.monotonic() - started)
        cpu1 = _cpu(server_pid)
        if cpu0 is not None and cpu1 is not None:
            cpu.append(cpu1 - cpu0)
        kept = int(media["size"])
    if not latencies:
        return {"video_uploads": len(clips), "video_error_codes": errors}
    facts: dict[str, Any] = {
        "video_uploads": len(clips),
        "video_errors": sum(errors.values()),
        "video_bytes": len(clips[0]),
        "video_kept_bytes": kept,
        "video_s_p50": round(sorted(latencies)[len(latencies) // 2], 2),
        "video_s_max": round(max(latencies), 2),
    }
    if errors:
        facts["video_error_codes"] = errors
    if cpu:
        facts["video_cpu_s_p50"] = round(sorted(cpu)[len(cpu) // 2], 2)
        facts["video_cpu_s_max"] = round(max(cpu), 2)
    return facts


async def measure(
    url: str,
    users: int,
    seconds: float,
    warmup: float,
    server_pid: int | None,
    log: Callable[[str], None],
    video: tuple[float, tuple[int, int]] = (60.0, (1280, 720)),
) -> dict[str, Any]:
    """Both windows, one after the other, then the videos; facts for the report.
    `video` is the clips' length in seconds and frame size."""
    media = {
        "image": [photo(n) for n in range(DISTINCT)],
        "voice": [recording(n) for n in range(DISTINCT)],
    }
    world = await make_users(url, users, "u")
    facts: dict[str, Any] = {
        "users": users,
        "image_bytes": len(media["image"][0]),
        "voice_bytes": len(media["voice"][0]),
    }
    try:
        for kind, files in media.items():
            await _loop(world.users, kind, files, warmup, None)  # lazy loads, pools, caches
            window = Window(kind, seconds)
            cpu0 = _cpu(server_pid)
            await _loop(world.users, kind, files, seconds, window)
            cpu1 = _cpu(server_pid)
            facts.update(window.facts())
            if cpu0 is not None and cpu1 is not None:
                facts[f"{kind}_server_cpu"] = round((cpu1 - cpu0) / seconds, 2)
            if window.errors:
                facts[f"{kind}_error_codes"] = window.errors
            log(f"{kind}: {facts[f'{kind}_per_s']}/s, p99 {facts[f'{kind}_ms_p99']} ms")
        seconds_each, size = video
        log(f"video: making {VIDEOS} clips of {seconds_each:g} s, {size[0]}x{size[1]}")
        clips = [film(n, seconds_each, size) for n in range(VIDEOS)]
        facts["video_clip"] = f"{seconds_each:g} s {size[0]}x{size[1]} 30 fps H.264/AAC"
        facts.update(await measure_videos(world.users[0], clips, server_pid))
        if "video_s_p50" in facts:
            log(f"video: {facts['video_s_p50']} s each, {facts.get('video_cpu_s_p50')} s of CPU")
        else:  # every clip refused: say why rather than fail the report
            log(f"video: every upload failed: {facts.get('video_error_codes')}")
        if server_pid is not None:
            # The sum of each process's peak: the server's and its decoders', if it has any.
            facts["server_peak_rss_mib"] = round(procstat.tree_peak_kib(server_pid) / 1024, 1)
    finally:
        await close_world(world)
    return facts


async def _loop(
    users: list[Client], kind: str, files: list[bytes], seconds: float, window: Window | None
) -> None:
    """Every user uploads one file after another until `seconds` have passed."""
    deadline = time.monotonic() + seconds

    async def user(i: int, client: Client) -> None:
        n = i
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                await client.upload(files[n % len(files)], kind, f"bench-{n}")
            except ApiError as exc:
                if window is not None:
                    window.errors[exc.code] = window.errors.get(exc.code, 0) + 1
            else:
                if window is not None:
                    window.latencies.append(time.monotonic() - started)
            n += 1

    await asyncio.gather(*(user(i, c) for i, c in enumerate(users)))


def _cpu(pid: int | None) -> float | None:
    """CPU seconds of the server and its child processes (decoders), if it is ours."""
    return None if pid is None else procstat.tree_cpu_seconds(pid)
