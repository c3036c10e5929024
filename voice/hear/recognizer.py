"""One whole utterance → text → intent, with the recogniser's rejection applied.

Used by live listening, `cramp-coach recognize` and the benchmarks. An utterance that holds
no human speech (the speech gate) is not decoded, nor is a long stretch of other sound (a
snore) before the words; an utterance the recogniser rejected (text "") is intent `none`;
otherwise the intent matcher reads the text in the same listening context and the
confidence is the lower of the two.

The audio is decoded as the microphone gave it, without noise suppression: WebRTC's
(webrtc-noise-gain) lost more on clean speech than it gained on noisy speech.

The measurements behind this and the recogniser's settings: docs/tuning.md.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

from voice.hear.base import Hypothesis, SpeechIn, WholeHearing
from voice.hear.speech_gate import SpeechGate
from voice.log import log
from voice.understand.matcher import Intent, IntentMatcher
from voice.vocabulary import SAMPLE_RATE, Context, IntentName


@dataclass(frozen=True)
class Recognition:
    """What one utterance was heard as."""

    hypothesis: Hypothesis
    """The recogniser's final result (text "" when it said no)."""
    intent: Intent
    """The intent, `none` when nothing usable was heard."""


def hear_utterance(engine: SpeechIn, pcm: bytes, context: Context) -> Hypothesis:
    """The final hypothesis for one whole utterance of 16 kHz 16-bit mono PCM.

    Engines that hear a whole utterance in one call (`WholeHearing`: PocketSphinx, and a
    recogniser in a process of its own) do so; others go through the streaming interface.
    """
    if isinstance(engine, WholeHearing):
        return engine.hear_whole(pcm, context)
    engine.set_context(context)
    engine.start()
    engine.feed(pcm)
    return engine.finish()


def to_intent(hypothesis: Hypothesis, matcher: IntentMatcher, context: Context) -> Intent:
    """The intent of a final hypothesis: `none` when empty, else the matcher's reading
    with the lower of the two confidences."""
    if not hypothesis.text:
        return Intent(IntentName.NONE, {}, 0.0, "")
    intent = matcher.parse(hypothesis.text, context)
    if intent.name == IntentName.NONE:
        return intent
    return replace(intent, confidence=round(min(intent.confidence, hypothesis.confidence), 3))


@functools.lru_cache(maxsize=1)
def default_gate() -> SpeechGate:
    """The speech gate shared by everything in this process."""
    return SpeechGate()


NOT_SPEECH = Hypothesis(text="", confidence=0.0, final=True)
"""What an utterance without human speech is heard as."""


def recognise(engine: SpeechIn, matcher: IntentMatcher, pcm: bytes, context: Context,
              gate: SpeechGate | None = None) -> Recognition:
    """Hear one utterance and read its intent; sound that is not speech (by `gate`, the
    shared one by default) is `none` without decoding, and a long stretch of other sound
    before the speech is not decoded (`SpeechGate.speech_part`)."""
    speech = (gate or default_gate()).speech_part(pcm)
    if not speech:
        log.debug(f"refused: {len(pcm) / (2 * SAMPLE_RATE):.1f} s of sound (not speech, by "
                  f"the speech gate; {context})")
        return Recognition(NOT_SPEECH, to_intent(NOT_SPEECH, matcher, context))
    hypothesis = hear_utterance(engine, speech, context)
    return Recognition(hypothesis, to_intent(hypothesis, matcher, context))
