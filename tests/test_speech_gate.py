"""The speech gate on real sound: people's recordings pass, silence and snores do not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.soak import FAN_RMS, SNORE_RMS, Snore, coloured_noise, snore_sound
from voice.speech_in.speech_gate import SpeechGate
from voice.wavio import read_wav_16k

CLIPS = Path(__file__).resolve().parents[2] / "shared" / "data" / "speech-commands"


@pytest.fixture(scope="module")
def gate() -> SpeechGate:
    return SpeechGate()


def _clips(folder: str, n: int) -> list[bytes]:
    paths = sorted((CLIPS / folder).glob("*.wav"))[:n]
    if not paths:
        pytest.skip(f"no Speech Commands clips in {CLIPS / folder}")
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
