"""`cramp-coach diary [--weeks N] [--json] [--plot OUT.png]` and `diary forget [--yes]`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from voice.cli.common import diary_path
from voice.coach.facts import night_of
from voice.content.loader import load_content
from voice.diary.plot import MAX_WEEKS
from voice.diary.store import Diary
from voice.diary.tracker import SessionRecord, to_json
from voice.errors import BadInput, CoachError
from voice.files import check_writable
from voice.log import log


class NotConfirmed(CoachError):
    """`diary forget` was not confirmed (exit 1)."""


def _path(args: argparse.Namespace) -> Path:
    path = diary_path(args)
    if path is None:  # only the coaching commands offer --no-diary
        raise BadInput("no diary to show")
    return path


def run(args: argparse.Namespace) -> int:
    """Show, draw or forget the diary."""
    path = _path(args)
    if args.diary_command == "forget":
        return _forget(path, args.yes)
    if args.plot is not None:
        if args.weeks > MAX_WEEKS:
            raise BadInput(f"--weeks {args.weeks}: a picture shows at most {MAX_WEEKS} weeks "
                           f"(two years); the table and --json go back up to 520")
        check_writable(args.plot)
    if not path.exists():
        print(f"No diary yet at {path}.", file=sys.stderr if args.json else sys.stdout)
        records: list[SessionRecord] = []
    else:
        diary = Diary(path, log.warning)
        try:
            records = diary.sessions(_since(args.weeks))
        finally:
            diary.close()
    if args.plot is not None:
        _plot(args, records)
    elif args.json:
        for record in records:
            print(json.dumps(to_json(record)))
    elif path.exists():
        _table(records, args.weeks, path)
    return 0


def _since(weeks: int) -> dt.datetime:
    """The start of the first night shown (local noon, `weeks` weeks ago)."""
    today = night_of(dt.datetime.now().astimezone())
    first = today - dt.timedelta(days=7 * weeks - 1)
    return dt.datetime.combine(first, dt.time(12)).astimezone()


def _plot(args: argparse.Namespace, records: list[SessionRecord]) -> None:
    from voice.diary.plot import plot  # with matplotlib, only when a picture is asked for

    last = night_of(dt.datetime.now().astimezone())
    first = last - dt.timedelta(days=7 * args.weeks - 1)
    plot(records, first, last, args.plot, load_content(args.content).muscle_names)
    print(f"wrote {args.plot}")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _table(records: list[SessionRecord], weeks: int, path: Path) -> None:
    print(f"Cramp diary, last {weeks} week{'s' if weeks > 1 else ''} ({path})")
    if not records:
        print("No sessions.")
        return
    rows = [("night of", "start", "kind", "muscle", "side", "done", "eased", "ending")]
    for r in records:
        what = ", ".join(r.done) if r.kind != "bedtime" else f"{r.holds} holds"
        if r.warning:
            what = f"{what}; heard: {r.warning}" if what else f"heard: {r.warning}"
        rows.append((night_of(r.started).strftime("%a %-d %b"),
                     r.started.astimezone().strftime("%H:%M"), r.kind, r.muscle or "-",
                     r.side or "-", what or "-", _duration(r.eased_s),
                     r.ending.replace("_", " ")))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False))
              + "  " + row[-1])
    week_ago = dt.datetime.now().astimezone() - dt.timedelta(days=7)
    week = [r for r in records if r.kind == "cramp" and r.started >= week_ago]
    nights = len({night_of(r.started) for r in week})
    print(f"Last 7 days: {len(week)} cramp{'s' if len(week) != 1 else ''} on {nights} "
          f"night{'s' if nights != 1 else ''}.")


def _forget(path: Path, yes: bool) -> int:
    aside = sorted(path.parent.glob(f"{path.name}.damaged-*")) if path.parent.is_dir() else []
    if not path.exists() and not aside:
        print(f"No diary at {path}: nothing to forget.")
        return 0
    if not yes:
        print(f"Delete every entry of the diary at {path}"
              f"{f' and {len(aside)} damaged copies' if aside else ''}? [y/N] ",
              end="", file=sys.stderr, flush=True)
        answer = sys.stdin.readline().strip().lower()
        if answer not in ("y", "yes"):
            raise NotConfirmed("nothing deleted (say y to confirm, or give --yes)")
    count = 0
    if path.exists():
        diary = Diary(path, log.warning)
        try:
            count = diary.forget()
        finally:
            diary.close()
    for extra in aside:  # damaged copies were the user's diary too
        extra.unlink(missing_ok=True)
    print(f"Forgot {count} session{'s' if count != 1 else ''}"
          f"{f' and deleted {len(aside)} damaged copies' if aside else ''} ({path}).")
    return 0
