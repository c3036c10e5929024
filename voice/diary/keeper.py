"""Between the coach and the diary, for the runtime (live loop, rendered session).

Before a session the keeper gives the coach the diary's facts; after each coach step it
writes the open session's row, so whatever stops the coach, the diary holds what was
done. A diary that fails is said once and then left alone: coaching never stops for it.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from voice.coach.facts import WEEK_DAYS, DiaryFacts, facts
from voice.coach.machine import IDLE_PHASES, Action, Event, State
from voice.content.loader import DiaryWords
from voice.diary.store import Diary
from voice.diary.tracker import SessionRecord, Tracker
from voice.errors import DiaryError


class DiaryKeeper:
    """Feeds the coach the diary's facts and writes its sessions."""

    def __init__(self, diary: Diary | None, words: DiaryWords,
                 warn: Callable[[str], None]) -> None:
        self.diary = diary
        self.words = words
        self.warn = warn
        self.tracker = Tracker()

    @classmethod
    def open(cls, path: Path | None, words: DiaryWords,
             warn: Callable[[str], None]) -> DiaryKeeper:
        """A keeper for the diary at `path` (None: no diary). A diary that cannot be opened
        is said once; the coach then runs without one."""
        if path is None:
            return cls(None, words, warn)
        try:
            return cls(Diary(path, warn), words, warn)
        except DiaryError as exc:
            warn(f"{exc}; coaching without the diary")
            return cls(None, words, warn)

    def ready(self, state: State, at: dt.datetime) -> State:
        """`state` with fresh diary facts when no session is under way."""
        if state.phase not in IDLE_PHASES:
            return state
        return replace(state, diary=self.facts(at))

    def facts(self, at: dt.datetime) -> DiaryFacts:
        """What the coach may say from the diary at `at`."""
        if self.diary is None:
            return DiaryFacts()
        days = max([WEEK_DAYS, self.words.remind_every_days,
                    *(r.within_days for r in self.words.rules)]) + 1
        try:
            past = self.diary.past(at - dt.timedelta(days=days))
        except sqlite3.Error as exc:
            self._failed(exc)
            return DiaryFacts()
        return facts(past, at, self.words)

    def stepped(self, before: State, event: Event, heard_text: str, after: State,
                actions: tuple[Action, ...], at: dt.datetime) -> None:
        """Record one coach step."""
        for record in self.tracker.stepped(before, event, heard_text, after, actions, at):
            self._write(record)

    def close(self, at: dt.datetime) -> None:
        """The coach is stopping: an open session's row gets its last time (it stays
        `unfinished`), and the file is closed."""
        if self.tracker.record is not None:
            self._write(replace(self.tracker.record, ended=at))
        if self.diary is not None:
            self.diary.close()
            self.diary = None

    def _write(self, record: SessionRecord) -> None:
        if self.diary is None:
            return
        try:
            row_id = self.diary.write(record)
        except sqlite3.Error as exc:
            self._failed(exc)
            return
        self.tracker.written(record, row_id)

    def _failed(self, exc: sqlite3.Error) -> None:
        path = self.diary.path if self.diary is not None else "the diary"
        self.warn(f"{path}: the diary cannot be written ({exc}); coaching without it")
        if self.diary is not None:
            self.diary.close()
        self.diary = None
