"""A recogniser's misspellings of the coach's words, corrected word by word.

Whisper writes what it heard in everyday spelling, and the coach's words come out as
other words that sound or look alike: "cath" for "calf", "statements" for "statins",
"quite nice" for "quinine", "tools" for "toes". Each heard word the domain does not know
is put to the lexicon by its letters and its sound (`closeness`), and so are two or three
heard words run together (a domain word heard split up). A correction never touches a
word the lexicon knows, so a muscle, a side, a negation or a sign that was spelt right is
never lost or changed, nor, alone, one of the most common English words. One pass over the words, each looked up once: linear in their
number.

    Corrector(Lexicon.of(matcher)).correct("i woke up with a cath cramp")
    # "i woke up with a calf cramp"
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from voice.understand.closeness import closeness
from voice.understand.lexicon import Lexicon

WORD_MIN = 72.0
"""Least closeness (0..100) of an unknown heard word to the domain word it becomes."""
JOIN_MIN = 70.0
"""Least closeness of two or three heard words, run together, to one domain word."""
LETTERS_MIN = 55.0
"""Least likeness of the letters alone: a sound key is coarse ("today" and "dead" share
one), so a correction must look somewhat like the word too."""
SIGN_MIN = (80.0, 70.0)
"""Least closeness, and least likeness of the letters, of a heard word to a warning sign's
word it becomes: a sign read from a guess wakes the house ("windy" is not "wound")."""
SEEN_MAX = 20000
"""Most heard texts whose closest domain word is remembered."""
WHOLE_MIN = 80.0
"""Least closeness of each correction when every heard word is corrected."""
LONGEST_JOIN = 3
"""Most heard words read as one domain word."""
SHORTEST = 3
"""Heard words shorter than this are never corrected alone ("uh", "a")."""


@dataclass(frozen=True)
class Corrector:
    """Corrects heard words toward a lexicon."""

    lexicon: Lexicon
    _seen: dict[str, tuple[str, float] | None] = field(default_factory=dict)
    """Heard text → its closest domain word, as found."""

    def correct(self, heard: str, others: Sequence[str] = ()) -> str:
        """`heard` (normalised) with its unknown words corrected; a domain word another
        reading of the same sound has (`others`, normalised) is taken first when it is
        close enough."""
        words = heard.split()
        offered = {w for other in others for w in other.split()
                   if w in self.lexicon.words and w not in words}
        out: list[str] = []
        kept, least = 0, 100.0
        i = 0
        while i < len(words):
            best = self._best(words, i, offered)
            if best is None:
                out.append(words[i])
                kept += 1
                i += 1
            else:
                out.append(best[0])
                least = min(least, best[2])
                i += best[1]
        # Every word replaced, and not very closely, is another sentence, not a corrected
        # one ("hello" / "help", where "council" is "cancel").
        return " ".join(out) if kept or least >= WHOLE_MIN else heard

    def joined(self, heard: str) -> str | None:
        """The one domain word that all of `heard`'s two or three words (normalised), run
        together, are close to: a command word heard split up, one half of it a known word
        ("can sill" for "cancel"); None when there is none."""
        words = heard.split()
        if not 1 < len(words) <= LONGEST_JOIN or all(w in self.lexicon.words for w in words):
            return None
        near = self._near(heard)
        if near is None or near[1] < JOIN_MIN or not self._fits("".join(words), *near) \
                or any(closeness(w, near[0]) >= near[1] for w in words):
            return None  # one word alone as close is that word heard with others
        return near[0]

    def _best(self, words: list[str], i: int,
              offered: set[str]) -> tuple[str, int, float] | None:
        """The domain word for the heard words from `i` on, how many it replaces, and how
        close it is."""
        known, kept = self.lexicon.words, self.lexicon.kept
        found: tuple[float, str, int] | None = None
        for size in range(LONGEST_JOIN, 1, -1):
            span = words[i:i + size]
            if len(span) < size or any(w in kept for w in span) \
                    or 2 * sum(w in known for w in span) >= size:
                continue  # a domain word heard split up is mostly words the domain lacks
            near = self._near(" ".join(span))
            if near is not None and near[1] >= JOIN_MIN \
                    and self._fits("".join(span), near[0], near[1]) \
                    and (found is None or near[1] > found[0]):
                found = (near[1], near[0], size)
        word = words[i]
        # An everyday word is taken as said unless another reading of the sound has the
        # coach's word: Whisper spells common words right ("inside" is not "instep").
        if word not in known and len(word) >= SHORTEST:
            near = self._nearest(word, offered, word in self.lexicon.everyday)
            if near is not None and near[1] >= WORD_MIN and self._fits(word, near[0], near[1]) \
                    and (found is None or near[1] >= found[0]):
                found = (near[1], near[0], 1)
        return (found[1], found[2], found[0]) if found is not None else None

    def _nearest(self, word: str, offered: set[str],
                 everyday: bool) -> tuple[str, float] | None:
        """The closest domain word to `word`, another reading's word winning a tie; for an
        `everyday` word, only another reading's."""
        near = None if everyday else self._near(word)
        for other in offered:
            score = closeness(word, other)
            if score >= WORD_MIN and (near is None or score >= near[1]):
                near = (other, score)
        return near

    def _near(self, heard: str) -> tuple[str, float] | None:
        """The closest domain word to `heard` (looked up once for each heard text)."""
        if heard not in self._seen:
            if len(self._seen) >= SEEN_MAX:
                self._seen.clear()
            self._seen[heard] = self.lexicon.targets.nearest(heard)
        return self._seen[heard]

    def _fits(self, heard: str, word: str, score: float) -> bool:
        """Whether `heard`, `score` close to domain `word`, looks enough like it, the more
        so for a sign's word (`SIGN_MIN`)."""
        letters = fuzz.ratio(heard, word)
        if word in self.lexicon.signs:
            return score >= SIGN_MIN[0] and letters >= SIGN_MIN[1]
        return letters >= LETTERS_MIN
