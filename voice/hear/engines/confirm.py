"""A second hearing for commands that would wake the house or alarm it: do the sounds agree?

A grammar recogniser forces any speech into its nearest command: "I have to be at work
early tomorrow" comes out as "i have charley horse during the gym". Heard while the coach
is idle, that would start a session in the middle of the night; heard while it counts or
asks, talk in the room becomes a warning sign ("i banged the ankle") and the coach tells
the user to get medical help. So an accepted command is heard once more by the same
acoustic model as a free run of English phones (a phone loop weighted by English phone
statistics, no words), and kept only when the phones heard sound like the command's.
Chatter heard freely keeps its own length and shape, far from the command; a command
heard freely stays near it even when single sounds differ. Which commands are heard twice
is the engine's choice (`SphinxSettings.confirm_contexts`).

"Sound like" is the edit distance between the two phone strings, normalised by the longer
one, with vowels merged into five classes (accents and synthetic voices move vowels far
more than consonants).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rapidfuzz.distance import Levenshtein

from voice.hear.engines.grammar import Phones

VOWEL_CLASS = {"AA": "A", "AE": "A", "AH": "A", "AO": "A", "AW": "A", "AY": "A",
               "EH": "E", "ER": "E", "EY": "E", "IH": "I", "IY": "I",
               "OW": "O", "OY": "O", "UH": "U", "UW": "U"}
"""ARPAbet vowel → its class; consonants stay as they are."""
FILLERS = frozenset({"SIL"})
"""Phone-loop output that is no speech sound (noise fillers are spelt `+NSN+` ...)."""

Pronounce = Callable[[str], Phones | None]
"""A word's phones, None when unknown."""


def sound_of(text: str, pronounce: Pronounce) -> list[str]:
    """The phones of a command (decoder spelling, `word(2)` variants read as `word`),
    vowels merged; unknown words add nothing."""
    phones: list[str] = []
    for word in text.split():
        for phone in pronounce(word.split("(")[0]) or ():
            phones.append(VOWEL_CLASS.get(phone, phone))
    return phones


def phones_heard(decoded: str) -> list[str]:
    """A phone loop's output, silence and noise fillers left out, vowels merged."""
    return [VOWEL_CLASS.get(p, p) for p in decoded.split() if p.isalpha() and p not in FILLERS]


def sound_distance(a: Sequence[str], b: Sequence[str]) -> float:
    """0 when two phone strings are the same, 1 when nothing of them is shared."""
    return float(Levenshtein.normalized_distance(list(a), list(b)))
