"""What the coach may say from the diary, worked out from past sessions (pure: no SQLite).

The runtime reads the diary and hands the coach a `DiaryFacts` before each session; the
coach never opens the database itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from voice.content.loader import DiaryWords

NIGHT_TURNS_AT_H = 12
"""A night runs from noon to noon: a cramp at 3 a.m. belongs to the evening before (hours)."""
WEEK_DAYS = 7
""""This week" is the last seven days."""


@dataclass(frozen=True)
class PastSession:
    """What the rules need to know of one diary row."""

    started: dt.datetime
    """When it began (timezone-aware)."""
    kind: str
    """`cramp`, `bedtime` or `warning`."""
    gp_said: bool = False
    """The coach mentioned the GP in this session."""


@dataclass(frozen=True)
class GpNote:
    """The frequency rule holds: the figures the GP sentence quotes."""

    nights: int
    """Cramp nights, counting tonight."""
    days: int
    """Within this many nights."""


@dataclass(frozen=True)
class DiaryFacts:
    """The diary, as far as the coach needs it."""

    kept: bool = False
    """A diary is kept (False with `--no-diary`, or when it could not be opened)."""
    cramps_week: int = 0
    """Cramp sessions in the last seven days."""
    nights_week: int = 0
    """Nights with a cramp in the last seven days."""
    gp_due: GpNote | None = None
    """Set when, counting tonight as a cramp night, cramps are frequent and the GP has not
    been mentioned within the reminder gap: the coach says so once, after aftercare."""


def night_of(t: dt.datetime) -> dt.date:
    """The night a moment belongs to, by the evening's date (local time)."""
    return (t.astimezone() - dt.timedelta(hours=NIGHT_TURNS_AT_H)).date()


def facts(past: Iterable[PastSession], now: dt.datetime, words: DiaryWords) -> DiaryFacts:
    """The facts for a session starting at `now` (timezone-aware)."""
    rows = list(past)
    cramps = [r for r in rows if r.kind == "cramp"]
    week = [r for r in cramps if now - r.started <= dt.timedelta(days=WEEK_DAYS)]
    return DiaryFacts(kept=True, cramps_week=len(week),
                      nights_week=len({night_of(r.started) for r in week}),
                      gp_due=_gp_due(rows, cramps, now, words))


def _gp_due(rows: list[PastSession], cramps: list[PastSession], now: dt.datetime,
            words: DiaryWords) -> GpNote | None:
    gap = dt.timedelta(days=words.remind_every_days)
    if any(r.gp_said and now - r.started < gap for r in rows):
        return None
    tonight = night_of(now)
    nights = {night_of(r.started) for r in cramps} | {tonight}
    for rule in words.rules:
        first = tonight - dt.timedelta(days=rule.within_days - 1)
        within = sum(1 for n in nights if first <= n <= tonight)
        if within >= rule.nights:
            return GpNote(within, rule.within_days)
    return None
