"""What a recogniser heard, read the way typed words are read.

A free-form recogniser's transcript is read by the same matcher, with the same safety
rules, in the same listening context as typed text (`IntentMatcher.parse`). Hearing adds
two things only. Words: the transcript's misspellings of the coach's own words are
corrected toward them (`correct.py`), and the corrected reading is taken when it says
more (a whole sentence of the coach's where the words as heard meant nothing, or the same
intent with a slot more), never a whole other sentence; when it still means nothing, its two or three words
are tried run together as one ("can sill", "cancel"). Sound: text that is the coach's own voice, heard back by the
microphone (its count, its instructions), is nothing.

    reader = HeardReader(matcher)
    reader.read("I woke up with a cath cramp.", Context.IDLE)
    # Reading(text="i woke up with a calf cramp", intent=Intent("cramp", {"muscle": "calf"}))
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from voice.understand.closeness import Keys
from voice.understand.correct import Corrector
from voice.understand.lexicon import Lexicon
from voice.understand.matcher import Intent, IntentMatcher, normalize
from voice.vocabulary import URGENT, Context

WHOLE = 1.0
"""Confidence of a reading that is a whole sentence of the templates: what a corrected
reading must be to find an intent where the words as heard had none. A guessed word found
by a rule or a keyword is too little: "table" is near "tablet", "station" near "statin",
and ordinary talk would turn into medicine questions and warning signs."""
CLEAR_MIN = 0.6
"""Least clarity (the recogniser's mean token probability) of a heard sentence that, while
idle, no whole sentence of the coach's reads, only a keyword, and that is mostly everyday
words (a warning sign is always heard, however unclearly): in noise Whisper writes garbled talk holding the coach's words
("... remembered by calf cramp"), and while idle such a reading would wake the house.
Typed text is always clear."""
OWN_MIN = 85.0
"""Least closeness (0..100) of heard text to a line the coach itself says in the context
for it to be that line heard back, unless it is a whole command sentence."""
_SENTENCE_END = re.compile(r"[.?!]+\s*")


def without_repeats(transcript: str) -> str:
    """The transcript with sentences said again straight after themselves left out: in
    noise Whisper tends to write a short command out several times ("Stop. Stop. Stop.")."""
    kept: list[str] = []
    for sentence in _SENTENCE_END.split(transcript):
        if sentence.strip() and (not kept or normalize(sentence) != normalize(kept[-1])):
            kept.append(sentence.strip())
    return ". ".join(kept)


@dataclass(frozen=True)
class Reading:
    """What a transcript was read as."""

    text: str
    """The words read (normalised, corrected), "" for nothing."""
    intent: Intent
    """Their intent in the context, `none` for nothing."""


NOTHING = Reading("", Intent("none", {}, 0.0, ""))


def _says_more(fixed: Intent, heard: Intent) -> bool:
    """Whether the corrected reading says more than the reading as heard, losing nothing."""
    if fixed.name == "none":
        return False
    if heard.name == "none":
        return fixed.confidence >= WHOLE
    return fixed.name == heard.name and dict(heard.slots).items() < dict(fixed.slots).items()


class HeardReader:
    """Reads a recogniser's transcripts in a listening context."""

    def __init__(self, matcher: IntentMatcher, correct: bool = True) -> None:
        self.matcher = matcher
        self.corrector = Corrector(Lexicon.of(matcher)) if correct else None
        """Corrects the transcript's words toward the coach's (None: read as heard)."""
        self._own = {ctx: Keys.of([("own", normalize(line)) for line in lines])
                     for ctx, lines in matcher.own_speech.items() if lines}

    def read(self, transcript: str, context: Context, others: Sequence[str] = (),
             clarity: float = 1.0) -> Reading:
        """The reading of `transcript` in `context`; `others` are the recogniser's other
        readings of the same sound, whose domain words a correction may take; `clarity`
        how sure the recogniser is of its words (0..1)."""
        heard = normalize(without_repeats(transcript))
        if not heard:
            return NOTHING
        intent = self.matcher.parse(heard, context)
        fixed_text = (heard if self.corrector is None or intent.confidence >= WHOLE
                      else self.corrector.correct(heard, [normalize(o) for o in others]))
        if fixed_text != heard:
            fixed = self.matcher.parse(fixed_text, context)
            if _says_more(fixed, intent):
                heard, intent = fixed_text, fixed
        joined_text = None if intent.name != "none" or self.corrector is None \
            else self.corrector.joined(heard)
        if joined_text is not None:
            joined = self.matcher.parse(joined_text, context)
            if _says_more(joined, intent):
                heard, intent = joined_text, joined
        if intent.name == "none" or self._own_voice(heard, context, intent):
            return NOTHING
        if context == Context.IDLE and intent.confidence < WHOLE and clarity < CLEAR_MIN \
                and intent.name not in URGENT and not self._mostly_the_coachs(heard):
            return NOTHING  # a sign is never let go for how it sounded
        return Reading(heard, intent)

    def _mostly_the_coachs(self, heard: str) -> bool:
        """Whether at least half the words are the coach's own, not everyday English
        ("lid cramp" is a command misheard; "... remembered by calf cramp" is talk)."""
        if self.corrector is None:
            return False
        lexicon = self.corrector.lexicon
        words = heard.split()
        own = sum(w in lexicon.words and w not in lexicon.everyday for w in words)
        return 2 * own >= len(words)

    def _own_voice(self, heard: str, context: Context, intent: Intent) -> bool:
        """Whether `heard` is the coach's own voice in `context`: close to a line it says
        there, and no whole command sentence."""
        own = self._own.get(context)
        if own is None or intent.confidence >= 1.0:
            return False
        found = own.nearest(heard)
        return found is not None and found[1] >= OWN_MIN
