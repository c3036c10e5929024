"""What a template sentence can hold: which words, and how many at most.

hassil matches a text to a template only when the template can say every word of it, each
from its own words: a text with a word no template sentence has, or with more words than
the longest template sentence, matches none, and need not be tried. Trying only the texts
that might match keeps reading a long utterance, and every run of words in it, cheap.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from hassil import Intents
from hassil.expression import (
    Alternative,
    Expression,
    ListReference,
    RuleReference,
    Sentence,
    TextChunk,
)
from hassil.expression import Sequence as Run
from hassil.intents import SlotList, TextSlotList
from hassil.util import fold_case, normalize_for_matching, remove_skip_words

__all__ = ["TemplateReach"]

_SPACE = re.compile(r"\s+")
_BREAKS = re.compile(r"[-_]+")
"""hassil also reads a word with these in it as the words between them."""
WORDS_REMEMBERED = 50_000
"""How many words' findings are kept for the next utterance (all are forgotten past it)."""


@dataclass(frozen=True)
class _Words:
    """What an expression can say, as words: whole when it says no space, else its first
    word (up to the first space), the words between, and its last word (after the last
    space). A first or last word may join the words said beside the expression."""

    alone: frozenset[str]
    first: frozenset[str] = frozenset()
    inner: frozenset[str] = frozenset()
    last: frozenset[str] = frozenset()
    most: int = 0
    """The most words it can say (words joined across its parts counted apart)."""
    blank: bool = False
    """Whether it can say nothing but spaces."""
    bounded: bool = True
    """False when it uses what no bounds are given for (a wildcard, a range of numbers, a
    permutation): it might say anything."""

    def then(self, other: _Words) -> _Words:
        """This expression followed by `other`."""
        return _Words(
            alone=frozenset(a + b for a in self.alone for b in other.alone),
            first=self.first | frozenset(a + f for a in self.alone for f in other.first),
            inner=self.inner | other.inner
            | frozenset(t + f for t in self.last for f in other.first),
            last=other.last | frozenset(t + b for t in self.last for b in other.alone),
            most=self.most + other.most, blank=self.blank and other.blank,
            bounded=self.bounded and other.bounded)

    def also(self, other: _Words) -> _Words:
        """This expression or `other`."""
        return _Words(self.alone | other.alone, self.first | other.first,
                      self.inner | other.inner, self.last | other.last,
                      max(self.most, other.most), self.blank or other.blank,
                      self.bounded and other.bounded)

    @property
    def every(self) -> frozenset[str]:
        """Every word it can say."""
        return (self.alone | self.first | self.inner | self.last) - {""}


_NOTHING = _Words(alone=frozenset({""}), blank=True)
_ANYTHING = _Words(alone=frozenset(), bounded=False)


class _Reader:
    """Walks template expressions, expanding rules and lists."""

    def __init__(self, rules: Mapping[str, Sentence], lists: Mapping[str, SlotList]) -> None:
        self.rules = rules
        self.lists = lists
        self._said: dict[str, _Words] = {}

    def words(self, expression: Expression) -> _Words:
        if isinstance(expression, TextChunk):
            return _chunk(expression.text)
        if isinstance(expression, Alternative):
            said = _union(self.words(item) for item in expression.items)
            return said.also(_NOTHING) if expression.is_optional else said
        if isinstance(expression, Run):
            said = _NOTHING
            for item in expression.items:
                said = said.then(self.words(item))
            return said
        if isinstance(expression, RuleReference):
            return self._named(f"<{expression.rule_name}>", lambda: self._rule(expression))
        if isinstance(expression, ListReference):
            return self._named(f"{{{expression.list_name}}}", lambda: self._list(expression))
        return _ANYTHING

    def _named(self, name: str, read: Callable[[], _Words]) -> _Words:
        if name not in self._said:
            self._said[name] = read()
        return self._said[name]

    def _rule(self, reference: RuleReference) -> _Words:
        rule = self.rules.get(reference.rule_name)
        return _ANYTHING if rule is None else self.words(rule.expression)

    def _list(self, reference: ListReference) -> _Words:
        slot_list = self.lists.get(reference.list_name)
        if (reference.prefix or reference.suffix or reference.is_inline_range
                or not isinstance(slot_list, TextSlotList) or not slot_list.values):
            return _ANYTHING
        return _union(self.words(value.text_in) for value in slot_list.values)


def _chunk(text: str) -> _Words:
    text = fold_case(text)
    if not _SPACE.search(text):
        return _Words(alone=frozenset({text}), most=1 if text else 0, blank=not text)
    parts = _SPACE.split(text)
    return _Words(alone=frozenset(), first=frozenset({parts[0]}),
                  inner=frozenset(p for p in parts[1:-1] if p), last=frozenset({parts[-1]}),
                  most=sum(1 for p in parts if p), blank=not any(parts))


def _union(items: Iterable[_Words]) -> _Words:
    said: _Words | None = None
    for item in items:
        said = item if said is None else said.also(item)
    return said if said is not None else _NOTHING


@dataclass(frozen=True)
class _Word:
    """How one word of a text counts towards a template match, read as hassil reads it
    with skip words kept (`kept_*`) and without them (`bare_*`)."""

    kept_fits: bool
    kept_count: int
    bare_fits: bool
    bare_count: int


class TemplateReach:
    """Which texts a set of templates might match: only those whose every word some
    template sentence holds, with no more words than the longest sentence has."""

    def __init__(self, intents: Intents, skip_words: Sequence[str]) -> None:
        self._skip_words = list(itertools.chain(skip_words, intents.skip_words))
        self.longest: int | None = None
        """The most words a template sentence has (None: unbounded, every text is tried)."""
        self._known: frozenset[str] = frozenset()
        self._empty = False
        self._words: dict[str, _Word] = {}
        if intents.settings.ignore_whitespace:
            return  # words are not told apart by spaces
        said = _union(self._sentences(intents))
        if not said.bounded:
            return
        self.longest, self._known, self._empty = said.most, said.every, said.blank

    @staticmethod
    def _sentences(intents: Intents) -> Iterator[_Words]:
        shared = _Reader(intents.expansion_rules, intents.slot_lists)
        for intent in intents.intents.values():
            for data in intent.data:
                reader = shared if not (data.expansion_rules or data.slot_lists) else _Reader(
                    {**intents.expansion_rules, **data.expansion_rules},
                    {**intents.slot_lists, **data.slot_lists})
                for sentence in data.sentences:
                    yield reader.words(sentence.expression)

    def could_match(self, words: Sequence[str]) -> bool:
        """Whether the text these words make might match a template."""
        if self.longest is None:
            return True
        kept = bare = True
        kept_count = bare_count = 0
        for word in words:
            found = self._word(word)
            kept_count += found.kept_count
            bare_count += found.bare_count
            kept = kept and found.kept_fits and kept_count <= self.longest
            bare = bare and found.bare_fits and bare_count <= self.longest
            if not (kept or bare):
                return False
        return (kept and _fits(kept_count, self.longest, self._empty)) or \
            (bare and _fits(bare_count, self.longest, self._empty))

    def spans(self, words: Sequence[str], shortest: int) -> Iterator[tuple[int, int]]:
        """(start, size) of each run of at least `shortest` words, shorter than the whole,
        that might match a template: longest first, then from the start. Runs longer than
        any template sentence are passed over by their length alone."""
        n = len(words)
        if self.longest is None:
            for size in range(n - 1, max(shortest, 1) - 1, -1):
                for start in range(n - size + 1):
                    yield start, size
            return
        found = [self._word(w) for w in words]
        kept_bad, kept_count = _sums(0 if f.kept_fits else 1 for f in found), \
            _sums(f.kept_count for f in found)
        bare_bad, bare_count = _sums(0 if f.bare_fits else 1 for f in found), \
            _sums(f.bare_count for f in found)
        # A word that counts for nothing (a skip word, read without skip words) lets a run
        # be longer than its count; read without words, a run matches only an empty template.
        kept_nothing = sum(1 for f in found if not f.kept_count)
        bare_nothing = sum(1 for f in found if not f.bare_count)
        if not self._empty:
            kept_nothing = 0 if kept_nothing == n else kept_nothing
            bare_nothing = 0 if bare_nothing == n else bare_nothing
        largest = self.longest + max(kept_nothing, bare_nothing)
        for size in range(min(n - 1, largest), max(shortest, 1) - 1, -1):
            for start in range(n - size + 1):
                end = start + size
                kept = kept_bad[end] == kept_bad[start] and _fits(
                    kept_count[end] - kept_count[start], self.longest, self._empty)
                bare = bare_bad[end] == bare_bad[start] and _fits(
                    bare_count[end] - bare_count[start], self.longest, self._empty)
                if kept or bare:
                    yield start, size

    def _word(self, word: str) -> _Word:
        found = self._words.get(word)
        if found is None:
            kept = normalize_for_matching(word).text
            bare = remove_skip_words(kept, self._skip_words, False)
            found = _Word(self._fits(kept), len(kept.split()), self._fits(bare),
                          len(bare.split()))
            if len(self._words) >= WORDS_REMEMBERED:
                self._words.clear()
            self._words[word] = found
        return found

    def _fits(self, text: str) -> bool:
        """Whether a template sentence can say each word of `text`."""
        return all(part in self._known or all(p in self._known for p in _BREAKS.split(part) if p)
                   for part in fold_case(text).split())


def _sums(values: Iterable[int]) -> list[int]:
    """Running totals, starting from 0."""
    return [0, *itertools.accumulate(values)]


def _fits(count: int, longest: int, empty: bool) -> bool:
    return count <= longest and (count > 0 or empty)
