"""Reading intents.yaml into an `IntentsFile`: hassil templates, listening contexts, the
safety rules and every other rule the matcher and the recognisers follow.

Every key is checked here, once, so that a misspelt key is a `file:line` problem rather
than a feature silently switched off, and a template that hassil cannot read is found by
`content check`, not when a recogniser starts.
"""

from __future__ import annotations

import functools
import json
import re

from hassil import Intents
from hassil.errors import HassilError
from hassil.parse_expression import parse_sentence
from hassil.parser import ParseError
from hassil.sample import sample_expression

from voice.content.reader import LineMap, YamlFile, is_words
from voice.content.schema import (
    DurationRule,
    IntentsFile,
    ListValue,
    Negation,
    SafetySettings,
    SentenceBlock,
    SignRule,
    Templates,
    WaitForMore,
    WordWindow,
)
from voice.vocabulary import CONTEXTS, INTENT_NAMES, MUSCLES, URGENT, Context

FILE = "intents.yaml"

WAIT_FOR_MORE_MAX_S = 3.0
"""Longest wait for more words after a first word: longer, and a request said alone would
go unanswered too long (seconds)."""

_TOP_KEYS = ("language", "contexts", "leading_fillers", "negation", "leading_commands",
             "hush_early", "wait_for_more", "spotted", "heard_prompts", "muscle_hints",
             "not_a_leg", "skip_words", "expansion_rules", "lists", "intents", "safety",
             "medicine_words", "keywords")
_SAFETY_LISTS = ("clause_breaks", "subjects", "body", "linking", "surroundings",
                 "predicate_ends")
_SIGN_KEYS = ("phrases", "said_of_body", "near", "window", "not_followed_by", "together",
              "not_said_of", "unless")
_HASSIL_ERRORS = (HassilError, ParseError, ValueError, KeyError, TypeError, IndexError,
                  AttributeError, RecursionError)
"""What hassil raises on a template it cannot read or expand."""
_RULE = re.compile(r"<(\w+)>")
_LIST = re.compile(r"\{(\w+)\}")
_WORD = re.compile(r"[a-z0-9']+")


def read_intents(file: YamlFile) -> IntentsFile | None:
    """intents.yaml, checked; None when it has problems (they are noted in `file`)."""
    before = len(file.problems)
    data = file.load()
    if not data:
        return None
    file.only(data, _TOP_KEYS)
    templates = _templates(file, data)
    contexts = _contexts(file, data)
    safety = _safety(file, data)
    medicine = file.words(data, "medicine_words", "'medicine_words' must be a list of words")
    negation = _negation(file, data)
    counting = contexts.get(Context.COUNT) if contexts else None
    raw_contexts = data.get("contexts")
    raw_count = raw_contexts.get(Context.COUNT) if isinstance(raw_contexts, LineMap) else None
    if not isinstance(raw_count, list) or len(raw_count) != len(counting or ()):
        counting = None  # a problem with the count's intents is noted already
    hush = _hush_early(file, data, counting, templates)
    more = _wait_for_more(file, data)
    spotted = _spotted(file, data)
    prompts = _heard_prompts(file, data)
    hints = _muscle_hints(file, data)
    keywords = _keywords(file, data)
    lists = {key: file.words(data, key, f"'{key}' must be a list of words", required=False)
             for key in ("leading_fillers", "leading_commands", "not_a_leg", "skip_words")}
    if templates is not None and contexts is not None and spotted is not None:
        _check_spotted(file, data, templates, spotted)
    if len(file.problems) > before or templates is None or contexts is None \
            or safety is None or medicine is None or negation is None or hush is None \
            or more is None or spotted is None or prompts is None \
            or hints is None or keywords is None or any(v is None for v in lists.values()):
        return None
    return IntentsFile(
        templates=templates, contexts=contexts, safety=safety,
        leading_fillers=lists["leading_fillers"] or (), negation=negation,
        leading_commands=lists["leading_commands"] or (), hush_early=hush,
        wait_for_more=more, spotted=spotted,
        heard_prompts=prompts,
        muscle_hints=hints, not_a_leg=lists["not_a_leg"] or (),
        skip_words=lists["skip_words"] or (), medicine_words=medicine, keywords=keywords)


# ----- hassil templates -----------------------------------------------------------------------


def _templates(file: YamlFile, data: LineMap) -> Templates | None:
    """The hassil part; None when a part of it is malformed."""
    before = len(file.problems)
    language = file.text(data, "language", "'language' must be a language code (en)")
    rules_raw = file.mapping(data, "expansion_rules",
                             "'expansion_rules' must map rule names to templates", False)
    rules: dict[str, str] = {}
    for name, text in (rules_raw or {}).items():
        if isinstance(text, str) and text.strip():
            rules[name] = text
        else:
            file.add(rules_raw.line_of(name) if rules_raw else 1,
                     f"expansion rule '{name}' must be a template")
    lists = _slot_lists(file, data)
    intents = _intent_blocks(file, data)
    if len(file.problems) > before or language is None or intents is None:
        return None
    templates = Templates(language=language, expansion_rules=rules, lists=lists,
                          intents=intents)
    for line, problem in _template_problems(file, templates):
        file.add(line, problem)
    return None if len(file.problems) > before else templates


def _slot_lists(file: YamlFile, data: LineMap) -> dict[str, tuple[ListValue, ...]]:
    raw = file.mapping(data, "lists", "'lists' must map list names to values", False)
    lists: dict[str, tuple[ListValue, ...]] = {}
    for name, body in (raw or {}).items():
        line = raw.line_of(name) if raw else 1
        values = body.get("values") if isinstance(body, LineMap) else None
        if not isinstance(body, LineMap) or not isinstance(values, list) or not values:
            file.add(line, f"list '{name}' needs 'values', each with 'in' and 'out'")
            continue
        file.only(body, ("values",), f"list '{name}'")
        found: list[ListValue] = []
        for value in values:
            said = value.get("in") if isinstance(value, LineMap) else None
            out = value.get("out") if isinstance(value, LineMap) else None
            if not isinstance(value, LineMap) or not isinstance(said, str) or not said.strip() \
                    or not isinstance(out, str) or not out.strip():
                file.add(value.line if isinstance(value, LineMap) else line,
                         f"list '{name}': each value needs 'in' and 'out' text")
                continue
            file.only(value, ("in", "out"), f"list '{name}'")
            found.append(ListValue(said, out))
        lists[name] = tuple(found)
    return lists


def _intent_blocks(file: YamlFile, data: LineMap
                   ) -> dict[str, tuple[SentenceBlock, ...]] | None:
    intents = data.get("intents")
    if not isinstance(intents, LineMap):
        file.add(data.line_of("intents"), "'intents' mapping is missing")
        return None
    out: dict[str, tuple[SentenceBlock, ...]] = {}
    for name in intents:
        if name not in INTENT_NAMES:
            file.add(intents.line_of(name), f"unknown intent '{name}'")
    for name, body in intents.items():
        if not isinstance(body, LineMap):
            continue
        file.only(body, ("data",), f"intent '{name}'")
        blocks = body.get("data")
        found = [b for b in (_block(file, name, raw) for raw in
                             (blocks if isinstance(blocks, list) else ())) if b is not None]
        out[name] = tuple(found)
    for name in INTENT_NAMES:
        if not any(block.sentences for block in out.get(name, ())):
            file.add(intents.line_of(name), f"intent '{name}' has no sentence templates")
    return out


def _block(file: YamlFile, name: str, raw: object) -> SentenceBlock | None:
    if not isinstance(raw, LineMap):
        return None
    file.only(raw, ("sentences", "slots", "metadata"), f"intent '{name}'")
    sentences = file.words(raw, "sentences",
                           f"intent '{name}': 'sentences' must be a list of templates")
    slots_raw = file.mapping(raw, "slots", f"intent '{name}': 'slots' must map slots to "
                             "values", False)
    slots: dict[str, str] = {}
    for slot, value in (slots_raw or {}).items():
        if isinstance(value, str) and value.strip():
            slots[slot] = value
        else:
            file.add(raw.line_of("slots"), f"intent '{name}': slot '{slot}' must be text")
    heard_in: tuple[Context, ...] | None = None
    meta = raw.get("metadata")
    if "metadata" in raw:
        line = raw.line_of("metadata")
        heard = meta.get("heard_in") if isinstance(meta, LineMap) else None
        if isinstance(meta, LineMap):
            file.only(meta, ("heard_in",), f"intent '{name}' metadata")
        if not isinstance(heard, list) or not heard:
            file.add(line, f"intent '{name}': metadata needs a 'heard_in' list of listening "
                     "contexts")
        else:
            for ctx in heard:
                if ctx not in CONTEXTS:
                    file.add(line, f"intent '{name}': heard_in names unknown context '{ctx}'")
            heard_in = tuple(Context(c) for c in heard if c in CONTEXTS)
    if sentences is None:
        return None
    return SentenceBlock(sentences=sentences, slots=slots, heard_in=heard_in)


def _template_problems(file: YamlFile, templates: Templates) -> list[tuple[int, str]]:
    """Template syntax errors, as (line, problem)."""
    every = templates.each()
    undefined = {sentence: [f"<{r}>" for r in _RULE.findall(sentence)
                            if r not in templates.expansion_rules]
                 + [f"{{{n}}}" for n in _LIST.findall(sentence) if n not in templates.lists]
                 for _, sentence, _ in every}
    whole = _whole_error(json.dumps(templates.hassil_dict()))
    if whole is None and not any(undefined.values()):
        return []
    try:
        lines = file.path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []

    def line_of(text: str) -> int:
        return next((i + 1 for i, line in enumerate(lines) if text in line), 1)

    problems: list[tuple[int, str]] = []
    try:
        base = Intents.from_dict({**templates.base(), "intents": {}})
    except _HASSIL_ERRORS as exc:
        parts = [(f"expansion rule '{n}'", t) for n, t in templates.expansion_rules.items()]
        parts += [(f"list '{n}'", v.said) for n, vs in templates.lists.items() for v in vs]
        for what, text in parts:
            try:
                parse_sentence(text)
            except _HASSIL_ERRORS as bad:
                problems.append((line_of(text), f"{what}: bad template {text!r}: {bad}"))
        return problems or [(1, f"hassil cannot read the rules and lists: {exc}")]
    for name, sentence, _ in every:
        if undefined[sentence]:
            problems.append((line_of(sentence), (
                f"intent '{name}': template {sentence!r} uses undefined "
                f"{', '.join(undefined[sentence])}")))
            continue
        try:
            parsed = parse_sentence(sentence)
            next(iter(sample_expression(parsed.expression, base.slot_lists,
                                        base.expansion_rules)), None)
        except _HASSIL_ERRORS as exc:
            problems.append((line_of(sentence),
                             f"intent '{name}': bad template {sentence!r}: {exc}"))
    if not problems and whole is not None:
        problems.append((1, f"hassil cannot read the templates: {whole}"))
    return problems


@functools.lru_cache(maxsize=16)
def _whole_error(hassil_json: str) -> str | None:
    """Why hassil cannot read all the templates (given as JSON) at once and give a sentence
    of each, or None: the quick check, made once per set of templates; only when it fails
    is each template read alone, to find the bad ones."""
    try:
        whole = Intents.from_dict(json.loads(hassil_json))
        for intent in whole.intents.values():
            for block in intent.data:
                for parsed in block.sentences:
                    next(iter(sample_expression(parsed.expression, whole.slot_lists,
                                                whole.expansion_rules)), None)
    except _HASSIL_ERRORS as exc:
        return str(exc) or type(exc).__name__
    return None


def _template_words(text: str, templates: Templates, seen: set[str]) -> set[str]:
    """Every word a template can say, through its rules and lists (spelt as written)."""
    words = set(_WORD.findall(_LIST.sub(" ", _RULE.sub(" ", text.lower()))))
    for rule in _RULE.findall(text):
        if rule not in seen and rule in templates.expansion_rules:
            seen.add(rule)
            words |= _template_words(templates.expansion_rules[rule], templates, seen)
    for name in _LIST.findall(text):
        if f"{{{name}}}" not in seen:
            seen.add(f"{{{name}}}")
            for value in templates.lists.get(name, ()):
                words |= _template_words(value.said, templates, seen)
    return words


# ----- listening contexts and what depends on them -------------------------------------------


def _contexts(file: YamlFile, data: LineMap) -> dict[Context, tuple[str, ...]] | None:
    raw = data.get("contexts")
    if not isinstance(raw, LineMap):
        file.add(data.line_of("contexts"), "'contexts' mapping is missing")
        return None
    file.only(raw, CONTEXTS, "'contexts'")
    contexts: dict[Context, tuple[str, ...]] = {}
    for ctx in CONTEXTS:
        names = raw.get(ctx)
        if not isinstance(names, list) or not names:
            file.add(raw.line_of(ctx), f"context '{ctx}' lists no intents")
            continue
        for name in names:
            if name not in INTENT_NAMES:
                file.add(raw.line_of(ctx), f"context '{ctx}' names unknown intent '{name}'")
        contexts[ctx] = tuple(str(n) for n in names if n in INTENT_NAMES)
    return contexts if len(contexts) == len(CONTEXTS) else None


def _context_map(file: YamlFile, data: LineMap, key: str, shape: str) -> LineMap | None:
    """`data[key]` (optional) when it maps listening contexts to values of `shape`."""
    raw = data.get(key, LineMap())
    if not isinstance(raw, LineMap):
        file.add(data.line_of(key), f"'{key}' must map listening contexts to {shape}")
        return None
    for ctx in raw:
        if ctx not in CONTEXTS:
            file.add(raw.line_of(ctx), f"'{key}' names unknown listening context '{ctx}'")
    return raw


def _spotted(file: YamlFile, data: LineMap) -> dict[Context, tuple[str, ...]] | None:
    """`spotted` maps listening contexts to lists of phrases."""
    raw = _context_map(file, data, "spotted", "lists of phrases")
    if raw is None:
        return None
    out: dict[Context, tuple[str, ...]] = {}
    for ctx in raw:
        if ctx in CONTEXTS:
            phrases = file.words(raw, ctx, f"'spotted' for '{ctx}' must be a list of phrases",
                                 empty=True)
            if phrases is not None:
                out[Context(ctx)] = phrases
    return out


def _heard_prompts(file: YamlFile, data: LineMap) -> dict[Context, str] | None:
    """`heard_prompts` maps listening contexts to one line of text."""
    raw = _context_map(file, data, "heard_prompts", "a line of text")
    if raw is None:
        return None
    out: dict[Context, str] = {}
    for ctx in raw:
        if ctx in CONTEXTS:
            text = file.text(raw, ctx, f"'heard_prompts' for '{ctx}' must be a line of text")
            if text is not None:
                out[Context(ctx)] = text
    return out


def _check_spotted(file: YamlFile, data: LineMap, templates: Templates,
                   spotted: dict[Context, tuple[str, ...]]) -> None:
    """Each spotted phrase is made of words of the context's commands."""
    contexts = data.get("contexts")
    raw = data.get("spotted")
    if not isinstance(contexts, LineMap) or not isinstance(raw, LineMap):
        return
    for ctx, phrases in spotted.items():
        said: set[str] = set()
        names = contexts.get(ctx)
        for name in names if isinstance(names, list) else ():
            for block in templates.intents.get(str(name), ()):
                if block.heard_in is None or ctx in block.heard_in:
                    for sentence in block.sentences:
                        said |= _template_words(sentence, templates, set())
        for phrase in phrases:
            if not set(phrase.lower().split()) <= said:
                file.add(raw.line_of(ctx), f"spotted phrase {phrase!r} is no command heard "
                         f"in {str(ctx)!r}")


def _hush_early(file: YamlFile, data: LineMap, counting: tuple[str, ...] | None,
                templates: Templates | None) -> dict[str, tuple[str, ...]] | None:
    """`hush_early` maps intents heard while the coach counts (`counting`; None when not
    known) to words of their sentences."""
    hush = data.get("hush_early", LineMap())
    if not isinstance(hush, LineMap):
        file.add(data.line_of("hush_early"), "'hush_early' must map intents to lists of words")
        return None
    out: dict[str, tuple[str, ...]] = {}
    for name, words in hush.items():
        line = hush.line_of(name)
        if counting is not None and name not in counting:
            file.add(line, f"'hush_early' names '{name}', which is not heard while counting")
        elif not is_words(words) or not words:
            file.add(line, f"'hush_early' for '{name}' must be a list of words")
        else:
            assert isinstance(words, list)
            out[name] = tuple(str(w) for w in words)
            if templates is None:
                continue
            said = " ".join(t for n, t, _ in templates.each() if n == name).lower()
            for word in words:
                if not re.search(rf"\b{re.escape(word.lower())}\b", said):
                    file.add(line, f"'hush_early' word '{word}' is in no sentence of '{name}'")
    return out


def _wait_for_more(file: YamlFile, data: LineMap) -> WaitForMore | None:
    """`wait_for_more` names known intents and a short wait."""
    more = data.get("wait_for_more", LineMap())
    if not isinstance(more, LineMap):
        file.add(data.line_of("wait_for_more"), "'wait_for_more' must have 'intents' and "
                 "'seconds'")
        return None
    file.only(more, ("intents", "seconds"), "'wait_for_more'")
    names = file.words(more, "intents", "'wait_for_more' intents must be a list of intents",
                       required=False, empty=True)
    for name in names or ():
        if name not in INTENT_NAMES:
            file.add(more.line_of("intents"), f"'wait_for_more' names unknown intent '{name}'")
    seconds = 0.0
    if "seconds" in more:
        found = file.number(more, "seconds", "'wait_for_more' seconds must be a number from 0 "
                            f"to {WAIT_FOR_MORE_MAX_S:g}", low=0.0, low_open=False,
                            high=WAIT_FOR_MORE_MAX_S)
        if found is None:
            return None
        seconds = float(found)
    if names is None:
        return None
    return WaitForMore(frozenset(names), seconds)


# ----- the other rules -------------------------------------------------------------------------


def _negation(file: YamlFile, data: LineMap) -> Negation | None:
    raw = file.mapping(data, "negation", "'negation' must give 'words' and 'flips'", False)
    if raw is None:
        return None
    file.only(raw, ("words", "flips"), "'negation'")
    words = file.words(raw, "words", "'negation' words must be a list of words", False)
    flips = file.mapping(raw, "flips", "'negation' flips must map intents to intents", False)
    out: dict[str, str] = {}
    for name, other in (flips or {}).items():
        if name not in INTENT_NAMES or other not in INTENT_NAMES:
            file.add(flips.line_of(name) if flips else raw.line,
                     f"'negation' flips must map intents to intents ('{name}': '{other}')")
        else:
            out[name] = str(other)
    if words is None or flips is None:
        return None
    return Negation(words, out)


def _muscle_hints(file: YamlFile, data: LineMap) -> dict[str, str] | None:
    raw = file.mapping(data, "muscle_hints", "'muscle_hints' must map phrases to muscles",
                       False)
    if raw is None:
        return None
    for phrase, muscle in raw.items():
        if muscle not in MUSCLES:
            file.add(raw.line_of(phrase), f"'muscle_hints' for '{phrase}' must be one of "
                     f"{', '.join(MUSCLES)}")
    return {p: str(m) for p, m in raw.items() if m in MUSCLES}


def _keywords(file: YamlFile, data: LineMap) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    raw = file.mapping(data, "keywords", "'keywords' must map intents to lists of words", False)
    if raw is None:
        return None
    out: list[tuple[str, tuple[str, ...]]] = []
    for name in raw:
        if name not in INTENT_NAMES:
            file.add(raw.line_of(name), f"'keywords' names unknown intent '{name}'")
            continue
        words = file.words(raw, name, f"'keywords' for '{name}' must be a list of words")
        if words is not None:
            out.append((name, words))
    return tuple(out)


def _safety(file: YamlFile, data: LineMap) -> SafetySettings | None:
    """The `safety` rules: word lists, positive windows, and signs that say how they are
    said."""
    safety = data.get("safety")
    if not isinstance(safety, LineMap):
        file.add(data.line_of("safety"), "'safety' rules are missing")
        return None
    before = len(file.problems)
    file.only(safety, ("negation", "resolved", *_SAFETY_LISTS, "signs", "duration"),
              "'safety'")
    windows: dict[str, WordWindow] = {}
    for part, keys in (("negation", ("words", "window", "opinions")),
                       ("resolved", ("words", "window"))):
        body = safety.get(part)
        problem = f"safety '{part}' needs 'words' (a list) and a positive 'window'"
        if not isinstance(body, LineMap):
            file.add(safety.line_of(part), problem)
            continue
        file.only(body, keys, f"safety '{part}'")
        words = file.words(body, "words", problem)
        window = file.number(body, "window", problem)
        opinions = file.words(body, "opinions", f"safety '{part}' opinions must be a list of "
                              "words", required=False)
        if words is not None and window is not None and opinions is not None:
            windows[part] = WordWindow(words, int(window), opinions)
    lists = {name: file.words(safety, name, f"safety '{name}' must be a list of words")
             for name in _SAFETY_LISTS}
    signs = _signs(file, safety)
    duration = _duration(file, safety)
    if len(file.problems) > before or duration is None or len(windows) < 2:
        return None
    return SafetySettings(
        negation=windows["negation"], resolved=windows["resolved"],
        clause_breaks=lists["clause_breaks"] or (), subjects=lists["subjects"] or (),
        body=lists["body"] or (), linking=lists["linking"] or (),
        surroundings=lists["surroundings"] or (),
        predicate_ends=lists["predicate_ends"] or (), signs=signs, duration=duration)


def _signs(file: YamlFile, safety: LineMap) -> dict[str, dict[str, SignRule]]:
    signs = safety.get("signs")
    if isinstance(signs, LineMap):
        file.only(signs, URGENT, "safety 'signs'")
    out: dict[str, dict[str, SignRule]] = {}
    for intent in URGENT:
        group = signs.get(intent) if isinstance(signs, LineMap) else None
        if not isinstance(group, LineMap) or not group:
            file.add(safety.line_of("signs"), f"safety signs for '{intent}' are missing")
            continue
        out[intent] = {}
        for name, sign in group.items():
            rule = _sign(file, group, name, sign)
            if rule is not None:
                out[intent][name] = rule
    return out


def _sign(file: YamlFile, group: LineMap, name: str, sign: object) -> SignRule | None:
    line = group.line_of(name)
    if not isinstance(sign, LineMap) or not (sign.keys()
                                             & {"phrases", "said_of_body", "near", "together"}):
        file.add(line, f"safety sign '{name}' says no way it is said")
        return None
    before = len(file.problems)
    for key in sign:
        if key not in _SIGN_KEYS:
            file.add(line, f"safety sign '{name}': unknown key '{key}'")
    lists = {key: file.words(sign, key, f"safety sign '{name}': '{key}' must be a list of "
                             "words", required=False)
             for key in ("phrases", "said_of_body", "not_followed_by", "not_said_of", "unless")}
    together: tuple[tuple[str, ...], ...] = ()
    if "together" in sign:
        groups = sign.get("together")
        if isinstance(groups, list) and len(groups) >= 2 and all(is_words(g) for g in groups):
            together = tuple(tuple(str(w) for w in g) for g in groups)
        else:
            file.add(line, f"safety sign '{name}': 'together' must be two or more lists of words")
    near = sign.get("near")
    pair: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    if near is not None or "near" in sign:
        if isinstance(near, list) and len(near) == 2 and all(is_words(n) for n in near):
            pair = (tuple(str(w) for w in near[0]), tuple(str(w) for w in near[1]))
        else:
            file.add(line, f"safety sign '{name}': 'near' must be two lists of words")
    window = 3.0
    if "window" in sign:
        window = file.number(sign, "window",
                             f"safety sign '{name}': 'window' must be a positive number") or 0
    if len(file.problems) > before:
        return None
    return SignRule(phrases=lists["phrases"] or (), said_of_body=lists["said_of_body"] or (),
                    near=pair, window=int(window),
                    not_followed_by=lists["not_followed_by"] or (), together=together,
                    not_said_of=lists["not_said_of"] or (), unless=lists["unless"] or ())


def _duration(file: YamlFile, safety: LineMap) -> DurationRule | None:
    duration = safety.get("duration")
    problem = "safety 'duration' needs 'minutes', and 'about' and 'less' word lists"
    if not isinstance(duration, LineMap):
        file.add(safety.line_of("duration"), problem)
        return None
    file.only(duration, ("minutes", "about", "less", "alone"), "safety 'duration'")
    minutes = file.number(duration, "minutes", problem)
    about = file.words(duration, "about", problem)
    less = file.words(duration, "less", problem)
    alone = file.words(duration, "alone", "safety 'duration' 'alone' must be a list of words",
                       required=False)
    if minutes is None or about is None or less is None or alone is None:
        return None
    return DurationRule(float(minutes), about, less, alone)
