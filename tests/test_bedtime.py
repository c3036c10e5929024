"""The bedtime routine: the pure coach through it, its content, and its rendered counts
measured from the audio."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.support.core import broken_content, cli, coach, content
from tests.support.onsets import onsets
from voice import CONTENT_DIR
from voice.coach.machine import (
    BEDTIME_PHASES,
    Action,
    Count,
    End,
    Event,
    Finished,
    Heard,
    Listen,
    Phase,
    Say,
    Silence,
    State,
    Timeout,
)
from voice.content.loader import check_content
from voice.wavio import read_wav

ROUTINE = content().bedtime
assert ROUTINE is not None
STEPS = len(ROUTINE.steps)
HOLDS = STEPS * ROUTINE.holds


class Run:
    """Drives the pure coach and keeps everything it said."""

    def __init__(self, night: bool = False) -> None:
        self.state = State(night=night)
        self.actions: list[Action] = []

    def __call__(self, event: Event) -> tuple[Action, ...]:
        self.state, actions = coach().step(self.state, event)
        self.actions.extend(actions)
        return actions

    def finish_hold(self) -> tuple[Action, ...]:
        """The hold's plan has played; its rest runs out."""
        self(Finished())
        return self(Timeout())

    def said(self) -> list[str]:
        return [a.key for a in self.actions if isinstance(a, Say)]

    def counts(self) -> list[Count]:
        return [a for a in self.actions if isinstance(a, Count)]


def test_the_whole_routine_with_no_one_speaking() -> None:
    run = Run()
    first = run(Heard("bedtime"))
    assert [type(a) for a in first] == [Say, Say, Count, Say, Listen]
    assert first[0].key == "bedtime.intro" and first[-1] == Listen("count", ROUTINE.rest_s)
    while run.state.phase in BEDTIME_PHASES:
        run.finish_hold()
    assert run.counts() == [Count(1, ROUTINE.hold_s)] * HOLDS  # 3 stretches x 2 legs x 3
    steps = [k for k in run.said() if k.startswith("bedtime.step.")]
    assert steps == [f"bedtime.step.{s.key}.{leg}" for s, leg in ROUTINE.steps]
    assert run.said().count("bedtime.rest") == HOLDS - 1  # no rest after the last hold
    assert run.said()[-1] == "bedtime.outro" and isinstance(run.actions[-1], End)
    assert run.state.phase is Phase.IDLE


def test_wait_mid_count_resumes_from_the_next_word() -> None:
    run = Run()
    run(Heard("bedtime"))
    paused = run(Heard("pause", counted=4))
    assert paused[0] == Silence() and run.state.phase is Phase.BEDTIME_PAUSED
    assert isinstance(paused[-1], Listen) and paused[-1].context == "count"
    resumed = run(Heard("resume"))
    assert resumed[0] == Count(5, ROUTINE.hold_s)  # no words: straight back to counting


def test_wait_in_a_rest_then_continue_starts_the_next_hold() -> None:
    run = Run()
    run(Heard("bedtime"))
    run(Finished())
    assert run.state.phase is Phase.BEDTIME_REST
    run(Heard("pause"))
    resumed = run(Heard("resume"))
    assert next(a.key for a in resumed if isinstance(a, Say)) == "bedtime.again"
    assert run.state.bedtime.hold == 2 and Count(1, ROUTINE.hold_s) in resumed


def test_paused_too_long_reminds_once_then_stands_by() -> None:
    run = Run()
    run(Heard("bedtime"))
    run(Heard("pause", counted=2))
    assert [a.key for a in run(Timeout()) if isinstance(a, Say)] == ["prompt.paused_again"]
    ended = run(Timeout())
    assert isinstance(ended[-1], End) and run.state.phase is Phase.IDLE


def test_next_skips_to_the_next_leg_and_again_restarts_the_stretch() -> None:
    run = Run()
    run(Heard("bedtime"))
    skipped = run(Heard("next", counted=3))
    assert skipped[0] == Silence()
    first_step = ROUTINE.steps[1]
    assert skipped[1].key == f"bedtime.step.{first_step[0].key}.{first_step[1]}"
    run.finish_hold()
    assert run.state.bedtime.hold == 2
    again = run(Heard("repeat", counted=6))
    assert again[0] == Silence() and run.state.bedtime.hold == 1
    assert again[1].key == skipped[1].key


def test_next_on_the_last_stretch_finishes_the_routine() -> None:
    run = Run()
    run(Heard("bedtime"))
    for _ in range(STEPS - 1):
        run(Heard("next"))
    done = run(Heard("next"))
    assert [a.key for a in done if isinstance(a, Say)] == ["bedtime.outro"]
    assert isinstance(done[-1], End)


def test_stop_ends_it_at_once() -> None:
    run = Run()
    run(Heard("bedtime"))
    run.finish_hold()
    assert run(Heard("stop", counted=2)) == (Silence(), End())
    assert run.state.phase is Phase.IDLE


def test_a_warning_sign_or_a_real_cramp_takes_over() -> None:
    run = Run()
    run(Heard("bedtime"))
    warned = run(Heard("red_flag", counted=3))
    assert "remedy.red_flag" in [a.key for a in warned if isinstance(a, Say)]
    assert isinstance(warned[-1], End)
    run = Run()
    run(Heard("bedtime"))
    cramp = run(Heard("cramp", {"muscle": "calf"}, counted=3))
    assert "stretch.calf" in [a.key for a in cramp if isinstance(a, Say)]
    assert run.state.phase is Phase.STRETCH


def test_help_and_questions_are_answered_and_the_routine_goes_on() -> None:
    run = Run()
    run(Heard("bedtime"))
    helped = run(Heard("help", counted=5))
    keys = [a.key for a in helped if isinstance(a, Say)]
    assert keys[0] == "bedtime.help" and Count(1, ROUTINE.hold_s) in helped
    run.finish_hold()
    answered = run(Heard("hydration"))
    assert next(a.key for a in answered if isinstance(a, Say)) == "topic.hydration"
    assert run.state.phase is Phase.BEDTIME


def test_words_the_routine_does_not_use_are_ignored() -> None:
    run = Run()
    run(Heard("bedtime"))
    before = run.state
    for intent in ("resume", "yes", "better", "none"):
        assert run(Heard(intent, counted=2)) == ()
    assert run.state == before


def test_night_wording_is_the_short_one() -> None:
    day, night = Run(), Run(night=True)
    for run in (day, night):
        run(Heard("bedtime"))
    said = {r: " ".join(a.text for a in r.actions if isinstance(a, Say)) for r in (day, night)}
    assert len(said[night]) < 0.6 * len(said[day])
    assert ROUTINE.intro.night in said[night]


def test_bedtime_is_heard_and_started_only_when_idle() -> None:
    from tests.support.core import matcher

    for text in ("bedtime stretches", "help me stretch before bed", "start my bedtime routine"):
        assert matcher().parse(text).name == "bedtime", text
    assert matcher().parse("what stretches should I do before bed").name == "prevention"
    stretching = replace(State(), phase=Phase.STRETCH, muscle="calf")
    assert coach().step(stretching, Heard("bedtime"))[0].phase is not Phase.BEDTIME


# ----- content ------------------------------------------------------------------------

def test_the_routine_follows_the_trial_and_is_sourced() -> None:
    assert (ROUTINE.hold_s, ROUTINE.holds, ROUTINE.rest_s) == (10, 3, 10.0)  # [H2]
    assert [s.key for s in ROUTINE.stretches] == ["calf_standing", "hamstring_standing",
                                                  "seated"]
    assert ROUTINE.legs == ("left", "right")
    assert ROUTINE.hold_s * HOLDS == 180  # "about 3 minutes for both legs" of stretching
    assert any("PMC6481449" in url for url in ROUTINE.sources)
    for stretch in ROUTINE.stretches:
        assert stretch.wording.sources and "{leg}" in stretch.wording.day
    for wording in (ROUTINE.intro, ROUTINE.again, ROUTINE.rest, ROUTINE.outro):
        assert wording.sources
    # No promise: the sources say stretching may help, not that it will [N1][CO].
    assert "may not stop" in ROUTINE.outro.day


def test_hamstring_steps_keep_the_leg_straight() -> None:
    ham = next(s for s in ROUTINE.stretches if "hamstring" in s.key)
    for text in (ham.wording.day, ham.wording.night):
        assert "straight" in text and "buttock" not in text


@pytest.mark.parametrize("old, new, problem", [
    ("hold_s: 10 ", "hold_s: ten ", "'hold_s' must be a positive whole number"),
    ("rest_s: 10 ", "rest_s: -1 ", "'rest_s' must be a positive number"),
    ("    sources: [H2, M5]\n", "    sources: [H2, NOPE]\n", "unknown source 'NOPE'"),
    ("    name: seated hamstring and calf stretch\n", "", "stretch 'seated' needs a 'name'"),
    ("protocol_sources: [H1, H2]\n", "", "the timings need 'protocol_sources'"),
    ("outro:\n", "outroo:\n", "'outro' is missing"),
])
def test_a_broken_routine_names_file_and_line(tmp_path: Path, old: str, new: str,
                                              problem: str) -> None:
    target = broken_content(tmp_path, "bedtime.yaml", old, new)
    hits = [p for p in check_content(target) if problem in p]
    assert hits and re.match(rf"^{re.escape(str(target / 'bedtime.yaml'))}:\d+: ", hits[0])
    out = cli("content", "check", str(target))
    assert out.returncode == 2 and problem in out.stderr and "Traceback" not in out.stderr


# ----- rendered: the counts, measured from the audio ------------------------------------

def render(tmp_path: Path, *turns: str, mode: str = "--day") -> tuple[dict, np.ndarray, int]:
    """`session` with turns: "--silence" for a turn of silence, else words said."""
    wav, timeline = tmp_path / "b.wav", tmp_path / "b.json"
    args = [a for t in turns for a in ((t,) if t == "--silence" else ("--say", t))]
    out = cli("session", *args, "--render", str(wav), "--timeline", str(timeline), mode)
    assert out.returncode == 0, out.stderr
    audio = read_wav(wav)
    return json.loads(timeline.read_text()), audio.samples, audio.sample_rate


def holds(timeline: dict) -> list[list[dict]]:
    """Count events, split into holds (each starting again from its first word)."""
    runs: list[list[dict]] = []
    for e in timeline["events"]:
        if e["type"] == "count":
            if not runs or e["n"] != runs[-1][-1]["n"] + 1:
                runs.append([])
            runs[-1].append(e)
    return runs


def check_counts_in_audio(timeline: dict, samples: np.ndarray, rate: int) -> None:
    measured = np.array(onsets(samples, rate))
    for run in holds(timeline):
        starts = np.array([e["start"] for e in run])
        assert np.all(np.abs(np.diff(starts) - 1.0) <= 0.001), starts
        found = np.array([measured[np.argmin(np.abs(measured - s))] for s in starts])
        assert np.max(np.abs(found - starts)) <= 0.020, (run[0], found - starts)
        assert np.all(np.abs(np.diff(found) - 1.0) <= 0.020)
    inside = np.zeros(len(samples), dtype=bool)
    for e in timeline["events"]:
        if e["type"] in ("say", "count"):
            inside[max(0, int(e["start"] * rate) - 1):int(np.ceil(e["end"] * rate)) + 1] = True
    assert not np.any(np.abs(samples[~inside].astype(np.int32)) > 64)


def test_rendered_routine_with_wait_skip_again_and_stop(tmp_path: Path) -> None:
    timeline, samples, rate = render(
        tmp_path, "bedtime stretches", "wait", "continue", "next", "--silence", "again",
        "--silence", "stop")
    users = [e["intent"] for e in timeline["events"] if e["type"] == "user"]
    assert users == ["bedtime", "pause", "resume", "next", "repeat", "stop"]
    runs = holds(timeline)
    # left leg: hold 1; the wait; hold 2; "next" skips hold 3. Right leg: hold 1, a quiet
    # rest, hold 2; "again" restarts it: hold 1, a quiet rest, hold 2; then "stop"
    assert [len(r) for r in runs] == [ROUTINE.hold_s] * 6
    said = [e["text"] for e in timeline["events"] if e["type"] == "say"]
    assert sum("right leg" in s for s in said) == 2 and not any("hamstring" in s for s in said)
    assert timeline["events"][-1]["type"] == "end"
    check_counts_in_audio(timeline, samples, rate)
    # a rest nobody speaks in is the routine's quiet rest: the next words come after it
    events = timeline["events"]
    for i, e in enumerate(events[:-1]):
        if e["type"] == "listen" and events[i + 1]["type"] == "say":
            assert events[i + 1]["start"] - e["start"] >= ROUTINE.rest_s - 0.001


@pytest.mark.slow
def test_rendered_whole_routine_at_night(tmp_path: Path) -> None:
    timeline, samples, rate = render(tmp_path, "bedtime stretches", mode="--night")
    runs = holds(timeline)
    assert len(runs) == HOLDS and all(len(r) == ROUTINE.hold_s for r in runs)
    check_counts_in_audio(timeline, samples, rate)
    events = timeline["events"]
    for before, after in itertools.pairwise(runs):
        gap = after[0]["start"] - (before[-1]["start"] + 1.0)
        assert gap >= ROUTINE.rest_s - 0.001  # the quiet rest lies between every two holds
    said = [e["text"] for e in events if e["type"] == "say"]
    assert said[-1] == "Sleep well." and ROUTINE.rest.night in said


def test_bedtime_command_runs_the_routine_and_stops(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    out = cli("bedtime", "--text", "--day", "--diary", str(db), stdin="stop\n")
    assert out.returncode == 0, out.stderr
    assert "Bedtime stretches." in out.stdout
    rows = json.loads("[" + ",".join(cli("diary", "--json", "--diary", str(db))
                                     .stdout.splitlines()) + "]")
    assert [(r["kind"], r["ending"], r["holds"]) for r in rows] == [("bedtime", "stopped", 1)]


# ----- the live loop on a virtual clock: rests run out on the sink's clock ---------------

def test_live_loop_runs_the_routine_on_the_clock_and_writes_the_diary(tmp_path: Path) -> None:
    from tests.support.core import library, matcher
    from tests.support.virtual_sink import VirtualSink
    from voice.diary.keeper import DiaryKeeper
    from voice.diary.store import Diary
    from voice.run.live import LiveLoop
    from voice.speak.conductor import Conductor

    words = content().diary
    assert words is not None
    keeper = DiaryKeeper.open(tmp_path / "d.sqlite3", words, print)
    sink = VirtualSink(library().sample_rate)
    loop = LiveLoop(coach(), Conductor(library(), night=False), sink, night=False,
                    show=lambda _: None, keeper=keeper)

    def advance(until: float) -> None:
        while sink.t < until:
            sink.t = round(sink.t + 0.05, 6)
            loop.pump()

    def counts() -> list:
        return [c for c in sink.cues if c.kind == "count"]

    loop.heard(matcher().parse("bedtime stretches"))
    loop.pump()
    first = counts()
    assert [c.n for c in first] == list(range(1, ROUTINE.hold_s + 1))
    advance(first[3].start + 0.5)  # "four" has started
    loop.heard(matcher().parse("wait"))
    loop.pump()
    advance(sink.t + 5)
    loop.heard(matcher().parse("continue"))
    loop.pump()
    resumed = [c for c in counts() if c.start > sink.now()]
    assert [c.n for c in resumed] == list(range(5, ROUTINE.hold_s + 1))
    rest_said = max(c.end for c in sink.cues)
    advance(rest_said + ROUTINE.rest_s - 0.2)
    assert loop.state.phase is Phase.BEDTIME_REST  # still resting
    advance(rest_said + ROUTINE.rest_s + 0.3)
    assert loop.state.phase is Phase.BEDTIME and loop.state.bedtime.hold == 2
    loop.heard(matcher().parse("stop"))
    loop.pump()
    keeper.close(dt.datetime.now().astimezone())
    diary = Diary(tmp_path / "d.sqlite3", print)
    [row] = diary.sessions()
    diary.close()
    assert (row.kind, row.ending, row.holds) == ("bedtime", "stopped", 2)


@pytest.mark.slow
def test_bedtime_command_runs_to_the_end_after_typed_input_ends(tmp_path: Path) -> None:
    short = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, short)
    text = (short / "bedtime.yaml").read_text()
    for old, new in (("hold_s: 10 ", "hold_s: 2 "), ("holds: 3 ", "holds: 2 "),
                     ("rest_s: 10 ", "rest_s: 1 "), ("legs: [left, right]", "legs: [left]")):
        text = text.replace(old, new)
    (short / "bedtime.yaml").write_text(text)
    db = tmp_path / "d.sqlite3"
    out = cli("--content", str(short), "bedtime", "--text", "--night", "--diary", str(db),
              stdin="")
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("(counting 1 to 2") == 2 * len(ROUTINE.stretches)
    assert "All done. Sleep well." in out.stdout
    rows = cli("diary", "--json", "--diary", str(db)).stdout.splitlines()
    assert [json.loads(r)["ending"] for r in rows] == ["completed"]
