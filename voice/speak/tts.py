"""Speech out: text → PCM with pyttsx3 (espeak-ng on Linux), synthesised once and cached.

pyttsx3 keeps global state and its `runAndWait()` blocks, so one `Pyttsx3Voice` owns one
engine, is used from one thread, and renders to files rather than to the speaker: the
scheduler (`voice.speak.conductor`) decides when each clip is heard.
"""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
import threading
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from voice.content.loader import VoiceSettings
from voice.errors import MissingResource, SpeechFailed

RATE_POLLS = 100
"""Checks (5 ms apart) that a new speaking rate has been applied."""

SYNTH_TRIES = 4
"""Attempts at synthesising one clip before giving up."""

SILENCE_LEVEL = 64
"""Samples quieter than this (of 32767) at a clip's ends are trimmed, so a clip's first
sample is its onset and the schedule places sound, not padding."""


class SpeechOut(Protocol):
    """A text-to-speech engine."""

    sample_rate: int
    """Sample rate of the PCM it returns (hertz)."""

    def synth(self, text: str, rate: int) -> np.ndarray:
        """Mono int16 PCM of `text` spoken at `rate` words per minute."""


class Pyttsx3Voice:
    """pyttsx3 rendering to WAV files (espeak-ng on Linux, SAPI5 or NSSS elsewhere)."""

    sample_rate = 22050

    def __init__(self, voice: str = "en-us") -> None:
        try:
            import pyttsx3

            self._engine = pyttsx3.init()
        except (ImportError, RuntimeError, OSError) as exc:
            raise MissingResource(
                f"speech output is not available ({exc}); install espeak-ng "
                "(sudo apt-get install espeak-ng)") from exc
        ids = {v.id.split("/")[-1]: v.id for v in self._engine.getProperty("voices")}
        if voice in ids:
            self._engine.setProperty("voice", ids[voice])
        self._lock = threading.Lock()
        self._dir = tempfile.TemporaryDirectory(prefix="cramp-coach-tts-")
        self.synth(".", 175)  # the driver's first synthesis ignores settings; spend it here

    def _set_rate(self, rate: int) -> None:
        """Set the speaking rate and wait until the driver has really applied it: espeak
        queues parameter changes, and a clip synthesised before it applies comes out at
        the previous rate."""
        self._engine.setProperty("rate", rate)
        for _ in range(RATE_POLLS):
            if self._engine.getProperty("rate") == rate:
                return
            time.sleep(0.005)

    def synth(self, text: str, rate: int) -> np.ndarray:
        """Speak `text` into a temporary WAV and return its samples.

        The espeak driver now and then finishes without writing the file; the file is
        removed first (so a stale clip is never returned) and the synthesis tried again."""
        path = Path(self._dir.name) / "clip.wav"
        for _ in range(SYNTH_TRIES):
            path.unlink(missing_ok=True)
            with self._lock, contextlib.redirect_stdout(io.StringIO()):
                self._set_rate(rate)
                self._engine.save_to_file(text, str(path))
                self._engine.runAndWait()
            if path.is_file():
                with wave.open(str(path), "rb") as wav:
                    self.sample_rate = wav.getframerate()
                    pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
                if pcm.size or not text.strip():
                    return pcm.copy()
        raise SpeechFailed(f"speech synthesis produced no audio for {text!r}")


class SilentVoice:
    """Stands in for a missing synthesiser: silent clips as long as the words would take,
    so plans keep their timing while the words are printed instead."""

    sample_rate = 22050
    SECONDS_PER_WORD = 0.3

    def synth(self, text: str, rate: int) -> np.ndarray:
        """Silence the length of `text` spoken at about `rate` words per minute."""
        seconds = max(1, len(text.split())) * 60.0 / max(rate, 1) * 0.75
        return np.zeros(int(seconds * self.sample_rate), dtype=np.int16)


def trim(samples: np.ndarray) -> np.ndarray:
    """Drop near-silence from both ends."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > SILENCE_LEVEL)
    if loud.size == 0:
        return samples[:0]
    return samples[loud[0]:loud[-1] + 1]


MAX_RATE = 400
"""Fastest speaking rate used to fit a count word into its second (words per minute)."""

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    """Split a wording into sentences; each is synthesised and cached on its own."""
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


@dataclass(frozen=True)
class Clip:
    """A piece of synthesised speech."""

    text: str
    samples: np.ndarray
    """Mono int16 PCM, trimmed, gain applied."""
    sample_rate: int
    """Hertz."""

    @property
    def duration_s(self) -> float:
        """Length (seconds)."""
        return len(self.samples) / self.sample_rate


class SpeechLibrary:
    """Every clip the coach says, synthesised once per (text, mode) and kept in memory."""

    def __init__(self, tts: SpeechOut, settings: VoiceSettings) -> None:
        self.tts = tts
        self.settings = settings
        self._cache: dict[tuple[str, bool, bool, float, float | None], Clip] = {}

    @property
    def sample_rate(self) -> int:
        """Output sample rate (hertz)."""
        return self.tts.sample_rate

    def _clip(self, text: str, night: bool, count: bool, rate_scale: float = 1.0,
              max_s: float | None = None) -> Clip:
        key = (text, night, count, rate_scale, max_s)
        if key not in self._cache:
            style = self.settings.style(night)
            rate = style.count_rate if count else round(style.rate * rate_scale)
            raw = self.tts.synth(text, rate)
            raw = raw if isinstance(self.tts, SilentVoice) else trim(raw)
            # A count word must leave a clear gap before the next second's word.
            longest = max_s if max_s is not None else self.settings.max_word_s
            while count and len(raw) > longest * self.tts.sample_rate \
                    and rate < MAX_RATE:
                rate += 20
                raw = trim(self.tts.synth(text, rate))
            scaled = raw.astype(np.float32) * style.volume
            pcm = np.clip(scaled, -32768, 32767).astype(np.int16)
            self._cache[key] = Clip(text, pcm, self.tts.sample_rate)
        return self._cache[key]

    def sentence(self, text: str, night: bool, rate_scale: float = 1.0) -> Clip:
        """One sentence (`rate_scale`: times the mode's speaking rate)."""
        return self._clip(text, night, count=False, rate_scale=rate_scale)

    def aside(self, text: str, night: bool, max_s: float) -> Clip:
        """A few words said between two count words: as briskly as the count, faster if
        they would last longer than `max_s` seconds."""
        return self._clip(text, night, count=True, max_s=max_s)

    def count_word(self, n: int, night: bool) -> Clip:
        """The word for `n` in a count."""
        return self._clip(self.settings.count_words[n - 1], night, count=True)

    def warm_up(self, night: bool) -> None:
        """Synthesise the count words now, so the first count starts without delay."""
        for n in range(1, self.settings.hold_s + 1):
            self.count_word(n, night)
