"""Medical safety: a warning sign stops coaching at any point of any session, by voice as
well as typed, and a cramp that will not ease ends with advice to see a doctor."""

from __future__ import annotations

import json
import os
from collections import deque
from pathlib import Path

import pytest

from tests.support.core import cli, coach, content, matcher
from tests.support.running import Running
from voice.coach.machine import (
    Count,
    End,
    Event,
    Finished,
    Heard,
    Phase,
    Say,
    Silence,
    State,
    Timeout,
)

RED_FLAGS = ("my calf is swollen", "my leg is red and warm", "my foot is numb", "I fell",
             "I can't feel my leg")
"""Warning signs as people say them."""

EVENTS: tuple[Event, ...] = (
    Heard("bedtime"),  # the bedtime routine's phases must obey the same rules
    Heard("cramp", {"muscle": "calf"}), Heard("cramp"), Heard("cramp", {"muscle": "foot"}),
    Heard("pause", counted=6), Heard("resume"), Heard("repeat", counted=3), Heard("next"),
    Heard("better"), Heard("worse", counted=12), Heard("yes"), Heard("no"), Heard("help"),
    Heard("hydration"), Heard("stop"), Heard("none"), Finished(), Timeout(),
)
"""What can happen to the coach, one of each kind."""


def reachable(depth: int) -> list[State]:
    """Every state the coach reaches from the start, day or night, in up to `depth` events."""
    seen: dict[State, None] = {}
    frontier = deque([(State(), 0), (State(night=True), 0)])
    while frontier:
        state, steps = frontier.popleft()
        key = State(state.phase, state.muscle, state.worse, state.resume_at, state.reprompted,
                    night=state.night, bedtime=state.bedtime)  # `last`: only for "again"
        if key in seen:
            continue
        seen[key] = None
        if steps < depth:
            for event in EVENTS:
                frontier.append((coach().step(state, event)[0], steps + 1))
    return list(seen)


def test_every_phase_is_reached() -> None:
    assert {s.phase for s in reachable(6)} == set(Phase)


def test_a_red_flag_in_any_state_stops_coaching_with_the_urgent_message() -> None:
    states = reachable(6)
    assert len(states) > 50
    for state in states:
        after, actions = coach().step(state, Heard("red_flag", counted=7))
        assert actions[0] == Silence(), state
        assert [a.key for a in actions if isinstance(a, Say)] == ["remedy.red_flag"], state
        assert isinstance(actions[-1], End) and after.phase is Phase.IDLE, state
        assert not any(isinstance(a, Count) for a in actions), state


@pytest.mark.parametrize("context", ["idle", "count", "question"])
def test_a_spoken_red_flag_is_understood_in_every_listening_context(context: str) -> None:
    for text in RED_FLAGS:
        assert matcher().parse(text, context).name == "red_flag", (text, context)


def test_the_urgent_message_sends_to_a_doctor_and_names_an_ambulance() -> None:
    for night in (False, True):
        text = content().steps["red_flag"].text(night).lower()
        assert "stop stretching" in text and "doctor" in text and "ambulance" in text


def test_two_rounds_of_worse_advise_a_doctor_and_a_third_ends_coaching() -> None:
    s = State()
    said = []
    for event in (Heard("cramp", {"muscle": "calf"}), Finished(), Heard("worse"), Finished(),
                  Heard("worse"), Heard("worse")):
        s, actions = coach().step(s, event)
        said.append(" ".join(a.text for a in actions if isinstance(a, Say)))
    assert "medical advice" in said[4]  # after the second "worse"
    assert "doctor" in said[5] and s.phase is Phase.IDLE


def render(tmp_path: Path, *turns: str) -> dict:
    timeline = tmp_path / "t.json"
    out = cli("session", *(a for t in turns for a in ("--say", t)), "--timeline",
              str(timeline), "--day")
    assert out.returncode == 0, out.stderr
    return json.loads(timeline.read_text())


SCRIPTS = {
    "idle": (),
    "asked-which-muscle": ("leg cramp",),
    "asked-if-easing": ("help, calf cramp",),
    "after-worse": ("help, calf cramp", "it still hurts"),
    "after-two-worse": ("help, calf cramp", "it still hurts", "it still hurts"),
    "offered-tips": ("help, calf cramp", "it's gone"),
}
"""Turns that bring a rendered session to a point before the warning sign is said."""


@pytest.mark.parametrize("point", list(SCRIPTS))
def test_a_red_flag_ends_a_rendered_session_with_the_urgent_message(tmp_path: Path,
                                                                     point: str) -> None:
    timeline = render(tmp_path, *SCRIPTS[point], "my calf is swollen and red")
    events = timeline["events"]
    flag = max(i for i, e in enumerate(events) if e["type"] == "user")
    assert events[flag]["intent"] == "red_flag"
    after = events[flag + 1:]
    said = " ".join(e["text"] for e in after if e["type"] == "say")
    assert said.startswith("Stop stretching now.") and "doctor" in said
    assert not [e for e in after if e["type"] in ("count", "listen")]
    assert after[-1]["type"] == "end"


def test_two_rounds_of_worse_in_a_rendered_session_advise_a_doctor(tmp_path: Path) -> None:
    timeline = render(tmp_path, "help, calf cramp", "it still hurts", "it still hurts")
    said = " ".join(e["text"] for e in timeline["events"] if e["type"] == "say")
    assert "get medical advice" in said


@pytest.mark.parametrize("pause", [False, True], ids=["mid-count", "paused"])
def test_a_typed_red_flag_mid_count_or_paused_stops_the_live_coach(pause: bool) -> None:
    # No sound server: count words are printed ("  one", ...) at their times.
    coach = Running("listen", "--text", "--day", "--once",
                    env={**os.environ, "PULSE_SERVER": "unix:/nonexistent"})
    try:
        coach.type("help, calf cramp")
        coach.wait_for("  three")
        if pause:
            coach.type("wait")
            coach.wait_for("coach: " + content().prompt("paused", False))
        coach.type("my calf is swollen")
        coach.wait_for("coach: Stop stretching now.")
        seen = len(coach.out)
        assert coach.finish() == 0, coach.err
    finally:
        coach.kill()
    after = coach.out[seen:]
    assert not [line for line in after if line.startswith("  ")], "no count word after it"
    assert not [line for line in after if "counting" in line]
