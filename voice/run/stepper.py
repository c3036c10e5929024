"""One coach step at a time, for the live loop and the rendered session alike.

The stepper owns the coach's state: before each step the diary's facts go in, after it the
step goes to the diary, and what is left is what the runtime plays.
"""

from __future__ import annotations

import datetime as dt

from voice.coach.machine import Action, Coach, Event, Happened, State
from voice.diary.keeper import DiaryKeeper


class Stepper:
    """The coach, its state and (optionally) the diary it keeps."""

    def __init__(self, coach: Coach, night: bool, keeper: DiaryKeeper | None = None) -> None:
        self.coach = coach
        self.keeper = keeper
        """Gives the coach the diary's facts and writes its sessions (None: no diary)."""
        self.state = State(night=night)

    def step(self, event: Event, heard_text: str, at: dt.datetime) -> tuple[Action, ...]:
        """The coach's answer to `event` (the user's words `heard_text`, if any) at `at`:
        the actions to play, without those that are only for the diary."""
        before = self.state if self.keeper is None else self.keeper.ready(self.state, at)
        after, actions = self.coach.step(before, event)
        if self.keeper is not None:
            self.keeper.stepped(before, event, heard_text, after, actions, at)
        self.state = after
        return tuple(a for a in actions if not isinstance(a, Happened))
