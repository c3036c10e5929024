"""The utterance listener on real synthetic speech and the real recogniser: a request said
with a pause after its first word ("help ... calf cramp") is heard as one request, and an
utterance is heard while the endpointer still waits for its silence, with the same
result."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from tests.support import core
from tests.support.bedroom import SPEECH_RMS
from tests.support.noise import at_level
from tests.support.speech import synthesise, tools_missing
from voice import MODELS_DIR
from voice.hear.base import SpeechIn
from voice.hear.endpoint import EndpointSettings
from voice.hear.engines.pocketsphinx import PocketSphinxEngine, from_matcher
from voice.hear.engines.whisper import WhisperEngine
from voice.hear.listener import EngineHearing, Heard, UtteranceListener
from voice.models import catalog as models
from voice.understand.matcher import Intent, WaitForMore
from voice.vocabulary import Context

pytestmark = pytest.mark.skipif(bool(tools_missing()), reason="espeak-ng or flite missing")

BLOCK = 3200
"""Bytes per block fed (0.1 s)."""
MIC_BLOCK = 960
"""Bytes per block fed (30 ms), as the microphone delivers them."""
VOICES = ("flite:kal16", "flite:slt", "flite:awb")


@pytest.fixture(scope="module")
def engine() -> PocketSphinxEngine:
    return from_matcher(core.matcher())


def _speech(words: str, voice: str) -> bytes:
    pcm = at_level(synthesise(words, voice), SPEECH_RMS)
    return np.clip(pcm, -32768, 32767).astype(np.int16).tobytes()


def _trimmed(pcm: bytes) -> bytes:
    """Speech without the synthesiser's own silence before and after it."""
    samples = np.frombuffer(pcm, dtype=np.int16)
    sounding = np.flatnonzero(np.abs(samples.astype(np.int32)) > 300)
    return samples[sounding[0]:sounding[-1] + 1].tobytes()


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


class Watched:
    """The real hearing, watched: the audio of each call, and the threads it ran on."""

    def __init__(self, inner: EngineHearing) -> None:
        self.inner = inner
        self.name = inner.name
        self.heard: list[bytes] = []
        self.threads: set[int] = set()
        self._busy = 0
        self.most_at_once = 0

    def hear(self, pcm: bytes, context: Context) -> Intent:
        self._busy += 1
        self.most_at_once = max(self.most_at_once, self._busy)
        self.heard.append(pcm)
        self.threads.add(threading.get_ident())
        try:
            return self.inner.hear(pcm, context)
        finally:
            self._busy -= 1


@pytest.fixture(scope="module")
def whisper() -> WhisperEngine:
    """The default ear (the set-up installs its model)."""
    path = models.find_model("whisper", MODELS_DIR)
    assert path is not None, "run `cramp-coach models install whisper-tiny-en` (the set-up does)"
    return WhisperEngine(path, core.matcher())


def hear_watched(engine: SpeechIn, *parts: bytes,
                 settings: EndpointSettings | None = None) -> tuple[Watched, list[Heard]]:
    """Feed the parts, then 3 s of quiet, in the microphone's 30 ms blocks while idle."""
    matcher = core.matcher()
    watched = Watched(EngineHearing(engine, matcher))
    reports: list[Heard] = []
    listener = UtteranceListener(watched, reports.append, settings,  # type: ignore[arg-type]
                                 wait_for_more=matcher.wait_for_more)
    audio = _quiet(0.5) + b"".join(parts) + _quiet(3.0)
    for i in range(0, len(audio), MIC_BLOCK):
        listener.feed(audio[i:i + MIC_BLOCK])
    listener.close()
    return watched, reports


def test_a_request_is_heard_while_the_endpointer_waits_for_silence(
        whisper: WhisperEngine) -> None:
    watched, reports = hear_watched(whisper, _speech("help, calf cramp", "espeak:en-us"))
    assert [(h.intent.name, h.intent.slots.get("muscle")) for h in reports] == [("cramp", "calf")]
    settings = EndpointSettings()
    unheard_silence = (settings.end_ms - settings.ahead_ms) * 32
    # heard once, without the silence that came after the words had stopped
    assert [len(pcm) for pcm in watched.heard] == [len(reports[0].utterance.pcm) - unheard_silence]
    assert watched.threads and threading.get_ident() not in watched.threads


def test_speech_that_goes_on_after_a_pause_is_heard_whole(whisper: WhisperEngine) -> None:
    first = _trimmed(_speech("help", "espeak:en-us"))
    pause = _quiet(0.2)  # long enough to be heard ahead, too short to end the utterance
    rest = _trimmed(_speech("calf cramp", "espeak:en-us"))
    watched, reports = hear_watched(whisper, first, pause, rest)
    assert [(h.intent.name, h.intent.slots.get("muscle")) for h in reports] == [("cramp", "calf")]
    # the hearing of "help" alone, if it began at all, was not taken: the whole request was
    whole = reports[0].utterance.pcm
    assert len(watched.heard[-1]) > len(first + pause + rest) and whole.startswith(watched.heard[-1])
    assert len(watched.threads) == 1 and watched.most_at_once == 1


@pytest.mark.parametrize("name", ["whisper", "pocketsphinx"])
def test_hearing_ahead_changes_nothing_that_is_heard(name: str, whisper: WhisperEngine,
                                                     engine: PocketSphinxEngine) -> None:
    never = EndpointSettings(ahead_ms=EndpointSettings().end_ms)
    for words, voice in (("stop", "flite:slt"), ("my foot is cramping", "espeak:en-us"),
                         ("should I drink water", "flite:kal16")):
        speech = _speech(words, voice)
        recogniser = whisper if name == "whisper" else engine
        ahead, heard_ahead = hear_watched(recogniser, speech)
        whole, heard_whole = hear_watched(recogniser, speech, settings=never)
        assert [(h.intent.name, h.intent.slots) for h in heard_ahead] == \
            [(h.intent.name, h.intent.slots) for h in heard_whole], words
        assert len(ahead.heard[-1]) < len(whole.heard[-1])  # one heard ahead, one not
