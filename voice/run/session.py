"""A whole coaching session on a virtual clock, with scripted user turns.

Runs the same coach and conductor as the live loop; only the clock is virtual. Each user
turn is used when the coach next listens; with no turns left, the coach's own timeouts
play out (one re-prompt, then back to idle).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from voice.coach.machine import Action, Coach, Event, Finished, Heard, Timeout
from voice.diary.keeper import DiaryKeeper
from voice.run.stepper import Stepper
from voice.speak.conductor import REPLY_DELAY_S, Conductor, Plan, WavRenderer
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
    events: list[dict[str, object]] = field(default_factory=list)

    def timeline(self) -> dict[str, object]:
        """The timeline object of docs/cli.md."""
        return {"sample_rate": self.renderer.sample_rate,
                "duration_s": round(self.renderer.duration_s, 4), "events": self.events}


def text_turn(intent: Intent, at_count: int | None = None) -> Turn:
    """A typed turn, as long as saying it would take."""
    return Turn(intent, max(0.4, SECONDS_PER_WORD * len(intent.text.split())),
                at_count=at_count)


def _cut_at(plan: Plan, turn: Turn | None) -> float | None:
    """When `turn` interrupts this plan: as its count word starts (None if it does not)."""
    if turn is None or turn.at_count is None:
        return None
    return next((c.start for c in plan.cues if c.kind == "count" and c.n == turn.at_count),
                None)


SILENT_TURN = Turn(Intent(IntentName.NONE), 0.0, silent=True)
"""A turn in which the user says nothing."""


def run_session(coach: Coach, conductor: Conductor, turns: Iterable[Turn],
                night: bool, keeper: DiaryKeeper | None = None,
                started: dt.datetime | None = None) -> SessionResult:
    """Play a session until the coach ends it with no turns left, or gives up waiting.
    With a `keeper`, the session goes in the diary as if it had begun at `started`."""
    pending = deque(turns)
    result = SessionResult(WavRenderer(conductor.library.sample_rate))
    stepper = Stepper(coach, night, keeper)
    t = reply_at = 0.0
    actions: tuple[Action, ...] = ()
    begun = started or dt.datetime.now().astimezone()

    def step(event: Event, at_s: float, heard_text: str = "") -> tuple[Action, ...]:
        return stepper.step(event, heard_text, begun + dt.timedelta(seconds=at_s))

    for _ in range(MAX_STEPS):
        if not actions:  # the coach is waiting for the user
            if not pending:
                break
            turn = pending.popleft()
            if turn.silent:  # nobody is listening for an answer: nothing to wait out
                continue
            result.events.append({"type": "user", "start": round(t, 4),
                                  "text": turn.intent.text, "intent": turn.intent.name,
                                  "slots": dict(turn.intent.slots)})
            actions = step(Heard(turn.intent.name, turn.intent.slots), t, turn.intent.text)
            t += turn.duration_s
            reply_at = t + REPLY_DELAY_S
            if not actions:
                t += USER_GAP_S
            continue
        plan = conductor.plan(actions, reply_at)
        cut = _cut_at(plan, pending[0] if pending else None)
        if cut is not None:  # the user speaks over the count: what follows is not played
            cues = tuple(c for c in plan.cues if c.start <= cut)
            result.renderer.add(cues)
            result.events.extend(cue.event() for cue in cues)
            turn = pending.popleft()
            result.events.append({"type": "user", "start": round(cut, 4),
                                  "text": turn.intent.text, "intent": turn.intent.name,
                                  "slots": dict(turn.intent.slots)})
            actions = step(Heard(turn.intent.name, turn.intent.slots, plan.counted_by(cut)),
                           cut, turn.intent.text)
            t = cut + turn.duration_s
            reply_at = t + REPLY_DELAY_S
            continue
        result.renderer.add(plan.cues)
        result.events.extend(cue.event() for cue in plan.cues)
        t, actions = max(t, plan.done_at), ()
        if plan.end:
            result.events.append({"type": "end", "start": round(t, 4)})
            if not pending:
                result.renderer.extend_to(t)
                return result
            t += USER_GAP_S
        elif plan.listen is not None:
            step(Finished(), t)
            result.events.append({"type": "listen", "start": round(t, 4)})
            if pending and not pending[0].silent:
                t += USER_GAP_S
            else:
                if pending:
                    pending.popleft()
                t += plan.listen.timeout_s
                actions = step(Timeout(), t)
                reply_at = t
    result.events.append({"type": "end", "start": round(t, 4)})
    result.renderer.extend_to(t)
    return result
