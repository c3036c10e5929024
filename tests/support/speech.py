"""Synthetic speech (espeak-ng, flite) at 16 kHz, and the real Speech Commands clips.

A voice is either a `Voice` (rendered once into a cache folder, at its own speed) or a
`TOOL:NAME` string (`espeak:en-us`, `flite:slt`: the tool's default rate, espeak-ng at 150
words per minute).
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice import ROOT_DIR
from voice.vocabulary import SAMPLE_RATE
from voice.wavio import read_wav, read_wav_16k, resample

RATE = SAMPLE_RATE
"""Sample rate of every utterance (hertz)."""
PAD_S = 0.4
"""Quiet lead-in and tail `load_16k` adds around each utterance (seconds)."""
ESPEAK_WPM = 160
"""espeak-ng rate of a `Voice` at speed 1.0 (words per minute)."""
NAMED_WPM = 150
"""espeak-ng rate of a `TOOL:NAME` voice (words per minute)."""


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


def espeak_voice(name: str, wpm: int) -> Voice:
    """espeak-ng's voice `name` (`en-us` ...) at `wpm` words per minute."""
    return Voice(f"espeak-{name}-{wpm}", "espeak-ng", name, wpm / ESPEAK_WPM)


STOP_VOICE = espeak_voice("en-us", 150)
"""The voice "stop" is said in to the live coach, by the answering benchmark and the live
tests."""


VOICES: tuple[Voice, ...] = (
    Voice("espeak-us", "espeak-ng", "en-us", 1.0),
    Voice("espeak-gb", "espeak-ng", "en-gb", 1.15),
    Voice("flite-slt", "flite", "slt", 1.0),
    Voice("flite-awb", "flite", "awb", 0.9),
)
"""Four voices: two accents of espeak-ng, two flite speakers, at different speeds."""

CHATTER = (
    "Did you remember to lock the back door?",
    "I think the heating comes on at six tomorrow.",
    "Can you pass me the water, please?",
    "The kids have swimming after school on Thursday.",
    "It was so windy today that the bins fell over.",
    "I'll ring your mother in the morning.",
    "Turn the light off when you come to bed.",
    "What time is the train on Saturday?",
    "The dog was barking at the fox again.",
    "I can't find my glasses anywhere.",
    "We need to buy milk and bread tomorrow.",
    "Are you still reading that book about the mountains?",
    "The meeting went on for hours and nobody agreed on anything.",
    "Set the alarm for half past six.",
    "I helped Sam carry the boxes up the stairs.",
    "That film last night was far too long.",
    "My phone needs charging, where is the cable?",
    "It's raining again, I can hear it on the window.",
    "Let's go to the beach if the weather holds.",
    "Your sister called while you were out.",
    "I walked all the way to the shops and back.",
    "The neighbours are having their kitchen redone.",
    "Shall we paint the spare room green or blue?",
    "Do you think the baby is warm enough?",
    "I have to be at work early tomorrow.",
    "There is a spider in the corner of the ceiling.",
    "Remind me to water the plants.",
    "I'm so tired, I could sleep for a week.",
    "Who left the tap running in the bathroom?",
    "Good night, sleep well.",
)
"""Everyday talk in a bedroom, not meant for the coach."""


def tools_missing() -> list[str]:
    """Synthesis programs that are not installed."""
    return [tool for tool in ("espeak-ng", "flite") if shutil.which(tool) is None]


def command_line(tool: str, name: str, text: str, out: Path, speed: float | None = None
                 ) -> list[str]:
    """The command that writes `name` of `tool` saying `text` to the WAV `out`; `speed`
    None is the tool's default rate (espeak-ng: `NAMED_WPM`)."""
    if tool in ("espeak", "espeak-ng"):
        wpm = NAMED_WPM if speed is None else round(ESPEAK_WPM * speed)
        return ["espeak-ng", "-v", name, "-s", str(wpm), "-w", str(out), text]
    if tool == "flite":
        stretch = [] if speed is None else ["--setf", f"duration_stretch={1 / speed:.3f}"]
        return ["flite", "-voice", name, *stretch, "-t", text, "-o", str(out)]
    raise ValueError(f"unknown synthesiser {tool!r}")


def say(path: Path, text: str, voice: str = "espeak:en-us") -> Path:
    """The WAV `path` of `voice` (`TOOL:NAME`) saying `text`, at the tool's own rate."""
    tool, name = voice.split(":", 1)
    subprocess.run(command_line(tool, name, text, path), check=True, capture_output=True)
    return path


@functools.cache
def synthesise(text: str, voice: str) -> np.ndarray:
    """16 kHz int16 speech of `voice` (`TOOL:NAME`) saying `text`."""
    with tempfile.TemporaryDirectory() as folder:
        return read_wav_16k(say(Path(folder) / "said.wav", text, voice))


def cache_dir() -> Path:
    """Where rendered speech is kept: $CRAMP_AUDIO_CACHE, else a folder under /tmp."""
    folder = Path(os.environ.get("CRAMP_AUDIO_CACHE", Path(tempfile.gettempdir()) /
                                 "cramp-coach-audio"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def render(text: str, voice: Voice, cache: Path | None = None) -> Path:
    """The WAV of `voice` saying `text` (the tool's own rate), rendered once and cached."""
    folder = cache or cache_dir()
    key = hashlib.sha256(repr((text, voice.tool, voice.voice, voice.speed)).encode())
    path = folder / f"{voice.name}-{key.hexdigest()[:16]}.wav"
    if not path.exists():
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            part = Path(tmp) / "out.wav"
            subprocess.run(command_line(voice.tool, voice.voice, text, part, voice.speed),
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=60)
            os.replace(part, path)
    return path


def load_16k(path: Path) -> np.ndarray:
    """A rendered file as 16 kHz int16, padded with `PAD_S` of silence on both sides."""
    audio = read_wav(path)
    samples = resample(np.asarray(audio.samples), audio.sample_rate, RATE)
    pad = np.zeros(int(PAD_S * RATE), dtype=np.int16)
    return np.concatenate([pad, samples, pad])


# --- real people: Speech Commands (Warden 2018, CC BY 4.0) -----------------------------------

SPEECH_COMMANDS = ROOT_DIR.parent / "shared" / "data" / "speech-commands"
"""The real-speech clips (see its README): a folder a word, 16 kHz mono 16-bit."""
OTHER_WORDS = ("go", "left", "right", "up", "down", "on", "off", "_unknown_")
"""Folders of words that are not commands of the `count` context."""


def clips_missing() -> str | None:
    """One line saying the Speech Commands clips are not there, or None when they are."""
    if SPEECH_COMMANDS.is_dir():
        return None
    return f"Speech Commands clips not found: no folder {SPEECH_COMMANDS}"


def clips(folder: str, every: int = 1) -> list[Path]:
    """The clips of one folder, every `every`-th (sorted, so the subset is fixed).

    Raises FileNotFoundError when the Speech Commands folder itself is missing, so a
    missing data set is not read as a folder with no clips."""
    missing = clips_missing()
    if missing is not None:
        raise FileNotFoundError(missing)
    return sorted((SPEECH_COMMANDS / folder).glob("*.wav"))[::every]


def spread_clips(folder: str, limit: int | None) -> list[Path]:
    """Up to `limit` clips of a folder, spread over its speakers."""
    found = clips(folder)
    if limit is None or limit >= len(found):
        return found
    step = len(found) / limit
    return [found[int(i * step)] for i in range(limit)]


def read_clip(path: Path) -> bytes:
    """A Speech Commands clip (16 kHz mono 16-bit) as PCM."""
    with wave.open(str(path), "rb") as w:
        return w.readframes(w.getnframes())


def real_clip(word: str, index: int) -> np.ndarray:
    """A real recording of `word` (the `index`-th, wrapping round), 16 kHz int16."""
    found = clips(word)
    if not found:
        raise FileNotFoundError(f"no Speech Commands clips of {word!r} in "
                                f"{SPEECH_COMMANDS / word}")
    return read_wav_16k(found[index % len(found)])
