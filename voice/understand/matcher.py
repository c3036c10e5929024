"""Text → intent: hassil templates first, then a fuzzy fallback for near misses.

The same templates (content/intents.yaml) build the recognisers' grammars, so what can be
heard and what can be understood come from one source.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from hassil import Intents, recognize_all
from hassil.intents import IntentData
from hassil.sample import sample_expression
from rapidfuzz import fuzz, process

from voice.content.schema import Content, Templates, WaitForMore
from voice.understand.reach import TemplateReach
from voice.understand.safety import SafetyRules
from voice.vocabulary import INTENT_NAMES, MUSCLES, OTHER_MUSCLE, URGENT, Context, IntentName

__all__ = ["URGENT", "Intent", "IntentMatcher", "WaitForMore", "normalize"]

PRIORITY = URGENT + tuple(n for n in INTENT_NAMES if n not in URGENT)
"""When several intents match, the first in this order wins: an emergency beats a warning
sign, and a warning sign beats all else."""

EXACT_CONFIDENCE = 1.0
"""Confidence of a whole-sentence template match."""
WORD_FIX_MIN = 72.0
"""Least similarity (0..100) for replacing an unknown word with a known one."""
URGENT_FIX_MIN = 85.0
"""Least similarity (0..100) for a replaced word to make a warning sign ("swolen", not
"hell" for "fell")."""
SENTENCE_MIN = 86.0
"""Least similarity (0..100) for a near miss to count as the sentence it resembles."""
NONE_CONFIDENCE_CAP = 0.3
"""`none` answers never claim more confidence than this."""
SPAN_MIN_COVERAGE = 0.5
"""A matching part of a longer utterance must hold at least this share of its words."""
KEYWORD_CONFIDENCE = 0.7
"""Confidence of an intent found by its keywords alone."""
RULE_CONFIDENCE = 0.95
"""Confidence of an emergency, a warning sign or a medicine question found by the rules."""
SAMPLES_PER_TEMPLATE = 400
"""How many sentences of each template the fuzzy fallback compares against."""


@dataclass(frozen=True)
class Intent:
    """What an utterance means."""

    name: str
    """Intent name of docs/cli.md (`none` when nothing matched)."""
    slots: Mapping[str, str] = field(default_factory=dict)
    """Slot values, e.g. {"muscle": "calf", "side": "left"}."""
    confidence: float = 1.0
    """How sure the matcher is, 0..1."""
    text: str = ""
    """The utterance as given."""

    def to_json(self) -> dict[str, Any]:
        """The `parse` object of docs/cli.md."""
        return {"text": self.text, "intent": self.name, "slots": dict(self.slots),
                "confidence": round(self.confidence, 3)}


_PUNCT = re.compile(r"[^\w\s']+")
_SPACE = re.compile(r"\s+")


_KEEP_S = {"it's", "that's", "there's", "what's", "let's", "he's", "she's", "who's", "here's",
           "where's", "how's", "whats", "lets"}
"""Contractions the templates spell out; any other word's 's is read as ' is'."""


def normalize(text: str) -> str:
    """Lower case, plain apostrophes, no punctuation, single spaces, no stutters."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    words = []
    for word in _SPACE.sub(" ", _PUNCT.sub(" ", text)).split():
        word = word.strip("'")
        if word.endswith("'s") and word not in _KEEP_S:
            words.extend([word[:-2], "is"])
        elif word and (not words or word != words[-1]):
            words.append(word)
    return " ".join(words)


def _contains(text: str, phrase: str) -> bool:
    """Whether `phrase` occurs in `text` as whole words."""
    return f" {phrase} " in f" {text} "


class IntentMatcher:
    """Finds the intent of an utterance, optionally within a listening context."""

    def __init__(self, content: Content) -> None:
        spec = content.intents
        self._templates = spec.templates
        self._intents = Intents.from_dict(spec.templates.hassil_dict())
        self._skip_words = list(spec.skip_words)
        self._reach = TemplateReach(self._intents, self._skip_words)
        """Which texts a template might match: no other is tried."""
        self.safety = SafetyRules(spec.safety)
        """Warning signs and emergencies said any way, negation and all."""
        self._medicine = tuple(normalize(w) for w in spec.medicine_words)
        self.contexts: dict[Context, tuple[str, ...]] = dict(spec.contexts)
        self.own_speech: dict[Context, tuple[str, ...]] = content.own_speech
        """What the coach itself says while listening in each context (for recognisers)."""
        self.hush_early: dict[str, frozenset[str]] = {
            name: frozenset(normalize(w) for w in words)
            for name, words in spec.hush_early.items()}
        """Intents that silence the speaker as soon as the recogniser's running guess is one
        of them holding one of these words, before the utterance has ended."""
        self.wait_for_more = spec.wait_for_more
        """Intents that, heard alone, wait for more words before they are answered."""
        self._keywords = [(intent, tuple(normalize(w) for w in words))
                          for intent, words in spec.keywords]
        self._slot_words = {name: self._list_phrases(name) for name in ("side", "muscle")}
        self._fillers = {tuple(normalize(w).split()) for w in spec.leading_fillers}
        self._negators = {normalize(w) for w in spec.negation.words}
        self._negated = dict(spec.negation.flips)
        self.leading_commands: tuple[tuple[str, ...], ...] = tuple(sorted(
            (tuple(normalize(c).split()) for c in spec.leading_commands),
            key=len, reverse=True))
        """Commands that count even when more words follow them, as words, longest first."""
        self.spotted: dict[Context, tuple[str, ...]] = {
            ctx: tuple(normalize(p) for p in phrases) for ctx, phrases in spec.spotted.items()}
        """Listening context → phrases a keyword spotter listens for there."""
        self.heard_prompts: dict[Context, str] = dict(spec.heard_prompts)
        """Listening context → text a free-form recogniser is told was said just before."""
        self._hints = [(normalize(p), m) for p, m in spec.muscle_hints.items()]
        self._elsewhere = tuple(normalize(w) for w in spec.not_a_leg)

    def _list_phrases(self, name: str) -> list[tuple[str, str]]:
        """(phrase, value) for every way a slot list's values can be said, longest first."""
        slot_list = self._intents.slot_lists.get(name)
        phrases = {normalize(text): str(value.value_out)
                   for value in getattr(slot_list, "values", [])
                   for text in sample_expression(value.text_in)}
        return sorted(phrases.items(), key=lambda item: -len(item[0]))

    @property
    def intents(self) -> Intents:
        """The hassil templates (for building recogniser grammars)."""
        return self._intents

    @property
    def longest_sentence(self) -> int | None:
        """The most words a template sentence has (None: not known)."""
        return self._reach.longest

    @property
    def templates(self) -> Templates:
        """The templates as the content gives them (which block is heard where)."""
        return self._templates

    @cached_property
    def _samples(self) -> list[tuple[str, str]]:
        """Sentences the templates allow, as (intent, normalised text), up to
        `SAMPLES_PER_TEMPLATE` from each template so every template is represented:
        sampled from the templates parsed once, in file order."""
        seen: dict[str, str] = {}
        parsed = self._intents
        for name, intent in parsed.intents.items():
            for block in intent.data:
                for template in block.sentences:
                    for text in itertools.islice(sample_expression(
                            template.expression, parsed.slot_lists, parsed.expansion_rules),
                            SAMPLES_PER_TEMPLATE):
                        seen.setdefault(normalize(text), name)
        return [(intent, text) for text, intent in seen.items()]

    @cached_property
    def _longest_first(self) -> list[tuple[str, str]]:
        """`_samples`, longest first."""
        return sorted(self._samples, key=lambda sample: -len(sample[1]))

    def _likeness(self, norm: str, allowed: set[str]) -> float:
        """How alike the sentence most like a text longer than every sentence is: the
        longest first, as none shorter can be more alike than it may be by length."""
        best = 0.0
        for intent, sentence in self._longest_first:
            if intent not in allowed:
                continue
            if _most_alike(norm, len(sentence)) < best:
                break
            best = max(best, fuzz.ratio(norm, sentence))
        return best

    @cached_property
    def _vocabulary(self) -> list[str]:
        words = {w for _, text in self._samples for w in text.split()}
        return sorted(words | set(self._skip_words))

    def sentences(self, context: Context | None = None) -> list[str]:
        """Every sentence the templates allow within a context (all when None)."""
        allowed = self._allowed(context)
        return [text for intent, text in self._samples if intent in allowed]

    def _allowed(self, context: Context | None) -> set[str]:
        if context is None:
            return set(INTENT_NAMES)
        return set(self.contexts.get(context, INTENT_NAMES))

    def _exact(self, text: str, allowed: set[str]) -> tuple[str, dict[str, str]] | None:
        if not self._reach.could_match(text.split()):
            return None
        best: tuple[int, str, dict[str, str]] | None = None
        for result in recognize_all(text, self._intents, skip_words=self._skip_words):
            name = result.intent.name
            if name not in allowed:
                continue
            rank = PRIORITY.index(name)
            if best is None or rank < best[0]:
                slots = {k: str(v.value) for k, v in result.entities.items()}
                best = (rank, name, slots)
        return (best[1], best[2]) if best else None

    def _fix_words(self, text: str) -> tuple[str, float]:
        """Replace unknown words with the most similar known ones; returns the worst score."""
        vocab = self._vocabulary
        known = set(vocab)
        worst = 100.0
        words = []
        fixes: dict[str, tuple[str, float]] = {}  # a word said again is looked up once
        for word in text.split():
            if word in known or len(word) < 3:
                words.append(word)
                continue
            if word not in fixes:
                match = process.extractOne(word, vocab, scorer=fuzz.ratio,
                                           score_cutoff=WORD_FIX_MIN)
                if match is None:
                    return text, 0.0
                fixes[word] = match[0], float(match[1])
            fixed, score = fixes[word]
            words.append(fixed)
            worst = min(worst, score)
        return " ".join(words), worst

    def _urgent(self, norm: str, allowed: set[str]) -> tuple[str | None, set[str]]:
        """An emergency or warning sign the rules find, and what else may be read: a sign
        said only negated or passed may not be read as one by any later stage."""
        found = self.safety.find(norm.split())
        if found.intent is not None and found.intent in allowed:
            return found.intent, allowed
        if found.cancelled:
            return None, allowed - set(URGENT)
        return None, allowed

    def _medicine_question(self, norm: str, allowed: set[str]) -> bool:
        """A medicine, supplement or painkiller named, and no doctor asked about."""
        if IntentName.MEDICINE not in allowed or not any(_contains(norm, w) for w in self._medicine):
            return False
        doctor = next((words for intent, words in self._keywords if intent == IntentName.DOCTOR), ())
        return not any(_contains(norm, w) for w in doctor)

    def _drop_fillers(self, words: list[str]) -> list[str]:
        """Drop acknowledgements and politeness from the start ("okay, could you ...")."""
        start, changed = 0, True
        while changed:
            changed = False
            for filler in self._fillers:
                size = len(filler)
                if len(words) - start > size and tuple(words[start:start + size]) == filler:
                    start, changed = start + size, True
        return words[start:]

    def _span(self, words: list[str], allowed: set[str]) -> tuple[str, dict[str, str], float] | None:
        """The longest run of words that is a whole template sentence."""
        n = len(words)
        for start, size in self._reach.spans(words, math.ceil(n * SPAN_MIN_COVERAGE)):
            found = self._exact(" ".join(words[start:start + size]), allowed)
            # A muscle not coached answers "which muscle?"; a sentence that says it is
            # cramping is about a cramp elsewhere ("my stomach is cramping"). A muscle named
            # in a longer sentence that says no cramp is not one ("my feet are cold").
            if found is not None and found[0] == IntentName.CRAMP and size < n \
                    and found[1].get("muscle") in MUSCLES and not self._says_cramp(words) \
                    and "help" not in words:
                continue
            if found is not None and not (found[1].get("muscle") == OTHER_MUSCLE
                                          and self._says_cramp(words)):
                return found[0], found[1], size / n
        return None

    def _says_cramp(self, words: list[str]) -> bool:
        """Whether one of the `cramp` keywords is among the words."""
        text = " ".join(words)
        cramp = next((w for intent, w in self._keywords if intent == IntentName.CRAMP), ())
        return any(_contains(text, w) for w in cramp)

    def _keyword(self, text: str, allowed: set[str]) -> str | None:
        """The first intent (in file order) one of whose keywords the text holds."""
        singular = " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in text.split())
        for intent, words in self._keywords:
            if intent in allowed and any(_contains(text, w) or _contains(singular, w)
                                         for w in words):
                if intent == IntentName.CRAMP and any(_contains(text, w) for w in self._elsewhere):
                    return None
                if intent in self._negated and any(w in self._negators for w in text.split()):
                    return self._negated[intent]
                return intent
        return None

    def _fill_slots(self, name: str, slots: Mapping[str, str], text: str) -> dict[str, str]:
        """Add a cramp's muscle and side when they were said outside the matched part."""
        filled = dict(slots)
        if name != IntentName.CRAMP:
            return filled
        for slot, phrases in self._slot_words.items():
            found = next(((p, v) for p, v in phrases if _contains(text, p)), None)
            if found is not None:
                filled.setdefault(slot, found[1])
                text = f" {text} ".replace(f" {found[0]} ", " ").strip()
        if "muscle" not in filled:
            hint = next((m for p, m in self._hints if _contains(text, p)), None)
            if hint is not None:
                filled["muscle"] = hint
        return filled

    def hushes(self, intent: Intent) -> bool:
        """Whether a running guess read as `intent` silences the speaker (`hush_early`)."""
        words = self.hush_early.get(intent.name, frozenset())
        return not words.isdisjoint(normalize(intent.text).split())

    def parse(self, text: str, context: Context | None = None) -> Intent:
        """The intent of one utterance: the first of these stages that finds one wins."""
        norm = normalize(text)
        allowed = self._allowed(context)
        if not norm:
            return Intent(IntentName.NONE, {}, 0.0, text)
        urgent, allowed = self._urgent(norm, allowed)
        if urgent is not None:
            return Intent(urgent, {}, RULE_CONFIDENCE, text)
        found = self._find(norm, allowed)
        if found is None:
            return self._nearest(norm, allowed - set(URGENT), text)
        name, slots, confidence = found
        if context == Context.IDLE and name == IntentName.BETTER and "muscle" in slots:
            # With no cramp to ease, "my hamstring's gone" is one (gone: seized).
            name = IntentName.CRAMP
        return Intent(name, self._fill_slots(name, slots, norm), round(confidence, 3), text)

    def _find(self, norm: str, allowed: set[str]) -> tuple[str, dict[str, str], float] | None:
        if self._medicine_question(norm, allowed):
            return IntentName.MEDICINE, {}, RULE_CONFIDENCE
        exact = self._exact(norm, allowed)
        if exact is not None:
            return exact[0], exact[1], EXACT_CONFIDENCE
        words = [w for w in norm.split() if w not in self._skip_words] or norm.split()
        words = self._drop_fillers(words)
        if len(words) < len(norm.split()):
            exact = self._exact(" ".join(words), allowed)
            if exact is not None:
                return exact[0], exact[1], 0.95
        # Below, only part of what was said is matched, or words are guessed: a warning sign
        # is what the rules find in the whole utterance, not a template inside part of it
        # ("I fell" in "I fell asleep reading").
        fixed, score = self._fix_words(norm)
        if fixed != norm and score >= URGENT_FIX_MIN:
            urgent, _ = self._urgent(fixed, allowed)
            if urgent is not None:
                return urgent, {}, 0.9 * score / 100
        allowed = allowed - set(URGENT)
        if fixed != norm and score > 0:
            exact = self._exact(fixed, allowed)
            if exact is not None:
                return exact[0], exact[1], 0.9 * score / 100
        lead = next((c for c in self.leading_commands if tuple(words[:len(c)]) == c), None)
        if lead is not None:
            exact = self._exact(" ".join(lead), allowed)
            if exact is not None:
                return exact[0], exact[1], 0.85
        span = self._span(words, allowed)
        if span is not None:
            name = span[0]
            if name in self._negated and any(w in self._negators for w in words):
                name = self._negated[name]
            return name, span[1], 0.6 + 0.3 * span[2]
        keyword = self._keyword(norm, allowed)
        if keyword is not None:
            return keyword, {}, KEYWORD_CONFIDENCE
        return None

    def _nearest(self, norm: str, allowed: set[str], text: str) -> Intent:
        candidates = [(i, s) for i, s in self._samples if i in allowed]
        if len(norm) < 5 or not candidates:
            return Intent(IntentName.NONE, {}, 0.0, text)
        longest = max(len(s) for _, s in candidates)
        if len(norm) > longest and _most_alike(norm, longest) < SENTENCE_MIN:
            score = self._likeness(norm, allowed)
            return Intent(IntentName.NONE, {}, round(min(NONE_CONFIDENCE_CAP, score / 300), 3), text)
        match = process.extractOne(norm, [s for _, s in candidates], scorer=fuzz.ratio)
        if match is None:
            return Intent(IntentName.NONE, {}, 0.0, text)
        sentence, score, index = match
        if score < SENTENCE_MIN:
            return Intent(IntentName.NONE, {}, round(min(NONE_CONFIDENCE_CAP, score / 300), 3), text)
        exact = self._exact(sentence, allowed)
        name, slots = exact if exact else (candidates[index][0], {})
        return Intent(name, slots, round(0.9 * score / 100, 3), text)


def _most_alike(text: str, length: int) -> float:
    """The most `fuzz.ratio` can give `text` against a sentence of `length` characters."""
    return 100.0 * (1.0 - abs(len(text) - length) / (len(text) + length))


def heard_blocks(matcher: IntentMatcher, intent: str, context: Context) -> list[IntentData]:
    """The sentence blocks of `intent` that a recogniser listens for in `context`.

    A block with `metadata: {heard_in: [...]}` is heard only in those contexts: a bare
    "left foot" answers "which muscle?", but said while idle it is far more often
    sleep-talk or a misheard word than a cramp, and a false start wakes the house. Typed
    text is read with every block.
    """
    parsed = matcher.intents.intents[intent].data
    typed = matcher.templates.intents[intent]
    return [data for data, block in zip(parsed, typed, strict=True)
            if block.heard_in is None or context in block.heard_in]
