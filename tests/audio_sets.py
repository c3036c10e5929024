"""Synthetic spoken commands for recognition tests and benchmarks.

Every command is rendered by several synthetic voices (espeak-ng and flite, different
accents and speeds) into a cache folder, on demand: rendering is deterministic, so a
cached file is reused as long as the text, voice and tool agree (the file name is a hash
of them). Noise (brown or pink, fixed seeds) can be mixed in at a chosen SNR.

    items = build_set(COMMANDS, VOICES, snr_db=10.0)   # list[Item], 16 kHz int16
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voice.wavio import read_wav, resample

RATE = 16000
"""Sample rate of every item (hertz)."""
PAD_S = 0.4
"""Quiet lead-in and tail around each utterance (seconds)."""
FLOOR_DBFS = -70.0
"""Level of the faint noise under the padding of clean items (dB full scale)."""


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


@dataclass(frozen=True)
class Voice:
    """A synthetic speaker."""

    name: str
    """Short label (`espeak-us`)."""
    tool: str
    """`espeak-ng` or `flite`."""
    voice: str
    """The tool's voice name (`en-us`, `slt` ...)."""
    speed: float = 1.0
    """Speaking rate relative to the tool's default (1.0 = normal)."""


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

VOICES: tuple[Voice, ...] = (
    Voice("espeak-us", "espeak-ng", "en-us", 1.0),
    Voice("espeak-gb", "espeak-ng", "en-gb", 1.15),
    Voice("flite-slt", "flite", "slt", 1.0),
    Voice("flite-awb", "flite", "awb", 0.9),
)
"""Four voices: two accents of espeak-ng, two flite speakers, at different speeds."""

ESPEAK_WPM = 160
"""espeak-ng rate at speed 1.0 (words per minute)."""


def tools_missing() -> list[str]:
    """Synthesis programs that are not installed."""
    return [tool for tool in ("espeak-ng", "flite") if shutil.which(tool) is None]


def cache_dir() -> Path:
    """Where rendered speech is kept: $CRAMP_AUDIO_CACHE, else a folder under /tmp."""
    folder = Path(os.environ.get("CRAMP_AUDIO_CACHE", Path(tempfile.gettempdir()) /
                                 "cramp-coach-audio"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _command_line(text: str, voice: Voice, out: Path) -> list[str]:
    if voice.tool == "espeak-ng":
        return ["espeak-ng", "-v", voice.voice, "-s", str(round(ESPEAK_WPM * voice.speed)),
                "-w", str(out), text]
    if voice.tool == "flite":
        return ["flite", "-voice", voice.voice, "--setf",
                f"duration_stretch={1 / voice.speed:.3f}", "-t", text, "-o", str(out)]
    raise ValueError(f"unknown synthesiser {voice.tool!r}")


def render(text: str, voice: Voice, cache: Path | None = None) -> Path:
    """The WAV of `voice` saying `text` (the tool's own rate), rendered once and cached."""
    folder = cache or cache_dir()
    key = hashlib.sha256(repr((text, voice.tool, voice.voice, voice.speed)).encode())
    path = folder / f"{voice.name}-{key.hexdigest()[:16]}.wav"
    if not path.exists():
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            part = Path(tmp) / "out.wav"
            subprocess.run(_command_line(text, voice, part), check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
            os.replace(part, path)
    return path


def noise(kind: str, n: int, seed: int) -> np.ndarray:
    """`n` samples of unit-RMS `brown`, `pink` or `white` noise (float64), from `seed`."""
    rng = np.random.default_rng(seed)
    white = rng.standard_normal(n)
    if kind == "white":
        shaped = white
    elif kind == "brown":
        shaped = np.cumsum(white)
        shaped -= np.convolve(shaped, np.ones(801) / 801, mode="same")  # no drift below 20 Hz
    elif kind == "pink":
        spectrum = np.fft.rfft(white)
        freqs = np.fft.rfftfreq(n, 1 / RATE)
        spectrum[1:] /= np.sqrt(freqs[1:])
        spectrum[0] = 0
        shaped = np.fft.irfft(spectrum, n)
    else:
        raise ValueError(f"unknown noise {kind!r}")
    return shaped / (np.sqrt(np.mean(shaped**2)) + 1e-12)


def speech_rms(samples: np.ndarray) -> float:
    """RMS of the loud part of an utterance (10 ms frames within 30 dB of the loudest)."""
    frame = RATE // 100
    n = max(1, len(samples) // frame)
    frames = samples[: n * frame].astype(np.float64).reshape(n, -1)
    power = np.mean(frames**2, axis=1)
    active = power[power >= power.max() * 1e-3]
    return float(np.sqrt(np.mean(active))) if active.size else 0.0


def mix(speech: np.ndarray, snr_db: float | None, seed: int, kind: str = "brown") -> np.ndarray:
    """Speech with `kind` noise added at `snr_db` (None: a faint floor only), as int16."""
    clean = speech.astype(np.float64)
    level = speech_rms(speech)
    if snr_db is None:
        scale = 32768 * 10 ** (FLOOR_DBFS / 20)
    else:
        scale = level / 10 ** (snr_db / 20)
    mixed = clean + noise(kind, len(clean), seed) * scale
    peak = np.max(np.abs(mixed))
    if peak > 32767:
        mixed *= 32767 / peak
    return np.round(mixed).astype(np.int16)


def load_16k(path: Path) -> np.ndarray:
    """A rendered file as 16 kHz int16, padded with `PAD_S` of silence on both sides."""
    audio = read_wav(path)
    samples = resample(np.asarray(audio.samples), audio.sample_rate, RATE)
    pad = np.zeros(int(PAD_S * RATE), dtype=np.int16)
    return np.concatenate([pad, samples, pad])


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
