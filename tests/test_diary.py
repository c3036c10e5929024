"""The cramp diary: a real SQLite file, written by real coaches (processes), read back."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.support.core import cli, coach, content
from tests.support.diary import from_json
from tests.support.running import Running
from voice import ROOT_DIR
from voice.coach.facts import DiaryFacts, GpNote, PastSession, facts, night_of
from voice.coach.machine import (
    BEDTIME_PHASES,
    CRAMP_PHASES,
    IDLE_PHASES,
    Event,
    Finished,
    Heard,
    Phase,
    Say,
    State,
    Timeout,
)
from voice.diary.store import SCHEMA_VERSION, Diary
from voice.diary.tracker import SessionRecord, Tracker
from voice.vocabulary import INTENT_NAMES, IntentName

WORDS = content().diary
assert WORDS is not None
LOCAL = dt.datetime.now().astimezone().tzinfo


def rows(db: Path) -> list[dict]:
    out = cli("diary", "--json", "--weeks", "8", "--diary", str(db))
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def session(db: Path, *turns: str) -> subprocess.CompletedProcess[str]:
    args = [a for t in turns for a in ("--say", t)]
    out = cli("session", *args, "--day", "--diary", str(db))
    assert out.returncode == 0, out.stderr
    return out


def said(out: subprocess.CompletedProcess[str]) -> str:
    return " ".join(line.split("say", 1)[1].strip() for line in out.stdout.splitlines()
                    if "  say " in line)


def night(days_ago: int, hour: int = 2) -> dt.datetime:
    """`hour` o'clock local time, in the night that began `days_ago` evenings ago."""
    evening = dt.datetime.now().astimezone().date() - dt.timedelta(days=days_ago)
    if dt.datetime.now().astimezone().hour < 12:
        evening -= dt.timedelta(days=1)
    day = evening + dt.timedelta(days=1) if hour < 12 else evening
    return dt.datetime.combine(day, dt.time(hour, 10), LOCAL)


def seed(db: Path, *records: SessionRecord) -> list[SessionRecord]:
    diary = Diary(db, print)
    try:
        return [SessionRecord(**{**r.__dict__, "row_id": diary.write(r)}) for r in records]
    finally:
        diary.close()


def cramp(at: dt.datetime, muscle: str = "calf", **kw: object) -> SessionRecord:
    fields: dict = {"kind": "cramp", "started": at, "ended": at + dt.timedelta(minutes=2),
                    "muscle": muscle, "done": ("stretch",), "eased_s": 61.0,
                    "ending": "better", **kw}
    return SessionRecord(**fields)


# ----- one row per session, whatever its ending ------------------------------------------

ENDINGS = {
    "better": ["help, left calf cramp", "it's gone", "no"],
    "worse": ["help, calf cramp", "it still hurts", "it still hurts", "it still hurts"],
    "warning_sign": ["help, calf cramp", "my calf is swollen"],
    "stopped": ["cramp in the back of my thigh", "stop"],
    "timed_out": ["leg cramp"],
}


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_each_ending_writes_one_complete_row(tmp_path: Path, ending: str) -> None:
    db = tmp_path / "d.sqlite3"
    session(db, *ENDINGS[ending])
    [row] = rows(db)
    assert row["kind"] == "cramp" and row["ending"] == ending
    started, ended = (dt.datetime.fromisoformat(row[k]) for k in ("started", "ended"))
    assert started <= ended
    if ending == "better":
        assert (row["muscle"], row["side"], row["done"]) == ("calf", "left", ["stretch"])
        assert 30 < row["eased_s"] < 60
    if ending == "worse":
        assert row["done"] == ["stretch", "repeat", "massage", "heat"]
        assert row["eased_s"] is None
    if ending == "warning_sign":
        assert row["warning"] == "my calf is swollen"
    if ending == "stopped":
        assert row["muscle"] == "hamstring"
    if ending == "timed_out":
        assert row["muscle"] is None and row["done"] == []


def test_bedtime_and_a_lone_warning_sign_are_rows_of_their_own(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    session(db, "bedtime stretches", "next", "next", "next", "next", "next")
    session(db, "my leg is swollen")
    session(db, "should I drink water")  # a question is no session: no row
    found = [(r["kind"], r["ending"]) for r in rows(db)]
    assert found == [("bedtime", "completed"), ("warning", "warning_sign")]
    assert rows(db)[0]["holds"] == 8  # 1 + 5 skipped to the last leg, then its 3


# ----- what is a row: a cramp, the bedtime routine, a sign heard -------------------------

ROW_OF = {IntentName.CRAMP: "cramp", IntentName.WORSE: "cramp",
          IntentName.BEDTIME: "bedtime", IntentName.RED_FLAG: "warning",
          IntentName.EMERGENCY: "warning"}
"""The row an intent said to the idle coach makes; every other intent makes none."""


def test_every_phase_is_idle_a_cramp_or_the_bedtime_routine() -> None:
    for phase in Phase:
        assert [phase in s for s in (IDLE_PHASES, CRAMP_PHASES, BEDTIME_PHASES)].count(True) \
            == 1, phase


@pytest.mark.parametrize("intent", [*INTENT_NAMES, IntentName.NONE])
def test_only_a_cramp_the_routine_or_a_sign_is_a_row(intent: IntentName) -> None:
    for lead in ([], [Heard("hydration")]):  # said to the idle coach, or after an answer
        events: list[Event] = [*lead, Heard(intent), Finished(), Timeout(), Timeout(),
                               Timeout()]
        kinds = {r.kind for r in rows_of(events, rename=False)}
        assert kinds == ({ROW_OF[intent]} if intent in ROW_OF else set()), (lead, kinds)


def test_questions_greetings_and_help_leave_the_diary_empty(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    asked = ["hello", "help", "what can I say", "should I drink water", "heat or ice",
             "should I take magnesium", "how many cramps this week", "thank you", "again"]
    session(db, *asked)
    session(db, "good evening")
    assert rows(db) == []
    session(db, "help, calf cramp", "it's gone", "no")
    assert [r["kind"] for r in rows(db)] == ["cramp"]


def rehearse(db: Path, at: dt.datetime, *said: str) -> str:
    """A real session with its diary, as if it had begun at `at`; what the coach said."""
    from tests.support.core import library, matcher
    from voice.diary.keeper import DiaryKeeper
    from voice.run.session import run_session, text_turn
    from voice.speak.conductor import Conductor

    keeper = DiaryKeeper.open(db, WORDS, print)
    result = run_session(coach(), Conductor(library(), night=False),
                         [text_turn(matcher().parse(t)) for t in said], False, keeper, at)
    keeper.close(at + dt.timedelta(seconds=result.renderer.duration_s))
    return " ".join(str(e["text"]) for e in result.events if e["type"] == "say")


def test_questions_on_other_nights_do_not_count_toward_the_gp(tmp_path: Path) -> None:
    cramp_turns = ("help, calf cramp", "it's gone", "no")
    for name, other_nights in (("asked", ("should I drink water", "help")),
                               ("cramped", cramp_turns)):
        db = tmp_path / f"{name}.sqlite3"
        seed(db, cramp(night(5)))
        heard = [rehearse(db, night(k), *other_nights) for k in (3, 2)]
        heard.append(rehearse(db, night(0), *cramp_turns))
        kinds = [r["kind"] for r in rows(db)]
        if name == "asked":  # two cramp nights in seven, tonight's included: no GP
            assert kinds == ["cramp", "cramp"] and not any("GP" in h for h in heard)
        else:  # the third cramp night in seven hears it
            assert kinds == ["cramp"] * 4 and "worth mentioning to your GP" in heard[1]


# ----- a coach that is stopped, or killed, mid-session -----------------------------------

@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "SIGINT"])
def test_a_coach_stopped_mid_session_leaves_a_complete_row(tmp_path: Path, how: str) -> None:
    db = tmp_path / "d.sqlite3"
    coach_proc = Running("listen", "--text", "--day", "--diary", str(db))
    try:
        coach_proc.type("help, right calf cramp")
        coach_proc.wait_for("(counting 1 to 30")
        coach_proc.proc.send_signal(getattr(signal, how))
        code = coach_proc.finish(30)
    finally:
        coach_proc.kill()
    assert code != 0
    if how != "SIGKILL":
        assert "Traceback" not in "\n".join(coach_proc.err)
    [row] = rows(db)
    assert (row["kind"], row["muscle"], row["side"]) == ("cramp", "calf", "right")
    assert row["done"] == ["stretch"] and row["ending"] == "unfinished"
    assert dt.datetime.fromisoformat(row["started"]) <= dt.datetime.fromisoformat(row["ended"])


def test_a_typed_session_goes_in_the_default_diary_unless_turned_off(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    typed = "help, calf cramp\nstop\n"
    run = [sys.executable, "-m", "voice", "listen", "--text", "--day", "--once"]
    off = subprocess.run([*run, "--no-diary"], input=typed, text=True, capture_output=True,
                         env=env, cwd=ROOT_DIR, timeout=120, check=False)
    assert off.returncode == 0, off.stderr
    assert not (tmp_path / "data").exists()
    on = subprocess.run(run, input=typed, text=True, capture_output=True, env=env,
                        cwd=ROOT_DIR, timeout=120, check=False)
    assert on.returncode == 0, on.stderr
    assert [r["ending"] for r in rows(tmp_path / "data" / "cramp-coach" / "diary.sqlite3")] \
        == ["stopped"]


# ----- damaged, old and newer files ------------------------------------------------------

@pytest.mark.parametrize("damage", ["not a database", "torn pages"])
def test_a_damaged_diary_is_moved_aside_reported_and_replaced(tmp_path: Path,
                                                              damage: str) -> None:
    db = tmp_path / "d.sqlite3"
    if damage == "not a database":
        db.write_bytes(b"this is not a diary\n" * 300)
    else:
        seed(db, *(cramp(night(k % 20)) for k in range(400)))
        data = bytearray(db.read_bytes())
        data[4096:4096 * 3] = b"\xa5" * (4096 * 2)  # pages past the header, scribbled over
        db.write_bytes(bytes(data))
    damaged = db.read_bytes()
    out = cli("diary", "--diary", str(db))
    assert out.returncode == 0, out.stderr
    [message] = out.stderr.splitlines()
    assert "was damaged; moved it to d.sqlite3.damaged-" in message
    [aside] = tmp_path.glob("d.sqlite3.damaged-*")
    assert aside.read_bytes() == damaged  # kept as it was, never deleted
    assert rows(db) == []
    session(db, "help, calf cramp", "stop")  # the fresh diary works
    assert len(rows(db)) == 1


def test_a_coach_with_a_damaged_diary_still_coaches(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    db.write_bytes(b"\x00garbage" * 1000)
    out = cli("listen", "--text", "--day", "--once", "--diary", str(db),
              stdin="help, calf cramp\nstop\n")
    assert out.returncode == 0 and "was damaged" in out.stderr
    assert [r["ending"] for r in rows(db)] == ["stopped"]


def test_an_old_diary_is_migrated_and_a_newer_one_refused(tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite3"
    sqlite3.connect(old).close()  # an empty version-0 file
    assert rows(old) == []
    with sqlite3.connect(old) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    newer = tmp_path / "new.sqlite3"
    with sqlite3.connect(newer) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = newer.read_bytes()
    out = cli("diary", "--diary", str(newer))
    assert out.returncode == 2 and "written by a newer cramp-coach" in out.stderr
    assert len(out.stderr.splitlines()) == 1 and newer.read_bytes() == before
    coached = cli("listen", "--text", "--day", "--once", "--diary", str(newer),
                  stdin="help, calf cramp\nstop\n")
    assert coached.returncode == 0 and "coaching without the diary" in coached.stderr


# ----- two coaches at once ---------------------------------------------------------------

WRITER = """
import datetime as dt, sys
from dataclasses import replace
from voice.diary.store import Diary
from voice.diary.tracker import SessionRecord
diary = Diary(__import__("pathlib").Path(sys.argv[1]), print)
t = dt.datetime.now().astimezone()
for i in range(int(sys.argv[3])):  # as the live loop does: insert, then update each step
    rec = SessionRecord("cramp", t, t, muscle=sys.argv[2])
    rec = replace(rec, row_id=diary.write(rec))
    for done in (("stretch",), ("stretch", "repeat")):
        rec = replace(rec, done=done, ended=dt.datetime.now().astimezone())
        diary.write(rec)
    diary.write(replace(rec, ending="better"))
diary.close()
"""


def test_two_coaches_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(ROOT_DIR)}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), muscle, "150"],
                              env=env, stderr=subprocess.PIPE, text=True)
             for muscle in ("calf", "foot")]
    for p in procs:
        assert p.wait(120) == 0, p.stderr.read() if p.stderr else ""
    found = rows(db)
    assert len(found) == 300
    assert sorted(r["muscle"] for r in found) == ["calf"] * 150 + ["foot"] * 150
    assert all(r["ending"] == "better" and r["done"] == ["stretch", "repeat"] for r in found)


def test_two_rendered_sessions_at_once_both_land(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(ROOT_DIR)}
    turns = {"calf": ["help, calf cramp", "it's gone", "no"],
             "bedtime": ["bedtime stretches"]}
    procs = [subprocess.Popen([sys.executable, "-m", "voice", "session", "--day", "--diary",
                               str(db), *[a for t in said_turns for a in ("--say", t)]],
                              env=env, cwd=ROOT_DIR, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
             for said_turns in turns.values()]
    for p in procs:
        assert p.wait(180) == 0, p.stderr.read() if p.stderr else ""
    assert sorted((r["kind"], r["ending"]) for r in rows(db)) == [
        ("bedtime", "completed"), ("cramp", "better")]


# ----- reading it back ---------------------------------------------------------------------

def test_json_round_trips(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    written = seed(
        db, cramp(night(3), side="left", done=("stretch", "repeat", "massage", "heat"),
                  ending="worse", eased_s=None),
        cramp(night(2, hour=23), muscle="foot", warning='it\'s "swollen", ça alors',
              ending="warning_sign", gp_said=True),
        SessionRecord("bedtime", night(1, hour=22), night(1, hour=22) +
                      dt.timedelta(minutes=7), holds=18, ending="completed"))
    back = [from_json(r) for r in rows(db)]
    assert back == written


def test_table_for_people(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    seed(db, cramp(night(2), side="right"), cramp(night(1), muscle="hamstring"))
    out = cli("diary", "--diary", str(db))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[1].split() == ["night", "of", "start", "kind", "muscle", "side", "done",
                                "eased", "ending"]
    assert "1 min 01 s" in lines[2] and "right" in lines[2] and "better" in lines[2]
    assert lines[-1] == "Last 7 days: 2 cramps on 2 nights."
    assert not out.stdout.lstrip().startswith("{")


def test_weeks_limits_what_is_shown_and_bad_options_are_one_line(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    seed(db, cramp(night(20)), cramp(night(1)))
    one = cli("diary", "--json", "--weeks", "1", "--diary", str(db))
    assert len(one.stdout.splitlines()) == 1
    for bad in (["--weeks", "0"], ["--weeks", "many"]):
        out = cli("diary", *bad, "--diary", str(db))
        assert out.returncode == 2 and len(out.stderr.splitlines()) == 1
        assert "Traceback" not in out.stderr
    folder = cli("diary", "--diary", str(tmp_path))
    assert folder.returncode == 2 and "Traceback" not in folder.stderr


def test_forget_asks_first_and_deletes_everything(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    seed(db, cramp(night(2)), cramp(night(1)))
    (tmp_path / "d.sqlite3.damaged-20260101-000000").write_bytes(b"old")
    kept = cli("diary", "forget", "--diary", str(db), stdin="n\n")
    assert kept.returncode == 1 and "nothing deleted" in kept.stderr
    assert len(rows(db)) == 2
    gone = cli("diary", "forget", "--diary", str(db), stdin="y\n")
    assert gone.returncode == 0 and "Forgot 2 sessions" in gone.stdout
    assert rows(db) == [] and not list(tmp_path.glob("*.damaged-*"))
    assert b"stretch" not in db.read_bytes()  # overwritten, not just unlinked
    again = cli("diary", "forget", "--yes", "--diary", str(db))
    assert again.returncode == 0 and "Forgot 0 sessions" in again.stdout


def test_forget_on_a_diary_that_cannot_be_written_is_one_line_and_keeps_it(
        tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    seed(db, cramp(night(1)))
    # root writes through file modes, so the file is made immutable instead
    made = subprocess.run(["chattr", "+i", str(db)], check=False, capture_output=True)
    if made.returncode != 0:
        pytest.skip("chattr +i is not available on this file system")
    try:
        out = cli("diary", "forget", "--yes", "--diary", str(db))
    finally:
        subprocess.run(["chattr", "-i", str(db)], check=True)
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert "cannot be changed" in out.stderr and "nothing was deleted" in out.stderr
    assert len(rows(db)) == 1


# ----- the frequency rule and "how many cramps this week" ---------------------------------

def test_frequent_fires_on_the_third_night_in_seven_not_the_second() -> None:
    now = night(0)
    two = [PastSession(night(3), "cramp")]
    three = [PastSession(night(3), "cramp"), PastSession(night(6), "cramp")]
    assert facts(two, now, WORDS).gp_due is None  # tonight is only the second night
    assert facts(three, now, WORDS).gp_due == GpNote(3, 7)
    old = [PastSession(night(3), "cramp"), PastSession(night(7), "cramp")]
    assert facts(old, now, WORDS).gp_due is None  # the other night is outside the seven
    same_night = [PastSession(night(0, hour=1), "cramp"), PastSession(night(3), "cramp")]
    assert facts(same_night, now, WORDS).gp_due is None  # two cramps, one night
    bedtime = [PastSession(night(1), "bedtime"), PastSession(night(2), "bedtime")]
    assert facts(bedtime, now, WORDS).gp_due is None  # stretching is not a cramp


def test_frequent_is_said_once_a_week() -> None:
    now = night(0)
    nights = [PastSession(night(k), "cramp") for k in (1, 2, 4, 5, 8, 9, 10)]
    assert facts(nights, now, WORDS).gp_due == GpNote(5, 7)
    said = [*nights[:-1], PastSession(night(6), "cramp", gp_said=True)]
    assert facts(said, now, WORDS).gp_due is None
    said_long_ago = [*nights, PastSession(night(8), "cramp", gp_said=True)]
    assert facts(said_long_ago, now, WORDS).gp_due == GpNote(5, 7)


def test_most_nights_for_two_weeks_is_frequent_too() -> None:
    rule = WORDS.rules[1]
    assert (rule.nights, rule.within_days) == (8, 14)
    spread = [PastSession(night(k), "cramp") for k in (8, 9, 10, 11, 12, 13, 3)]
    assert facts(spread, night(0), WORDS).gp_due == GpNote(8, 14)


def test_the_coach_says_it_once_after_aftercare_in_one_short_sentence() -> None:
    due = DiaryFacts(kept=True, cramps_week=3, nights_week=2, gp_due=GpNote(3, 7))
    for is_night in (False, True):
        state = State(phase=Phase.ASK_EASING, muscle="calf", night=is_night, diary=due)
        state, actions = coach().step(state, Heard("better"))
        keys = [a.key for a in actions if isinstance(a, Say)]
        assert keys[:2] == ["remedy.aftercare", "diary.see_gp"]
        text = next(a.text for a in actions if isinstance(a, Say) and a.key == "diary.see_gp")
        assert text.count(".") == 1 and "GP" in text
        if is_night:
            assert len(text.split()) <= 10
        assert state.diary.gp_due is None
        _, again = coach().step(State(phase=Phase.ASK_EASING, muscle="calf",
                                      diary=state.diary), Heard("better"))
        assert "diary.see_gp" not in [a.key for a in again if isinstance(a, Say)]
    quiet = State(phase=Phase.ASK_EASING, muscle="calf", diary=DiaryFacts(kept=True))
    _, actions = coach().step(quiet, Heard("better"))
    assert "diary.see_gp" not in [a.key for a in actions if isinstance(a, Say)]


def test_through_real_sessions_the_third_night_hears_it_and_the_next_does_not(
        tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    seed(db, cramp(night(4)))
    second = said(session(db, "help, calf cramp", "it's gone", "no"))
    assert "GP" not in second  # tonight is the second night in seven
    seed(db, cramp(night(2)))
    third = said(session(db, "help, calf cramp", "it's gone", "no"))
    assert "worth mentioning to your GP" in third and "3 of the last 7 nights" in third
    assert third.index("Walk a few steps") < third.index("GP")
    fourth = said(session(db, "help, calf cramp", "it's gone", "no"))
    assert "GP" not in fourth  # once a week
    assert [r["gp_said"] for r in rows(db)] == [False, False, False, True, False]


def test_how_many_cramps_this_week_is_answered_from_the_diary(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    seed(db, cramp(night(1)), cramp(night(1, hour=4)), cramp(night(3)), cramp(night(12)),
         SessionRecord("bedtime", night(2, 22), night(2, 22), ending="completed"))
    answer = said(session(db, "how many cramps have I had this week"))
    assert answer == "In the last seven days you've had 3 cramps on 2 nights."
    empty = said(session(tmp_path / "empty.sqlite3", "how many cramps this week"))
    assert empty == WORDS.none_this_week.day
    off = cli("session", "--say", "how many cramps have I had this week", "--day")
    assert said(off) == WORDS.no_diary.day


def test_night_of_puts_small_hours_with_the_evening_before() -> None:
    evening = dt.datetime(2026, 3, 4, 23, 30, tzinfo=LOCAL)
    small_hours = dt.datetime(2026, 3, 5, 3, 0, tzinfo=LOCAL)
    assert night_of(evening) == night_of(small_hours) == dt.date(2026, 3, 4)


# ----- the picture -------------------------------------------------------------------------

def seeded_picture_diary(db: Path) -> None:
    muscles = ["calf", "calf", "hamstring", "foot", "calf", "quadriceps", None, "calf"]
    records = [cramp(night(k * 3 + 1), muscle=m) for k, m in enumerate(muscles)]
    records += [cramp(night(2, hour=4), muscle="foot"), cramp(night(2, hour=5)),
                cramp(night(5), ending="warning_sign", warning="it's swollen")]
    records += [SessionRecord("bedtime", night(k, 22), night(k, 22), holds=18,
                              ending="completed") for k in (0, 1, 3, 4)]
    seed(db, *records)


def png_size(png: Path) -> tuple[int, int]:
    """Width and height of a PNG file, from its header."""
    import struct

    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_plot_writes_a_png(tmp_path: Path) -> None:
    db, png = tmp_path / "d.sqlite3", tmp_path / "d.png"
    seeded_picture_diary(db)
    out = cli("diary", "--plot", str(png), "--diary", str(db))
    assert out.returncode == 0, out.stderr
    assert len(png.read_bytes()) > 20_000
    width, height = png_size(png)
    assert 800 < width < 1100 and 600 < height < 1000  # four weeks


def test_weeks_of_a_picture_are_bounded_with_one_line(tmp_path: Path) -> None:
    from voice.diary.plot import MAX_WEEKS

    db, png = tmp_path / "d.sqlite3", tmp_path / "d.png"
    seed(db, cramp(night(1)))
    out = cli("diary", "--plot", str(png), "--weeks", str(MAX_WEEKS + 1), "--diary", str(db))
    assert out.returncode == 2 and not png.exists()
    [line] = out.stderr.splitlines()
    assert f"at most {MAX_WEEKS} weeks" in line and "Traceback" not in line
    longest = cli("diary", "--plot", str(png), "--weeks", str(MAX_WEEKS), "--diary", str(db))
    assert longest.returncode == 0, longest.stderr
    assert png_size(png)[1] < 13_000
    table = cli("diary", "--weeks", "520", "--diary", str(db))  # the table goes further back
    assert table.returncode == 0 and "last 520 weeks" in table.stdout


def picture(records: list[SessionRecord], weeks: int = 4) -> object:
    """The diary's picture of the last `weeks` weeks, drawn (a matplotlib figure)."""
    from voice.diary.plot import figure

    last = night_of(dt.datetime.now().astimezone())
    fig = figure(records, last - dt.timedelta(days=7 * weeks - 1), last,
                 content().muscle_names)
    fig.canvas.draw()
    return fig


def every_kind_of_night() -> list[SessionRecord]:
    """One night of each kind of mark, and a night with all of them at once."""
    def routine(k: int, ending: str) -> SessionRecord:
        return SessionRecord("bedtime", night(k, 22), night(k, 22), holds=4, ending=ending)

    def sign(k: int, ending: str) -> SessionRecord:
        return SessionRecord("warning", night(k), night(k), warning="heard", ending=ending)

    crowded = [cramp(night(3, hour=1 + h % 6), muscle=m) for h, m in
               enumerate(["calf", "foot", None, "hamstring", "quadriceps", "calf", "calf",
                          "calf", "foot"])]
    return [*crowded, routine(3, "completed"), sign(3, "emergency"), sign(3, "warning_sign"),
            cramp(night(5), ending="warning_sign"), cramp(night(6), ending="emergency"),
            sign(7, "warning_sign"), sign(8, "emergency"),
            routine(9, "completed"), routine(10, "stopped"), routine(11, "unfinished")]


def test_the_title_says_cramps_and_nights_in_words() -> None:
    six = [cramp(night(2, hour=h)) for h in range(1, 7)]
    assert picture(six).axes[0].get_title().endswith(": 6 cramps on 1 night")
    assert picture(six[:1]).axes[0].get_title().endswith(": 1 cramp on 1 night")
    two = [cramp(night(2)), cramp(night(4))]
    assert picture(two).axes[0].get_title().endswith(": 2 cramps on 2 nights")
    assert picture([]).axes[0].get_title().endswith(": no cramps")


def test_every_mark_drawn_has_its_legend_entry() -> None:
    from voice.diary import plot

    ax = picture(every_kind_of_night()).axes[0]
    drawn = {a.get_gid() for a in [*ax.collections, *ax.lines]}
    assert {plot.RING, plot.LONE_SIGN, plot.EMERGENCY, plot.ROUTINE_DONE,
            plot.ROUTINE_STOPPED} <= drawn
    labels = plot.legend_labels(content().muscle_names)
    shown = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [labels[gid] for gid in sorted(drawn) if labels[gid] not in shown] == []
    assert len(set(shown)) == len(shown)
    assert "an emergency (ambulance)" in shown and "bedtime stretches stopped early" in shown


def mark_boxes(fig: object) -> list[tuple[str, object]]:
    """Where each mark lies on the picture, in pixels: dots and flags as the square around
    the marker (edge included), bars as their line's stroke."""
    from matplotlib.transforms import Bbox

    ax, renderer = fig.axes[0], fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes: list[tuple[str, object]] = []
    for mark in ax.collections:
        (x, y), = ax.transData.transform(mark.get_offsets())
        half = (np.sqrt(mark.get_sizes()[0]) / 2 + mark.get_linewidths()[0]) * fig.dpi / 72
        boxes.append((mark.get_gid(), Bbox.from_extents(x - half, y - half, x + half, y + half)))
    for line in ax.lines:
        half = line.get_linewidth() / 2 * fig.dpi / 72
        box = line.get_window_extent(renderer)
        boxes.append((line.get_gid(), Bbox.from_extents(box.x0, box.y0 - half, box.x1,
                                                        box.y1 + half)))
    return boxes


def test_labels_keep_clear_of_the_bedtime_bar_and_every_mark() -> None:
    fig = picture(every_kind_of_night())
    renderer = fig.canvas.get_renderer()
    texts = [(t.get_text(), t.get_window_extent(renderer)) for t in fig.axes[0].texts]
    assert any(text == "+3" for text, _ in texts)
    clashes = [(text, gid) for text, box in texts for gid, mark in mark_boxes(fig)
               if box.overlaps(mark)]
    assert clashes == []


def test_a_stopped_routine_is_not_drawn_as_done(tmp_path: Path) -> None:
    import matplotlib.image

    from voice.diary import plot

    records = [SessionRecord("bedtime", night(k, 22), night(k, 22), holds=4, ending=ending)
               for k, ending in ((2, "completed"), (3, "stopped"), (4, "unfinished"))]
    fig = picture(records)
    png = tmp_path / "p.png"
    fig.savefig(png, format="png", dpi=plot.DPI)
    pixels = matplotlib.image.imread(png)
    done = np.array(matplotlib.colors.to_rgb(plot.STRETCHED_COLOUR))
    bars = sorted(fig.axes[0].lines, key=lambda line: -line.get_ydata()[0] * 7
                  - line.get_xdata()[0])
    found = {}
    for line in bars:
        (x0, x1), (y, _) = line.get_xdata(), line.get_ydata()
        along = [fig.axes[0].transData.transform((x, y)) for x in np.linspace(x0, x1, 40)[1:-1]]
        colours = [pixels[pixels.shape[0] - 1 - round(py), round(px), :3] for px, py in along]
        found[line.get_gid()] = sum(np.allclose(c, done, atol=0.02) for c in colours)
    assert found[plot.ROUTINE_DONE] == 38  # the whole bar in the colour of done
    assert found[plot.ROUTINE_STOPPED] == 0
    assert sorted(a.get_gid() for a in fig.axes[0].lines) == [
        plot.ROUTINE_DONE, plot.ROUTINE_STOPPED, plot.ROUTINE_STOPPED]


def test_plot_without_matplotlib_is_one_line_and_exit_3(tmp_path: Path) -> None:
    fake = tmp_path / "fake"
    (fake / "matplotlib").mkdir(parents=True)
    (fake / "matplotlib" / "__init__.py").write_text("raise ImportError('no matplotlib')\n")
    db = tmp_path / "d.sqlite3"
    seed(db, cramp(night(1)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(fake), str(ROOT_DIR)])}
    out = subprocess.run([sys.executable, "-m", "voice", "diary", "--plot",
                          str(tmp_path / "d.png"), "--diary", str(db)], env=env, text=True,
                         capture_output=True, cwd=ROOT_DIR, timeout=60, check=False)
    assert out.returncode == 3 and "pip install 'cramp-coach[plot]'" in out.stderr
    assert len(out.stderr.splitlines()) == 1 and not (tmp_path / "d.png").exists()
    table = subprocess.run([sys.executable, "-m", "voice", "diary", "--diary", str(db)],
                           env=env, text=True, capture_output=True, cwd=ROOT_DIR, timeout=60,
                           check=False)
    assert table.returncode == 0  # only --plot needs it


def test_matplotlib_is_not_imported_without_plot() -> None:
    code = ("import sys; from voice.cli.main import main; main(['diary', '--diary', '/nonexistent/x']);"
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], text=True, capture_output=True,
                         cwd=ROOT_DIR, timeout=60, check=False,
                         env={**os.environ, "PYTHONPATH": str(ROOT_DIR)})
    assert out.stdout.strip().endswith("False")


@pytest.mark.parametrize("old, new, problem", [
    ("    - nights: 3       # cramp nights ...\n", "    - nights: 9       # cramp nights ...\n",
     "9 nights within 7 days"),
    ("      within_days: 7  #", "      within_days: a week  #",
     "'within_days' must be a positive whole number"),
    ("  sources: [N1, M1, ML, C3]\n\n# One", "  sources: [N1, NOPE]\n\n# One",
     "unknown source 'NOPE'"),
    ("see_gp:\n", "see_a_gp:\n", "'see_gp' is missing"),
    ("remind_every_days: 7", "remind_every_days: 0", "'remind_every_days' must be a positive"),
])
def test_a_broken_diary_file_names_file_and_line(tmp_path: Path, old: str, new: str,
                                                 problem: str) -> None:
    import re

    from tests.support.core import broken_content
    from voice.content.loader import check_content

    target = broken_content(tmp_path, "diary.yaml", old, new)
    hits = [p for p in check_content(target) if problem in p]
    assert hits and re.match(rf"^{re.escape(str(target / 'diary.yaml'))}:\d+: ", hits[0]), \
        check_content(target)


def test_a_diary_that_fails_mid_session_is_said_once_and_coaching_goes_on(
        tmp_path: Path) -> None:
    from voice.diary.keeper import DiaryKeeper

    warnings: list[str] = []
    keeper = DiaryKeeper.open(tmp_path / "d.sqlite3", WORDS, warnings.append)
    assert keeper.diary is not None

    def full(_: SessionRecord) -> int:
        raise sqlite3.OperationalError("database or disk is full")

    keeper.diary.write = full  # type: ignore[method-assign]
    state, now = State(), dt.datetime.now().astimezone()
    for event in (Heard("cramp", {"muscle": "calf"}), Heard("better"), Heard("no")):
        before = keeper.ready(state, now)
        state, actions = coach().step(before, event)
        keeper.stepped(before, event, "", state, actions, now)
        assert actions  # the coach answered every time
    assert len(warnings) == 1 and "disk is full" in warnings[0]
    assert "coaching without it" in warnings[0] and keeper.diary is None
    assert keeper.ready(State(), now).diary == DiaryFacts()  # no diary: nothing to quote


# ----- what the diary reads: the coach's own account, whoever runs it --------------------

def test_a_warning_sign_said_over_the_count_ends_the_row_warning_sign(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    out = cli("session", "--say", "help, calf cramp", "--say-at", "8", "my calf is swollen",
              "--diary", str(db))
    assert out.returncode == 0, out.stderr
    counted = [line.split()[-1] for line in out.stdout.splitlines() if "  count " in line]
    assert counted[-1] == "eight"  # said over the count: the count stopped there
    diary = Diary(db, print)
    try:
        [row] = diary.sessions()
    finally:
        diary.close()
    assert (row.kind, row.muscle, row.done) == ("cramp", "calf", ("stretch",))
    assert (row.ending, row.warning) == ("warning_sign", "my calf is swollen")
    assert (row.ended - row.started).total_seconds() > 8


def test_an_ambulance_case_is_recorded_as_an_emergency(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    out = cli("session", "--day", "--say", "help, calf cramp", "--say-at", "12",
              "my chest hurts", "--diary", str(db))
    assert out.returncode == 0, out.stderr
    assert "ambulance" in said(out).lower()
    session(db, "I can't breathe")  # with no session under way
    session(db, "my leg is swollen")  # a warning sign stays one
    found = [(r["kind"], r["ending"], r["warning"]) for r in rows(db)]
    assert found == [("cramp", "emergency", "my chest hurts"),
                     ("warning", "emergency", "I can't breathe"),
                     ("warning", "warning_sign", "my leg is swollen")]
    table = cli("diary", "--diary", str(db)).stdout.splitlines()
    assert [line.split()[-1] for line in table[2:5]] == ["emergency", "emergency", "sign"]
    assert "heard: my chest hurts" in table[2]


def test_a_graver_sign_is_never_replaced_by_a_lesser_ending() -> None:
    at = dt.datetime(2026, 3, 4, 2, 0, tzinfo=LOCAL)
    from voice.coach.machine import Happened

    for first, then, kept in (("emergency", "warning_sign", "emergency"),
                              ("warning_sign", "emergency", "emergency"),
                              ("warning_sign", "better", "warning_sign"),
                              ("emergency", "worse", "emergency")):
        tracker, state = Tracker(), State(phase=Phase.STRETCH, muscle="calf")
        tracker.stepped(state, Heard("cramp"), "", state, (Happened(did="stretch"),), at)
        for outcome in (first, then):
            [row] = tracker.stepped(state, Heard("none"), "", state,
                                    (Happened(outcome=outcome),), at)  # type: ignore[arg-type]
        assert row.ending == kept, (first, then)


SESSIONS = {
    "better": [Heard("cramp", {"muscle": "calf", "side": "left"}), Finished(),
               Heard("better"), Heard("no")],
    "worse": [Heard("cramp", {"muscle": "hamstring"}), Finished(), Heard("worse"),
              Finished(), Heard("worse"), Finished(), Timeout(), Heard("worse")],
    "warning": [Heard("cramp", {"muscle": "foot", "side": "right"}), Heard("massage", {}, 5),
                Heard("red_flag", {"side": "right"})],
    "first aid": [Heard("cramp"), Heard("none"), Heard("none"), Heard("repeat"), Finished(),
                  Timeout(), Timeout()],
    "bedtime": [Heard("bedtime"), Heard("next"), Heard("heat_ice"), Heard("stop")],
    "lone sign": [Heard("emergency")],
    "emergency": [Heard("cramp", {"muscle": "calf"}), Heard("emergency", {}, 6)],
}


def rows_of(events: list[Event], rename: bool) -> list[SessionRecord]:
    """The rows a tracker makes of a session, with every prompt key renamed if asked."""
    tracker, state, found = Tracker(), State(diary=DIARY_DUE), []
    at = dt.datetime(2026, 3, 4, 2, 0, tzinfo=LOCAL)
    for k, event in enumerate(events):
        after, actions = coach().step(state, event)
        if rename:
            actions = tuple(replace(a, key=f"renamed.{k}.{a.key[::-1]}")
                            if isinstance(a, Say) else a for a in actions)
        found += tracker.stepped(state, event, "my words", after, actions,
                                 at + dt.timedelta(seconds=10 * k))
        state = after
    return [*found, *([tracker.record] if tracker.record is not None else [])]


DIARY_DUE = DiaryFacts(kept=True, cramps_week=3, nights_week=3, gp_due=GpNote(3, 7))


@pytest.mark.parametrize("name", list(SESSIONS))
def test_renaming_a_prompt_cannot_change_a_diary_row(name: str) -> None:
    rows_as_said = rows_of(SESSIONS[name], rename=False)
    assert rows_of(SESSIONS[name], rename=True) == rows_as_said
    last = rows_as_said[-1]
    expected = {
        "better": ("cramp", "calf", "left", ("stretch",), "better", True),
        "worse": ("cramp", "hamstring", None, ("stretch", "repeat", "massage", "heat"),
                  "worse", False),
        "warning": ("cramp", "foot", "right", ("stretch", "massage"), "warning_sign", False),
        "first aid": ("cramp", None, None, ("stretch", "repeat"), "timed_out", False),
        "bedtime": ("bedtime", None, None, ("heat",), "stopped", False),
        "lone sign": ("warning", None, None, (), "emergency", False),
        "emergency": ("cramp", "calf", None, ("stretch",), "emergency", False),
    }[name]
    assert (last.kind, last.muscle, last.side, last.done, last.ending, last.gp_said) == expected
    assert (last.warning == "my words") is (last.ending in ("warning_sign", "emergency"))


def test_the_rendered_session_and_the_live_loop_write_the_same_row(tmp_path: Path) -> None:
    from tests.support.core import library, matcher
    from tests.support.virtual_sink import VirtualSink
    from voice.diary.keeper import DiaryKeeper
    from voice.run.live import LiveLoop
    from voice.run.session import run_session, text_turn
    from voice.speak.conductor import Conductor

    def row(path: Path) -> SessionRecord:
        diary = Diary(path, print)
        try:
            [found] = diary.sessions()
        finally:
            diary.close()
        return found

    rendered = DiaryKeeper.open(tmp_path / "rendered.sqlite3", WORDS, print)
    run_session(coach(), Conductor(library(), night=False),
                [text_turn(matcher().parse("help, left calf cramp")),
                 text_turn(matcher().parse("my calf is swollen"), at_count=8)],
                False, rendered)
    rendered.close(dt.datetime.now().astimezone())

    live = DiaryKeeper.open(tmp_path / "live.sqlite3", WORDS, print)
    sink = VirtualSink(library().sample_rate)
    loop = LiveLoop(coach(), Conductor(library(), night=False), sink, night=False,
                    show=lambda _: None, keeper=live)
    loop.heard(matcher().parse("help, left calf cramp"))
    loop.pump()
    eighth = next(c for c in sink.cues if c.kind == "count" and c.n == 8)
    while sink.t < eighth.start + 0.1:
        sink.t = round(sink.t + 0.05, 6)
        loop.pump()
    loop.heard(matcher().parse("my calf is swollen"))
    loop.pump()
    live.close(dt.datetime.now().astimezone())

    fields = ("kind", "muscle", "side", "done", "eased_s", "ending", "warning", "gp_said")
    said_over = row(tmp_path / "rendered.sqlite3")
    assert [getattr(said_over, f) for f in fields] == \
        [getattr(row(tmp_path / "live.sqlite3"), f) for f in fields]
    assert (said_over.side, said_over.ending) == ("left", "warning_sign")
