"""The coach's one vocabulary: listening contexts, intent names and the sets made of them.

Each name and each set is defined here once; every other module imports it. The enums are
`str`s, so they print, compare and serialise as the plain names of `docs/cli.md`
(`idle`, `cramp`, `red_flag` ...).
"""

from __future__ import annotations

from enum import StrEnum


class Context(StrEnum):
    """A listening context: what the coach listens for depends on what it is doing."""

    IDLE = "idle"
    """Waiting for someone to ask for help: every intent."""
    COUNT = "count"
    """During a counted stretch: the count's commands and the warning signs."""
    QUESTION = "question"
    """After the coach has asked a question: answers."""


CONTEXTS: tuple[Context, ...] = tuple(Context)
"""Every listening context, in the order docs/cli.md gives them."""


class IntentName(StrEnum):
    """What an utterance means, by name."""

    CRAMP = "cramp"
    STOP = "stop"
    PAUSE = "pause"
    RESUME = "resume"
    REPEAT = "repeat"
    NEXT = "next"
    HELP = "help"
    YES = "yes"
    NO = "no"
    BETTER = "better"
    WORSE = "worse"
    MASSAGE = "massage"
    HEAT_ICE = "heat_ice"
    HYDRATION = "hydration"
    EXERCISE = "exercise"
    FOOTWEAR = "footwear"
    PREVENTION = "prevention"
    DOCTOR = "doctor"
    RED_FLAG = "red_flag"
    """A warning sign: stop coaching, get medical help."""
    EMERGENCY = "emergency"
    """Call an ambulance."""
    MEDICINE = "medicine"
    """A question about medicines, which the coach never advises on."""
    THANKS = "thanks"
    BEDTIME = "bedtime"
    """The bedtime stretching routine."""
    CRAMP_COUNT = "cramp_count"
    """How many cramps this week (from the diary)."""
    VOICE = "voice"
    """Speak louder, quieter, slower or faster from the next word on (slot `change`)."""
    TIME_LEFT = "time_left"
    """How long the current hold has left."""
    ALTERNATIVE = "alternative"
    """Another, easier stretch for the same muscle."""
    EXPLAIN = "explain"
    """A question about cramps themselves (slot `topic`), answered without a session."""
    NONE = "none"
    """Nothing the coach understands."""


INTENT_NAMES: tuple[IntentName, ...] = tuple(n for n in IntentName if n is not IntentName.NONE)
"""Every intent the templates can give; `none` is what matches nothing."""

URGENT: tuple[IntentName, ...] = (IntentName.EMERGENCY, IntentName.RED_FLAG)
"""The warning intents, an emergency first: the safety rules find them, they beat every
other intent, and the diary records them as a warning."""

TOPICS: tuple[IntentName, ...] = (
    IntentName.MASSAGE, IntentName.HEAT_ICE, IntentName.HYDRATION, IntentName.EXERCISE,
    IntentName.FOOTWEAR, IntentName.PREVENTION, IntentName.DOCTOR, IntentName.MEDICINE)
"""Question intents, each answered by a topic in remedies.yaml."""

MUSCLES = ("calf", "hamstring", "quadriceps", "foot")
"""Values of the `muscle` slot that have a stretch."""

VOICE_CHANGES = ("louder", "quieter", "slower", "faster")
"""Values of the `voice` intent's `change` slot."""

EXPLAIN_TOPICS = ("what", "causes", "pregnancy", "serious")
"""Values of the `explain` intent's `topic` slot."""

OTHER_MUSCLE = "other"
"""`muscle` slot of a cramp somewhere the coach has no stretch for: general first aid."""

SAMPLE_RATE = 16000
"""Rate of the audio every recogniser hears (hertz)."""

VOICES = ("piper", "espeak")
"""Who can speak (`--voice`): Piper's neural voice, the default, or espeak-ng through
pyttsx3."""
