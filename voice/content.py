"""Loading and checking the content files: everything the coach knows and says.

`load_content(dir)` returns a validated `Content`; `check_content(dir)` returns the
problems as `file:line: problem` lines. Both share one loader that remembers the line
of every mapping key, so a problem points at the line to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from voice.errors import ContentError

INTENT_NAMES = (
    "cramp", "stop", "pause", "resume", "repeat", "next", "help", "yes", "no", "better",
    "worse", "massage", "heat_ice", "hydration", "exercise", "footwear", "prevention",
    "doctor", "red_flag", "emergency", "medicine", "thanks",
)
"""Every intent of the contract except `none`, which is what matches nothing."""

MUSCLES = ("calf", "hamstring", "quadriceps", "foot")
"""Values of the `muscle` slot; each needs a stretch."""

TOPICS = ("massage", "heat_ice", "hydration", "exercise", "footwear", "prevention", "doctor",
          "medicine")
"""Question intents, each answered by a topic in remedies.yaml."""

REMEDY_STEPS = ("aftercare", "stretch_again", "general_stretch", "massage", "warmth", "not_easing",
                "red_flag", "emergency")
"""Steps of a coaching session that remedies.yaml words."""

PROMPTS = (
    "ready", "ask_muscle", "ask_muscle_again", "ask_easing", "ask_easing_again",
    "offer_tips", "offer_tips_again", "paused", "paused_again", "continuing",
    "not_understood", "help", "nothing_to_repeat", "glad", "goodbye", "standing_by",
    "no_microphone", "speech_unavailable", "ask_easing_after", "stopped", "thanks",
)
"""Prompt ids the program refers to; each must exist in prompts.yaml."""

FILES = ("intents.yaml", "remedies.yaml", "prompts.yaml", "sources.yaml", "voice.yaml")


COUNT_PROMPTS = ("paused", "paused_again", "continuing")
"""Prompts the coach says while it listens in the `count` context. Not every line said
then: each line's words make more of what a user says sound like the coach (a real "on"
is taken for its voice once the general stretch is added), so lines said there rarely,
like the general stretch, the massage, warmth and the medicine answer, are worded to hold
no command instead."""

DIARY_INTENTS = ("bedtime", "cramp_count")
"""The bedtime routine, and "how many cramps have I had this week" (answered from the diary)."""
# Added apart from the tuple above so the two lists change without touching each other.
INTENT_NAMES = (*INTENT_NAMES, *DIARY_INTENTS)  # type: ignore[assignment]


@dataclass(frozen=True)
class Wording:
    """One thing the coach says, in its day and night forms."""

    day: str
    """Full wording."""
    night: str
    """Shorter wording for the small hours (the day one when none is given)."""
    sources: tuple[str, ...] = ()
    """URLs the advice comes from (empty for prompts)."""

    def text(self, night: bool) -> str:
        """The wording for the time of day."""
        return self.night if night else self.day


@dataclass(frozen=True)
class VoiceStyle:
    """How the coach sounds in one mode."""

    rate: int
    """Speaking rate (words per minute)."""
    volume: float
    """Output gain, 0..1."""
    pause_s: float
    """Silence between sentences (seconds)."""
    count_rate: int
    """Speaking rate for the count words (words per minute)."""


@dataclass(frozen=True)
class VoiceSettings:
    """Voice, count and listening settings from voice.yaml."""

    day: VoiceStyle
    night: VoiceStyle
    hold_s: int
    """Length of the counted hold (seconds; one cue per second)."""
    lead_s: float
    """Silence between the instructions and the first count word (seconds)."""
    count_words: tuple[str, ...]
    """The words spoken for 1, 2, 3 ..."""
    max_word_s: float
    """Longest a count word may last, so a clear gap precedes the next (seconds)."""
    answer_timeout_s: float
    """How long to wait for an answer before asking again (seconds)."""
    paused_timeout_s: float
    """How long a paused count waits before a reminder (seconds)."""
    warmth_s: float = 60.0
    """Time given to warmth on the muscle before asking whether it is easing (seconds)."""

    def style(self, night: bool) -> VoiceStyle:
        """The voice style for the time of day."""
        return self.night if night else self.day


@dataclass(frozen=True)
class Content:
    """All content, validated."""

    directory: Path
    intents: dict[str, Any]
    """intents.yaml as loaded (hassil's format plus `contexts` and `skip_words`)."""
    stretches: dict[str, Wording]
    """Stretch instructions by muscle."""
    muscle_names: dict[str, str]
    """Spoken name of each muscle."""
    steps: dict[str, Wording]
    """Session steps (aftercare, stretch_again, massage_heat, not_easing, red_flag)."""
    topics: dict[str, Wording]
    """Answers to questions by intent."""
    prompts: dict[str, Wording]
    voice: VoiceSettings
    contexts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Intents listened for in each listening context."""
    bedtime: Routine | None = None
    """The bedtime stretching routine (bedtime.yaml); always set by `load_content`."""
    diary: DiaryWords | None = None
    """The frequency rule and diary answers (diary.yaml); always set by `load_content`."""

    def prompt(self, key: str, night: bool) -> str:
        """A prompt's wording."""
        return self.prompts[key].text(night)

    @property
    def own_speech(self) -> dict[str, tuple[str, ...]]:
        """What the coach itself says while it listens, by listening context: in `count`,
        the stretch instructions, the count words and the pause prompts. A microphone
        hears the speaker too."""
        spoken = [*self.stretches.values(), self.steps["stretch_again"],
                  *(self.prompts[k] for k in COUNT_PROMPTS)]
        lines = [w.text(night) for w in spoken for night in (False, True)]
        return {"count": (*lines, *self.voice.count_words)}


class _LineMap(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers the line of each key."""

    line: int = 0
    key_lines: dict[str, int]


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings are `_LineMap`s."""


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> _LineMap:
    result = _LineMap(loader.construct_mapping(node, deep=True))
    result.line = node.start_mark.line + 1
    result.key_lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
# YAML 1.2 booleans only: "yes", "no", "on" and "off" are words the coach hears, not booleans.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))


class _FastLineLoader(getattr(yaml, "CSafeLoader", _LineLoader)):  # type: ignore[misc]
    """`_LineLoader` on libyaml's parser (ten times faster) where PyYAML has it; a file it
    cannot read is read again by `_LineLoader`, so problems are told the same way."""


_FastLineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                _construct_map)
_FastLineLoader.yaml_implicit_resolvers = _LineLoader.yaml_implicit_resolvers


def _load_yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_FastLineLoader)
    except yaml.YAMLError:
        return yaml.load(text, Loader=_LineLoader)


def _line(mapping: Any, key: str) -> int:
    if isinstance(mapping, _LineMap):
        return mapping.key_lines.get(key, mapping.line)
    return 1


class _Checker:
    """Collects `file:line: problem` lines while reading the content."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.problems: list[str] = []

    def add(self, file: str, line: int, problem: str) -> None:
        self.problems.append(f"{self.directory / file}:{line}: {problem}")

    def load(self, file: str) -> _LineMap:
        path = self.directory / file
        try:
            data = _load_yaml(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self.add(file, 1, "file is missing")
            return _LineMap()
        except (OSError, UnicodeDecodeError) as exc:
            self.add(file, 1, f"cannot read: {exc}")
            return _LineMap()
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 1
            self.add(file, line, f"YAML syntax error: {getattr(exc, 'problem', exc)}")
            return _LineMap()
        if not isinstance(data, _LineMap):
            self.add(file, 1, "expected a mapping at the top level")
            return _LineMap()
        return data

    def wording(self, file: str, parent: Any, key: str, need_sources: bool,
                sources: dict[str, str]) -> Wording | None:
        entry = parent.get(key) if isinstance(parent, dict) else None
        line = _line(parent, key)
        if entry is None:
            self.add(file, line, f"'{key}' is missing")
            return None
        if not isinstance(entry, dict) or not isinstance(entry.get("day"), str) \
                or not entry["day"].strip():
            self.add(file, line, f"'{key}' needs a non-empty 'day' wording")
            return None
        night = entry.get("night", entry["day"])
        if not isinstance(night, str) or not night.strip():
            self.add(file, _line(entry, "night"), f"'{key}': 'night' must be non-empty text")
            night = entry["day"]
        urls: list[str] = []
        keys = entry.get("sources", [])
        if need_sources and not keys:
            self.add(file, line, f"'{key}' has no source")
        for src in keys if isinstance(keys, list) else [keys]:
            if src not in sources:
                self.add(file, _line(entry, "sources"), f"'{key}': unknown source '{src}'")
            else:
                urls.append(sources[src])
        return Wording(day=entry["day"].strip(), night=night.strip(), sources=tuple(urls))


_URL = re.compile(r"^https?://\S+$")


def _read_sources(chk: _Checker) -> dict[str, str]:
    data = chk.load("sources.yaml")
    for key, url in data.items():
        if not isinstance(url, str) or not _URL.match(url):
            chk.add("sources.yaml", _line(data, key), f"source '{key}' is not a URL")
    return {k: v for k, v in data.items() if isinstance(v, str)}


def _check_intents(chk: _Checker, data: _LineMap) -> dict[str, tuple[str, ...]]:
    from voice.intents import template_problems  # the matcher knows its own syntax

    file = "intents.yaml"
    intents = data.get("intents")
    if not isinstance(intents, _LineMap):
        chk.add(file, 1, "'intents' mapping is missing")
        return {}
    for name in INTENT_NAMES:
        blocks = intents.get(name, {}).get("data") if isinstance(intents.get(name), dict) else None
        if not blocks or not any(b.get("sentences") for b in blocks if isinstance(b, dict)):
            chk.add(file, _line(intents, name) if name in intents else intents.line,
                    f"intent '{name}' has no sentence templates")
    for name in intents:
        if name not in INTENT_NAMES:
            chk.add(file, _line(intents, name), f"unknown intent '{name}'")
    for line, problem in template_problems(data, chk.directory / file):
        chk.add(file, line, problem)
    _check_safety(chk, data)
    contexts: dict[str, tuple[str, ...]] = {}
    raw = data.get("contexts")
    if not isinstance(raw, dict):
        chk.add(file, data.line, "'contexts' mapping is missing")
        return contexts
    for ctx in ("idle", "count", "question"):
        names = raw.get(ctx)
        if not isinstance(names, list) or not names:
            chk.add(file, _line(raw, ctx), f"context '{ctx}' lists no intents")
            continue
        for name in names:
            if name not in INTENT_NAMES:
                chk.add(file, _line(raw, ctx), f"context '{ctx}' names unknown intent '{name}'")
        contexts[ctx] = tuple(n for n in names if n in INTENT_NAMES)
    _check_heard_in(chk, intents, tuple(contexts))
    counted = raw.get("count")
    if isinstance(counted, list) and all(n in INTENT_NAMES for n in counted):
        _check_hush_early(chk, data, contexts.get("count", ()))  # else said already
    _check_spotted(chk, data, tuple(contexts))
    _check_heard_prompts(chk, data, tuple(contexts))
    _check_wait_for_more(chk, data)
    return contexts


def _check_heard_prompts(chk: _Checker, data: _LineMap, known: tuple[str, ...]) -> None:
    """`heard_prompts` maps listening contexts to one line of text."""
    prompts = data.get("heard_prompts", {})
    if not isinstance(prompts, dict):
        chk.add("intents.yaml", _line(data, "heard_prompts"),
                "'heard_prompts' must map listening contexts to a line of text")
        return
    for ctx, text in prompts.items():
        if ctx not in known:
            chk.add("intents.yaml", _line(prompts, ctx),
                    f"'heard_prompts' names unknown listening context '{ctx}'")
        elif not isinstance(text, str) or not text.strip():
            chk.add("intents.yaml", _line(prompts, ctx),
                    f"'heard_prompts' for '{ctx}' must be a line of text")


WAIT_FOR_MORE_MAX_S = 3.0
"""Longest wait for more words after a first word: longer, and a request said alone would
go unanswered too long (seconds)."""


def _check_wait_for_more(chk: _Checker, data: _LineMap) -> None:
    """`wait_for_more` names known intents and a short wait."""
    more = data.get("wait_for_more", {})
    if not isinstance(more, dict):
        chk.add("intents.yaml", _line(data, "wait_for_more"),
                "'wait_for_more' must have 'intents' and 'seconds'")
        return
    names = more.get("intents", [])
    if not isinstance(names, list):
        chk.add("intents.yaml", _line(more, "intents"),
                "'wait_for_more' intents must be a list of intents")
    else:
        for name in names:
            if name not in INTENT_NAMES:
                chk.add("intents.yaml", _line(more, "intents"),
                        f"'wait_for_more' names unknown intent '{name}'")
    seconds = more.get("seconds", 0.0)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) \
            or not 0 <= seconds <= WAIT_FOR_MORE_MAX_S:
        chk.add("intents.yaml", _line(more, "seconds"),
                f"'wait_for_more' seconds must be a number from 0 to {WAIT_FOR_MORE_MAX_S:g}")


def _check_spotted(chk: _Checker, data: _LineMap, known: tuple[str, ...]) -> None:
    """`spotted` maps listening contexts to lists of phrases."""
    spotted = data.get("spotted", {})
    if not isinstance(spotted, dict):
        chk.add("intents.yaml", _line(data, "spotted"),
                "'spotted' must map listening contexts to lists of phrases")
        return
    for ctx, phrases in spotted.items():
        if ctx not in known:
            chk.add("intents.yaml", _line(spotted, ctx),
                    f"'spotted' names unknown listening context '{ctx}'")
        elif not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            chk.add("intents.yaml", _line(spotted, ctx),
                    f"'spotted' for '{ctx}' must be a list of phrases")


def _check_hush_early(chk: _Checker, data: _LineMap, counting: tuple[str, ...]) -> None:
    """`hush_early` maps intents heard while the coach counts to words of their sentences."""
    from voice.intents import templates  # the matcher reads the templates the same way

    hush = data.get("hush_early", {})
    if not isinstance(hush, dict):
        chk.add("intents.yaml", _line(data, "hush_early"),
                "'hush_early' must map intents to lists of words")
        return
    for name, words in hush.items():
        line = _line(hush, name)
        if name not in counting:
            chk.add("intents.yaml", line,
                    f"'hush_early' names '{name}', which is not heard while counting")
        elif not isinstance(words, list) or not words \
                or not all(isinstance(w, str) for w in words):
            chk.add("intents.yaml", line, f"'hush_early' for '{name}' must be a list of words")
        else:
            said = " ".join(t for n, t, _ in templates(data) if n == name).lower()
            for word in words:
                if not re.search(rf"\b{re.escape(word.lower())}\b", said):
                    chk.add("intents.yaml", line,
                            f"'hush_early' word '{word}' is in no sentence of '{name}'")


def _check_heard_in(chk: _Checker, intents: _LineMap, known: tuple[str, ...]) -> None:
    """`metadata: {heard_in: [...]}` on a sentence block names listening contexts."""
    for name, intent in intents.items():
        blocks = intent.get("data") if isinstance(intent, dict) else None
        for block in blocks if isinstance(blocks, list) else ():
            meta = block.get("metadata") if isinstance(block, dict) else None
            if meta is None:
                continue
            heard = meta.get("heard_in") if isinstance(meta, dict) else None
            line = _line(block, "metadata")
            if not isinstance(heard, list) or not heard:
                chk.add("intents.yaml", line, f"intent '{name}': metadata needs a 'heard_in' "
                        "list of listening contexts")
                continue
            for ctx in heard:
                if ctx not in known:
                    chk.add("intents.yaml", line, f"intent '{name}': heard_in names unknown "
                            f"context '{ctx}'")


_SAFETY_LISTS = ("clause_breaks", "subjects", "body", "linking", "surroundings",
                 "predicate_ends")
_SIGN_KEYS = {"phrases", "said_of_body", "near", "window", "not_followed_by"}


def _words_ok(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(w, str) and w.strip() for w in value)


def _number_ok(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _check_safety(chk: _Checker, data: _LineMap) -> None:
    """The `safety` rules: word lists, positive windows, and signs that say how they are
    said; `medicine_words` a list of words."""
    file = "intents.yaml"
    safety = data.get("safety")
    if not isinstance(safety, dict):
        chk.add(file, _line(data, "safety"), "'safety' rules are missing")
        return
    for part in ("negation", "resolved"):
        body = safety.get(part)
        if not isinstance(body, dict) or not _words_ok(body.get("words")) \
                or not _number_ok(body.get("window")):
            chk.add(file, _line(safety, part),
                    f"safety '{part}' needs 'words' (a list) and a positive 'window'")
    for name in _SAFETY_LISTS:
        if not _words_ok(safety.get(name)):
            chk.add(file, _line(safety, name), f"safety '{name}' must be a list of words")
    signs = safety.get("signs")
    for intent in ("emergency", "red_flag"):
        group = signs.get(intent) if isinstance(signs, dict) else None
        if not isinstance(group, dict) or not group:
            chk.add(file, _line(safety, "signs"), f"safety signs for '{intent}' are missing")
            continue
        for name, sign in group.items():
            _check_sign(chk, group, str(name), sign)
    duration = safety.get("duration")
    if not isinstance(duration, dict) or not _number_ok(duration.get("minutes")) \
            or not _words_ok(duration.get("about")) or not _words_ok(duration.get("less")):
        chk.add(file, _line(safety, "duration"),
                "safety 'duration' needs 'minutes', and 'about' and 'less' word lists")
    if not _words_ok(data.get("medicine_words")):
        chk.add(file, _line(data, "medicine_words"), "'medicine_words' must be a list of words")


def _check_sign(chk: _Checker, group: Any, name: str, sign: Any) -> None:
    file, line = "intents.yaml", _line(group, name)
    if not isinstance(sign, dict) or not (sign.keys() & {"phrases", "said_of_body", "near"}):
        chk.add(file, line, f"safety sign '{name}' says no way it is said")
        return
    for key in sign:
        if key not in _SIGN_KEYS:
            chk.add(file, line, f"safety sign '{name}': unknown key '{key}'")
    for key in ("phrases", "said_of_body", "not_followed_by"):
        if key in sign and not _words_ok(sign[key]):
            chk.add(file, line, f"safety sign '{name}': '{key}' must be a list of words")
    near = sign.get("near")
    if near is not None and not (isinstance(near, list) and len(near) == 2
                                 and all(_words_ok(n) for n in near)):
        chk.add(file, line, f"safety sign '{name}': 'near' must be two lists of words")
    if "window" in sign and not _number_ok(sign["window"]):
        chk.add(file, line, f"safety sign '{name}': 'window' must be a positive number")


def _read_voice(chk: _Checker) -> VoiceSettings | None:
    file = "voice.yaml"
    data = chk.load(file)
    try:
        count, listen = data["count"], data["listen"]
        styles = {
            mode: VoiceStyle(rate=int(data[mode]["rate"]), volume=float(data[mode]["volume"]),
                             pause_s=float(data[mode]["pause_s"]),
                             count_rate=int(count[f"rate_{mode}"]))
            for mode in ("day", "night")
        }
        words = tuple(str(w) for w in count["words"])
        settings = VoiceSettings(
            day=styles["day"], night=styles["night"], hold_s=int(count["hold_s"]),
            lead_s=float(count["lead_s"]), count_words=words,
            max_word_s=float(count["max_word_s"]),
            answer_timeout_s=float(listen["answer_timeout_s"]),
            paused_timeout_s=float(listen["paused_timeout_s"]),
            warmth_s=float(listen.get("warmth_s", 60.0)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        chk.add(file, data.line or 1, f"voice settings incomplete or invalid: {exc}")
        return None
    if len(settings.count_words) < settings.hold_s:
        chk.add(file, _line(count, "words"),
                f"{len(settings.count_words)} count words for a {settings.hold_s}-second hold")
    for mode in (settings.day, settings.night):
        if not 0.0 < mode.volume <= 1.0:
            chk.add(file, data.line, "volume must be between 0 and 1")
    return settings


def _read(directory: Path) -> tuple[Content | None, list[str]]:
    chk = _Checker(directory)
    if not directory.is_dir():
        chk.add("", 1, "content folder not found")
        return None, chk.problems
    sources = _read_sources(chk)
    intents = chk.load("intents.yaml")
    contexts = _check_intents(chk, intents) if intents else {}
    rem = chk.load("remedies.yaml")
    prompts_raw = chk.load("prompts.yaml")
    muscles = rem.get("muscles", _LineMap())
    stretches: dict[str, Wording] = {}
    names: dict[str, str] = {}
    for muscle in MUSCLES:
        entry = muscles.get(muscle)
        if not isinstance(entry, dict):
            chk.add("remedies.yaml", _line(muscles, muscle), f"muscle '{muscle}' is missing")
            continue
        wording = chk.wording("remedies.yaml", entry, "stretch", False, sources)
        if not entry.get("sources"):
            chk.add("remedies.yaml", _line(muscles, muscle), f"muscle '{muscle}' has no source")
        if wording is not None:
            urls = tuple(sources[s] for s in entry.get("sources", []) if s in sources)
            for src in entry.get("sources", []):
                if src not in sources:
                    chk.add("remedies.yaml", _line(entry, "sources"), f"unknown source '{src}'")
            stretches[muscle] = Wording(wording.day, wording.night, urls)
        names[muscle] = str(entry.get("name", muscle))
    steps = {k: w for k in REMEDY_STEPS
             if (w := chk.wording("remedies.yaml", rem, k, True, sources)) is not None}
    topic_map = rem.get("topics", _LineMap())
    topics = {k: w for k in TOPICS
              if (w := chk.wording("remedies.yaml", topic_map, k, True, sources)) is not None}
    prompts = {k: w for k in PROMPTS
               if (w := chk.wording("prompts.yaml", prompts_raw, k, False, sources)) is not None}
    voice = _read_voice(chk)
    bedtime, diary = _read_bedtime(chk, sources), _read_diary(chk, sources)
    if chk.problems or voice is None:
        return None, chk.problems
    return Content(directory=directory, intents=dict(intents), stretches=stretches,
                   muscle_names=names, steps=steps, topics=topics, prompts=prompts,
                   voice=voice, contexts=contexts, bedtime=bedtime, diary=diary), []


def check_content(directory: Path) -> list[str]:
    """Every problem in the content folder, as `file:line: problem` lines."""
    return _read(directory)[1]


def load_content(directory: Path) -> Content:
    """Load and validate the content folder; raises `ContentError` listing the problems."""
    content, problems = _read(directory)
    if content is None:
        raise ContentError(problems)
    return content


# ----- the bedtime routine and the diary's words (bedtime.yaml, diary.yaml) ---------------

@dataclass(frozen=True)
class RoutineStretch:
    """One stretch of the bedtime routine, done on each leg in turn."""

    key: str
    name: str
    """What it is called (e.g. `standing calf stretch`)."""
    wording: Wording
    """How to do it; `{leg}` stands for the leg (`left`, `right`)."""


@dataclass(frozen=True)
class Routine:
    """The bedtime stretching routine: each stretch on each leg, held `holds` times."""

    hold_s: int
    """Length of each counted hold (seconds; one count word per second)."""
    holds: int
    """Holds of each stretch on each leg."""
    rest_s: float
    """Quiet rest between holds (seconds)."""
    legs: tuple[str, ...]
    stretches: tuple[RoutineStretch, ...]
    intro: Wording
    again: Wording
    rest: Wording
    help: Wording
    outro: Wording
    sources: tuple[str, ...]
    """URLs of the protocol the timings come from."""

    @property
    def steps(self) -> tuple[tuple[RoutineStretch, str], ...]:
        """(stretch, leg) in the order they are done."""
        return tuple((s, leg) for s in self.stretches for leg in self.legs)

    def step_text(self, index: int, night: bool) -> str:
        """The instructions for step `index`."""
        stretch, leg = self.steps[index]
        return stretch.wording.text(night).replace("{leg}", leg)


@dataclass(frozen=True)
class FrequencyRule:
    """Cramps on at least `nights` of the last `within_days` nights count as frequent."""

    nights: int
    within_days: int


@dataclass(frozen=True)
class DiaryWords:
    """When the coach mentions the GP, and what it says from the diary."""

    rules: tuple[FrequencyRule, ...]
    """Any one of these makes cramps frequent."""
    remind_every_days: int
    """The GP sentence is said at most once in this many days."""
    see_gp: Wording
    """`{nights}` and `{days}` are filled from the rule that fired."""
    this_week: Wording
    """`{cramps}` and `{nights}` are filled in ("3 cramps", "2 nights")."""
    none_this_week: Wording
    no_diary: Wording


def _positive(chk: _Checker, file: str, data: Any, key: str, kind: type = int) -> Any:
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0 \
            or (kind is int and not isinstance(value, int)):
        chk.add(file, _line(data, key), f"'{key}' must be a positive "
                f"{'whole number' if kind is int else 'number'}")
        return None
    return kind(value)


def _read_bedtime(chk: _Checker, sources: dict[str, str]) -> Routine | None:
    file = "bedtime.yaml"
    data = chk.load(file)
    if not data:
        return None
    hold_s, holds = _positive(chk, file, data, "hold_s"), _positive(chk, file, data, "holds")
    rest_s = _positive(chk, file, data, "rest_s", float)
    legs = data.get("legs")
    if not isinstance(legs, list) or not legs or not all(isinstance(x, str) for x in legs):
        chk.add(file, _line(data, "legs"), "'legs' must be a list of leg names")
        legs = []
    protocol = data.get("protocol_sources")
    if not isinstance(protocol, list) or not protocol:
        chk.add(file, _line(data, "protocol_sources"), "the timings need 'protocol_sources'")
        protocol = []
    for key in protocol:
        if key not in sources:
            chk.add(file, _line(data, "protocol_sources"), f"unknown source '{key}'")
    words = {key: chk.wording(file, data, key, key != "help", sources)
             for key in ("intro", "again", "rest", "help", "outro")}
    raw = data.get("stretches")
    stretches: list[RoutineStretch] = []
    if not isinstance(raw, dict) or not raw:
        chk.add(file, _line(data, "stretches"), "'stretches' must name at least one stretch")
    else:
        for key, entry in raw.items():
            wording = chk.wording(file, raw, key, True, sources)
            name = entry.get("name") if isinstance(entry, dict) else None
            if not isinstance(name, str) or not name.strip():
                chk.add(file, _line(raw, key), f"stretch '{key}' needs a 'name'")
            elif wording is not None:
                stretches.append(RoutineStretch(str(key), name.strip(), wording))
    said = {k: w for k, w in words.items() if w is not None}
    if None in (hold_s, holds, rest_s) or not legs or not stretches or len(said) < len(words):
        return None
    return Routine(hold_s=hold_s, holds=holds, rest_s=rest_s, legs=tuple(legs),
                   stretches=tuple(stretches), intro=said["intro"], again=said["again"],
                   rest=said["rest"], help=said["help"], outro=said["outro"],
                   sources=tuple(sources[k] for k in protocol if k in sources))


def _read_diary(chk: _Checker, sources: dict[str, str]) -> DiaryWords | None:
    file = "diary.yaml"
    data = chk.load(file)
    if not data:
        return None
    frequent = data.get("frequent")
    if not isinstance(frequent, dict):
        chk.add(file, _line(data, "frequent"), "'frequent' must give 'rules' and a reminder gap")
        return None
    rules: list[FrequencyRule] = []
    raw_rules = frequent.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        chk.add(file, _line(frequent, "rules"), "'rules' must list at least one rule")
    for rule in raw_rules if isinstance(raw_rules, list) else []:
        nights = _positive(chk, file, rule, "nights") if isinstance(rule, dict) else None
        days = _positive(chk, file, rule, "within_days") if isinstance(rule, dict) else None
        if nights is not None and days is not None:
            if nights > days:
                chk.add(file, _line(rule, "nights"), f"{nights} nights within {days} days")
            else:
                rules.append(FrequencyRule(nights, days))
        elif not isinstance(rule, dict):
            chk.add(file, _line(frequent, "rules"), "each rule needs 'nights' and 'within_days'")
    every = _positive(chk, file, frequent, "remind_every_days")
    if not frequent.get("sources"):
        chk.add(file, _line(data, "frequent"), "'frequent' has no source")
    for key in frequent.get("sources") or []:
        if key not in sources:
            chk.add(file, _line(frequent, "sources"), f"unknown source '{key}'")
    words = {key: chk.wording(file, data, key, key == "see_gp", sources)
             for key in ("see_gp", "this_week", "none_this_week", "no_diary")}
    said = {k: w for k, w in words.items() if w is not None}
    if not rules or every is None or len(said) < len(words):
        return None
    return DiaryWords(tuple(rules), every, said["see_gp"], said["this_week"],
                      said["none_this_week"], said["no_diary"])


def routine_of(content: Content) -> Routine:
    """The bedtime routine (`load_content` always reads one)."""
    if content.bedtime is None:
        raise ContentError([f"{content.directory / 'bedtime.yaml'}:1: no bedtime routine"])
    return content.bedtime


def diary_words_of(content: Content) -> DiaryWords:
    """What the coach says from the diary (`load_content` always reads it)."""
    if content.diary is None:
        raise ContentError([f"{content.directory / 'diary.yaml'}:1: no diary wording"])
    return content.diary
