"""A whole coaching session on a virtual clock, with scripted user turns.

Runs the same coach and conductor as the live loop; only the clock is virtual. Each user
turn is used when the coach next listens (or, said over the count, as its count word
starts); with no turns left, the coach's own timeouts play out (one re-prompt, then back
to idle).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from voice.coach.machine import Action, Aside, Coach, Event, Finished, Heard, Timeout, Tune
from voice.diary.keeper import DiaryKeeper
from voice.errors import BadInput
from voice.run.stepper import Stepper
from voice.speak.conductor import REPLY_DELAY_S, Conductor, Cue, WavRenderer
from voice.understand.matcher import Intent
from voice.vocabulary import IntentName

USER_GAP_S = 0.6
"""Time from the coach starting to listen to the user starting to speak (seconds)."""
SECONDS_PER_WORD = 0.35
"""Assumed length of a typed turn's speech, per word (seconds)."""
MAX_STEPS = 200
"""Safety bound on the number of coach steps in one session."""


@dataclass(frozen=True)
class Turn:
    """One thing the user says."""

    intent: Intent
    duration_s: float
    """How long saying it takes (seconds)."""
    silent: bool = False
    """The user says nothing when the coach next listens: its wait runs out."""
    at_count: int | None = None
    """Said over the count, as this count word starts (None: when the coach next listens)."""


@dataclass
class SessionResult:
    """The rendered session."""

    renderer: WavRenderer
    voice: str
    """The engine and voice that spoke (`piper:en_US-joe-medium`)."""
    events: list[dict[str, object]] = field(default_factory=list)

    def timeline(self) -> dict[str, object]:
        """The timeline object of docs/cli.md."""
        return {"sample_rate": self.renderer.sample_rate,
                "duration_s": round(self.renderer.duration_s, 4), "voice": self.voice,
                "events": self.events}


def text_turn(intent: Intent, at_count: int | None = None) -> Turn:
    """A typed turn, as long as saying it would take."""
    return Turn(intent, max(0.4, SECONDS_PER_WORD * len(intent.text.split())),
                at_count=at_count)


def _cut_at(cues: tuple[Cue, ...], turn: Turn | None) -> float | None:
    """When `turn` interrupts these cues: as its count word starts (None if it does not)."""
    if turn is None or turn.at_count is None:
        return None
    return next((c.start for c in cues if c.kind == "count" and c.n == turn.at_count), None)


def _unsaid(turn: Turn) -> BadInput:
    return BadInput(f"--say-at {turn.at_count} {turn.intent.text!r}: the session ended before "
                    f"any count reached word {turn.at_count}; give a word the count says, "
                    "or the turn with --say")


SILENT_TURN = Turn(Intent(IntentName.NONE), 0.0, silent=True)
"""A turn in which the user says nothing."""


def run_session(coach: Coach, conductor: Conductor, turns: Iterable[Turn],
                night: bool, keeper: DiaryKeeper | None = None,
                started: dt.datetime | None = None) -> SessionResult:
    """Play a session as the live coach would, until it ends with no turns left. A turn the
    coach ignores changes nothing: what it was saying plays on, and a wait runs out as it
    would have. A turn said over the count (`at_count`) that no count reaches is an error
    (`BadInput`). With a `keeper`, the session goes in the diary as if begun at `started`."""
    pending = deque(turns)
    result = SessionResult(WavRenderer(conductor.library.sample_rate),
                           conductor.library.voice)
    stepper = Stepper(coach, night, keeper)
    t = reply_at = 0.0
    deadline: float | None = None
    """When the coach's wait for an answer runs out (None: it is not waiting)."""
    actions: tuple[Action, ...] = ()
    begun = started or dt.datetime.now().astimezone()

    def step(event: Event, at_s: float, heard_text: str = "") -> tuple[Action, ...]:
        return stepper.step(event, heard_text, begun + dt.timedelta(seconds=at_s))

    def hear(turn: Turn, at_s: float, counted: int = 0) -> tuple[Action, ...]:
        result.events.append({"type": "user", "start": round(at_s, 4),
                              "text": turn.intent.text, "intent": turn.intent.name,
                              "slots": dict(turn.intent.slots)})
        return step(Heard(turn.intent.name, turn.intent.slots, counted), at_s,
                    turn.intent.text)

    for _ in range(MAX_STEPS):
        if not actions:  # the coach is silent: waiting for an answer, or for a session
            turn = pending[0] if pending else None
            if turn is not None and not turn.silent and turn.at_count is None:
                pending.popleft()
                actions = hear(turn, t)
                t += turn.duration_s
                reply_at = t + REPLY_DELAY_S
                if actions:
                    deadline = None
                else:  # ignored: the wait, if any, goes on
                    t += USER_GAP_S
            elif deadline is not None:  # nothing said (or not yet) before the wait runs out
                if turn is not None and turn.silent:
                    pending.popleft()
                t, deadline = max(t, deadline), None
                actions = step(Timeout(), t)
                reply_at = t
            elif turn is None:
                break
            elif turn.silent:  # nobody is listening for an answer: nothing to wait out
                pending.popleft()
            else:
                raise _unsaid(turn)
            continue
        plan = conductor.plan(actions, reply_at)
        actions, cues = (), plan.cues
        while (cut := _cut_at(cues, pending[0] if pending else None)) is not None:
            # the user speaks over the count: what follows is played only if ignored
            said = tuple(c for c in cues if c.start <= cut)
            result.renderer.add(said)
            result.events.extend(cue.event() for cue in said)
            cues = cues[len(said):]
            turn = pending.popleft()
            actions = hear(turn, cut, plan.counted_by(cut))
            if actions and all(isinstance(a, (Tune, Aside)) for a in actions):
                # a change of voice, or a word between count words: the count goes on
                carried = conductor.carry_on(plan, cut, actions)
                plan = replace(carried, cues=tuple(c for c in plan.cues if c.start <= cut)
                               + carried.cues)
                cues, actions = carried.cues, ()
                continue
            t = cut + turn.duration_s
            reply_at = t + REPLY_DELAY_S
            if actions:
                break
        if actions:
            continue
        result.renderer.add(cues)
        result.events.extend(cue.event() for cue in cues)
        t = max(t, plan.done_at)
        if plan.end:
            result.events.append({"type": "end", "start": round(t, 4)})
            if not pending:
                result.renderer.extend_to(t)
                return result
            t += USER_GAP_S
        elif plan.listen is not None:
            step(Finished(), t)
            result.events.append({"type": "listen", "start": round(t, 4)})
            deadline = t + plan.listen.timeout_s
            if pending and not pending[0].silent and pending[0].at_count is None:
                t += USER_GAP_S
    if pending and pending[0].at_count is not None:
        raise _unsaid(pending[0])
    result.events.append({"type": "end", "start": round(t, 4)})
    result.renderer.extend_to(t)
    return result
