"""Recogniser grammars from the hassil templates: JSGF for PocketSphinx, phrase lists for Vosk.

The templates in content/intents.yaml are walked as an expression tree (sequences,
alternatives, optionals, `<rules>` and `{lists}`), never enumerated: they allow millions
of sentences. Each listening context gets one grammar holding only that context's intents.

Words are checked against the pronunciation dictionary. A word the dictionary lacks gets a
pronunciation derived from words it has ("ive" from "i've", "spasming" from "spasm" +
-ing, "dvt" spelt out as letters); the word keeps its template spelling, so what the
recogniser outputs is what the intent matcher expects. Words with no derivable
pronunciation are left out of the grammar and reported in `ContextGrammar.dropped`.
"""

from __future__ import annotations

import functools
import itertools
import random
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hassil import Intents
from hassil.expression import (
    Alternative,
    Expression,
    Group,
    ListReference,
    Permutation,
    RuleReference,
    Sequence,
    TextChunk,
)
from hassil.intents import TextSlotList
from hassil.sample import sample_expression

from voice.errors import BadInput
from voice.understand.matcher import IntentMatcher, heard_blocks
from voice.vocabulary import Context

GLUE_EXPANSION_CAP = 64
"""Most strings enumerated where two template parts join inside a word ("i('m| am)")."""

TOP_RULE = "command"
"""Name of the public JSGF rule of every context grammar."""

_JSGF_NAME = re.compile(r"[^A-Za-z0-9_]")
_VOWELS = set("aeiouy")

Phones = tuple[str, ...]
"""A pronunciation: ARPAbet phones, e.g. ("S", "T", "AA", "P")."""


def default_dictionary_path() -> Path:
    """The US-English pronunciation dictionary inside the `pocketsphinx` package."""
    import pocketsphinx

    return Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"


@functools.lru_cache(maxsize=4)
def load_dictionary(path: Path | None = None) -> Mapping[str, Phones]:
    """Word → first pronunciation, from a CMU-format dictionary (`word(2)` variants skipped)."""
    entries: dict[str, str] = {}
    with (path or default_dictionary_path()).open(encoding="utf-8") as lines:
        for line in lines:
            parts = line.split(maxsplit=1)
            if len(parts) == 2 and not parts[0].endswith(")"):
                entries.setdefault(parts[0], parts[1])
    return _Pronunciations(entries)


class _Pronunciations(Mapping[str, Phones]):
    """Word → phones, kept as the file's text and split only for the words asked for:
    most of the 135,000 never are, and unsplit they take a third of the memory and time."""

    def __init__(self, entries: dict[str, str]) -> None:
        self._entries = entries

    def __getitem__(self, word: str) -> Phones:
        return tuple(self._entries[word].split())

    def __contains__(self, word: object) -> bool:
        return word in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


def forget_dictionary() -> None:
    """Drop the loaded dictionaries (the next `load_dictionary` reads the file again) and
    give their memory back to the system."""
    import gc

    from voice.memory import release_free_memory

    load_dictionary.cache_clear()
    gc.collect()
    release_free_memory()


@dataclass(frozen=True)
class ContextGrammar:
    """What a recogniser may hear in one listening context."""

    context: Context
    """Listening context (`idle`, `count`, `question`)."""
    intents: tuple[str, ...]
    """Intents whose sentences the grammar holds."""
    jsgf: str
    """JSGF V1.0 grammar text; the public rule is `<command>`."""
    words: frozenset[str]
    """Every word the grammar can produce (template spelling)."""
    added: Mapping[str, Phones]
    """Words the dictionary lacks, with the pronunciation derived for them."""
    dropped: tuple[str, ...]
    """Template words with no pronunciation; the grammar leaves them out."""
    single_words: frozenset[str] = frozenset()
    """Words that are a whole command on their own ("stop", "yes")."""
    own_words: Mapping[str, Phones] = field(default_factory=dict)
    """Words of what the coach itself says while listening in this context (its count, its
    instructions), with their pronunciations: heard from the speaker, they are the coach's
    own voice."""
    own_alone: frozenset[str] = frozenset()
    """Those of `own_words` the coach says as a line of their own (its count words)."""
    leading: tuple[tuple[str, ...], ...] = ()
    """Commands that count even when more words follow them ("stop", "hold on"), as words:
    a command that begins with one is worth hearing at once."""
    spotted: tuple[str, ...] = ()
    """Phrases a keyword spotter listens for in this context when the grammar hears no
    command ("stop"); each is a command of the context."""


def pronounce(word: str, dictionary: Mapping[str, Phones]) -> Phones | None:
    """A pronunciation for `word`: the dictionary's, or one derived from dictionary words."""
    if word in dictionary:
        return dictionary[word]
    for derive in (_apostrophe_variant, _letters, _squeezed, _suffix_variant, _compound):
        phones = derive(word, dictionary)
        if phones:
            return phones
    return None


def _apostrophe_variant(word: str, dictionary: Mapping[str, Phones]) -> Phones | None:
    """"ive" → "i've", "whats" → "what's", "lets'" → "lets"."""
    bare = word.replace("'", "")
    if bare != word and bare in dictionary:
        return dictionary[bare]
    for i in range(1, len(bare)):
        spelt = bare[:i] + "'" + bare[i:]
        if spelt in dictionary:
            return dictionary[spelt]
    return None


_SUFFIXES = (("ing", ("IH", "NG")), ("es", ("IH", "Z")), ("s", ("Z",)), ("ed", ("D",)),
             ("er", ("ER",)), ("y", ("IY",)))


def _suffix_variant(word: str, dictionary: Mapping[str, Phones]) -> Phones | None:
    """"spasming" → "spasm" + -ing, "insoles" → "insole" + -s, "quadricep" → "quadriceps" − s."""
    for suffix, phones in _SUFFIXES:
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and len(stem) >= 3:
            for base in (stem, stem + "e", stem[:-1] if stem[-1:] == stem[-2:-1] else ""):
                if base in dictionary:
                    return dictionary[base] + phones
    plural = dictionary.get(word + "s")
    if plural and plural[-1] in ("S", "Z"):
        return plural[:-1]
    return None


def _squeezed(word: str, dictionary: Mapping[str, Phones]) -> Phones | None:
    """Interjections written with a doubled letter: "aah" → "ah", "ahh" → "ah"."""
    squeezed = re.sub(r"(.)\1+", r"\1", word)
    return dictionary.get(squeezed) if squeezed != word else None


def _letters(word: str, dictionary: Mapping[str, Phones]) -> Phones | None:
    """Abbreviations without vowels are spelt out: "dvt" → D-V-T, "gp" → G-P."""
    if len(word) > 4 or not word.isalpha() or set(word) & _VOWELS:
        return None
    phones: list[str] = []
    for letter in word:
        spelt = dictionary.get(letter)
        if spelt is None:
            return None
        phones.extend(spelt)
    return tuple(phones)


def _compound(word: str, dictionary: Mapping[str, Phones]) -> Phones | None:
    """Two dictionary words run together: "instep" → "in" + "step" (longest first part)."""
    for i in range(len(word) - 2, 1, -1):
        head, tail = word[:i], word[i:]
        if head in dictionary and tail in dictionary and len(tail) >= 2:
            return dictionary[head] + dictionary[tail]
    return None


class _Writer:
    """Turns hassil expressions into JSGF, one rule per `<rule>` and `{list}` used."""

    def __init__(self, intents: Intents, dictionary: Mapping[str, Phones]) -> None:
        self._intents = intents
        self._dictionary = dictionary
        self.rules: dict[str, str | None] = {}
        self.words: set[str] = set()
        self.added: dict[str, Phones] = {}
        self.dropped: set[str] = set()

    # ---- words -------------------------------------------------------------------------

    def _word(self, word: str) -> str | None:
        """The word as a JSGF token, or None when it cannot be pronounced."""
        if word in self.words:
            return word
        phones = pronounce(word, self._dictionary)
        if phones is None:
            self.dropped.add(word)
            return None
        if word not in self._dictionary:
            self.added[word] = phones
        self.words.add(word)
        return word

    def _words(self, text: str) -> str | None:
        tokens = [self._word(w) for w in tokens_of(text)]
        kept = [t for t in tokens if t]
        return " ".join(kept) if kept else None

    # ---- expressions -------------------------------------------------------------------

    def expression(self, expr: Expression) -> str | None:
        """JSGF for `expr`; None when it can only be empty."""
        if isinstance(expr, TextChunk):
            return self._words(expr.text)
        if isinstance(expr, Alternative):
            return self._alternative(expr.items, expr.is_optional)
        if isinstance(expr, Permutation):
            orders = [Sequence(items=list(p)) for p in itertools.permutations(expr.items)]
            return self._alternative(orders, False)
        if isinstance(expr, Sequence):
            return self._sequence(expr.items)
        if isinstance(expr, RuleReference):
            return self._reference("rule", expr.rule_name)
        if isinstance(expr, ListReference):
            return self._reference("list", expr.list_name)
        raise ValueError(f"unsupported template part: {expr!r}")

    def _alternative(self, items: Iterable[Expression], optional: bool) -> str | None:
        parts: list[str] = []
        for item in items:
            text = self.expression(item)
            if text is None:
                optional = True
            elif text not in parts:
                parts.append(text)
        if not parts:
            return None
        body = " | ".join(parts)
        if optional:
            return f"[ {body} ]"
        return f"( {body} )" if len(parts) > 1 else parts[0]

    def _sequence(self, items: list[Expression]) -> str | None:
        parts: list[str] = []
        for item in self._glued(items):
            text = self.expression(item)
            if text is not None:
                parts.append(text if len(items) == 1 else _grouped(text))
        return " ".join(parts) if parts else None

    def _reference(self, kind: str, name: str) -> str | None:
        rule = f"{kind}_{_JSGF_NAME.sub('_', name)}"
        if rule not in self.rules:
            self.rules[rule] = None  # placeholder against recursion
            self.rules[rule] = self._rule_body(kind, name)
        return f"<{rule}>" if self.rules[rule] is not None else None

    def _rule_body(self, kind: str, name: str) -> str | None:
        if kind == "rule":
            rule = self._intents.expansion_rules.get(name)
            if rule is None:
                raise ValueError(f"template uses unknown rule <{name}>")
            return self.expression(rule.expression)
        slot_list = self._intents.slot_lists.get(name)
        if not isinstance(slot_list, TextSlotList):
            raise TypeError(f"template uses {{{name}}}, which is not a list of words")
        return self._alternative([value.text_in for value in slot_list.values], False)

    # ---- one-word sentences -------------------------------------------------------------

    def single_words(self, sentences: Iterable[Expression]) -> set[str]:
        """Words any of `sentences` can be on its own."""
        return {ws[0] for expr in sentences for ws in self._short(expr) if len(ws) == 1}

    def _short(self, expr: Expression, depth: int = 0) -> set[tuple[str, ...]]:
        """Every way `expr` can be said in at most one word (() for nothing)."""
        if depth > 24:
            return set()
        if isinstance(expr, TextChunk):
            words = tuple(tokens_of(expr.text))
            return {words} if len(words) <= 1 else set()
        if isinstance(expr, RuleReference):
            rule = self._intents.expansion_rules.get(expr.rule_name)
            return self._short(rule.expression, depth + 1) if rule else set()
        if isinstance(expr, ListReference):
            slot_list = self._intents.slot_lists.get(expr.list_name)
            values = getattr(slot_list, "values", [])
            return {w for v in values for w in self._short(v.text_in, depth + 1)}
        if isinstance(expr, Alternative):
            found = {w for item in expr.items for w in self._short(item, depth + 1)}
            return found | {()} if expr.is_optional else found
        if isinstance(expr, Group):
            done: set[tuple[str, ...]] = {()}
            for item in expr.items:
                parts = self._short(item, depth + 1)
                done = {a + b for a in done for b in parts if len(a + b) <= 1}
                if not done:
                    break
            return done
        return set()

    # ---- parts that join inside one word -----------------------------------------------

    def _glued(self, items: list[Expression]) -> list[Expression]:
        """`items` with every pair that joins inside a word ("i" + "'m") spelt out."""
        out: list[Expression] = []
        for item in items:
            if out and "w" in self._edges(out[-1])[1] and "w" in self._edges(item)[0]:
                joined = self._join(out[-1], item)
                if joined is not None:
                    out[-1] = joined
                    continue
            out.append(item)
        return out

    def _join(self, left: Expression, right: Expression) -> Expression | None:
        """Both parts enumerated and concatenated, when that is small enough."""
        lefts = list(itertools.islice(self._samples(left), GLUE_EXPANSION_CAP + 1))
        rights = list(itertools.islice(self._samples(right), GLUE_EXPANSION_CAP + 1))
        if len(lefts) * len(rights) > GLUE_EXPANSION_CAP:
            return None
        texts = dict.fromkeys(a + b for a in lefts for b in rights)
        return Alternative(items=[TextChunk(text=t) for t in texts])

    def _samples(self, expr: Expression) -> Iterable[str]:
        return sample_expression(expr, self._intents.slot_lists, self._intents.expansion_rules)

    def _edges(self, expr: Expression) -> tuple[frozenset[str], frozenset[str]]:
        """What can come first and last: "w" word character, "s" space, "e" nothing."""
        if isinstance(expr, TextChunk):
            if not expr.text:
                return frozenset("e"), frozenset("e")
            return _kind(expr.text[0]), _kind(expr.text[-1])
        if isinstance(expr, RuleReference):
            rule = self._intents.expansion_rules.get(expr.rule_name)
            return self._edges(rule.expression) if rule else (frozenset("e"), frozenset("e"))
        if isinstance(expr, ListReference):
            slot_list = self._intents.slot_lists.get(expr.list_name)
            values = getattr(slot_list, "values", [])
            return self._union([v.text_in for v in values], False)
        if isinstance(expr, Alternative):
            return self._union(expr.items, expr.is_optional)
        if isinstance(expr, Group):
            return self._sequence_edges(expr.items)
        return frozenset("e"), frozenset("e")

    def _union(self, items: Iterable[Expression], optional: bool) -> tuple[frozenset[str],
                                                                           frozenset[str]]:
        firsts: set[str] = {"e"} if optional else set()
        lasts: set[str] = set(firsts)
        for item in items:
            first, last = self._edges(item)
            firsts |= first
            lasts |= last
        return frozenset(firsts), frozenset(lasts)

    def _sequence_edges(self, items: list[Expression]) -> tuple[frozenset[str], frozenset[str]]:
        def scan(order: Iterable[Expression], side: int) -> frozenset[str]:
            seen: set[str] = set()
            for item in order:
                edge = self._edges(item)[side]
                seen |= edge - {"e"}
                if "e" not in edge:
                    return frozenset(seen)
            return frozenset(seen | {"e"})

        return scan(items, 0), scan(reversed(items), 1)


_NOT_WORD = re.compile(r"[^\w\s']+")


def tokens_of(text: str) -> list[str]:
    """The words of a template chunk: lower case, punctuation gone, a clitic on its own
    ("'s" after a space) left out, since it is said as part of the word before it."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    words = (w.rstrip("'") for w in _NOT_WORD.sub(" ", text).split())
    return [w for w in words if w and not w.startswith("'")]


def _kind(char: str) -> frozenset[str]:
    return frozenset("s") if char.isspace() else frozenset("w")


def _grouped(text: str) -> str:
    """`text` safe to place in a sequence (alternatives get parentheses)."""
    if "|" not in text or (text[0] in "([" and _balanced_outer(text)):
        return text
    return f"( {text} )"


def _balanced_outer(text: str) -> bool:
    """Whether the first bracket of `text` closes at its last character."""
    depth = 0
    for i, char in enumerate(text):
        depth += char in "(["
        depth -= char in ")]"
        if depth == 0:
            return i == len(text) - 1
    return False


def build_grammar(matcher: IntentMatcher, context: Context,
                  dictionary: Mapping[str, Phones] | None = None) -> ContextGrammar:
    """The JSGF grammar of one listening context (its intents only)."""
    if context not in matcher.contexts:
        raise ValueError(f"unknown listening context '{context}'")
    dictionary = load_dictionary() if dictionary is None else dictionary
    names = tuple(matcher.contexts[context])
    writer = _Writer(matcher.intents, dictionary)
    bodies: list[str] = []
    singles: set[str] = set()
    for name in names:
        expressions = [s.expression for data in heard_blocks(matcher, name, context)
                       for s in data.sentences]
        body = writer._alternative(expressions, False)
        if body is not None:
            writer.rules[f"intent_{name}"] = body
            bodies.append(f"<intent_{name}>")
        singles |= writer.single_words(expressions)
    lines = ["#JSGF V1.0;", f"grammar {context};"]
    lines += [f"<{rule}> = {body};" for rule, body in writer.rules.items() if body is not None]
    lines.append(f"public <{TOP_RULE}> = {' | '.join(bodies)};")
    own, alone = own_voice(matcher.own_speech.get(context, ()), dictionary,
                           lambda: matcher.sentences(context), singles & writer.words)
    spotted = matcher.spotted.get(context, ())
    unknown = [p for p in spotted if not set(p.split()) <= writer.words]
    if unknown:
        raise BadInput(f"content/intents.yaml: spotted phrase {unknown[0]!r} is no command "
                       f"heard in '{context}'")
    return ContextGrammar(context=context, intents=names, jsgf="\n".join(lines) + "\n",
                          words=frozenset(writer.words), added=dict(writer.added),
                          dropped=tuple(sorted(writer.dropped)),
                          single_words=frozenset(singles & writer.words),
                          own_words=own, own_alone=alone,
                          leading=tuple(matcher.leading_commands), spotted=spotted)


OWN_MIN_PHONES = 3
"""Fewest phones of a word of the coach's sentences in its own-voice path: short words
("a", "it", "of") string together into anything, a real "stop" among it."""


SOFT_ONSETS = frozenset({"S", "SH", "F", "TH", "HH"})
"""First sounds quiet enough to be lost at the start of a word ("stop" heard as "top")."""


def own_voice(speech: Iterable[str], dictionary: Mapping[str, Phones],
              commands: Callable[[], Iterable[str]], singles: Iterable[str]
              ) -> tuple[dict[str, Phones], frozenset[str]]:
    """`ContextGrammar`'s `own_words` and `own_alone` for what the coach says (`speech`).

    A word the coach says as a line of its own (a count word) is always kept. Of the words
    of its sentences, these are left out: a word that sounds like a one-word command of
    `singles` (same first two phones, or, after a soft first sound, its second and third:
    "top" is "stop" with its "s" lost), one under `OWN_MIN_PHONES`, and, so that a user who
    says a command the coach also says ("carry on") is heard as the user, enough words
    that no sentence of `commands` (read only when there is speech) is made of own words
    alone.
    """
    lines = [_own_line_words(line) for line in speech]
    if not lines:
        return {}, frozenset()
    words = {w for line in lines for w in line}
    alone = {line[0] for line in lines if len(line) == 1}
    for sentence in commands():
        said = set(sentence.lower().split())
        if said and said <= words:
            words -= said if said <= alone else said - alone
    single_phones = [p for w in singles if (p := pronounce(w, dictionary))]
    starts = {tuple(p[:2]) for p in single_phones}
    starts |= {tuple(p[1:3]) for p in single_phones if len(p) > 2 and p[0] in SOFT_ONSETS}
    kept: dict[str, Phones] = {}
    for word in sorted(words):
        phones = pronounce(word, dictionary)
        if phones and (word in alone or (tuple(phones[:2]) not in starts
                                         and len(phones) >= OWN_MIN_PHONES)):
            kept[word] = phones
    return kept, frozenset(alone & set(kept))


def _own_line_words(line: str) -> list[str]:
    return [w for w in re.split(r"[^a-z']+", line.lower()) if w]


VOSK_SAMPLE_CAP = 3000
"""Most sentences put into one Vosk phrase list (style `sentences`)."""


def vosk_phrases(matcher: IntentMatcher, context: Context, *, style: str = "words",
                 cap: int = VOSK_SAMPLE_CAP, seed: int = 0) -> list[str]:
    """A Vosk phrase list for one context.

    `words`: every word of the context's templates, one per phrase (Vosk then allows any
    sequence of them; the intent matcher sorts out the rest). `sentences`: up to `cap`
    sentences sampled from the templates (deterministic for a seed). The Vosk engine adds
    the model's "[unk]" for everything else.
    """
    if style == "words":
        writer = _Writer(matcher.intents, _AnyWord())
        for name in matcher.contexts[context]:
            for data in heard_blocks(matcher, name, context):
                writer._alternative([s.expression for s in data.sentences], False)
        return sorted(writer.words)
    if style == "sentences":
        sentences = matcher.sentences(context)
        picked = sentences if len(sentences) <= cap else random.Random(seed).sample(sentences, cap)
        return sorted(picked)
    raise ValueError(f"unknown phrase style {style!r}; expected 'words' or 'sentences'")


class _AnyWord(dict):  # type: ignore[type-arg]
    """A "dictionary" that can pronounce every word (for vocabularies, not decoding)."""

    def __contains__(self, word: object) -> bool:
        return True

    def __getitem__(self, word: str) -> Phones:
        return ()
