"""A simulated bedroom's sound at 16 kHz, block by block: a fan all night, snoring in
spells, and speech added at a level."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tests.support.noise import at_level, band, coloured_noise
from tests.support.speech import RATE as SAMPLE_RATE

CHUNK_S = 10.0
"""Background noise is made this much at a time (seconds)."""
FADE_S = 0.05
"""Cross-fade between background chunks (seconds)."""
FAN_RMS = 60.0
"""Fan noise level (RMS of int16 samples; about -55 dBFS)."""
SNORE_RMS = 1200.0
"""Snore level (RMS over a snore; about -29 dBFS)."""
SPEECH_RMS = 2500.0
"""Speech level (RMS over an utterance; about -22 dBFS)."""
SNORE_SPELLS = ((0.08, 0.22), (0.40, 0.55), (0.72, 0.82))
"""When someone snores, as fractions of the night."""


@dataclass(frozen=True)
class Snore:
    """One snore."""

    start: float
    """When it begins (seconds into the night)."""
    length: float
    """How long it lasts (seconds)."""
    level: float
    """Its RMS (int16 units)."""
    seed: int
    """Seed of its noise."""


def snore_schedule(seconds: float, rng: np.random.Generator) -> list[Snore]:
    """Snores every 3.5 to 4.5 s through the spells of SNORE_SPELLS."""
    snores: list[Snore] = []
    for begin, end in SNORE_SPELLS:
        t = begin * seconds
        while t < end * seconds:
            snores.append(Snore(t, float(rng.uniform(1.0, 1.6)),
                                SNORE_RMS * float(rng.uniform(0.6, 1.2)),
                                int(rng.integers(1 << 31))))
            t += float(rng.uniform(3.5, 4.5))
    return snores


def snore_sound(snore: Snore) -> np.ndarray:
    """A snore: low noise fluttering at 25 to 45 Hz, swelling and fading (float32)."""
    rng = np.random.default_rng(snore.seed)
    n = int(snore.length * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    flutter = (1 + np.sin(2 * np.pi * rng.uniform(25, 45) * t)) ** 2
    x = band(coloured_noise(rng, n, 1.0) * flutter.astype(np.float32), 60, 700)
    x *= np.sin(np.pi * t / snore.length).astype(np.float32) ** 2
    return at_level(x, snore.level)


class Bedroom:
    """The bedroom's sound, block by block: the fan all night, snores in spells, and any
    speech added with `say`."""

    def __init__(self, seconds: float, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.snores = snore_schedule(seconds, self.rng)
        self._next_snore = 0
        self._buffer = np.zeros(0, np.float32)
        self._buffer_at = 0
        """Sample index of `_buffer[0]`."""
        self._tail: np.ndarray = np.zeros(0, np.float32)
        self._pos = 0
        self._sounds: list[tuple[int, np.ndarray]] = []

    @property
    def time_s(self) -> float:
        """Time of the next sample (seconds)."""
        return self._pos / SAMPLE_RATE

    def say(self, at_s: float, pcm: np.ndarray) -> None:
        """Add a sound (float32 or int16) starting at `at_s` seconds."""
        self._sounds.append((round(at_s * SAMPLE_RATE), pcm.astype(np.float32)))

    def block(self, n: int) -> np.ndarray:
        """The next `n` samples (int16)."""
        while self._buffer_at + len(self._buffer) < self._pos + n:
            self._extend()
        lo = self._pos - self._buffer_at
        out = self._buffer[lo:lo + n].copy()
        for start, pcm in self._sounds:
            a, b = max(start, self._pos), min(start + len(pcm), self._pos + n)
            if b > a:
                out[a - self._pos:b - self._pos] += pcm[a - start:b - start]
        self._pos += n
        self._sounds = [(s, p) for s, p in self._sounds if s + len(p) > self._pos]
        return np.clip(out, -32768, 32767).astype(np.int16)

    def _extend(self) -> None:
        """Make the next chunk of background: fan noise (cross-faded) and its snores."""
        n, fade = int(CHUNK_S * SAMPLE_RATE), int(FADE_S * SAMPLE_RATE)
        fan = coloured_noise(self.rng, n + fade, 1.0) * FAN_RMS
        fan += (0.3 * FAN_RMS * np.sin(2 * np.pi * 100 * np.arange(n + fade) / SAMPLE_RATE)
                ).astype(np.float32)
        if len(self._tail):
            w = np.linspace(0, np.pi / 2, fade, dtype=np.float32)
            fan[:fade] = fan[:fade] * np.sin(w) + self._tail * np.cos(w)
        chunk, self._tail = fan[:n], fan[n:]
        at = self._buffer_at + len(self._buffer)
        while self._next_snore < len(self.snores) and \
                self.snores[self._next_snore].start * SAMPLE_RATE < at + n:
            snore = self.snores[self._next_snore]
            self.say(snore.start, snore_sound(snore))
            self._next_snore += 1
        keep = self._buffer[self._pos - self._buffer_at:]
        self._buffer_at = self._pos
        self._buffer = np.concatenate([keep, chunk])
