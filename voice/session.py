"""A whole coaching session on a virtual clock, with scripted user turns.

Runs the same coach and conductor as the live loop; only the clock is virtual. Each user
turn is used when the coach next listens; with no turns left, the coach's own timeouts
play out (one re-prompt, then back to idle).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from voice.coach import Coach, Finished, Heard, State, Timeout
from voice.conductor import REPLY_DELAY_S, Conductor, Plan, WavRenderer
from voice.intents import Intent

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
    at_count: int | None = None
    """Said over the count, as this count word starts (None: when the coach next listens)."""


@dataclass
class SessionResult:
    """The rendered session."""

    renderer: WavRenderer
    events: list[dict[str, object]] = field(default_factory=list)

    def timeline(self) -> dict[str, object]:
        """The contract's timeline object."""
        return {"sample_rate": self.renderer.sample_rate,
                "duration_s": round(self.renderer.duration_s, 4), "events": self.events}


def text_turn(intent: Intent, at_count: int | None = None) -> Turn:
    """A typed turn, as long as saying it would take."""
    return Turn(intent, max(0.4, SECONDS_PER_WORD * len(intent.text.split())), at_count)


def _cut_at(plan: Plan, turn: Turn | None) -> float | None:
    """When `turn` interrupts this plan: as its count word starts (None if it does not)."""
    if turn is None or turn.at_count is None:
        return None
    return next((c.start for c in plan.cues if c.kind == "count" and c.n == turn.at_count),
                None)


def run_session(coach: Coach, conductor: Conductor, turns: Iterable[Turn],
                night: bool) -> SessionResult:
    """Play a session until the coach ends it with no turns left, or gives up waiting."""
    pending = deque(turns)
    result = SessionResult(WavRenderer(conductor.library.sample_rate))
    state = State(night=night)
    t = reply_at = 0.0
    actions: tuple = ()
    for _ in range(MAX_STEPS):
        if not actions:  # the coach is waiting for the user
            if not pending:
                break
            turn = pending.popleft()
            result.events.append({"type": "user", "start": round(t, 4),
                                  "text": turn.intent.text, "intent": turn.intent.name,
                                  "slots": dict(turn.intent.slots)})
            state, actions = coach.step(state, Heard(turn.intent.name, turn.intent.slots))
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
            state, actions = coach.step(state, Heard(turn.intent.name, turn.intent.slots,
                                                     plan.counted_by(cut)))
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
            state, _ = coach.step(state, Finished())
            result.events.append({"type": "listen", "start": round(t, 4)})
            if pending:
                t += USER_GAP_S
            else:
                t += plan.listen.timeout_s
                state, actions = coach.step(state, Timeout())
                reply_at = t
    result.events.append({"type": "end", "start": round(t, 4)})
    result.renderer.extend_to(t)
    return result
