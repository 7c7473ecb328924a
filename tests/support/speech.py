"""Speech clips made in the test with espeak-ng (Debian's package; scripts/install-speech
installs it): a sentence spoken to a WAV file, and how much of it came back."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.services import unavailable

# A clear female US voice at a calm pace: PocketSphinx's US English model hears it best
# of espeak-ng's voices (its default male voice loses about half the words).
VOICE = "en-us+f2"
SPEED = 130  # words per minute


def spoken(sentence: str, voice: str = VOICE, speed: int = SPEED) -> bytes:
    """`sentence` as espeak-ng says it (16-bit mono WAV at 22,050 Hz)."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        unavailable("espeak-ng", "scripts/install-speech installs Debian's package")
        raise AssertionError("unreachable")  # unavailable() skips or fails
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "clip.wav"
        subprocess.run(  # noqa: S603 - a fixed program, our own sentence
            [espeak, "-v", voice, "-s", str(speed), "-w", str(out), sentence],
            check=True,
            capture_output=True,
            timeout=60,
        )
        return out.read_bytes()


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def recall_of(said: str, heard: str) -> float:
    """The share of the words said that were heard, in order (a longest common
    subsequence, so a word heard out of place does not count)."""
    a, b = words(said), words(heard)
    best = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            best[i + 1][j + 1] = best[i][j] + 1 if x == y else max(best[i][j + 1], best[i + 1][j])
    return best[len(a)][len(b)] / len(a) if a else 1.0


@dataclass(frozen=True, slots=True)
class Slow:
    """An engine plugged in by name (`tests.support.speech:Slow`), as an operator plugs
    one: it takes `seconds` to hear anything, longer than a push waits."""

    seconds: float = 4.0
    name: str = "slow"
    languages: frozenset[str] = frozenset({"en"})

    def transcribe(self, audio: Path, language: str) -> str:
        time.sleep(self.seconds)
        return f"heard {audio.stat().st_size} bytes"
