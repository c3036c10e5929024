"""The command set as the final judge of what a free-form recogniser heard.

Whisper writes down whatever was said in the room, in everyday spelling, and slips on the
coach's own words ("calf grant", "stuff" for "stop"). Heard text is therefore not read
like typed text: in each listening context it must be close to one of the sentences the
recogniser would listen for there (the same templates, with the same `heard_in` limits,
that build the grammar recognisers' grammars), or it is nothing.

Closeness is measured twice, on the letters and on a sound key of each word (metaphone),
with the spaces taken out so split or joined words ("kefkranp", "hold on" / "holdon") do
not count against it; the better of the two wins. What the coach itself says in a context
(its count words, its instructions) competes as well: heard text closer to the coach's own
voice than to any command is the coach's own voice.

    judge = CommandJudge(matcher)
    verdict = judge.judge("Help, calf grant.", Context.IDLE)   # Verdict("help calf cramp", 91.2)
"""

from __future__ import annotations

import functools
import itertools
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

import jellyfish
from hassil import Intents
from hassil.expression import (
    Alternative,
    Expression,
    Group,
    ListReference,
    Permutation,
    RuleReference,
    TextChunk,
)
from hassil.sample import sample_expression
from rapidfuzz import fuzz, process

from voice.understand.matcher import IntentMatcher, heard_blocks, normalize
from voice.vocabulary import URGENT, Context, IntentName

SHORTEST_PER_TEMPLATE = 300
"""Most sentences taken from each template with its optional words left out."""
RANDOM_PER_TEMPLATE = 400
"""Sentences drawn at random (with a fixed seed) from each template's expansions: long
templates have millions, and hassil lists them in an order that varies the last word
first."""
EXACT_CONFIDENCE = 0.95
"""Heard text the matcher reads at least this surely (a whole template, perhaps after
dropping fillers, or a warning sign by its rules) is taken as it is, so the matcher's own
rules (negation, slots) apply..."""
RELATED_MIN = 60.0
"""...but short of a whole template, only when the whole of it is also this close to a
sentence of that intent: "the bins fell over" in a long sentence is not a fall."""


@dataclass(frozen=True)
class JudgeSettings:
    """How close heard text must be to a command."""

    min_score: float = 76.0
    """Least closeness (0..100) to the nearest command sentence."""
    min_score_short: float = 80.0
    """Least closeness when the nearest sentence is one word: short words are easily
    confused with each other ("on" / "gone")."""
    dropped_word: float = 4.0
    """What leaving out the first heard word costs in closeness."""
    own_margin: float = 0.0
    """Heard text this much closer (or more) to the coach's own voice than to a command is
    taken for the coach's own voice."""


@dataclass(frozen=True)
class Verdict:
    """What heard text was judged to be."""

    text: str
    """The command sentence it was read as ("" for nothing)."""
    score: float
    """Closeness to that sentence (0..100)."""
    why: str = ""
    """For nothing, why it is not a command, in a few words (for the log)."""


NOTHING = Verdict("", 0.0, "no words")


_SENTENCE_END = re.compile(r"[.?!]+\s*")


def without_repeats(transcript: str) -> str:
    """The transcript with sentences said again straight after themselves left out: in
    noise Whisper tends to write a short command out several times ("Stop. Stop. Stop.")."""
    kept: list[str] = []
    for sentence in _SENTENCE_END.split(transcript):
        if sentence.strip() and (not kept or normalize(sentence) != normalize(kept[-1])):
            kept.append(sentence.strip())
    return ". ".join(kept)


def _squeezed(text: str) -> str:
    return text.replace(" ", "")


@functools.lru_cache(maxsize=65536)
def sound_key(text: str) -> str:
    """The metaphone of each word of normalised `text`, run together."""
    return "".join(jellyfish.metaphone(word) for word in text.split())


SOUND_WEIGHT = 0.5
"""Share of the sound key in `closeness` (the rest is the letters)."""


def closeness(heard: str, sentence: str) -> float:
    """How alike two normalised texts are (0..100), on letters and on sounds together:
    sounds forgive misspelt domain words, letters keep apart words that merely share
    consonants ("right" / "ready")."""
    letters = fuzz.ratio(_squeezed(heard), _squeezed(sentence))
    sounds = fuzz.ratio(sound_key(heard), sound_key(sentence))
    return float(SOUND_WEIGHT * sounds + (1 - SOUND_WEIGHT) * letters)


@dataclass(frozen=True)
class _Keys:
    """Sentences with their letters and sound keys, ready for rapidfuzz."""

    sentences: list[str]
    intents: list[str]
    letters: list[str]
    sounds: list[str]

    @classmethod
    def of(cls, labelled: list[tuple[str, str]]) -> _Keys:
        """Keys of (intent, sentence) pairs."""
        sentences = [s for _, s in labelled]
        return cls(sentences, [i for i, _ in labelled], [_squeezed(s) for s in sentences],
                   [sound_key(s) for s in sentences])

    def nearest(self, heard: str, limit: int = 5) -> tuple[str, float] | None:
        """The sentence closest to `heard` and its closeness: the best few by letters and
        by sounds, each scored on both (`closeness`)."""
        picks: set[int] = set()
        for key, keys in ((_squeezed(heard), self.letters), (sound_key(heard), self.sounds)):
            found = process.extract(key, keys, scorer=fuzz.ratio, processor=None, limit=limit)
            picks.update(index for _, _, index in found)
        scored = [(closeness(heard, self.sentences[i]), self.sentences[i]) for i in picks]
        if not scored:
            return None
        score, sentence = max(scored)
        return sentence, score


def heard_sentences(matcher: IntentMatcher, context: Context) -> list[tuple[str, str]]:
    """(intent, sentence), normalised and each once, for sentences a recogniser listens for
    in `context`: of each template, its shortest forms and a fixed random draw."""
    intents = matcher.intents
    seen: dict[str, str] = {}
    normalised = functools.lru_cache(maxsize=None)(normalize)  # draws repeat themselves
    rng = random.Random(0)
    for name in matcher.contexts[context]:
        for block in heard_blocks(matcher, name, context):
            for sentence in block.sentences:
                shortest = sample_expression(sentence.expression, intents.slot_lists,
                                             intents.expansion_rules, skip_optionals=True)
                drawn = (_draw(sentence.expression, intents, rng)
                         for _ in range(RANDOM_PER_TEMPLATE))
                for text in itertools.chain(
                        itertools.islice(shortest, SHORTEST_PER_TEMPLATE), drawn):
                    seen.setdefault(normalised(text), name)
    return [(intent, text) for text, intent in seen.items() if text]


def _draw(expression: Expression, intents: Intents, rng: random.Random) -> str:
    """One expansion of a template expression, each choice made at random."""
    if isinstance(expression, TextChunk):
        return expression.original_text
    if isinstance(expression, Alternative):
        return _draw(rng.choice(expression.items), intents, rng)
    if isinstance(expression, Permutation):
        items = list(expression.items)
        rng.shuffle(items)
        return " ".join(_draw(item, intents, rng) for item in items)
    if isinstance(expression, Group):
        return "".join(_draw(item, intents, rng) for item in expression.items)
    if isinstance(expression, ListReference):
        values = getattr(intents.slot_lists.get(expression.list_name), "values", [])
        return _draw(rng.choice(values).text_in, intents, rng) if values else ""
    if isinstance(expression, RuleReference):
        rule = intents.expansion_rules.get(expression.rule_name)
        return _draw(rule.expression, intents, rng) if rule is not None else ""
    return ""


class CommandJudge:
    """Reads a free-form transcript as one of a context's commands, or as nothing."""

    def __init__(self, matcher: IntentMatcher, settings: JudgeSettings | None = None) -> None:
        self.matcher = matcher
        self.settings = settings or JudgeSettings()
        self._commands = {ctx: _Keys.of(heard_sentences(matcher, ctx))
                          for ctx in matcher.contexts}
        self._by_intent: dict[tuple[str, str], _Keys] = {}
        self._own = {ctx: _Keys.of([("own", normalize(line)) for line in lines])
                     for ctx, lines in matcher.own_speech.items()}

    def sentences(self, context: Context) -> Sequence[tuple[str, str]]:
        """(intent, sentence) for the command sentences of `context`, normalised."""
        keys = self._commands[context]
        return list(zip(keys.intents, keys.sentences, strict=True))

    def judge(self, transcript: str, context: Context) -> Verdict:
        """The command `transcript` is read as in `context`, or `NOTHING`."""
        heard = normalize(without_repeats(transcript))
        if not heard:
            return NOTHING
        intent = self.matcher.parse(heard, context)
        if intent.name != IntentName.NONE and intent.confidence >= EXACT_CONFIDENCE and (
                intent.confidence >= 1.0 or self._related(heard, context, intent.name)):
            if self._own_voice(heard, context, 100.0):
                return Verdict("", 0.0, "the coach's own words")
            return Verdict(heard, 100.0)
        nearest = self.nearest(heard, context)
        if nearest is None:
            return Verdict("", 0.0, f"no command in {context}")
        sentence, score = nearest
        floor = (self.settings.min_score_short if " " not in sentence
                 else self.settings.min_score)
        if score < floor:
            return Verdict("", 0.0, f"nearest {sentence!r} {score:.0f} < {floor:.0f}")
        if self._own_voice(heard, context, score):
            return Verdict("", 0.0, f"nearer the coach's own words than {sentence!r}")
        if self._sign_negated(heard, sentence, context):
            return Verdict("", 0.0, f"{sentence!r} said negated")
        return Verdict(sentence, score)

    def nearest(self, heard: str, context: Context) -> tuple[str, float] | None:
        """The closest command sentence of `context` and its closeness; the heard text
        without its first word counts too, a little less ("help, ..." before a request
        whose sentences are listed mostly without it)."""
        keys = self._commands[context]
        found = keys.nearest(heard)
        words = heard.split()
        if len(words) > 2:
            rest = keys.nearest(" ".join(words[1:]))
            if rest is not None and (found is None
                                     or rest[1] - self.settings.dropped_word > found[1]):
                found = (rest[0], rest[1] - self.settings.dropped_word)
        return found

    def _related(self, heard: str, context: Context, intent: str) -> bool:
        """Whether `heard` as a whole is close to some sentence of `intent` (a cramp's
        length, said of the cramp, has no sentence: the rules alone decide it)."""
        if intent in URGENT and self.matcher.safety.find(heard.split()).sign == "duration":
            return True
        found = self._of_intent(context, intent).nearest(heard)
        return found is not None and found[1] >= RELATED_MIN

    def _of_intent(self, context: Context, intent: str) -> _Keys:
        """The keys of one intent's sentences in `context`, made once."""
        key = (context, intent)
        if key not in self._by_intent:
            keys = self._commands[context]
            self._by_intent[key] = _Keys.of(
                [(i, s) for i, s in zip(keys.intents, keys.sentences, strict=True)
                 if i == intent])
        return self._by_intent[key]

    def _sign_negated(self, heard: str, sentence: str, context: Context) -> bool:
        """A warning-sign sentence read from heard text whose sign was negated or passed."""
        if self.matcher.parse(sentence, context).name not in URGENT:
            return False
        return self.matcher.safety.find(heard.split()).cancelled

    def _own_voice(self, heard: str, context: Context, score: float) -> bool:
        own = self._own.get(context)
        if not own:
            return False
        found = own.nearest(heard)
        return found is not None and found[1] >= score + self.settings.own_margin
