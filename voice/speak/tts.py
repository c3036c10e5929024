"""Speech out: text → PCM with a voice (Piper's, `voice.speak.piper`, or pyttsx3 with
espeak-ng), synthesised once per line and mode, kept in memory and in a render cache.

pyttsx3 keeps global state and its `runAndWait()` blocks, so one `Pyttsx3Voice` owns one
engine, is used from one thread, and renders to files rather than to the speaker: the
scheduler (`voice.speak.conductor`) decides when each clip is heard.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from voice.content.loader import VoiceSettings
from voice.errors import MissingResource, SpeechFailed
from voice.speak.cache import RenderCache, clip_key

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
    name: str
    """Engine and voice, as the timeline names them (`piper:en_US-joe-medium`)."""

    def settings(self, rate: int) -> dict[str, object]:
        """Everything besides the text that shapes a clip spoken at `rate`."""

    def synth(self, text: str, rate: int) -> np.ndarray:
        """Mono int16 PCM of `text` spoken at `rate` words per minute."""


_DRIVERS = {"darwin": "nsss", "win32": "sapi5"}
"""pyttsx3's driver on each platform (espeak-ng on the others)."""


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
        else:  # the driver's own default speaks
            voice = str(self._engine.getProperty("voice") or voice).split("/")[-1]
        self.name = f"{_DRIVERS.get(sys.platform, 'espeak')}:{voice}"
        self._lock = threading.Lock()
        self._dir = tempfile.TemporaryDirectory(prefix="cramp-coach-tts-")
        self.synth(".", 175)  # the driver's first synthesis ignores settings; spend it here

    def settings(self, rate: int) -> dict[str, object]:
        """What shapes a clip besides its text: the speaking rate."""
        return {"rate": rate}

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
    name = "silent"
    SECONDS_PER_WORD = 0.3

    def settings(self, rate: int) -> dict[str, object]:
        """What shapes a clip besides its text: the speaking rate."""
        return {"rate": rate}

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


RENDER_VERSION = 1
"""Part of every render cache key: raised when the way a clip is made from a voice's
samples changes (trimming, fitting a count word, gain)."""


class SpeechLibrary:
    """Every clip the coach says, synthesised once per (text, mode) and kept in memory;
    with a `RenderCache`, kept on disk too, so a later start need not synthesise it."""

    def __init__(self, tts: SpeechOut, settings: VoiceSettings,
                 cache: RenderCache | None = None) -> None:
        self.tts = tts
        self.settings = settings
        self.cache = cache
        self.rendered = 0
        """Clips synthesised (not found in memory or in the cache)."""
        self._clips: dict[tuple[str, bool, bool, float, float | None], Clip] = {}

    @property
    def sample_rate(self) -> int:
        """Output sample rate (hertz)."""
        return self.tts.sample_rate

    @property
    def voice(self) -> str:
        """The engine and voice speaking (`piper:en_US-joe-medium`, `espeak:en-us`)."""
        return self.tts.name

    def _rate(self, night: bool, count: bool, rate_scale: float) -> int:
        style = self.settings.style(night)
        return style.count_rate if count else round(style.rate * rate_scale)

    def key(self, text: str, night: bool, count: bool, rate_scale: float = 1.0,
            max_s: float | None = None) -> str:
        """The render cache's key for a clip: voice, text, mode and every setting that
        shapes its samples."""
        style = self.settings.style(night)
        rate = self._rate(night, count, rate_scale)
        fields: dict[str, object] = {
            "version": RENDER_VERSION, "voice": self.tts.name, "text": text,
            "mode": "night" if night else "day", "kind": "count" if count else "say",
            "rate": rate, "voice_settings": self.tts.settings(rate), "gain": style.volume,
            "sample_rate": self.tts.sample_rate}
        if count:
            fields["max_word_s"] = max_s if max_s is not None else self.settings.max_word_s
        return clip_key(fields)

    def _clip(self, text: str, night: bool, count: bool, rate_scale: float = 1.0,
              max_s: float | None = None) -> Clip:
        found = (text, night, count, rate_scale, max_s)
        if found not in self._clips:
            kept = self.cache is not None and not isinstance(self.tts, SilentVoice)
            key = self.key(*found) if kept else ""
            pcm = self.cache.get(key, self.tts.sample_rate) if self.cache and kept else None
            if pcm is None:
                pcm = self._render(*found)
                if self.cache is not None and kept:
                    self.cache.put(key, pcm, self.tts.sample_rate)
            self._clips[found] = Clip(text, pcm, self.tts.sample_rate)
        return self._clips[found]

    def _render(self, text: str, night: bool, count: bool, rate_scale: float,
                max_s: float | None) -> np.ndarray:
        """Synthesise one clip: trimmed, a count word (or an aside) fitted into its time,
        gain applied."""
        self.rendered += 1
        style = self.settings.style(night)
        rate = self._rate(night, count, rate_scale)
        raw = self.tts.synth(text, rate)
        raw = raw if isinstance(self.tts, SilentVoice) else trim(raw)
        # A count word must leave a clear gap before the next second's word.
        longest = max_s if max_s is not None else self.settings.max_word_s
        while count and len(raw) > longest * self.tts.sample_rate and rate < MAX_RATE:
            rate += 20
            raw = trim(self.tts.synth(text, rate))
        scaled = raw.astype(np.float32) * style.volume
        pcm: np.ndarray = np.clip(scaled, -32768, 32767).astype(np.int16)
        return pcm

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

    def prepare(self, lines: Iterable[str], night: bool, progress: bool = False) -> int:
        """Have every count word and every sentence of `lines` ready in memory, read from
        the cache or rendered into it; returns how many had to be rendered. With
        `progress`, a bar on stderr while anything is rendered."""
        todo = [(word, True) for word in self.settings.count_words]
        todo += [(s, False) for s in dict.fromkeys(s for line in lines for s in sentences(line))]
        before = self.rendered
        bar: Any = None
        try:
            for done, (text, count) in enumerate(todo):
                if bar is None and progress and self.rendered > before:
                    from tqdm import tqdm

                    bar = tqdm(total=len(todo), initial=done, unit="line", file=sys.stderr,
                               desc=f"rendering the coach's lines ({self.voice})")
                self._clip(text, night, count)
                if bar is not None:
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()
        return self.rendered - before
