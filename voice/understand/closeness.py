"""How alike two normalised texts are, on their letters and on their sounds.

Sounds (a metaphone key of each word) forgive the misspellings a recogniser makes of the
coach's words ("cath" for "calf"); letters keep apart words that merely share consonants
("right" / "ready"). Spaces are taken out, so split or joined words ("quite nice" /
"quinine") do not count against a match.

    closeness("statements", "statins")                 # about 77
    Keys.of([("cramp", "calf cramp")]).nearest("cath cramp")
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import jellyfish
from rapidfuzz import fuzz, process

SOUND_WEIGHT = 0.5
"""Share of the sound key in `closeness` (the rest is the letters)."""


def squeezed(text: str) -> str:
    """`text` without its spaces."""
    return text.replace(" ", "")


@functools.lru_cache(maxsize=65536)
def sound_key(text: str) -> str:
    """The metaphone of each word of normalised `text`, run together."""
    return "".join(jellyfish.metaphone(word) for word in text.split())


def closeness(heard: str, sentence: str) -> float:
    """How alike two normalised texts are (0..100), on letters and on sounds together."""
    letters = fuzz.ratio(squeezed(heard), squeezed(sentence))
    sounds = fuzz.ratio(sound_key(heard), sound_key(sentence))
    return float(SOUND_WEIGHT * sounds + (1 - SOUND_WEIGHT) * letters)


@dataclass(frozen=True)
class Keys:
    """Texts with their letters and sound keys, ready for rapidfuzz."""

    sentences: list[str]
    labels: list[str]
    letters: list[str]
    sounds: list[str]

    @classmethod
    def of(cls, labelled: list[tuple[str, str]]) -> Keys:
        """Keys of (label, text) pairs."""
        sentences = [s for _, s in labelled]
        return cls(sentences, [label for label, _ in labelled],
                   [squeezed(s) for s in sentences], [sound_key(s) for s in sentences])

    def nearest(self, heard: str, limit: int = 5) -> tuple[str, float] | None:
        """The text closest to `heard` and its closeness: the best few by letters and by
        sounds, each scored on both (`closeness`)."""
        picks: set[int] = set()
        for key, keys in ((squeezed(heard), self.letters), (sound_key(heard), self.sounds)):
            found = process.extract(key, keys, scorer=fuzz.ratio, processor=None, limit=limit)
            picks.update(index for _, _, index in found)
        scored = [(closeness(heard, self.sentences[i]), self.sentences[i]) for i in picks]
        if not scored:
            return None
        score, sentence = max(scored)
        return sentence, score
