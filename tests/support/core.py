"""Shared, cached building blocks for the tests: the shipped content, matcher, coach, voice."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import wave
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from voice import CONTENT_DIR, ROOT_DIR
from voice.coach.machine import Action, Coach, Heard, Phase, Say, State
from voice.content.loader import Content, load_content
from voice.speak.tts import Pyttsx3Voice, SpeechLibrary
from voice.understand.matcher import IntentMatcher


@functools.cache
def content() -> Content:
    return load_content(CONTENT_DIR)


@functools.cache
def matcher() -> IntentMatcher:
    return IntentMatcher(content())


@functools.cache
def coach() -> Coach:
    return Coach(content())


@functools.cache
def library() -> SpeechLibrary:
    return SpeechLibrary(Pyttsx3Voice(), content().voice)


def idle_coach_speaks(intent: str, slots: Mapping[str, str] | None = None) -> bool:
    """Whether the idle coach, at night, says something on hearing `intent`."""
    _, actions = coach().step(State(night=True), Heard(intent, slots or {}))
    return any(isinstance(a, Say) for a in actions)


def session_starts(intent: str) -> bool:
    """Whether the idle coach, at night, starts a session on hearing `intent` (leaves idle
    for anything but answering a question)."""
    state, _ = coach().step(State(night=True), Heard(intent, {}))
    return state.phase not in (Phase.IDLE, Phase.ANSWERED)


def cli(*args: str, stdin: str | None = None, cwd: Path | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `python -m voice ARGS` as a user would, capturing its output."""
    env = {**os.environ, "PYTHONPATH": str(ROOT_DIR)}
    return subprocess.run([sys.executable, "-m", "voice", *args], check=False, input=stdin,
                          text=True, capture_output=True, cwd=cwd or ROOT_DIR, env=env,
                          timeout=timeout)


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def write_wav_frames(path: Path, frames: np.ndarray, rate: int, width: int = 2) -> Path:
    """Write frames (n, or n x channels) as they are, with the stdlib wave module."""
    channels = 1 if frames.ndim == 1 else frames.shape[1]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(frames.tobytes())
    return path


# ----- driving the pure coach ------------------------------------------------------------

def drive(*events: object, state: State | None = None) -> tuple[State, list[tuple[Action, ...]]]:
    """Feed events in order; return the final state and every step's actions."""
    s = state or State()
    steps = []
    for event in events:
        s, actions = coach().step(s, event)  # type: ignore[arg-type]
        steps.append(actions)
    return s, steps


def keys(actions: tuple[Action, ...]) -> list[str]:
    return [a.key for a in actions if isinstance(a, Say)]


def heard(intent: str, counted: int = 0, **slots: str) -> Heard:
    return Heard(intent, slots, counted)


def broken_content(tmp_path: Path, file: str, old: str, new: str) -> Path:
    """A copy of the shipped content with `old` replaced by `new` once in `file`."""
    import shutil

    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    text = (target / file).read_text()
    assert old in text, f"{old!r} not in {file}"
    (target / file).write_text(text.replace(old, new, 1))
    return target
