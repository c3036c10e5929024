"""The synthetic command set of tests/audio_sets.py, clean and at several SNRs with three
kinds of noise: brown (fan-like), pink, and babble (several other people's sentences
mixed together, none of them a command)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from voice import ROOT_DIR
from voice.context import Context

NOISES = ("brown", "pink", "babble")
BABBLE_TALKERS = 5
"""Sentences mixed into one babble (each from a different voice)."""


@dataclass(frozen=True)
class Synthetic:
    """Items to decode and what each must give."""

    items: list[tuple[str, bytes, tuple[Context, ...]]]
    """(key, pcm, contexts): key is `syn|CONDITION|INDEX`, heard in the command's context."""
    expected: dict[int, str]
    """Utterance index → the intent it must give."""
    voices: str
    snrs: str

    def describe(self, decoded: int) -> str:
        """What the set is, for the page, with how many of its commands were decoded."""
        return (f"{decoded} of {len(self.expected)} utterances: the commands of "
                f"tests/audio_sets.py (every intent and context) in each of the voices "
                f"{self.voices}; "
                f"clean and at {self.snrs} dB SNR with brown (fan-like), pink and "
                f"{BABBLE_TALKERS}-talker babble noise")


def _audio_sets() -> object:
    import sys

    if str(ROOT_DIR) not in sys.path:
        sys.path.insert(0, str(ROOT_DIR))
    from tests import audio_sets

    return audio_sets


def babble(n: int, seed: int, talk: Sequence[str]) -> np.ndarray:
    """`n` samples of unit-RMS babble: `BABBLE_TALKERS` sentences in different voices,
    each looped from a random point, summed."""
    sets = _audio_sets()
    rng = np.random.default_rng(seed)
    voices = sets.VOICES  # type: ignore[attr-defined]
    total = np.zeros(n)
    for k in range(BABBLE_TALKERS):
        text = talk[int(rng.integers(len(talk)))]
        speech = sets.load_16k(sets.render(text, voices[k % len(voices)]))  # type: ignore[attr-defined]
        x = speech.astype(np.float64)
        x /= max(1e-9, float(np.sqrt(np.mean(x ** 2))))
        total += np.roll(np.resize(x, n), int(rng.integers(max(1, n))))
    return total / max(1e-12, float(np.sqrt(np.mean(total ** 2))))


def mix_babble(speech: np.ndarray, snr_db: float, seed: int, talk: Sequence[str]) -> np.ndarray:
    """Speech with babble at `snr_db` (against the loud part of the speech), int16."""
    sets = _audio_sets()
    level = sets.speech_rms(speech)  # type: ignore[attr-defined]
    mixed = speech.astype(np.float64) + babble(len(speech), seed, talk) * level / 10 ** (
        snr_db / 20)
    peak = float(np.max(np.abs(mixed)))
    if peak > 32767:
        mixed *= 32767 / peak
    return np.round(mixed).astype(np.int16)


def command_set(limit: int | None, snrs: Sequence[float], talk: Sequence[str]) -> Synthetic:
    """Every command in every voice (up to `limit` utterances, spread over the list),
    clean and mixed with each noise at each SNR."""
    sets = _audio_sets()
    commands = list(sets.COMMANDS)  # type: ignore[attr-defined]
    voices = sets.VOICES  # type: ignore[attr-defined]
    total = len(commands) * len(voices)
    chosen = list(range(total))
    if limit is not None and limit < total:
        chosen = [int(i * total / limit) for i in range(limit)]
    items: list[tuple[str, bytes, tuple[Context, ...]]] = []
    expected: dict[int, str] = {}
    for index in chosen:
        command = commands[index // len(voices)]
        speech = sets.load_16k(sets.render(command.text, voices[index % len(voices)]))  # type: ignore[attr-defined]
        expected[index] = command.intent
        context = (Context(command.context),)
        items.append((f"syn|clean|{index}", sets.mix(speech, None, index).tobytes(), context))  # type: ignore[attr-defined]
        for snr in snrs:
            for kind in NOISES:
                seed = 1000 * index + int(snr)
                pcm = (mix_babble(speech, snr, seed, talk) if kind == "babble"
                       else sets.mix(speech, snr, seed, kind))  # type: ignore[attr-defined]
                items.append((f"syn|{kind} {snr:g} dB|{index}", pcm.tobytes(), context))
    return Synthetic(items, expected, ", ".join(v.name for v in voices),
                     "/".join(f"{s:g}" for s in snrs))
