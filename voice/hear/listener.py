"""PCM in, intents out: the endpointer finds utterances, a recogniser hears them in the
current listening context, and the matcher reads them. No device here, so the same
pipeline runs on a microphone, on files, and on hours of audio faster than real time.

An utterance heard as an intent that is often only the first word of a request ("help",
content `wait_for_more`) is held back for a moment: if more speech starts, both are heard
again as one utterance ("help ... calf cramp"), so the coach answers the whole request
instead of talking over its rest.

Once the speech has paused long enough that it may be over (`EndpointSettings.ahead_ms`),
the utterance so far is heard at once, while the endpointer still waits out its silence.
If no voiced audio comes before the utterance ends, that hearing is the utterance's (what
it lacked was only the silence), so the coach knows what was said soon after the end
instead of a whole decode later; if the speech goes on, it is dropped. Whether it is kept
depends on the audio alone, never on timing, so a file heard faster than real time is
heard the same way. All hearing runs on one thread of its own, one call at a time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from voice.hear.base import SpeechIn
from voice.hear.early import EarlyHearing
from voice.hear.endpoint import Endpointer, EndpointSettings, Utterance
from voice.hear.recognizer import recognise
from voice.memory import release_free_memory
from voice.understand.matcher import Intent, IntentMatcher, WaitForMore
from voice.vocabulary import SAMPLE_RATE, Context, IntentName
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
    waited_s: float = 0.0
    """Time from the end of the utterance to knowing what it meant (seconds): less than
    `decode_s` when it was heard ahead of its end."""


@dataclass
class _Watch:
    """An utterance being heard early."""

    start: int
    """The endpointer's `starts` when it began."""
    sent: int = 0
    """Bytes of it streamed so far."""
    fired: bool = False
    """Whether an early intent has been reported for it."""


@dataclass
class _Ahead:
    """An utterance being heard ahead of its end."""

    number: int
    """The utterance's number (`Utterance.number`)."""
    voiced_bytes: int
    """How much of it was voiced when it was taken: it is the utterance's own hearing
    only if no more is by the end."""
    held: Heard | None
    """The first word waiting for more that it was heard with."""
    context: Context
    heard: Future[Heard]


def _after(held: Heard | None, utterance: Utterance) -> Utterance:
    """`utterance` heard after the first word held for it (`wait_for_more`), if any."""
    if held is None:
        return utterance
    lead = held.utterance.pcm
    return Utterance(lead + utterance.pcm, utterance.end_s, utterance.number,
                     len(lead) + utterance.voiced_bytes)


class UtteranceListener:
    """Feed PCM blocks; `on_heard` is called for every utterance found (`none` included).

    With `early` (and `on_early`), utterances in the contexts it wants are also heard while
    they are being said: `on_early(intent)` as soon as the running guess is a hushing intent,
    then `on_heard` as always once the utterance ends, or `on_early(None)` if it ends too
    short to be heard at all.

    With `wait_for_more`, an utterance heard as one of its intents is reported only once
    no speech has started for its `seconds`; speech that does start is heard together
    with it, and if the two together mean nothing, each is reported as heard alone.

    `hearing` (and `early`'s recogniser) are called on the listener's own thread only;
    `close` ends it.
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
        self._ahead: _Ahead | None = None
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hearing")
        self._worker.submit(int)  # its thread starts now, not at the first utterance
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
            ended = time.perf_counter()
            self._watch = None  # the whole utterance has the last word
            self.utterances += 1
            held, self._held = self._held, None
            if held is None:
                heard = self._heard(utterance, None, self.context, ended)
            else:
                heard = self._heard(utterance, held, held.context, ended)
                if heard.intent.name == IntentName.NONE:  # no one request: each as it was
                    self.on_heard(held)
                    heard = self._heard(utterance, None, self.context, ended)
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
        self._hear_ahead()
        if self.early is not None:
            self._hear_early(self.early)

    def warm_up(self, speech: list[bytes], contexts: tuple[Context, ...]) -> None:
        """Hear each utterance in each context and forget it, as an evening of listening
        will have done: the recogniser's code, caches and buffers (some of them kept per
        thread) reach their working size on the thread that hears."""
        for context in contexts:
            for pcm in speech:
                self._worker.submit(self.hearing.hear, pcm, context).result()

    def close(self) -> None:
        """Stop hearing: what is queued is dropped."""
        self._worker.shutdown(wait=False, cancel_futures=True)

    def _heard(self, utterance: Utterance, held: Heard | None, context: Context,
               ended: float) -> Heard:
        """What `utterance` (after `held`, if any) meant in `context`: its hearing ahead of
        the end when no voiced audio came after it, else a hearing now."""
        whole = _after(held, utterance)
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead.number == utterance.number and ahead.held is held \
                and ahead.context == context and ahead.voiced_bytes == utterance.voiced_bytes:
            heard = replace(ahead.heard.result(), utterance=whole)
        else:
            if ahead is not None:
                ahead.heard.cancel()
            heard = self._worker.submit(self._hear, whole, context).result()
        return replace(heard, waited_s=time.perf_counter() - ended)

    def _hear_ahead(self) -> None:
        """Once the speech under way has paused for `ahead_ms`, hear it so far (once per
        pause)."""
        ep = self.endpointer
        if not ep.in_speech or ep.quiet_ms < ep.settings.ahead_ms:
            return
        ahead = self._ahead
        if ahead is not None and ahead.number == ep.starts \
                and ahead.voiced_bytes == ep.voiced_bytes:
            return  # this pause is being heard already
        if ahead is not None:
            ahead.heard.cancel()
        held = self._held
        context = self.context if held is None else held.context
        utterance = _after(held, Utterance(ep.current(), ep.time_s, ep.starts, ep.voiced_bytes))
        self._ahead = _Ahead(ep.starts, ep.voiced_bytes, held, context,
                             self._worker.submit(self._hear, utterance, context))

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
            self._worker.submit(early.begin, context).result()
        watch = self._watch
        if watch.fired:
            return
        so_far = ep.current()
        intent = self._worker.submit(early.feed, so_far[watch.sent:], so_far).result()
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
