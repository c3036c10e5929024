"""A second hearing for commands that would wake the house: does plain English agree?

A grammar recogniser forces any speech into its nearest command: "there is a spider in the
corner of the ceiling" comes out as "there is a spasm in the quadriceps". Heard while the
coach is idle, that would start a session in the middle of the night. So where a false
command costs most, an accepted command is heard once more by the same acoustic model
with a general English language model instead of the grammar, and kept only when the two
readings sound alike. Chatter decoded freely reads as chatter, far from the command; a
command decoded freely stays near it even when the words differ ("i have a hamstring
grant" for "i have a hamstring cramp").

"Sound alike" is the edit distance between the two readings' phones, normalised by the
longer one, with vowels merged into five classes (accents and synthetic voices move
vowels far more than consonants).
"""

from __future__ import annotations

from collections.abc import Callable

from rapidfuzz.distance import Levenshtein

from voice.speech_in.grammar import Phones

VOWEL_CLASS = {"AA": "A", "AE": "A", "AH": "A", "AO": "A", "AW": "A", "AY": "A",
               "EH": "E", "ER": "E", "EY": "E", "IH": "I", "IY": "I",
               "OW": "O", "OY": "O", "UH": "U", "UW": "U"}
"""ARPAbet vowel → its class; consonants stay as they are."""

Pronounce = Callable[[str], Phones | None]
"""A word's phones, None when unknown."""


def sound_of(text: str, pronounce: Pronounce) -> list[str]:
    """The phones of `text` (decoder spelling, `word(2)` variants read as `word`), vowels
    merged; unknown words add nothing."""
    phones: list[str] = []
    for word in text.split():
        for phone in pronounce(word.split("(")[0]) or ():
            phones.append(VOWEL_CLASS.get(phone, phone))
    return phones


def sound_distance(a: str, b: str, pronounce: Pronounce) -> float:
    """0 when `a` and `b` sound the same, 1 when nothing of them is shared."""
    return float(Levenshtein.normalized_distance(sound_of(a, pronounce), sound_of(b, pronounce)))
