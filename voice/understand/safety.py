"""Warning signs and emergencies in free text, by rules that apply to every sign alike.

`SafetyRules.find(words)` says whether an utterance (normalised, as words) holds an
emergency, a warning sign, or only signs that were negated or have passed. The rules and
their word lists live in content/intents.yaml (`safety`), so what is a sign is data.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from voice.content.schema import SafetySettings
from voice.vocabulary import URGENT, IntentName

Phrase = tuple[str, ...]


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


class Phrases:
    """A list of phrases, looked up by their first word: finding them costs one look-up
    per word of an utterance, however many phrases there are."""

    def __init__(self, items: Sequence[str] = ()) -> None:
        phrases = _phrases(items)
        self.everywhere = any(not p for p in phrases)
        """An empty phrase is said at every position."""
        by_first: dict[str, list[Phrase]] = {}
        for phrase in sorted((p for p in phrases if p), key=len, reverse=True):
            by_first.setdefault(phrase[0], []).append(phrase)
        self.by_first = {word: tuple(found) for word, found in by_first.items()}
        """First word -> the phrases it begins, longest first."""

    def longest_at(self, words: Sequence[str], i: int) -> int:
        """How many words the longest non-empty phrase said at `words[i]` has (0: none)."""
        if i >= len(words):
            return 0
        for phrase in self.by_first.get(words[i], ()):
            if tuple(words[i:i + len(phrase)]) == phrase:
                return len(phrase)
        return 0

    def at(self, words: Sequence[str], i: int) -> bool:
        """Whether one of the phrases is said at `words[i]`."""
        return self.everywhere or self.longest_at(words, i) > 0

    def held_in(self, words: Sequence[str]) -> bool:
        """Whether one of the phrases is said anywhere in `words`."""
        return any(self.at(words, i) for i in range(len(words)))


@dataclass(frozen=True)
class Sign:
    """One kind of sign and the ways it is said."""

    intent: str
    """`emergency` or `red_flag`."""
    name: str
    """The kind (e.g. `swelling`, `chest`)."""
    phrases: Phrases = field(default_factory=lambda: Phrases())
    """Said anywhere, these are the sign."""
    said_of_body: Phrases = field(default_factory=lambda: Phrases())
    """Colours and temperatures: a sign only when said of the body."""
    near: tuple[Phrases, Phrases] | None = None
    """A phrase of the first list within `window` words of one of the second, in the
    same clause."""
    window: int = 3
    not_followed_by: Phrases = field(default_factory=lambda: Phrases())
    """With these words right after it, the phrase means something else."""
    together: tuple[Phrases, ...] = ()
    """A phrase of each, anywhere in the utterance: the sign (found at the last one's)."""
    not_said_of: Phrases = field(default_factory=lambda: Phrases())
    """A colour or temperature said of one of these is not this sign ("my feet are cold")."""
    unless: Phrases = field(default_factory=lambda: Phrases())
    """Said anywhere and not negated, these make the sign something else (breathless
    "from walking"; warm "and it feels better")."""


class Reading:
    """One utterance's words, indexed once so that each rule looks only where it may
    apply: where each word is said, and where each clause begins."""

    def __init__(self, words: Sequence[str], breaks: frozenset[str]) -> None:
        self.words = words
        self.where: dict[str, list[int]] = {}
        """Word -> the positions it is said at, in order."""
        self.clause_start = [0]
        """Position i -> where the clause holding the words before i begins (just after
        the last clause break before i)."""
        for i, word in enumerate(words):
            self.where.setdefault(word, []).append(i)
            self.clause_start.append(i + 1 if word in breaks else self.clause_start[-1])
        self._found: dict[Phrases, list[tuple[int, int]]] = {}

    def occurrences(self, phrases: Phrases) -> list[tuple[int, int]]:
        """(start, end) of every non-empty phrase, the longest at each position, in order."""
        found = self._found.get(phrases)
        if found is None:
            starts = sorted(i for word in phrases.by_first for i in self.where.get(word, ()))
            found = [(i, i + size) for i in starts
                     if (size := phrases.longest_at(self.words, i))]
            self._found[phrases] = found
        return found

    def starts(self, phrases: Phrases) -> list[int]:
        """Where one of the phrases is said, in order."""
        if phrases.everywhere:
            return list(range(len(self.words)))
        return [i for i, _ in self.occurrences(phrases)]

    def holds(self, phrases: Phrases) -> bool:
        """Whether one of the phrases is said anywhere."""
        return bool(self.words) and (phrases.everywhere or bool(self.occurrences(phrases)))


class SafetyRules:
    """The `safety` section of intents.yaml, ready to apply."""

    def __init__(self, rules: SafetySettings) -> None:
        self.negators = Phrases(rules.negation.words)
        self.window = rules.negation.window
        self.opinions = Phrases(rules.negation.opinions)
        self.breaks = frozenset(rules.clause_breaks)
        self.subjects = frozenset(rules.subjects)
        self.resolved = Phrases(rules.resolved.words)
        self.resolved_window = rules.resolved.window
        self.body = frozenset(rules.body)
        self.linking = frozenset(rules.linking)
        self.surroundings = Phrases(rules.surroundings)
        self.predicate_ends = frozenset(rules.predicate_ends)
        self.signs = tuple(
            Sign(intent=intent, name=name, phrases=Phrases(rule.phrases),
                 said_of_body=Phrases(rule.said_of_body),
                 near=(Phrases(rule.near[0]), Phrases(rule.near[1])) if rule.near else None,
                 window=rule.window, not_followed_by=Phrases(rule.not_followed_by),
                 together=tuple(Phrases(g) for g in rule.together),
                 not_said_of=Phrases(rule.not_said_of), unless=Phrases(rule.unless))
            for intent in URGENT  # an emergency is named before a sign
            for name, rule in rules.signs.get(intent, {}).items())
        self.minutes = rules.duration.minutes
        self.about = Phrases(rules.duration.about)
        self.less = Phrases(rules.duration.less)
        self.alone = frozenset(rules.duration.alone)
        self.any_sign = Phrases([p for rule in (r for group in rules.signs.values()
                                                for r in group.values())
                                 for p in (*rule.phrases, *rule.said_of_body)])
        """Every sign's phrases: a colour said after a clause that names a sign is said of
        the same thing ("not swollen, just red")."""

    # -- the rules --
    def negated(self, reading: Reading, start: int) -> bool:
        """A negative word in scope before `words[start]`: within the window, in the same
        clause, with no new subject between; a negated opinion covers its whole clause."""
        words, clause = reading.words, reading.clause_start[start]
        opinions = reading.starts(self.opinions)
        if bisect.bisect_left(opinions, clause) < bisect.bisect_left(opinions, start):
            return True
        for i in range(start - 1, max(clause, start - self.window) - 1, -1):
            if self.negators.at(words, i):
                return True
            if words[i] in self.subjects:
                return False
        return False

    def passed(self, reading: Reading, end: int) -> bool:
        """Words saying the sign has passed, shortly after it and in the same clause."""
        words = reading.words
        for i in range(end, min(len(words), end + self.resolved_window)):
            if words[i] in self.breaks or (i > end and words[i] in self.subjects):
                return False
            if self.resolved.at(words, i):
                return True
        return False

    def of_body(self, reading: Reading, start: int, end: int) -> bool:
        """A colour or temperature said of the body ("it's gone red", "a red calf"), not of
        the surroundings ("the room is warm", "it's warm in here", "something cold"), nor
        of a thing it comes before ("blue light"). "It" is the leg unless the surroundings
        are named anywhere ("the heating's on and it's warm")."""
        words = reading.words
        if self.surroundings.held_in(words[end:end + 3]):
            return False
        if any(w in self.body and w not in _PRONOUNS for w in words[end:end + 2]):
            return True
        if end < len(words) and words[end] not in self.predicate_ends:
            return False
        for i in range(start - 1, max(-1, start - 5), -1):
            if words[i] in self.breaks:
                before = words[reading.clause_start[i]:i]
                return i == start - 1 and self.any_sign.held_in(before)
            if words[i] in self.linking:
                if words[i] in _PRONOUNS:  # "it's", "they're"
                    return not reading.holds(self.surroundings)
                before = words[max(0, i - 3):i]
                if any(w in self.body for w in before) and not self.surroundings.held_in(before):
                    return True
        return False

    def _hits(self, reading: Reading, sign: Sign) -> list[tuple[int, int]]:
        words = reading.words
        hits = list(reading.occurrences(sign.phrases))
        hits += [h for h in reading.occurrences(sign.said_of_body)
                 if self.of_body(reading, *h) and not self._said_of(reading, h[0], sign.not_said_of)]
        if sign.together and all(reading.holds(g) for g in sign.together):
            hits += reading.occurrences(sign.together[-1])
        if sign.near is not None:
            seconds = reading.occurrences(sign.near[1])
            second_starts = [c for c, _ in seconds]
            for a, b in reading.occurrences(sign.near[0]):
                near = seconds[bisect.bisect_left(second_starts, a - sign.window):
                               bisect.bisect_right(second_starts, a + sign.window)]
                for s, e in ((min(a, c), max(b, d)) for c, d in near):
                    if not any(w in self.breaks for w in words[s:e]):
                        hits.append((s, e))
        return [(s, e) for s, e in hits if not sign.not_followed_by.at(words, e)]

    def _said_of(self, reading: Reading, start: int, things: Phrases) -> bool:
        """Whether one of `things` is the subject just before `words[start]`, in its clause."""
        clause = reading.clause_start[start]
        return things.held_in(reading.words[max(clause, start - 4):start])

    def _explained(self, reading: Reading, sign: Sign) -> bool:
        """Whether the sign's `unless` words are said, and not negated."""
        return any(not self.negated(reading, i) for i in reading.starts(sign.unless))

    def _length_alone(self, reading: Reading) -> bool:
        """A length said on its own ("for about an hour"): the answer to how long."""
        return all(w in self.alone or w in NUMBERS or w in _UNITS or _DIGITS.match(w)
                   for w in reading.words)

    def duration(self, reading: Reading) -> tuple[int, int] | None:
        """Where a cramp's length of at least `minutes` is said, if it is."""
        if not reading.holds(self.about) and not self._length_alone(reading):
            return None
        words = reading.words
        for i in sorted(i for unit in _UNITS for i in reading.where.get(unit, ())):
            word = words[i]
            unit = _UNITS[word]
            start, amount = self._amount(words, i)
            if amount is None:
                continue
            if self.less.held_in(words[max(0, start - 3):start]):
                continue
            if amount > 1 and word in _SINGULAR and not self.about.held_in(words[i + 1:i + 2]):
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
        reading = Reading(words, self.breaks)
        cancelled = False
        for sign in self.signs:
            hits = sorted(self._hits(reading, sign))
            if hits and sign.unless.by_first and self._explained(reading, sign):
                cancelled = True
                continue
            for start, end in hits:
                if self.negated(reading, start) or self.passed(reading, end):
                    cancelled = True
                    continue
                return Found(sign.intent, sign.name)
        span = self.duration(reading)
        if span is not None:
            if not self.negated(reading, span[0]):
                return Found(IntentName.RED_FLAG, "duration")
            cancelled = True
        return Found(None, None, cancelled)
