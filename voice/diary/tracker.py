"""One diary row per session, worked out from what the coach heard and did (pure).

`Tracker.stepped` watches each coach step from outside: the coach stays a pure function
and knows nothing of the diary. What a step did the coach states in its `Happened` actions;
the tracker reads those (and the phases), never the words said. It keeps the row of the
open session up to date, so the runtime can write it after every step: a coach killed
mid-session leaves a row for what it had done, ending `unfinished`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from voice.coach.machine import (
    BEDTIME_PHASES,
    CRAMP_PHASES,
    Action,
    Count,
    End,
    Event,
    Happened,
    Phase,
    State,
    Timeout,
)

KINDS = ("cramp", "bedtime", "warning")
"""`cramp`: coached through a cramp; `bedtime`: the stretching routine; `warning`: a
warning or emergency sign heard outside any session. Nothing else is a row."""
ENDINGS = ("better", "worse", "warning_sign", "emergency", "stopped", "timed_out",
           "completed", "unfinished")
"""How a session ended. `worse`: nothing helped and the coach said to get medical advice;
`warning_sign`: a sign that needs a doctor was heard; `emergency`: a sign that needs an
ambulance was heard; `unfinished`: the coach itself was stopped (or killed) mid-session."""
_GRAVITY = {"warning_sign": 1, "emergency": 2}
"""Endings that later outcomes of the same session do not replace (the graver stays)."""
DONE = ("stretch", "repeat", "massage", "heat")
"""What the coach can have had the user do in a cramp session."""



@dataclass(frozen=True)
class SessionRecord:
    """A diary row."""

    kind: str
    started: dt.datetime
    """When the session began (timezone-aware)."""
    ended: dt.datetime
    """When it ended, or the last thing it did if it is `unfinished`."""
    muscle: str | None = None
    side: str | None = None
    done: tuple[str, ...] = ()
    """What the user was coached to do, in order, each once (`DONE`)."""
    eased_s: float | None = None
    """Seconds from the start until the user said it had eased (None if it did not)."""
    ending: str = "unfinished"
    warning: str | None = None
    """The words of a warning sign heard during the session."""
    gp_said: bool = False
    """The coach said frequent cramps are worth mentioning to a GP."""
    holds: int = 0
    """Bedtime routine: holds begun."""
    row_id: int | None = None
    """The diary's id for this row, once written."""


class Tracker:
    """Follows the coach step by step and keeps the open session's row."""

    def __init__(self) -> None:
        self.record: SessionRecord | None = None
        """The open session, if any."""

    def stepped(self, before: State, event: Event, heard_text: str, after: State,
                actions: tuple[Action, ...], at: dt.datetime) -> list[SessionRecord]:
        """Rows to write after one step (oldest first): the open session's, and that of
        one it closed."""
        out: list[SessionRecord] = []
        kind = self._kind(before, event, after, actions)
        if self.record is not None and kind is not None and kind != self.record.kind:
            out.append(self._close(replace(self.record, ending=self.record.ending
                                           if self.record.ending != "unfinished" else "stopped",
                                           ended=at)))
        if self.record is None and kind is not None:
            self.record = SessionRecord(kind, at, at)
        if self.record is None:
            return out
        rec = self._stopped(self._update(self.record, event, heard_text, actions, at),
                            before, after)
        if any(isinstance(a, End) for a in actions):
            ending = rec.ending
            if ending == "unfinished":
                ending = self._why_ended(event, actions)
            out.append(self._close(replace(rec, ending=ending)))
        else:
            self.record = rec
            out.append(rec)
        return out

    @staticmethod
    def _stopped(rec: SessionRecord, before: State, after: State) -> SessionRecord:
        """Stopped mid-count the session has ended as `stopped`, unless "continue" takes
        it up again."""
        if rec.ending in ("unfinished", "stopped"):
            if after.phase is Phase.STOPPED:
                return replace(rec, ending="stopped")
            if before.phase is Phase.STOPPED and after.phase is not Phase.IDLE:
                return replace(rec, ending="unfinished")
        return rec

    def written(self, record: SessionRecord, row_id: int) -> None:
        """The diary stored `record` as `row_id` (later writes update that row)."""
        if self.record is not None and self.record.started == record.started:
            self.record = replace(self.record, row_id=row_id)

    def _close(self, rec: SessionRecord) -> SessionRecord:
        self.record = None
        return rec

    @staticmethod
    def _kind(before: State, event: Event, after: State,
              actions: tuple[Action, ...]) -> str | None:
        """The kind of session this step is part of (None: no session). Only coaching
        through a cramp or the bedtime routine is a session: an answer to a question, a
        greeting or "help" is none, whatever phase the coach answers it in."""
        notes = _notes(actions)
        if after.phase in BEDTIME_PHASES or any(n.outcome == "completed" for n in notes):
            return "bedtime"  # (a routine of one hold begins and completes in one step)
        if after.phase in CRAMP_PHASES or any(n.did == "stretch" for n in notes):
            return "cramp"
        if before.phase in BEDTIME_PHASES:
            return "bedtime"  # the step that ended the routine
        if before.phase in CRAMP_PHASES:
            return "cramp"  # the step that ended a cramp session
        if any(n.warning for n in notes):
            return "warning"
        return None

    @staticmethod
    def _why_ended(event: Event, actions: tuple[Action, ...]) -> str:
        """How a session ended that no `Happened` outcome decided: ending as it eased is
        `better`."""
        if isinstance(event, Timeout):
            return "timed_out"
        return "better" if any(n.eased for n in _notes(actions)) else "stopped"

    @staticmethod
    def _update(rec: SessionRecord, event: Event, heard_text: str,
                actions: tuple[Action, ...], at: dt.datetime) -> SessionRecord:
        done = list(rec.done)
        changes: dict[str, object] = {"ended": at}
        begun = sum(1 for a in actions if isinstance(a, Count) and a.first == 1)
        if rec.kind == "bedtime" and begun:
            changes["holds"] = rec.holds + begun
        for note in _notes(actions):
            if note.side:
                changes["side"] = note.side
            if note.muscle:
                changes["muscle"] = note.muscle
            if note.did == "stretch":
                done.append("repeat" if "stretch" in done else "stretch")
            elif note.did is not None:
                done.append(note.did)
            if note.warning:
                changes["warning"] = heard_text or note.warning
            ending = str(changes.get("ending", rec.ending))
            if note.outcome is not None and \
                    _GRAVITY.get(note.outcome, 0) >= _GRAVITY.get(ending, 0):
                changes["ending"] = note.outcome  # a sign heard stays the ending
            if (note.eased and rec.kind == "cramp" and rec.eased_s is None
                    and "eased_s" not in changes):
                changes["eased_s"] = round((at - rec.started).total_seconds(), 1)
            if note.gp_said:
                changes["gp_said"] = True
        changes["done"] = tuple(dict.fromkeys(done))
        return replace(rec, **changes)  # type: ignore[arg-type]


def _notes(actions: tuple[Action, ...]) -> list[Happened]:
    return [a for a in actions if isinstance(a, Happened)]


def to_json(record: SessionRecord) -> dict[str, object]:
    """The `diary --json` object for a row (times in local time with their UTC offset)."""
    return {"id": record.row_id, "kind": record.kind,
            "started": record.started.astimezone().isoformat(timespec="milliseconds"),
            "ended": record.ended.astimezone().isoformat(timespec="milliseconds"),
            "muscle": record.muscle, "side": record.side, "done": list(record.done),
            "eased_s": record.eased_s, "ending": record.ending, "warning": record.warning,
            "gp_said": record.gp_said, "holds": record.holds}
