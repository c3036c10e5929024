"""Hearing the Speech Commands clips of real people (`../shared/data/speech-commands`) with
a recogniser, for the tests and the hearing benchmark alike: what each clip was heard as,
and the share of each folder heard as it should be."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tests.support.speech import OTHER_WORDS, clips, read_clip
from voice.hear.engines.pocketsphinx import PocketSphinxEngine
from voice.hear.recognizer import recognise
from voice.understand.matcher import IntentMatcher
from voice.vocabulary import Context


@dataclass(frozen=True)
class Outcome:
    """One utterance heard by one recogniser."""

    intent: str
    slots: dict[str, str]
    text: str
    decode_s: float
    """Time from audio in memory to intent (seconds)."""
    audio_s: float
    """Length of the audio (seconds)."""


Hear = Callable[[bytes, Context], Outcome]


def grammar_hearer(engine: PocketSphinxEngine, matcher: IntentMatcher) -> Hear:
    """The product's recogniser: grammar per context, rejection, intent matcher."""
    def hear(pcm: bytes, context: Context) -> Outcome:
        start = time.perf_counter()
        result = recognise(engine, matcher, pcm, context)
        took = time.perf_counter() - start
        return Outcome(result.intent.name, dict(result.intent.slots), result.hypothesis.text,
                       took, len(pcm) / 32000)
    return hear


@dataclass(frozen=True)
class RealSpeech:
    """Figures on the Speech Commands clips."""

    stop: float
    """Share of stop/ clips heard as intent stop (count context)."""
    other: float
    """Share of other-word clips heard as none (count context)."""
    silence: float
    """Share of _silence_ clips heard as none (count context)."""
    yes: float
    """Share of yes/ clips heard as yes (question context)."""
    no: float
    """Share of no/ clips heard as no (question context)."""
    per_folder: dict[str, float]
    """The share for each folder."""
    outcomes: list[Outcome]


def real_speech(hear: Hear, every: int = 1) -> RealSpeech:
    """Hear the Speech Commands clips (every `every`-th of each folder)."""
    wanted = {"stop": (Context.COUNT, "stop"), "yes": (Context.QUESTION, "yes"),
              "no": (Context.QUESTION, "no"), "_silence_": (Context.COUNT, "none")}
    wanted.update({f: (Context.COUNT, "none") for f in OTHER_WORDS})
    per_folder: dict[str, float] = {}
    hits: dict[str, list[bool]] = {}
    outcomes: list[Outcome] = []
    for folder, (context, intent) in wanted.items():
        results = [hear(read_clip(p), context) for p in clips(folder, every)]
        outcomes.extend(results)
        hits[folder] = [r.intent == intent for r in results]
        per_folder[folder] = float(np.mean(hits[folder])) if results else float("nan")
    others = [h for f in OTHER_WORDS for h in hits[f]]
    return RealSpeech(stop=per_folder["stop"], other=float(np.mean(others)),
                      silence=per_folder["_silence_"], yes=per_folder["yes"],
                      no=per_folder["no"], per_folder=per_folder, outcomes=outcomes)
