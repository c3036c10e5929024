"""The synthetic command set for recognition tests and benchmarks.

Every command is rendered by several synthetic voices (`speech.VOICES`: espeak-ng and
flite, different accents and speeds) into a cache folder, on demand (`speech.render`).
Noise (brown or pink, fixed seeds) can be mixed in at a chosen SNR (`noise.mix`).

    items = build_set(COMMANDS, VOICES, snr_db=10.0)   # list[Item], 16 kHz int16
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from tests.support.noise import mix
from tests.support.speech import RATE, VOICES, Voice, load_16k, render


@dataclass(frozen=True)
class Command:
    """A sentence to speak and what it must be understood as."""

    text: str
    """What the voice says."""
    intent: str
    """Expected intent."""
    context: str = "idle"
    """Listening context it is said in."""
    slots: Mapping[str, str] = field(default_factory=dict)
    """Expected slots."""


@dataclass(frozen=True, eq=False)
class Item:
    """One rendered utterance."""

    command: Command
    voice: Voice
    samples: np.ndarray
    """16 kHz mono int16, padded, noise mixed in when asked."""
    snr_db: float | None
    """Speech-to-noise ratio (dB); None for clean."""

    @property
    def duration(self) -> float:
        """Length (seconds)."""
        return len(self.samples) / RATE


def _c(text: str, intent: str, context: str = "idle", **slots: str) -> Command:
    return Command(text, intent, context, dict(slots))


COMMANDS: tuple[Command, ...] = (
    _c("help, calf cramp", "cramp", muscle="calf"),
    _c("my left calf is cramping", "cramp", muscle="calf", side="left"),
    _c("cramp in my right foot", "cramp", muscle="foot", side="right"),
    _c("I have a hamstring cramp", "cramp", muscle="hamstring"),
    _c("my toes are curling", "cramp", muscle="foot"),
    _c("help, cramp in my left leg", "cramp", side="left"),
    _c("quad cramp", "cramp", muscle="quadriceps"),
    _c("I woke up with a leg cramp", "cramp"),
    _c("charley horse", "cramp", muscle="calf"),
    _c("help me", "help"),
    _c("what can I say", "help"),
    _c("stop", "stop"),
    _c("be quiet", "stop"),
    _c("cancel", "stop"),
    _c("stop", "stop", "count"),
    _c("stop counting", "stop", "count"),
    _c("shut up", "stop", "count"),
    _c("wait", "pause", "count"),
    _c("hold on", "pause", "count"),
    _c("pause", "pause", "count"),
    _c("keep going", "resume", "count"),
    _c("continue", "resume", "count"),
    _c("say that again", "repeat", "count"),
    _c("one more time", "repeat", "count"),
    _c("next", "next", "count"),
    _c("skip", "next", "count"),
    _c("it's gone", "better", "count"),
    _c("that's much better", "better", "count"),
    _c("it still hurts", "worse", "count"),
    _c("it's getting worse", "worse", "count"),
    _c("yes", "yes", "question"),
    _c("yes please", "yes", "question"),
    _c("no", "no", "question"),
    _c("no thanks", "no", "question"),
    _c("it's better now", "better", "question"),
    _c("should I massage it", "massage"),
    _c("should I use heat or ice", "heat_ice"),
    _c("should I drink water", "hydration"),
    _c("I get cramps when running", "exercise"),
    _c("what shoes should I wear", "footwear"),
    _c("how can I prevent cramps", "prevention"),
    _c("should I see a doctor", "doctor"),
    _c("my leg is swollen and red", "red_flag"),
    _c("I can't feel my foot", "red_flag", muscle="foot"),
)
"""Commands across every intent and listening context."""


def build_set(commands: Sequence[Command] = COMMANDS, voices: Sequence[Voice] = VOICES,
              snr_db: float | None = None, seed: int = 0,
              noises: Iterable[str] = ("brown", "pink")) -> list[Item]:
    """Every command in every voice; with `snr_db`, noise alternating between `noises`."""
    kinds = list(noises)
    items = []
    for i, command in enumerate(commands):
        for j, voice in enumerate(voices):
            speech = load_16k(render(command.text, voice))
            n = i * len(voices) + j
            samples = mix(speech, snr_db, seed + n, kinds[n % len(kinds)])
            items.append(Item(command, voice, samples, snr_db))
    return items


def subset(commands: Sequence[Command], every: int) -> list[Command]:
    """Every `every`-th command (a fixed, deterministic subset)."""
    return list(commands[::every])
