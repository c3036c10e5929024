"""Long typed lines made of what people really say: everyday talk with cramp talk in it, and
what was said last (a command or a warning sign) at the end."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from voice import ROOT_DIR

TALK = ROOT_DIR / "tests" / "data" / "everyday_talk.txt"
CRAMP_TALK = ("my calf cramped up again on the stairs", "I get cramps in my feet most nights",
              "the cramp in my left leg woke me", "I stretched my hamstring before bed")
"""Cramp words said in passing, one after every few lines of talk."""
CRAMP_EVERY = 5


def everyday_talk() -> list[str]:
    """The lines of tests/data/everyday_talk.txt."""
    return [line.strip() for line in TALK.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def long_line(chars: int, end: str = "", talk: Sequence[str] = ()) -> str:
    """A line of about `chars` characters (whole words) of talk (everyday talk unless
    given) with cramp words in it, ending with `end`."""
    said = itertools.cycle(talk or everyday_talk())
    cramps = itertools.cycle(CRAMP_TALK)
    words: list[str] = []
    budget = chars - len(end) - (1 if end else 0)
    size = -1  # the length of the words so far, joined by spaces
    for n in itertools.count(1):
        sentence = next(cramps) if n % CRAMP_EVERY == 0 else next(said)
        for word in sentence.split():
            if size + 1 + len(word) > budget:
                return " ".join([*words, end]) if end else " ".join(words)
            words.append(word)
            size += 1 + len(word)
    raise AssertionError("unreachable")
