"""What the coach does with the night's new requests, rendered for real (`session --render
--timeline`, the real voice): a change of voice mid-count, how long is left, an easier
stretch, a question about cramps, both legs."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np

from tests.support.core import cli
from voice.wavio import read_wav

HOLD = 30


def render(tmp_path: Path, name: str, *args: str) -> tuple[dict, np.ndarray, int]:
    wav, timeline = tmp_path / f"{name}.wav", tmp_path / f"{name}.json"
    out = cli("session", *args, "--render", str(wav), "--timeline", str(timeline), "--day")
    assert out.returncode == 0, out.stderr
    audio = read_wav(wav)
    return json.loads(timeline.read_text()), audio.samples, audio.sample_rate


def of(timeline: dict, kind: str) -> list[dict]:
    return [e for e in timeline["events"] if e["type"] == kind]


def rms(samples: np.ndarray, rate: int, event: dict) -> float:
    part = samples[round(event["start"] * rate):round(event["end"] * rate)].astype(np.float64)
    return float(np.sqrt(np.mean(part ** 2)))


def check_count_on_plan(timeline: dict) -> None:
    """Every count word, 1 to 30, exactly one second after the one before (within 1 ms)."""
    counts = of(timeline, "count")
    assert [e["n"] for e in counts] == list(range(1, HOLD + 1))
    starts = np.array([e["start"] for e in counts])
    planned = starts[0] + np.arange(HOLD)
    assert np.max(np.abs(starts - planned)) <= 0.001


def test_louder_mid_count_raises_the_volume_and_keeps_counting(tmp_path: Path) -> None:
    plain, pcm0, rate = render(tmp_path, "plain", "--say", "help, calf cramp")
    loud, pcm1, _ = render(tmp_path, "loud", "--say", "help, calf cramp", "--say-at", "8", "louder")
    check_count_on_plan(loud)
    assert [e["intent"] for e in of(loud, "user")] == ["cramp", "voice"]
    for n in (12, 20, 29):  # the same word, without and with "louder" before it
        before = rms(pcm0, rate, of(plain, "count")[n - 1])
        after = rms(pcm1, rate, of(loud, "count")[n - 1])
        assert after > 1.4 * before, (n, before, after)
    for n in (3, 7):  # words before it are as they were
        assert rms(pcm1, rate, of(loud, "count")[n - 1]) == rms(pcm0, rate, of(plain, "count")[n - 1])
    said = {e["text"]: e for e in of(plain, "say")}
    later = [e for e in of(loud, "say") if e["start"] > of(loud, "count")[-1]["start"]]
    assert later and all(rms(pcm1, rate, e) > 1.4 * rms(pcm0, rate, said[e["text"]]) for e in later)


def test_slower_mid_count_lengthens_later_sentences_not_the_count(tmp_path: Path) -> None:
    plain, _, _ = render(tmp_path, "plain", "--say", "help, calf cramp")
    slow, _, _ = render(tmp_path, "slow", "--say", "help, calf cramp", "--say-at", "5", "slower")
    check_count_on_plan(slow)
    length = {e["text"]: e["end"] - e["start"] for e in of(plain, "say")}
    after = [e for e in of(slow, "say") if e["start"] > of(slow, "count")[-1]["start"]]
    assert after
    for e in after:
        assert e["end"] - e["start"] > 1.1 * length[e["text"]], e


def test_time_left_is_said_between_two_count_words(tmp_path: Path) -> None:
    timeline, _, _ = render(tmp_path, "left", "--say", "help, calf cramp", "--say-at", "8",
                            "how long left")
    check_count_on_plan(timeline)
    counts = of(timeline, "count")
    aside = [e for e in of(timeline, "say") if counts[0]["start"] < e["start"] < counts[-1]["start"]]
    assert len(aside) == 1 and aside[0]["text"].startswith(str(HOLD - 9))
    nine, ten = counts[8], counts[9]
    assert nine["end"] < aside[0]["start"] and aside[0]["end"] < ten["start"]


def test_an_easier_stretch_for_the_same_muscle(tmp_path: Path) -> None:
    timeline, _, _ = render(tmp_path, "alt", "--say", "help, calf cramp", "--say-at", "6",
                            "I can't reach my foot")
    texts = " ".join(e["text"] for e in of(timeline, "say"))
    assert "towel" in texts and "weight on that leg" in texts
    assert [e["n"] for e in of(timeline, "count")][6:8] == [1, 2]  # a new hold after it


def test_explain_answers_from_the_sources_with_no_diary_row(tmp_path: Path) -> None:
    diary = tmp_path / "diary.db"
    timeline, _, _ = render(tmp_path, "what", "--say", "what is a cramp", "--diary", str(diary))
    said = " ".join(e["text"] for e in of(timeline, "say"))
    assert "muscle that suddenly tightens" in said
    assert not of(timeline, "count")
    rows = sqlite3.connect(diary).execute("select count(*) from sessions").fetchone()[0] \
        if diary.exists() else 0
    assert rows == 0


def test_both_legs_are_acknowledged(tmp_path: Path) -> None:
    timeline, _, _ = render(tmp_path, "both", "--say", "cramp in both legs")
    assert "one at a time" in of(timeline, "say")[0]["text"]
    assert of(timeline, "count")
