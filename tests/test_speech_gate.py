"""The speech gate on real sound: people's recordings pass, silence and snores do not, and a
snore beside the words is not decoded with them."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support import core
from tests.support.bedroom import FAN_RMS, SNORE_RMS, SPEECH_RMS, Snore, snore_sound
from tests.support.noise import at_level, coloured_noise
from tests.support.speech import SPEECH_COMMANDS, synthesise, tools_missing
from voice.hear.engines.pocketsphinx import from_matcher
from voice.hear.recognizer import recognise
from voice.hear.speech_gate import SpeechGate
from voice.wavio import read_wav_16k


@pytest.fixture(scope="module")
def gate() -> SpeechGate:
    return SpeechGate()


def _clips(folder: str, n: int) -> list[bytes]:
    paths = sorted((SPEECH_COMMANDS / folder).glob("*.wav"))[:n]
    if not paths:
        pytest.skip(f"no Speech Commands clips in {SPEECH_COMMANDS / folder}")
    return [read_wav_16k(p).tobytes() for p in paths]


def test_people_saying_a_word_are_speech(gate: SpeechGate) -> None:
    heard = [gate.is_speech(pcm) for folder in ("stop", "yes", "go", "_unknown_")
             for pcm in _clips(folder, 25)]
    assert np.mean(heard) >= 0.95


def test_background_noise_recordings_are_not_speech(gate: SpeechGate) -> None:
    heard = [gate.is_speech(pcm) for pcm in _clips("_silence_", 60)]
    assert not any(heard)


def test_snores_over_a_fan_are_not_speech(gate: SpeechGate) -> None:
    rng = np.random.default_rng(7)
    for i in range(20):
        sound = snore_sound(Snore(0.0, float(rng.uniform(1.0, 1.6)),
                                  SNORE_RMS * float(rng.uniform(0.6, 1.2)), 500 + i))
        sound += coloured_noise(rng, len(sound), 1.0) * FAN_RMS
        pcm = np.clip(sound, -32768, 32767).astype(np.int16).tobytes()
        assert gate.speech_seconds(pcm) < gate.settings.min_speech_s, f"snore {i}"


def test_speech_seconds_grow_with_the_speech(gate: SpeechGate) -> None:
    word = _clips("stop", 1)[0]
    quiet = np.zeros(16000, np.int16).tobytes()
    once = gate.speech_seconds(quiet + word + quiet)
    twice = gate.speech_seconds(quiet + word + quiet + word + quiet)
    assert once > 0.1 and twice >= 1.6 * once
    assert gate.speech_seconds(b"") == 0.0 and gate.speech_seconds(b"\x00") == 0.0


def _snore(rng: np.random.Generator, seed: int) -> np.ndarray:
    return snore_sound(Snore(0.0, float(rng.uniform(1.0, 1.6)),
                             SNORE_RMS * float(rng.uniform(0.6, 1.2)), seed))


def _pcm(*parts: np.ndarray, rng: np.random.Generator) -> bytes:
    x = np.concatenate([p.astype(np.float32) for p in parts])
    x += coloured_noise(rng, len(x), 1.0) * FAN_RMS
    return np.clip(x, -32768, 32767).astype(np.int16).tobytes()


def _quiet(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * 16000), np.float32)


WORDS = (("stop", "flite:slt"), ("yes", "espeak:en-us"), ("help, calf cramp", "espeak:en-gb"),
         ("it still hurts", "flite:kal16"))


def _word(words: str, voice: str) -> np.ndarray:
    """Synthetic speech trimmed to its sound, at the soak's speech level."""
    x = synthesise(words, voice)
    loud = np.flatnonzero(np.abs(x) > 0.01 * np.abs(x).max())
    return at_level(x[loud[0]:loud[-1] + 1], SPEECH_RMS)


@pytest.mark.skipif(bool(tools_missing()), reason="espeak-ng or flite missing")
def test_an_utterance_from_a_quiet_room_is_decoded_whole(gate: SpeechGate) -> None:
    """What the endpointer leaves around the words (0.4 s before, 0.25 s after) and
    one-second recordings of a word are decoded as they are."""
    rng = np.random.default_rng(1)
    for words, voice in WORDS:
        framed = _pcm(_quiet(0.4), _word(words, voice), _quiet(0.25), rng=rng)
        assert gate.speech_part(framed) == framed, words
    for folder in ("stop", "yes", "no"):
        parts = [(gate.speech_part(pcm), pcm) for pcm in _clips(folder, 10)]
        assert all(part in (pcm, b"") for part, pcm in parts)  # b"": no speech at all
        assert sum(part == pcm for part, pcm in parts) >= 9


@pytest.mark.skipif(bool(tools_missing()), reason="espeak-ng or flite missing")
def test_a_snore_before_the_words_is_cut_off_and_one_after_them_is_not(
        gate: SpeechGate) -> None:
    rng = np.random.default_rng(2)
    for i, (words, voice) in enumerate(WORDS * 2):
        word, snore, gap = _word(words, voice), _snore(rng, 300 + i), _quiet(0.2)
        before, after = _pcm(snore, gap, word, rng=rng), _pcm(word, gap, snore, rng=rng)
        part = gate.speech_part(before)
        # the snore goes, all but the pre-roll kept before the words, and no speech with it
        assert before.endswith(part), words
        assert len(before) - len(part) >= 2 * round(
            (len(snore) / 16000 + 0.2 - gate.settings.lead_s - 0.1) * 16000), words
        assert gate.speech_seconds(part) >= gate.speech_seconds(before) - 0.07, words
        assert gate.speech_part(after) == after, words


def test_nothing_is_left_of_a_snore_alone(gate: SpeechGate) -> None:
    rng = np.random.default_rng(3)
    assert all(gate.speech_part(_pcm(_snore(rng, 400 + i), rng=rng)) == b""
               for i in range(5))
    assert gate.speech_part(b"") == b""


NEXT_TO_A_SNORE = (
    ("should I drink water", "espeak:en-us", "idle", "hydration"),
    ("help my foot is cramping", "flite:kal16", "idle", "cramp"),
    ("it still hurts", "espeak:en-gb", "question", "worse"),
    ("leg cramp", "espeak:en-gb-scotland", "idle", "cramp"),
)


@pytest.mark.skipif(bool(tools_missing()), reason="espeak-ng or flite missing")
def test_commands_said_next_to_a_snore_are_heard(gate: SpeechGate) -> None:
    """Someone asks while their partner snores: the real recogniser hears the command.
    Decoded with a snore before it, a grammar recogniser fits the whole run of sound to
    garbage or to another command."""
    engine = from_matcher(core.matcher())
    rng = np.random.default_rng(4)
    heard = []
    for words, voice, context, intent in NEXT_TO_A_SNORE:
        speech = at_level(synthesise(words, voice), SPEECH_RMS)
        for i in range(4):
            snore, gap = _snore(rng, 500 + i), _quiet(float(rng.uniform(0.05, 0.3)))
            parts = (snore, gap, speech, _quiet(0.35)) if i % 2 == 0 else \
                (_quiet(0.35), speech, gap, snore)
            got = recognise(engine, core.matcher(), _pcm(*parts, rng=rng), context, gate)
            heard.append((words, i, got.intent.name == intent, got.intent.name))
    right = sum(ok for _, _, ok, _ in heard)
    assert right >= 0.85 * len(heard), [h for h in heard if not h[2]]
