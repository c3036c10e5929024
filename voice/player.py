"""Playing a plan through the speaker on the output stream's own sample clock.

The sounddevice callback mixes whatever cues overlap the block it is asked for, so a cue
scheduled for sample N starts at sample N exactly, and `clear()` silences the speaker
from the next block (a few milliseconds). Times are seconds on this clock: `now()`.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from voice.conductor import Cue
from voice.errors import MissingResource

BLOCK_FRAMES = 256
"""Frames per output block: how soon a `clear()` is heard (256 at 22 050 Hz ≈ 12 ms)."""
START_LEAD_S = 0.05
"""Cues are never scheduled closer than this to `now()` (seconds)."""


class Sink(Protocol):
    """Where planned cues are played."""

    sample_rate: int

    def now(self) -> float:
        """Current time on the sink's clock (seconds)."""

    def play(self, cues: tuple[Cue, ...]) -> None:
        """Schedule cues (their `start` is on this clock)."""

    def clear(self) -> None:
        """Silence now: drop every cue not yet finished."""

    def close(self) -> None:
        """Release the device."""


@dataclass
class _Scheduled:
    start: int
    """First frame (on the stream clock)."""
    pcm: np.ndarray


class LivePlayer:
    """A sounddevice output stream playing scheduled cues."""

    def __init__(self, sample_rate: int, device: str | int | None = None) -> None:
        import sounddevice as sd

        self.sample_rate = sample_rate
        self._lock = threading.Lock()
        self._cues: list[_Scheduled] = []
        self._frames = 0
        self.errors = 0
        """Output underflows or callback problems seen (for the log)."""
        try:
            self._stream = sd.OutputStream(samplerate=sample_rate, channels=1, dtype="int16",
                                           blocksize=BLOCK_FRAMES, device=_device(device),
                                           latency="low", callback=self._callback)
            self._stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            raise MissingResource(f"cannot open the speaker ({exc}); list devices with "
                                  "`python -m sounddevice`, pick one with --output") from exc

    def _callback(self, out: np.ndarray, frames: int, _time: Any, status: Any) -> None:
        if status.output_underflow:
            self.errors += 1
        block = np.zeros(frames, dtype=np.int32)
        with self._lock:
            start = self._frames
            keep = []
            for cue in self._cues:
                lo = max(cue.start, start)
                hi = min(cue.start + len(cue.pcm), start + frames)
                if hi > lo:
                    block[lo - start:hi - start] += cue.pcm[lo - cue.start:hi - cue.start]
                if cue.start + len(cue.pcm) > start + frames:
                    keep.append(cue)
            self._cues = keep
            self._frames = start + frames
        out[:, 0] = np.clip(block, -32768, 32767)

    def now(self) -> float:
        """Seconds of audio handed to the device so far."""
        with self._lock:
            return self._frames / self.sample_rate

    def play(self, cues: tuple[Cue, ...]) -> None:
        """Schedule cues at their exact frames."""
        with self._lock:
            for cue in cues:
                self._cues.append(_Scheduled(round(cue.start * self.sample_rate),
                                             cue.clip.samples))

    def clear(self) -> None:
        """Silence from the next block on."""
        with self._lock:
            self._cues = []

    def busy(self) -> bool:
        """Whether anything is still to be played."""
        with self._lock:
            return bool(self._cues)

    def close(self) -> None:
        """Stop and release the device."""
        self._stream.abort()
        self._stream.close()


class PrintSink:
    """Stands in for the speaker when there is none: count words are printed at their
    exact times instead of spoken (sentences are printed by the caller when planned)."""

    def __init__(self, sample_rate: int) -> None:
        import time

        self.sample_rate = sample_rate
        self._clock = time.monotonic
        self._t0 = self._clock()
        self._timers: list[threading.Timer] = []
        self._lock = threading.Lock()

    def now(self) -> float:
        """Seconds since the sink was opened."""
        return self._clock() - self._t0

    def play(self, cues: tuple[Cue, ...]) -> None:
        """Print each count word when it is due."""
        with self._lock:
            for cue in cues:
                if cue.kind == "count":
                    timer = threading.Timer(max(0.0, cue.start - self.now()), _print_count,
                                            args=(cue.clip.text,))
                    timer.daemon = True
                    timer.start()
                    self._timers.append(timer)

    def clear(self) -> None:
        """Cancel every count word not yet printed."""
        with self._lock:
            for timer in self._timers:
                timer.cancel()
            self._timers = []

    def close(self) -> None:
        """Cancel what is pending."""
        self.clear()


def _print_count(word: str) -> None:
    print(f"  {word}", flush=True)


def _device(device: str | int | None) -> str | int | None:
    if device is None:
        return None
    return int(device) if str(device).isdigit() else device


def warn(message: str) -> None:
    """One line for the person at the terminal."""
    print(f"cramp-coach: {message}", file=sys.stderr, flush=True)
