"""The coach: a pure state machine, `step(state, event) -> (state, actions)`.

It never sleeps, never touches a device and never reads the clock: what the user said
and what time did arrive as events, and what to do leaves as actions for the runtime
(`voice.speak.conductor`) to play, with `Happened` beside them for the diary. The same
coach runs a rendered session and a live one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from types import MappingProxyType
from typing import Literal

from voice.coach.facts import DiaryFacts
from voice.content.loader import Content, DiaryWords, Routine, Wording, diary_words_of, routine_of
from voice.vocabulary import OTHER_MUSCLE, TOPICS, Context, IntentName

# ----- actions ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Say:
    """Speak a text."""

    key: str
    """Content id of what is said (e.g. `stretch.calf`, `prompt.ask_easing`)."""
    text: str


@dataclass(frozen=True)
class Count:
    """Count a hold aloud, one word per second: `first`, `first + 1` … `last`."""

    first: int
    last: int


@dataclass(frozen=True)
class Listen:
    """Wait for the user's answer, with a deadline."""

    context: Context
    """Listening context (`idle`, `count`, `question`)."""
    timeout_s: float
    """How long to wait after the coach falls silent (seconds)."""


@dataclass(frozen=True)
class Silence:
    """Cut off whatever is being said now."""


@dataclass(frozen=True)
class Tune:
    """Speak louder, quieter, slower or faster from the next word on. The count goes on
    where it is, one word a second."""

    change: str
    """A value of the `voice` intent's `change` slot."""


@dataclass(frozen=True)
class Aside:
    """Say a few words between two count words, without stopping or moving the count."""

    key: str
    text: str


@dataclass(frozen=True)
class End:
    """The session is over; wait quietly for the next cramp."""


Did = Literal["stretch", "massage", "heat"]
"""What the coach had the user do."""
Outcome = Literal["better", "worse", "warning_sign", "emergency", "completed"]
"""How a session turned out: eased, nothing helped (get medical advice), a warning sign was
heard (a doctor), an emergency sign was heard (an ambulance), or the bedtime routine was
done to its end."""


@dataclass(frozen=True)
class Happened:
    """What a step did, for the diary: the diary reads these, never the words said. The
    runtime plays nothing for them."""

    did: Did | None = None
    muscle: str | None = None
    """The muscle a stretch was given for (None for the general first aid)."""
    side: str | None = None
    """The side the user named (`left`, `right`)."""
    outcome: Outcome | None = None
    """How the session turned out, whatever ends it after this."""
    warning: str | None = None
    """The warning sign heard (its intent), with `outcome` `warning_sign` or `emergency`."""
    eased: bool = False
    """The user said, or agreed, that the cramp has eased."""
    gp_said: bool = False
    """The coach said frequent cramps are worth mentioning to a GP."""


Action = Say | Count | Listen | Silence | End | Happened | Tune | Aside


# ----- events ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Heard:
    """The user said something."""

    intent: str
    slots: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    counted: int = 0
    """Count words already spoken when the user spoke (0 outside a count)."""


@dataclass(frozen=True)
class Finished:
    """Everything before the last `Listen` has been said: the coach is now waiting."""


@dataclass(frozen=True)
class Timeout:
    """The user gave no answer before the deadline of the last `Listen`."""


Event = Heard | Finished | Timeout


# ----- state -----------------------------------------------------------------------------

class Phase(Enum):
    """Where the session is."""

    IDLE = "idle"
    """No session: waiting for someone to ask for help."""
    ASK_MUSCLE = "ask_muscle"
    """Asked which muscle is cramping."""
    STRETCH = "stretch"
    """Giving the stretch and counting the hold."""
    PAUSED = "paused"
    """The count is paused, waiting for "continue"."""
    ASK_EASING = "ask_easing"
    """Asked whether the cramp is easing."""
    OFFER_TIPS = "offer_tips"
    """Offered a prevention tip."""
    ANSWERED = "answered"
    """Answered a question outside a session; listening for a follow-up."""
    BEDTIME = "bedtime"
    """Bedtime routine: giving a stretch and counting its hold."""
    BEDTIME_REST = "bedtime_rest"
    """Bedtime routine: the quiet rest between holds."""
    BEDTIME_PAUSED = "bedtime_paused"
    """Bedtime routine: paused, waiting for "continue"."""
    STOPPED = "stopped"
    """Stopped mid-count; listening a while for "continue"."""
    WARMTH = "warmth"
    """Warmth is on the muscle after a massage; given time before "is it easing?"."""


BEDTIME_PHASES = frozenset({Phase.BEDTIME, Phase.BEDTIME_REST, Phase.BEDTIME_PAUSED})
IDLE_PHASES = frozenset({Phase.IDLE, Phase.ANSWERED})
"""No session under way: the diary's facts may be read afresh, and a new session may begin."""
CRAMP_PHASES = frozenset({Phase.ASK_MUSCLE, Phase.STRETCH, Phase.PAUSED, Phase.ASK_EASING,
                          Phase.OFFER_TIPS, Phase.STOPPED, Phase.WARMTH})
"""Coaching someone through a cramp: the only phases, with the bedtime routine's, that make
a diary row. Every phase is in exactly one of the three sets."""


@dataclass(frozen=True)
class RoutineAt:
    """Where the bedtime routine is."""

    step: int = 0
    """Index of the (stretch, leg) step in `Routine.steps`."""
    hold: int = 1
    """Which hold of that step (1 .. `Routine.holds`)."""


@dataclass(frozen=True)
class State:
    """Everything the coach remembers."""

    phase: Phase = Phase.IDLE
    muscle: str | None = None
    """Muscle being stretched."""
    worse: int = 0
    """How many times the user said the stretch has not helped."""
    resume_at: int = 1
    """Count word to continue from after a pause."""
    reprompted: bool = False
    """A re-prompt was already given for the current question."""
    last: tuple[Action, ...] = ()
    """The last actions given, for "again"."""
    night: bool = False
    """Night mode: shorter wording (the runtime also speaks quieter and slower)."""
    bedtime: RoutineAt = field(default_factory=RoutineAt)
    """Position in the bedtime routine (in its phases)."""
    diary: DiaryFacts = field(default_factory=DiaryFacts)
    """What the diary says, set by the runtime before a session (the coach never reads it)."""
    massaging: bool = False
    """The hold being counted is a massage, not a stretch."""
    last_muscle: str | None = None
    """Muscle of the last stretch, kept after the session ends (for "it's back")."""


# ----- the machine -----------------------------------------------------------------------

class Coach:
    """`step(state, event) -> (state, actions)` over a content folder's words."""

    def __init__(self, content: Content) -> None:
        self.content = content
        self.hold_s = content.voice.hold_s
        self.answer_s = content.voice.answer_timeout_s
        self.paused_s = content.voice.paused_timeout_s

    # -- words --
    def _prompt(self, s: State, key: str) -> Say:
        return Say(f"prompt.{key}", self.content.prompt(key, s.night))

    def _step_words(self, s: State, key: str) -> Say:
        return Say(f"remedy.{key}", self.content.steps[key].text(s.night))

    def _topic(self, s: State, key: str) -> tuple[Action, ...]:
        """A topic's answer; massage and warmth are remedies the user is then trying."""
        said = Say(f"topic.{key}", self.content.topics[key].text(s.night))
        did = _TOPIC_DOES.get(key)
        return (said,) if did is None else (said, Happened(did=did))

    def _stretch(self, s: State, muscle: str) -> tuple[Action, ...]:
        if muscle not in self.content.stretches:
            return self._step_words(s, "general_stretch"), Happened(did="stretch")
        return (Say(f"stretch.{muscle}", self.content.stretches[muscle].text(s.night)),
                Happened(did="stretch", muscle=muscle))

    def _aftercare(self, s: State) -> tuple[Action, ...]:
        return self._step_words(s, "aftercare"), Happened(outcome="better", eased=True)

    def _glad(self, s: State) -> tuple[State, tuple[Action, ...]]:
        """It has eased before there was aftercare to give: the session ends here."""
        return self._end(s, self._prompt(s, "glad"), Happened(eased=True))

    def _warning(self, s: State, intent: str) -> tuple[State, tuple[Action, ...]]:
        """A warning sign: stop coaching and say what to do."""
        outcome: Outcome = "emergency" if intent == IntentName.EMERGENCY else "warning_sign"
        return self._end(s, Silence(), self._step_words(s, intent),
                         Happened(outcome=outcome, warning=intent))

    # -- plans --
    def _hold(self, s: State, first: int = 1) -> tuple[Action, ...]:
        """Count from `first`, then ask whether it is easing; after a counted massage,
        warmth first, given time before the question."""
        if s.massaging:
            return (Count(first, self.hold_s), self._step_words(s, "warmth"),
                    Happened(did="heat"), Listen(Context.QUESTION, self.content.voice.warmth_s))
        return (Count(first, self.hold_s), self._prompt(s, "ask_easing"),
                Listen(Context.QUESTION, self.answer_s))

    def _start_stretch(self, s: State, muscle: str, *lead: Action) -> tuple[State, tuple[Action, ...]]:
        s = replace(s, phase=Phase.STRETCH, muscle=muscle, resume_at=1, reprompted=False,
                    massaging=False, last_muscle=muscle)
        return s, (*lead, *self._stretch(s, muscle), *self._hold(s))

    def _end(self, s: State, *said: Action) -> tuple[State, tuple[Action, ...]]:
        return replace(State(night=s.night), last=s.last,
                       last_muscle=s.last_muscle), (*said, End())

    def step(self, state: State, event: Event) -> tuple[State, tuple[Action, ...]]:
        """The coach's answer to one event."""
        extra = self._extra(state, event)
        new, actions = extra if extra is not None else self._step(state, event)
        new, actions = self._gp_note(new, actions)
        side = event.slots.get("side") if isinstance(event, Heard) else None
        if side:
            actions = (*actions, Happened(side=side))
        if actions and any(isinstance(a, Say) for a in actions):
            # "Again" says the words again: nothing more has happened.
            new = replace(new, last=tuple(a for a in actions if not isinstance(a, Happened)))
        return new, actions

    def _step(self, s: State, event: Event) -> tuple[State, tuple[Action, ...]]:
        if isinstance(event, Timeout):
            return self._timeout(s)
        if isinstance(event, Finished):
            if s.phase is Phase.STRETCH:
                after = Phase.WARMTH if s.massaging else Phase.ASK_EASING
                return replace(s, phase=after, reprompted=False), ()
            return s, ()
        urgent = self._at_any_moment(s, event)
        if urgent is not None:
            return urgent
        handler = {
            Phase.IDLE: self._idle, Phase.ANSWERED: self._idle,
            Phase.ASK_MUSCLE: self._ask_muscle, Phase.STRETCH: self._stretching,
            Phase.PAUSED: self._paused, Phase.ASK_EASING: self._ask_easing,
            Phase.OFFER_TIPS: self._offer_tips, Phase.STOPPED: self._stopped,
            Phase.WARMTH: self._ask_easing,
        }[s.phase]
        return handler(s, event)

    # -- at any moment: safety, stop, thanks --
    def _at_any_moment(self, s: State, e: Heard) -> tuple[State, tuple[Action, ...]] | None:
        """Answers that do not depend on the phase; None for everything else."""
        if e.intent in (IntentName.EMERGENCY, IntentName.RED_FLAG):
            return self._warning(s, e.intent)
        if e.intent == IntentName.VOICE and e.slots.get("change"):
            return s, (Tune(e.slots["change"]),)
        if e.intent == IntentName.STOP:
            return self._stop(s, e)
        if e.intent == IntentName.THANKS and s.phase not in (Phase.IDLE, Phase.STRETCH, Phase.PAUSED):
            return self._end(s, self._prompt(s, "thanks"))
        return None

    def _stop(self, s: State, e: Heard) -> tuple[State, tuple[Action, ...]]:
        """Silence at once, then a word or two. Stopped mid-count, "continue" carries on
        from where the count stopped for a while."""
        if s.phase is Phase.IDLE:
            return s, (Silence(),)
        if s.phase is Phase.STOPPED:  # said again, or its own "stopped" heard: quiet now
            return self._end(s, Silence())
        if s.phase in (Phase.STRETCH, Phase.PAUSED):
            at = min(e.counted + 1, self.hold_s) if s.phase is Phase.STRETCH else s.resume_at
            s = replace(s, phase=Phase.STOPPED, resume_at=at, reprompted=False)
            return s, (Silence(), self._prompt(s, "stopped"), Listen(Context.IDLE, self.answer_s))
        return self._end(s, Silence(), self._prompt(s, "stopped"))

    def _stopped(self, s: State, e: Heard) -> tuple[State, tuple[Action, ...]]:
        if e.intent in (IntentName.RESUME, IntentName.YES):
            s = replace(s, phase=Phase.STRETCH, reprompted=False)
            return s, (self._prompt(s, "continuing"), *self._hold(s, s.resume_at))
        s, actions = self._idle(replace(s, phase=Phase.IDLE), e)
        if e.intent == IntentName.BETTER:  # it eased after the stop: the session stays stopped
            actions = (*actions, Happened(eased=True))
        return s, actions

    def _wanted(self, s: State, e: Heard) -> str | None:
        """The muscle a `cramp` asks to stretch: one named (a muscle the coach has no
        stretch for is `other`), or the last one again when the cramp is back."""
        muscle = e.slots.get("muscle")
        if muscle in self.content.stretches or muscle == OTHER_MUSCLE:
            return muscle
        if e.slots.get("again"):
            return s.muscle or s.last_muscle
        return None

    # -- shared answers --
    def _question(self, s: State, intent: str) -> tuple[Action, ...] | None:
        """Answer to a question on a topic, or to "help"; None for anything else."""
        if intent in TOPICS:
            return self._topic(s, intent)
        if intent == IntentName.HELP:
            return (self._prompt(s, "help"),)
        return None

    def _repeat(self, s: State) -> tuple[State, tuple[Action, ...]]:
        if not s.last:
            return s, (self._prompt(s, "nothing_to_repeat"), Listen(Context.IDLE, self.answer_s))
        return s, (Silence(), *s.last)

    def _not_understood(self, s: State, question: tuple[Action, ...]) -> tuple[State, tuple[Action, ...]]:
        return s, (self._prompt(s, "not_understood"), *question)

    # -- phases --
    def _idle(self, s: State, e: Heard) -> tuple[State, tuple[Action, ...]]:
        if e.intent == IntentName.CRAMP:
            muscle = self._wanted(s, e)
            both = (self._prompt(s, "both_legs"),) if e.slots.get("side") == "both" else ()
            if muscle is not None:
                return self._start_stretch(s, muscle, *both)
            if both:
                return self._start_stretch(s, OTHER_MUSCLE, *both)
            s = replace(s, phase=Phase.ASK_MUSCLE, reprompted=False)
            return s, (self._prompt(s, "ask_muscle"), Listen(Context.QUESTION, self.answer_s))
        if e.intent == IntentName.WORSE:
            s = replace(s, phase=Phase.ASK_MUSCLE, reprompted=False)
            return s, (self._prompt(s, "ask_muscle"), Listen(Context.QUESTION, self.answer_s))
        if e.intent == IntentName.REPEAT and s.phase is Phase.ANSWERED:
            return self._repeat(s)
        answer = self._question(s, e.intent)
        topic = e.slots.get("topic", "what")
        if e.intent == IntentName.EXPLAIN and topic in self.content.explanations:
            answer = (Say(f"explain.{topic}", self.content.explanations[topic].text(s.night)),)
        if answer is not None:
            return replace(s, phase=Phase.ANSWERED), (*answer, Listen(Context.IDLE, self.answer_s))
        if e.intent == IntentName.BETTER and s.phase is Phase.ANSWERED:
            return self._glad(s)
        # Anything else while idle is most likely not meant for the coach: stay quiet.
        return s, ()

    def _ask_muscle(self, s: State, e: Heard) -> tuple[State, tuple[Action, ...]]:
        muscle = self._wanted(s, e)
        if e.intent == IntentName.CRAMP and muscle is not None:
            return self._start_stretch(s, muscle)
        if e.intent in (IntentName.CRAMP, IntentName.NONE) and s.reprompted:
            # Asked twice and still no muscle it has a stretch for: general first aid.
            return self._start_stretch(s, OTHER_MUSCLE)
        ask = (self._prompt(s, "ask_muscle_again"), Listen(Context.QUESTION, self.answer_s))
        if e.intent in (IntentName.CRAMP, IntentName.NONE):
            return replace(s, reprompted=True), ask
        if e.intent == IntentName.REPEAT:
            return s, ask
        answer = self._question(s, e.intent)
        if answer is not None:
            return s, (*answer, *ask)
        if e.intent == IntentName.BETTER:
            return self._glad(s)
        if e.intent == IntentName.NO:
            return self._end(s, self._prompt(s, "goodbye"))
        return s, ask

    def _stretching(self, s: State, e: Heard) -> tuple[State, tuple[Action, ...]]:
        resume_at = min(e.counted + 1, self.hold_s)
        if e.intent == IntentName.PAUSE:
            s = replace(s, phase=Phase.PAUSED, resume_at=resume_at, reprompted=False)
            return s, (Silence(), self._prompt(s, "paused"), Listen(Context.COUNT, self.paused_s))
        if e.intent == IntentName.REPEAT:
            return self._start_stretch(s, s.muscle or "calf", Silence())
        if e.intent == IntentName.NEXT:
            s = replace(s, phase=Phase.ASK_EASING, reprompted=False)
            return s, (Silence(), self._prompt(s, self._ask_key(s)),
                       Listen(Context.QUESTION, self.answer_s))
        if e.intent in (IntentName.BETTER, IntentName.WORSE):
            return self._ask_easing(replace(s, phase=Phase.ASK_EASING), e, Silence())
        if e.intent == IntentName.TIME_LEFT:
            left = self.hold_s - e.counted - 1  # said after the next count word
            text = self.content.prompt("time_left", s.night).format(
                seconds=left)
            return s, (Aside("prompt.time_left", text),)
        if e.intent == IntentName.ALTERNATIVE and not s.massaging \
                and (s.muscle or "") in self.content.alternatives:
            easier = s.muscle or ""
            s = replace(s, resume_at=1, reprompted=False)
            return s, (Silence(), Say(f"alternative.{easier}",
                                      self.content.alternatives[easier].text(s.night)),
                       Happened(did="stretch", muscle=easier), *self._hold(s))
        muscle = self._wanted(s, e)
        if e.intent == IntentName.CRAMP and muscle is not None and (muscle != s.muscle or s.massaging):
            return self._start_stretch(s, muscle, Silence())
        answer = self._question(s, e.intent)
        if answer is not None and e.counted > 0:
            return s, (Silence(), *answer, self._prompt(s, "continuing"),
                       *self._hold(s, resume_at))
        if answer is not None:
            return self._start_stretch(s, s.muscle or "calf", Silence(), *answer)
        # "continue", "yes" and the like while counting: keep counting.
        return s, ()

    def _paused(self, s: State, e: Heard) -> tuple[State, tuple[Action, ...]]:
        if e.intent in (IntentName.RESUME, IntentName.YES, IntentName.NEXT):
            s = replace(s, phase=Phase.STRETCH, reprompted=False)
            return s, self._hold(s, s.resume_at)
        if e.intent == IntentName.REPEAT:
            return self._start_stretch(s, s.muscle or "calf")
        if e.intent in (IntentName.BETTER, IntentName.WORSE):
            return self._ask_easing(replace(s, phase=Phase.ASK_EASING), e)
        answer = self._question(s, e.intent)
        if answer is not None:
            return s, (*answer, self._prompt(s, "paused"), Listen(Context.COUNT, self.paused_s))
        return s, ()

    def _ask_easing(self, s: State, e: Heard, *lead: Action) -> tuple[State, tuple[Action, ...]]:
        if e.intent in (IntentName.BETTER, IntentName.YES):
            s = replace(s, phase=Phase.OFFER_TIPS, reprompted=False)
            return s, (*lead, *self._aftercare(s), self._prompt(s, "offer_tips"),
                       Listen(Context.QUESTION, self.answer_s))
        if e.intent in (IntentName.WORSE, IntentName.NO, IntentName.NEXT):
            return self._not_easing(replace(s, worse=s.worse + (e.intent != IntentName.NEXT)), *lead)
        if e.intent == IntentName.REPEAT:
            return self._start_stretch(s, s.muscle or "calf", *lead)
        muscle = self._wanted(s, e)
        if e.intent == IntentName.CRAMP and muscle is not None:
            return self._start_stretch(s, muscle, *lead)
        s = replace(s, phase=Phase.ASK_EASING)
        ask = (self._prompt(s, "ask_easing_again"), Listen(Context.QUESTION, self.answer_s))
        answer = self._question(s, e.intent)
        if answer is not None:
            return s, (*lead, *answer, *ask)
        return self._not_understood(s, ask)

    def _not_easing(self, s: State, *lead: Action) -> tuple[State, tuple[Action, ...]]:
        """First time: stretch once more. Second: massage, heat and when to get help.
        After that: stop coaching and say to get medical advice."""
        if s.worse <= 1:
            return self._start_stretch(s, s.muscle or "calf", *lead,
                                       self._step_words(s, "stretch_again"))
        if s.worse == 2:
            s = replace(s, phase=Phase.STRETCH, resume_at=1, reprompted=False, massaging=True)
            return s, (*lead, self._step_words(s, "massage"), Happened(did="massage"),
                       *self._hold(s))
        return self._end(s, *lead, self._step_words(s, "not_easing"), Happened(outcome="worse"))

    def _offer_tips(self, s: State, e: Heard) -> tuple[State, tuple[Action, ...]]:
        if e.intent in (IntentName.YES, IntentName.NEXT, IntentName.PREVENTION):
            return self._end(s, *self._topic(s, "prevention"), self._prompt(s, "goodbye"))
        if e.intent in (IntentName.NO, IntentName.BETTER):
            return self._end(s, self._prompt(s, "goodbye"))
        if e.intent == IntentName.WORSE:
            return self._not_easing(replace(s, worse=s.worse + 1))
        if e.intent == IntentName.CRAMP:
            return self._idle(replace(s, phase=Phase.IDLE), e)
        if e.intent == IntentName.REPEAT:
            return self._repeat(s)
        ask = (self._prompt(s, "offer_tips_again"), Listen(Context.QUESTION, self.answer_s))
        answer = self._question(s, e.intent)
        if answer is not None:
            return s, (*answer, *ask)
        return self._not_understood(s, ask)

    def _ask_key(self, s: State) -> str:
        """After a massage there is no stretch to relax from."""
        return "ask_easing_after" if s.massaging else "ask_easing"

    def _timeout(self, s: State) -> tuple[State, tuple[Action, ...]]:
        """No answer: one gentle re-prompt, then back to idle. Warmth has had its time:
        now ask whether it is easing. After a stop, the wait for "continue" ends quietly."""
        if s.phase is Phase.WARMTH:
            s = replace(s, phase=Phase.ASK_EASING, reprompted=False)
            return s, (self._prompt(s, "ask_easing_after"), Listen(Context.QUESTION, self.answer_s))
        if s.phase is Phase.STOPPED:
            return self._end(s)
        again = {
            Phase.ASK_MUSCLE: ("ask_muscle_again", Context.QUESTION, self.answer_s),
            Phase.ASK_EASING: ("ask_easing_again", Context.QUESTION, self.answer_s),
            Phase.OFFER_TIPS: ("offer_tips_again", Context.QUESTION, self.answer_s),
            Phase.PAUSED: ("paused_again", Context.COUNT, self.paused_s),
        }.get(s.phase)
        if again is None or s.reprompted:
            if s.phase in (Phase.IDLE, Phase.ANSWERED):
                return self._end(s)
            return self._end(s, self._prompt(s, "standing_by"))
        s = replace(s, reprompted=True)
        return s, (self._prompt(s, again[0]), Listen(again[1], again[2]))

    # ----- the bedtime routine and the diary, apart from the cramp session above -----------

    @property
    def routine(self) -> Routine:
        """The bedtime routine."""
        return routine_of(self.content)

    def _extra(self, s: State, e: Event) -> tuple[State, tuple[Action, ...]] | None:
        """The routine's phases, and "bedtime stretches" or "how many cramps" heard while
        idle; None for the cramp session's own steps."""
        if s.phase in BEDTIME_PHASES:
            return self._bedtime(s, e)
        if isinstance(e, Heard) and s.phase in (Phase.IDLE, Phase.ANSWERED):
            if e.intent == IntentName.BEDTIME:
                s = replace(s, bedtime=RoutineAt(), resume_at=1, reprompted=False)
                return self._hold_plan(s, self._said(s, "bedtime.intro", self.routine.intro))
            if e.intent == IntentName.CRAMP_COUNT:
                return replace(s, phase=Phase.ANSWERED), (self._cramp_count(s),
                                                          Listen(Context.IDLE, self.answer_s))
        return None

    def _said(self, s: State, key: str, wording: Wording) -> Say:
        return Say(key, wording.text(s.night))

    def _hold_plan(self, s: State, *lead: Action) -> tuple[State, tuple[Action, ...]]:
        """Count the hold at `s.bedtime` from `s.resume_at`, then rest (or finish)."""
        r, at = self.routine, s.bedtime
        words: tuple[Action, ...] = ()
        if s.resume_at == 1 and at.hold == 1:
            stretch, leg = r.steps[at.step]
            words = (Say(f"bedtime.step.{stretch.key}.{leg}", r.step_text(at.step, s.night)),)
        elif s.resume_at == 1:
            words = (self._said(s, "bedtime.again", r.again),)
        count = Count(s.resume_at, r.hold_s)
        if at.step == len(r.steps) - 1 and at.hold == r.holds:
            return self._end(s, *lead, *words, count, *self._outro(s))
        s = replace(s, phase=Phase.BEDTIME, resume_at=1, reprompted=False)
        return s, (*lead, *words, count, self._said(s, "bedtime.rest", r.rest),
                   Listen(Context.COUNT, r.rest_s))

    def _outro(self, s: State) -> tuple[Action, ...]:
        return self._said(s, "bedtime.outro", self.routine.outro), Happened(outcome="completed")

    def _next_hold(self, s: State) -> State:
        at = s.bedtime
        if at.hold < self.routine.holds:
            return replace(s, bedtime=RoutineAt(at.step, at.hold + 1), resume_at=1)
        return replace(s, bedtime=RoutineAt(at.step + 1, 1), resume_at=1)

    def _skip(self, s: State, *lead: Action) -> tuple[State, tuple[Action, ...]]:
        """On to the next stretch (or leg); after the last one, the routine is done."""
        if s.bedtime.step + 1 >= len(self.routine.steps):
            return self._end(s, *lead, *self._outro(s))
        return self._hold_plan(replace(s, bedtime=RoutineAt(s.bedtime.step + 1, 1),
                                       resume_at=1), *lead)

    def _bedtime(self, s: State, e: Event) -> tuple[State, tuple[Action, ...]]:
        if isinstance(e, Finished):
            if s.phase is Phase.BEDTIME:
                return replace(s, phase=Phase.BEDTIME_REST), ()
            return s, ()
        if isinstance(e, Timeout):
            return self._bedtime_timeout(s)
        if e.intent == IntentName.STOP:
            return self._end(s, Silence())
        if e.intent == IntentName.CRAMP:  # a real cramp comes first
            return self._idle(replace(s, phase=Phase.IDLE), e)
        if s.phase is Phase.BEDTIME_PAUSED:
            return self._bedtime_paused(s, e)
        if e.intent == IntentName.PAUSE:
            if s.phase is Phase.BEDTIME and 0 < e.counted < self.routine.hold_s:
                s = replace(s, resume_at=e.counted + 1)
            else:  # paused in a rest (or after the last word): the next hold comes after
                s = self._next_hold(s)
            s = replace(s, phase=Phase.BEDTIME_PAUSED, reprompted=False)
            return s, (Silence(), self._prompt(s, "paused"), Listen(Context.COUNT, self.paused_s))
        if e.intent == IntentName.NEXT:
            return self._skip(s, Silence())
        if e.intent == IntentName.REPEAT:
            return self._hold_plan(replace(s, bedtime=RoutineAt(s.bedtime.step, 1),
                                           resume_at=1), Silence())
        if e.intent == IntentName.HELP or e.intent in TOPICS:
            said = ((self._said(s, "bedtime.help", self.routine.help),) if e.intent == IntentName.HELP
                    else self._topic(s, e.intent))
            if s.phase is Phase.BEDTIME_REST:
                s = self._next_hold(s)
            return self._hold_plan(replace(s, resume_at=1), Silence(), *said)
        return self._bedtime_other(s, e)

    def _bedtime_other(self, s: State, e: Heard) -> tuple[State, tuple[Action, ...]]:
        """Warning signs (and any other intent that ends coaching) end the routine as they
        end a cramp session; anything else is ignored while stretching."""
        outside = self._step(replace(s, phase=Phase.IDLE), e)
        if any(isinstance(a, End) for a in outside[1]):
            return outside
        return s, ()

    def _bedtime_paused(self, s: State, e: Heard) -> tuple[State, tuple[Action, ...]]:
        if e.intent in (IntentName.RESUME, IntentName.YES):
            return self._hold_plan(s)
        if e.intent == IntentName.NEXT:
            return self._skip(s)
        if e.intent == IntentName.REPEAT:
            return self._hold_plan(replace(s, bedtime=RoutineAt(s.bedtime.step, 1),
                                           resume_at=1))
        if e.intent == IntentName.HELP:
            return s, (self._said(s, "bedtime.help", self.routine.help),
                       self._prompt(s, "paused"), Listen(Context.COUNT, self.paused_s))
        return self._bedtime_other(s, e)

    def _bedtime_timeout(self, s: State) -> tuple[State, tuple[Action, ...]]:
        if s.phase is Phase.BEDTIME_REST:
            return self._hold_plan(self._next_hold(s))
        if s.phase is Phase.BEDTIME_PAUSED and not s.reprompted:
            s = replace(s, reprompted=True)
            return s, (self._prompt(s, "paused_again"), Listen(Context.COUNT, self.paused_s))
        return self._end(s, self._prompt(s, "standing_by"))

    def _cramp_count(self, s: State) -> Say:
        """ "How many cramps have I had this week?", from the facts the runtime gave."""
        words, facts = self._diary_words, s.diary
        if not facts.kept:
            return self._said(s, "diary.no_diary", words.no_diary)
        if facts.cramps_week == 0:
            return self._said(s, "diary.none_this_week", words.none_this_week)
        text = words.this_week.text(s.night).format(
            cramps=_plural(facts.cramps_week, "cramp"), nights=_plural(facts.nights_week, "night"))
        return Say("diary.this_week", text[0].upper() + text[1:])

    @property
    def _diary_words(self) -> DiaryWords:
        return diary_words_of(self.content)

    def _gp_note(self, s: State, actions: tuple[Action, ...]) -> tuple[State, tuple[Action, ...]]:
        """After aftercare, once, when cramps have been frequent: one sentence on the GP."""
        due = s.diary.gp_due
        at = next((i for i, a in enumerate(actions)
                   if isinstance(a, Say) and a.key == "remedy.aftercare"), None)
        if due is None or at is None:
            return s, actions
        text = self._diary_words.see_gp.text(s.night).format(nights=due.nights, days=due.days)
        s = replace(s, diary=replace(s.diary, gp_due=None))
        return s, (*actions[:at + 1], Say("diary.see_gp", text), Happened(gp_said=True),
                   *actions[at + 1:])


_TOPIC_DOES: dict[str, Did] = {"massage": "massage", "heat_ice": "heat"}
"""Topics whose answer is a remedy to try, by question intent."""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
