"""The synthetic command set of tests/support/audio_sets.py, clean and at several SNRs with three
kinds of noise: brown (fan-like), pink, and babble (several other people's sentences
mixed together, none of them a command)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tests.support.audio_sets import COMMANDS
from tests.support.noise import BABBLE_TALKERS, mix, mix_babble
from tests.support.speech import VOICES, load_16k, render
from voice.vocabulary import Context

NOISES = ("brown", "pink", "babble")


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
                f"tests/support/audio_sets.py (every intent and context) in each of the voices "
                f"{self.voices}; "
                f"clean and at {self.snrs} dB SNR with brown (fan-like), pink and "
                f"{BABBLE_TALKERS}-talker babble noise")


def command_set(limit: int | None, snrs: Sequence[float], talk: Sequence[str]) -> Synthetic:
    """Every command in every voice (up to `limit` utterances, spread over the list),
    clean and mixed with each noise at each SNR."""
    commands = list(COMMANDS)
    voices = VOICES
    total = len(commands) * len(voices)
    chosen = list(range(total))
    if limit is not None and limit < total:
        chosen = [int(i * total / limit) for i in range(limit)]
    items: list[tuple[str, bytes, tuple[Context, ...]]] = []
    expected: dict[int, str] = {}
    for index in chosen:
        command = commands[index // len(voices)]
        speech = load_16k(render(command.text, voices[index % len(voices)]))
        expected[index] = command.intent
        context = (Context(command.context),)
        items.append((f"syn|clean|{index}", mix(speech, None, index).tobytes(), context))
        for snr in snrs:
            for kind in NOISES:
                seed = 1000 * index + int(snr)
                pcm = (mix_babble(speech, snr, seed, talk) if kind == "babble"
                       else mix(speech, snr, seed, kind))
                items.append((f"syn|{kind} {snr:g} dB|{index}", pcm.tobytes(), context))
    return Synthetic(items, expected, ", ".join(v.name for v in voices),
                     "/".join(f"{s:g}" for s in snrs))
