"""User turns given as audio (`session --hear FILE.wav`): heard by the real recogniser."""

from __future__ import annotations

import functools

from voice.hear.base import SpeechIn
from voice.hear.recognizer import recognise
from voice.hear.select import open_engine
from voice.hear.settings import HearingSettings
from voice.run.session import Turn
from voice.understand.matcher import IntentMatcher
from voice.vocabulary import SAMPLE_RATE, Context
from voice.wavio import read_wav_16k

TURN_CONTEXT = Context.IDLE
"""Scripted audio turns are heard with every intent possible."""


@functools.cache
def _engine(settings: HearingSettings, matcher: IntentMatcher) -> SpeechIn:
    return open_engine(settings.engine, settings.model, settings.models_dir, matcher)


def hear_file(path: str, matcher: IntentMatcher, settings: HearingSettings) -> Turn:
    """A turn from a WAV file: its intent as the recogniser `settings` name hears it, and
    its length."""
    samples = read_wav_16k(path)
    engine = _engine(settings, matcher)
    heard = recognise(engine, matcher, samples.tobytes(), TURN_CONTEXT).intent
    return Turn(heard, len(samples) / SAMPLE_RATE)
