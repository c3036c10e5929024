"""User turns given as audio (`session --hear FILE.wav`): heard by the real recogniser."""

from __future__ import annotations

import argparse
import functools
from pathlib import Path

from voice.hear.base import SpeechIn
from voice.hear.recognizer import recognise
from voice.hear.select import open_engine
from voice.run.session import Turn
from voice.understand.matcher import IntentMatcher
from voice.vocabulary import SAMPLE_RATE, Context
from voice.wavio import read_wav_16k

TURN_CONTEXT = Context.IDLE
"""Scripted audio turns are heard with every intent possible."""


@functools.cache
def _engine(engine: str, model: Path | None, models_dir: Path,
            matcher: IntentMatcher) -> SpeechIn:
    return open_engine(engine, model, models_dir, matcher)


def hear_file(path: str, matcher: IntentMatcher, args: argparse.Namespace) -> Turn:
    """A turn from a WAV file: its intent as the recogniser hears it, and its length."""
    samples = read_wav_16k(path)
    engine = _engine(args.engine, args.model, args.models_dir, matcher)
    heard = recognise(engine, matcher, samples.tobytes(), TURN_CONTEXT).intent
    return Turn(heard, len(samples) / SAMPLE_RATE)
