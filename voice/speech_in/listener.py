"""PCM in, intents out: the endpointer finds utterances, a recogniser hears them in the
current listening context, and the matcher reads them. No device here, so the same
pipeline runs on a microphone, on files, and on hours of audio faster than real time.

An utterance heard as an intent that is often only the first word of a request ("help",
content `wait_for_more`) is held back for a moment: if more speech starts, both are heard
again as one utterance ("help ... calf cramp"), so the coach answers the whole request
instead of talking over its rest.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from voice.context import Context
from voice.intents import Intent, IntentMatcher, WaitForMore
from voice.memory import release_free_memory
from voice.speech_in.base import SAMPLE_RATE, SpeechIn
from voice.speech_in.early import EarlyHearing
from voice.speech_in.endpoint import Endpointer, EndpointSettings, Utterance
from voice.speech_in.recognizer import recognise
from voice.wavio import write_wav_atomic


class Hearing(Protocol):
    """One utterance of speech → an intent (`none` when rejected)."""

    name: str
    """Engine name."""

    def hear(self, pcm: bytes, context: Context) -> Intent:
        """The intent of a whole utterance of 16 kHz 16-bit mono PCM."""


class EngineHearing:
    """A `SpeechIn` recogniser (with its own rejection) followed by the intent matcher."""

    def __init__(self, engine: SpeechIn, matcher: IntentMatcher) -> None:
        self.engine = engine
        self.name = engine.name
        self.matcher = matcher

    def hear(self, pcm: bytes, context: Context) -> Intent:
        """Recognise in `context`, then match; rejected or empty speech is `none`."""
        return recognise(self.engine, self.matcher, pcm, context).intent


@dataclass(frozen=True)
class Heard:
    """An utterance and what it meant."""

    intent: Intent
    utterance: Utterance
    context: Context
    """The listening context it was heard in."""
    decode_s: float
    """Time spent recognising it (seconds)."""


@dataclass
class _Watch:
    """An utterance being heard early."""

    start: int
    """The endpointer's `starts` when it began."""
    sent: int = 0
    """Bytes of it streamed so far."""
    fired: bool = False
    """Whether an early intent has been reported for it."""


class UtteranceListener:
    """Feed PCM blocks; `on_heard` is called for every utterance found (`none` included).

    With `early` (and `on_early`), utterances in the contexts it wants are also heard while
    they are being said: `on_early(intent)` as soon as the running guess is a hushing intent,
    then `on_heard` as always once the utterance ends, or `on_early(None)` if it ends too
    short to be heard at all.

    With `wait_for_more`, an utterance heard as one of its intents is reported only once
    no speech has started for its `seconds`; speech that does start is heard together
    with it, and if the two together mean nothing, each is reported as heard alone.
    """

    def __init__(self, hearing: Hearing, on_heard: Callable[[Heard], None],
                 settings: EndpointSettings | None = None,
                 record_dir: Path | None = None, early: EarlyHearing | None = None,
                 on_early: Callable[[Intent | None], None] | None = None,
                 wait_for_more: WaitForMore | None = None) -> None:
        self.hearing = hearing
        self.on_heard = on_heard
        self.endpointer = Endpointer(settings or EndpointSettings())
        self.record_dir = record_dir
        self.early = early if on_early is not None else None
        self.on_early = on_early
        self._watch: _Watch | None = None
        self._context = Context.IDLE
        self.wait_for_more = wait_for_more or WaitForMore()
        self._held: Heard | None = None
        """A first word waiting for more (`wait_for_more`)."""
        self._lock = threading.Lock()
        self.utterances = 0
        """How many utterances were found."""

    @property
    def context(self) -> Context:
        """The listening context applied to the next utterance."""
        with self._lock:
            return self._context

    @context.setter
    def context(self, value: Context) -> None:
        with self._lock:
            self._context = value

    def feed(self, pcm: bytes) -> None:
        """Add audio (any block size)."""
        for utterance in self.endpointer.feed(pcm):
            self._watch = None  # the whole utterance has the last word
            self.utterances += 1
            held, self._held = self._held, None
            if held is None:
                heard = self._hear(utterance, self.context)
            else:
                heard = self._hear(Utterance(held.utterance.pcm + utterance.pcm,
                                             utterance.end_s), held.context)
                if heard.intent.name == "none":  # no one request: each as it was
                    self.on_heard(held)
                    heard = self._hear(utterance, self.context)
            self._record(utterance, heard.intent)
            if held is None and heard.intent.name in self.wait_for_more.intents:
                self._held = heard
            else:
                self.on_heard(heard)
            release_free_memory()  # the decode's buffers, so a night of listening stays small
        held = self._held
        if held is not None and not self.endpointer.in_speech \
                and self.endpointer.time_s - held.utterance.end_s >= self.wait_for_more.seconds:
            self._held = None
            self.on_heard(held)
        if self.early is not None:
            self._hear_early(self.early)

    def _hear(self, utterance: Utterance, context: Context) -> Heard:
        started = time.perf_counter()
        intent = self.hearing.hear(utterance.pcm, context)
        return Heard(intent, utterance, context, time.perf_counter() - started)

    def _hear_early(self, early: EarlyHearing) -> None:
        """Stream the utterance under way, if its context wants it, and report a hushing
        intent once; report None for one that ended without being heard (too short)."""
        ep, watch = self.endpointer, self._watch
        if watch is not None and (not ep.in_speech or ep.starts != watch.start):
            self._watch = None
            if watch.fired and self.on_early is not None:
                self.on_early(None)
        if not ep.in_speech:
            return
        if self._watch is None:
            context = self.context
            if not early.wanted(context):
                return
            self._watch = _Watch(ep.starts)
            early.begin(context)
        watch = self._watch
        if watch.fired:
            return
        so_far = ep.current()
        intent = early.feed(so_far[watch.sent:], so_far)
        watch.sent = len(so_far)
        if intent is not None and self.on_early is not None:
            watch.fired = True
            self.on_early(intent)

    def _record(self, utterance: Utterance, intent: Intent) -> None:
        """Keep what the microphone heard (`record_dir`): each utterance the endpointer
        found once, named by what it was heard as (a held first word's rest, by the
        request heard with it)."""
        if self.record_dir is None:
            return
        name = f"{self.utterances:05d}-{time.strftime('%Y%m%d-%H%M%S')}-{intent.name}.wav"
        samples = np.frombuffer(utterance.pcm, dtype=np.int16)
        write_wav_atomic(self.record_dir / name, samples, SAMPLE_RATE)
