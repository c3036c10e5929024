"""`cramp-coach session`: the rendered WAV is checked by measuring the audio itself."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from tests.support.core import cli, content
from tests.support.onsets import check_count_onsets
from voice.wavio import read_wav

MUSCLE_TURNS = {
    "calf": "help, calf cramp",
    "hamstring": "cramp in the back of my thigh",
    "quadriceps": "my front thigh is cramping",
    "foot": "my toes are curling up",
}


def render(tmp_path: Path, *turns: str, mode: str = "--day") -> tuple[dict, np.ndarray, int]:
    wav, timeline = tmp_path / f"s{mode}.wav", tmp_path / f"s{mode}.json"
    args = [a for t in turns for a in ("--say", t)]
    out = cli("session", *args, "--render", str(wav), "--timeline", str(timeline), mode)
    assert out.returncode == 0, out.stderr
    audio = read_wav(wav)
    return json.loads(timeline.read_text()), audio.samples, audio.sample_rate


def events(timeline: dict, kind: str) -> list[dict]:
    return [e for e in timeline["events"] if e["type"] == kind]


def check_sound_only_inside_events(timeline: dict, samples: np.ndarray, rate: int) -> None:
    inside = np.zeros(len(samples), dtype=bool)
    for e in timeline["events"]:
        if e["type"] in ("say", "count"):
            inside[max(0, int(e["start"] * rate) - 1):int(np.ceil(e["end"] * rate)) + 1] = True
    assert not np.any(np.abs(samples[~inside].astype(np.int32)) > 64)


@pytest.mark.parametrize("muscle", list(MUSCLE_TURNS))
def test_each_muscle_renders_its_stretch_and_an_exact_count(tmp_path: Path, muscle: str) -> None:
    timeline, samples, rate = render(tmp_path, MUSCLE_TURNS[muscle], "it's gone")
    user = events(timeline, "user")
    assert user[0]["intent"] == "cramp" and user[0]["slots"]["muscle"] == muscle
    assert timeline["sample_rate"] == rate
    assert abs(timeline["duration_s"] - len(samples) / rate) < 0.01
    check_count_onsets(timeline, samples, rate, 0.020)
    check_sound_only_inside_events(timeline, samples, rate)
    said = " ".join(e["text"] for e in events(timeline, "say"))
    assert "Walk a few steps" in said  # aftercare after "it's gone"
    assert events(timeline, "end")


def test_night_is_quieter_and_slower(tmp_path: Path) -> None:
    day, day_pcm, rate = render(tmp_path, "help, calf cramp", "it's gone", mode="--day")
    night, night_pcm, _ = render(tmp_path, "help, calf cramp", "it's gone", mode="--night")
    check_count_onsets(night, night_pcm, rate, 0.020)

    def rms(pcm: np.ndarray, timeline: dict) -> float:
        parts = [pcm[int(e["start"] * rate):int(e["end"] * rate)] for e in
                 events(timeline, "say") + events(timeline, "count")]
        return float(np.sqrt(np.mean(np.concatenate(parts).astype(float) ** 2)))

    assert rms(night_pcm, night) < 0.6 * rms(day_pcm, day)

    # The same sentence takes longer at night.
    said_day = {e["text"]: e["end"] - e["start"] for e in events(day, "say")}
    said_night = {e["text"]: e["end"] - e["start"] for e in events(night, "say")}
    common = set(said_day) & set(said_night)
    assert common and all(said_night[t] > said_day[t] for t in common)


def test_pause_is_not_needed_for_the_count_to_be_listened_to(tmp_path: Path) -> None:
    timeline, _, _ = render(tmp_path, "help, calf cramp", "it still hurts", "it's gone")
    counts = events(timeline, "count")
    assert len(counts) == 60  # stretched twice
    said = " ".join(e["text"] for e in events(timeline, "say"))
    assert "once more" in said


def test_red_flag_mid_session_stops_coaching(tmp_path: Path) -> None:
    timeline, _, _ = render(tmp_path, "help, calf cramp", "my calf is swollen and red")
    said = [e["text"] for e in events(timeline, "say")]
    assert any("doctor" in s for s in said[-4:])
    last_user = events(timeline, "user")[-1]["start"]
    assert not [e for e in events(timeline, "count") if e["start"] > last_user]


def test_unwritable_render_path_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    # root may write anywhere, so for root the folder is missing instead of locked
    target = tmp_path / "missing" if os.geteuid() == 0 else locked
    try:
        out = cli("session", "--say", "help, calf cramp", "--render", str(target / "s.wav"),
                  "--timeline", str(tmp_path / "s.json"))
        assert out.returncode == 2
        assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
        assert not (tmp_path / "s.json").exists()
    finally:
        locked.chmod(0o700)


def test_existing_output_survives_a_failed_run(tmp_path: Path) -> None:
    keep = tmp_path / "keep.json"
    keep.write_text("precious")
    out = cli("session", "--render", str(tmp_path / "s.wav"), "--timeline", str(keep))
    assert out.returncode == 2 and keep.read_text() == "precious"


@pytest.mark.parametrize("args", [["session", "--bogus"], ["nonsense-command", "x"],
                                  ["session", "--say"], ["parse", "--context", "nowhere", "x"]])
def test_bad_options_are_one_clear_line(args: list[str]) -> None:
    out = cli(*args)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


# ----- the session goes on as the live coach would -----------------------------------------

def render_args(tmp_path: Path, name: str, *args: str) -> tuple[dict, np.ndarray]:
    wav, timeline = tmp_path / f"{name}.wav", tmp_path / f"{name}.json"
    out = cli("session", *args, "--render", str(wav), "--timeline", str(timeline), "--day")
    assert out.returncode == 0, out.stderr
    return json.loads(timeline.read_text()), read_wav(wav).samples


def test_a_last_turn_the_coach_ignores_over_the_count_changes_nothing(tmp_path: Path) -> None:
    alone, alone_pcm = render_args(tmp_path, "alone", "--say", "help, calf cramp")
    over, over_pcm = render_args(tmp_path, "over", "--say", "help, calf cramp",
                                 "--say-at", "8", "ok")
    ok = events(over, "user")[-1]
    eighth = next(e for e in events(over, "count") if e["n"] == 8)
    assert ok["text"] == "ok" and ok["start"] == eighth["start"]
    rate = read_wav(tmp_path / "over.wav").sample_rate
    check_count_onsets(over, over_pcm, rate, 0.020)  # to thirty, each word where it was planned
    assert [e for e in over["events"] if e is not ok] == alone["events"]
    assert np.array_equal(over_pcm, alone_pcm)  # the same recording, to the same end
    said = [e["text"] for e in events(over, "say")]
    assert said[-1] == content().prompt("standing_by", False)


def test_a_turn_ignored_while_the_coach_waits_lets_the_wait_run_out(tmp_path: Path) -> None:
    timeline, _ = render_args(tmp_path, "wait", "--say", "help, calf cramp", "--say-at", "5",
                              "stop", "--say", "hello")
    waited = events(timeline, "listen")[-1]
    assert events(timeline, "user")[-1]["text"] == "hello"
    answer_s = content().voice.answer_timeout_s
    assert timeline["events"][-1]["type"] == "end"
    assert abs(timeline["events"][-1]["start"] - (waited["start"] + answer_s)) < 0.01


@pytest.mark.parametrize("turns", [
    ["--say", "help, calf cramp", "--say-at", "HOLD+1", "stop"],  # beyond the count
    ["--say", "leg cramp", "--say-at", "5", "stop"],  # no count: the muscle is never said
])
def test_a_say_at_no_count_reaches_is_one_line_and_exit_2(tmp_path: Path,
                                                         turns: list[str]) -> None:
    hold = content().voice.hold_s
    args = [str(hold + 1) if a == "HOLD+1" else a for a in turns]
    wav, timeline = tmp_path / "s.wav", tmp_path / "s.json"
    out = cli("session", *args, "--render", str(wav), "--timeline", str(timeline), "--day")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    [line] = out.stderr.splitlines()
    assert f"--say-at {args[3]} 'stop'" in line and f"reached word {args[3]}" in line
    assert not wav.exists() and not timeline.exists()
    last = cli("session", "--say", "help, calf cramp", "--say-at", str(hold), "stop", "--day")
    assert last.returncode == 0, last.stderr  # the count's last word can be spoken over
