"""Warning signs and emergencies in free text, by rules that apply to every sign alike.

`SafetyRules.find(words)` says whether an utterance (normalised, as words) holds an
emergency, a warning sign, or only signs that were negated or have passed. The rules and
their word lists live in content/intents.yaml (`safety`), so what is a sign is data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from voice.content.schema import SafetySettings
from voice.vocabulary import URGENT

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class Sign:
    """One kind of sign and the ways it is said."""

    intent: str
    """`emergency` or `red_flag`."""
    name: str
    """The kind (e.g. `swelling`, `chest`)."""
    phrases: tuple[Phrase, ...] = ()
    """Said anywhere, these are the sign."""
    said_of_body: tuple[Phrase, ...] = ()
    """Colours and temperatures: a sign only when said of the body."""
    near: tuple[tuple[Phrase, ...], tuple[Phrase, ...]] | None = None
    """A phrase of the first list within `window` words of one of the second, in the
    same clause."""
    window: int = 3
    not_followed_by: tuple[Phrase, ...] = ()
    """With these words right after it, the phrase means something else."""


@dataclass(frozen=True)
class Found:
    """What the rules found in an utterance."""

    intent: str | None
    """`emergency`, `red_flag`, or None."""
    sign: str | None = None
    """The kind of the first sign found."""
    cancelled: bool = False
    """A sign was said but negated or passed: nothing else may read it as one."""


NUMBERS = {
    "one": 1, "a": 1, "an": 1, "two": 2, "couple": 2, "three": 3, "few": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
    "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90,
}
"""Spoken numbers a cramp's length is given in."""
_FRACTIONS = ((("half", "an"), 0.5), (("half", "a"), 0.5), (("quarter", "of", "an"), 0.25),
              (("couple", "of"), 2.0), (("few",), 3.0))
_PRONOUNS = frozenset({"it", "it's", "they", "they're"})
_UNITS = {"minute": 1, "minutes": 1, "min": 1, "mins": 1, "hour": 60, "hours": 60}
_SINGULAR = frozenset({"minute", "hour"})
"""A unit said in the singular after a number above one is an adjective: a length only of
the word after it."""
_DIGITS = re.compile(r"^\d+$")


def _phrases(items: Sequence[str]) -> tuple[Phrase, ...]:
    return tuple(tuple(p.lower().split()) for p in items)


def _at(words: Sequence[str], i: int, phrase: Phrase) -> bool:
    return tuple(words[i:i + len(phrase)]) == phrase


def _holds(words: Sequence[str], phrases: tuple[Phrase, ...]) -> bool:
    return any(_at(words, i, p) for i in range(len(words)) for p in phrases)


def _occurrences(words: Sequence[str], phrases: tuple[Phrase, ...]) -> list[tuple[int, int]]:
    """(start, end) of every phrase in `words`, longest first at each position."""
    found = []
    for i in range(len(words)):
        for phrase in sorted(phrases, key=len, reverse=True):
            if phrase and _at(words, i, phrase):
                found.append((i, i + len(phrase)))
                break
    return found


class SafetyRules:
    """The `safety` section of intents.yaml, ready to apply."""

    def __init__(self, rules: SafetySettings) -> None:
        self.negators = _phrases(rules.negation.words)
        self.window = rules.negation.window
        self.opinions = _phrases(rules.negation.opinions)
        self.breaks = frozenset(rules.clause_breaks)
        self.subjects = frozenset(rules.subjects)
        self.resolved = _phrases(rules.resolved.words)
        self.resolved_window = rules.resolved.window
        self.body = frozenset(rules.body)
        self.linking = frozenset(rules.linking)
        self.surroundings = _phrases(rules.surroundings)
        self.predicate_ends = frozenset(rules.predicate_ends)
        self.signs = tuple(
            Sign(intent=intent, name=name, phrases=_phrases(rule.phrases),
                 said_of_body=_phrases(rule.said_of_body),
                 near=(_phrases(rule.near[0]), _phrases(rule.near[1])) if rule.near else None,
                 window=rule.window, not_followed_by=_phrases(rule.not_followed_by))
            for intent in URGENT  # an emergency is named before a sign
            for name, rule in rules.signs.get(intent, {}).items())
        self.minutes = rules.duration.minutes
        self.about = _phrases(rules.duration.about)
        self.less = _phrases(rules.duration.less)

    # -- the rules --
    def negated(self, words: Sequence[str], start: int) -> bool:
        """A negative word in scope before `words[start]`: within the window, in the same
        clause, with no new subject between; a negated opinion covers its whole clause."""
        in_reach = True
        for i in range(start - 1, -1, -1):
            if words[i] in self.breaks:
                return False
            if any(_at(words, i, o) for o in self.opinions):
                return True
            in_reach = in_reach and start - i <= self.window
            if in_reach and any(_at(words, i, n) for n in self.negators):
                return True
            if words[i] in self.subjects:
                in_reach = False
        return False

    def passed(self, words: Sequence[str], end: int) -> bool:
        """Words saying the sign has passed, shortly after it and in the same clause."""
        for i in range(end, min(len(words), end + self.resolved_window)):
            if words[i] in self.breaks or (i > end and words[i] in self.subjects):
                return False
            if any(_at(words, i, r) for r in self.resolved):
                return True
        return False

    def of_body(self, words: Sequence[str], start: int, end: int) -> bool:
        """A colour or temperature said of the body ("it's gone red", "a red calf"), not of
        the surroundings ("the room is warm", "it's warm in here", "something cold"), nor
        of a thing it comes before ("blue light"). "It" is the leg unless the surroundings
        are named anywhere ("the heating's on and it's warm")."""
        if _holds(words[end:end + 3], self.surroundings):
            return False
        if any(w in self.body and w not in _PRONOUNS for w in words[end:end + 2]):
            return True
        if end < len(words) and words[end] not in self.predicate_ends:
            return False
        for i in range(start - 1, max(-1, start - 5), -1):
            if words[i] in self.breaks:
                return False
            if words[i] in self.linking:
                if words[i] in _PRONOUNS:  # "it's", "they're"
                    return not _holds(words, self.surroundings)
                before = words[max(0, i - 3):i]
                if any(w in self.body for w in before) and not _holds(before, self.surroundings):
                    return True
        return False

    def _hits(self, words: Sequence[str], sign: Sign) -> list[tuple[int, int]]:
        hits = _occurrences(words, sign.phrases)
        hits += [h for h in _occurrences(words, sign.said_of_body) if self.of_body(words, *h)]
        if sign.near is not None:
            firsts = _occurrences(words, sign.near[0])
            seconds = _occurrences(words, sign.near[1])
            spans = [(min(a, c), max(b, d)) for a, b in firsts for c, d in seconds
                     if abs(a - c) <= sign.window]
            hits += [(s, e) for s, e in spans if not any(w in self.breaks for w in words[s:e])]
        return [(s, e) for s, e in hits
                if not any(_at(words, e, f) for f in sign.not_followed_by)]

    def duration(self, words: Sequence[str]) -> tuple[int, int] | None:
        """Where a cramp's length of at least `minutes` is said, if it is."""
        if not _holds(words, self.about):
            return None
        for i, word in enumerate(words):
            unit = _UNITS.get(word)
            if unit is None:
                continue
            start, amount = self._amount(words, i)
            if amount is None:
                continue
            if _holds(words[max(0, start - 3):start], self.less):
                continue
            if amount > 1 and word in _SINGULAR and not _holds(words[i + 1:i + 2], self.about):
                continue  # "a ten-minute walk" names the walk; "a twenty-minute cramp" counts
            if amount * unit >= self.minutes:
                return start, i + 1
        return None

    @staticmethod
    def _amount(words: Sequence[str], unit_at: int) -> tuple[int, float | None]:
        """Where the number said before a unit starts, and its value: "twenty five",
        "15", "an", "half an", "a quarter of an", "a couple of"; "hours" alone is two."""
        head = tuple(words[max(0, unit_at - 3):unit_at])
        for phrase, value in _FRACTIONS:
            if head[-len(phrase):] == phrase:
                return unit_at - len(phrase), value
        i, total, start = unit_at - 1, 0.0, unit_at
        while i >= 0 and unit_at - i <= 2 and (words[i] in NUMBERS or _DIGITS.match(words[i])):
            total += float(words[i]) if _DIGITS.match(words[i]) else NUMBERS[words[i]]
            start, i = i, i - 1
        if start < unit_at:
            return start, total
        return unit_at, 2.0 if words[unit_at] == "hours" else None

    def find(self, words: Sequence[str]) -> Found:
        """The emergency or warning sign said in `words`, if any is."""
        cancelled = False
        for sign in self.signs:
            for start, end in sorted(self._hits(words, sign)):
                if self.negated(words, start) or self.passed(words, end):
                    cancelled = True
                    continue
                return Found(sign.intent, sign.name)
        span = self.duration(words)
        if span is not None:
            if not self.negated(words, span[0]):
                return Found("red_flag", "duration")
            cancelled = True
        return Found(None, None, cancelled)
