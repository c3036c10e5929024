"""The utterance listener on real synthetic speech and the real recogniser: a request said
with a pause after its first word ("help ... calf cramp") is heard as one request."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support import core
from tests.support.bedroom import SPEECH_RMS
from tests.support.noise import at_level
from tests.support.speech import synthesise, tools_missing
from voice.intents import WaitForMore
from voice.speech_in.listener import EngineHearing, Heard, UtteranceListener
from voice.speech_in.pocketsphinx_engine import PocketSphinxEngine, from_matcher

pytestmark = pytest.mark.skipif(bool(tools_missing()), reason="espeak-ng or flite missing")

BLOCK = 3200
"""Bytes per block fed (0.1 s), as the microphone delivers them."""
VOICES = ("flite:kal16", "flite:slt", "flite:awb")


@pytest.fixture(scope="module")
def engine() -> PocketSphinxEngine:
    return from_matcher(core.matcher())


def _speech(words: str, voice: str) -> bytes:
    pcm = at_level(synthesise(words, voice), SPEECH_RMS)
    return np.clip(pcm, -32768, 32767).astype(np.int16).tobytes()


def _quiet(seconds: float) -> bytes:
    return bytes(2 * round(seconds * 16000))


def hear(engine: PocketSphinxEngine, *parts: bytes,
         wait: WaitForMore | None = None) -> list[tuple[float, str, dict[str, str]]]:
    """Feed the parts, then 3 s of quiet, while idle: (time, intent, slots) of each report."""
    matcher = core.matcher()
    reports: list[tuple[float, str, dict[str, str]]] = []

    def on_heard(h: Heard) -> None:
        reports.append((listener.endpointer.time_s, h.intent.name, h.intent.slots))

    listener = UtteranceListener(EngineHearing(engine, matcher), on_heard,
                                 wait_for_more=matcher.wait_for_more if wait is None else wait)
    audio = _quiet(0.5) + b"".join(parts) + _quiet(3.0)
    for i in range(0, len(audio), BLOCK):
        listener.feed(audio[i:i + BLOCK])
    return reports


@pytest.mark.parametrize("voice", VOICES)
def test_help_then_a_pause_then_the_cramp_is_one_request(engine: PocketSphinxEngine,
                                                         voice: str) -> None:
    reports = hear(engine, _speech("help", voice), _quiet(0.6), _speech("calf cramp", voice))
    assert [(name, slots.get("muscle")) for _, name, slots in reports] == [("cramp", "calf")]


def test_without_the_wait_the_first_word_is_answered_on_its_own(
        engine: PocketSphinxEngine) -> None:
    reports = hear(engine, _speech("help", "flite:kal16"), _quiet(0.6),
                   _speech("calf cramp", "flite:kal16"), wait=WaitForMore())
    assert [name for _, name, _ in reports] == ["help", "cramp"]


def test_help_alone_is_answered_once_the_wait_is_over(engine: PocketSphinxEngine) -> None:
    wait = core.matcher().wait_for_more
    assert wait.intents == {"help"} and 0 < wait.seconds <= 3
    help_ends = 0.5 + len(_speech("help", "flite:kal16")) / 32000
    reports = hear(engine, _speech("help", "flite:kal16"))
    assert [name for _, name, _ in reports] == ["help"]
    assert help_ends + wait.seconds <= reports[0][0] <= help_ends + wait.seconds + 0.6


def test_words_after_help_that_make_no_request_with_it_are_heard_on_their_own(
        engine: PocketSphinxEngine) -> None:
    reports = hear(engine, _speech("help", "flite:kal16"), _quiet(0.6),
                   _speech("should I drink water", "espeak:en-us"))
    assert [name for _, name, _ in reports] in (["hydration"], ["help", "hydration"])


def test_a_request_that_is_not_a_first_word_is_not_held(engine: PocketSphinxEngine) -> None:
    request = _speech("help, calf cramp", "espeak:en-us")
    ends = 0.5 + len(request) / 32000
    reports = hear(engine, request)
    assert [name for _, name, _ in reports] == ["cramp"]
    assert reports[0][0] <= ends + 0.6
