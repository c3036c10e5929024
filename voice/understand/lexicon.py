"""The coach's own words, as a recogniser's transcript is corrected toward them.

Made from content/ through the matcher: every word of the template sentences and their
slot values (muscles, sides), the keywords of each topic (remedies, shoes, water), the
medicine words, the words of the warning-sign rules, and the speaker's own words. Some
of them carry a meaning no correction may take away: muscles, sides, negations, signs.

    lexicon = Lexicon.of(matcher)
    "calf" in lexicon.words, "not" in lexicon.kept           # True, True
"""

from __future__ import annotations

from dataclasses import dataclass

from voice.understand.closeness import Keys
from voice.understand.matcher import IntentMatcher

SHORTEST_TARGET = 3
"""Words shorter than this are never a correction's target ("a", "i", "on"): too many
heard words are near them."""


@dataclass(frozen=True)
class Lexicon:
    """The domain's words, and those a correction must keep as they are."""

    words: frozenset[str]
    """Every word of the domain: a heard word among them is taken as spelt."""
    kept: frozenset[str]
    """Muscles, sides, negations and sign words."""
    signs: frozenset[str]
    """Words of the warning-sign rules."""
    everyday: frozenset[str]
    """The most common English words: heard alone, taken as said."""
    targets: Keys
    """The words a heard word may be corrected to, ready to search."""

    @classmethod
    def of(cls, matcher: IntentMatcher) -> Lexicon:
        """The lexicon of `matcher`'s content."""
        words, kept, signs = matcher.domain_words()
        targets = sorted(w for w in words if len(w) >= SHORTEST_TARGET and w.isalpha())
        return cls(words, kept, signs, matcher.everyday_words,
                   Keys.of([(w, w) for w in targets]))
