"""Pieces several commands share: time of day, the speech library, hearing settings."""

from __future__ import annotations

import argparse
import datetime
from pathlib import Path

from voice import MODELS_DIR
from voice.content.loader import Content
from voice.errors import MissingResource
from voice.hear.settings import HearingSettings
from voice.log import log
from voice.speak.cache import RenderCache
from voice.speak.tts import SilentVoice, SpeechLibrary, SpeechOut
from voice.speak.voices import open_voice
from voice.vocabulary import VOICES

NIGHT_STARTS = datetime.time(22, 0)
"""Night mode begins (local time)."""
NIGHT_ENDS = datetime.time(7, 0)
"""Night mode ends (local time)."""


def is_night(choice: bool | None, now: datetime.datetime | None = None) -> bool:
    """`--night`/`--day` when given, else whether it is between 22:00 and 07:00 now."""
    if choice is not None:
        return choice
    clock = (now or datetime.datetime.now()).time()
    return clock >= NIGHT_STARTS or clock < NIGHT_ENDS


def open_library(content: Content, voice: str = VOICES[0], models_dir: Path = MODELS_DIR,
                 fallback: bool = False) -> SpeechLibrary:
    """The coach's voice (`--voice`) with its clips kept in memory and in the render cache
    in the user's cache folder. With `fallback`, a missing synthesiser is said once and
    replaced by silence (the words are printed)."""
    tts: SpeechOut
    try:
        tts = open_voice(voice, models_dir, content.voice.day.rate)
    except MissingResource as exc:
        if not fallback:
            raise
        log.warning(str(exc))
        log.warning(content.prompt("speech_unavailable", False))
        tts = SilentVoice()
    log.debug(f"voice: {tts.name}")
    return SpeechLibrary(tts, content.voice, RenderCache())


def hearing_settings(args: argparse.Namespace) -> HearingSettings:
    """The hearing options of a command (`--engine`, `--model`, and for `listen` and
    `bedtime` `--input` and `--record`), made once for everything below the command line."""
    return HearingSettings(engine=args.engine, model=args.model, models_dir=args.models_dir,
                           content_dir=args.content, device=getattr(args, "input", None),
                           record_dir=getattr(args, "record", None))


def diary_path(args: argparse.Namespace) -> Path | None:
    """The diary to keep: `--diary PATH`, none with `--no-diary`, else the user's own."""
    from voice.diary.store import default_path

    if getattr(args, "no_diary", False):
        return None
    return getattr(args, "diary", None) or default_path()
