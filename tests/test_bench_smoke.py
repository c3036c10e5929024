"""The benchmark at smoke size: every part runs on a few files and one trial, and the page
and plots it writes are well formed. No speed is asserted."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench import run
from bench.figures import Results
from bench.report import SECTIONS
from tests.support.room import missing_tools

pytestmark = pytest.mark.slow

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[Results, Path, bool]:
    live = not missing_tools()
    out = tmp_path_factory.mktemp("bench")
    results = run.measure(run.MODES["smoke"], live=live)
    run.write_page(results, out, "smoke", 1.0)
    return results, out, live


def test_every_part_produces_figures(smoke: tuple[Results, Path, bool]) -> None:
    results, _, live = smoke
    sections = {f.section for f in results.figures}
    expected = {"hearing", "counting", "footprint"} | ({"answering"} if live else set())
    assert expected <= sections
    names = {f.name for f in results.figures}
    assert "intent accuracy, clean" in names
    assert "false session starts per hour (idle)" in names
    assert "max onset error" in names
    assert "recognition real-time factor" in names
    if live:
        assert {"reply latency p50", "CPU while idle-listening (share of one core)"} <= names


def test_figures_are_well_formed(smoke: tuple[Results, Path, bool]) -> None:
    results, _, _ = smoke
    for f in results.figures:
        assert f.section in SECTIONS and f.name and isinstance(f.unit, str)
        assert f.value is None or math.isfinite(f.value), f
        assert isinstance(f.trials, int) and f.trials >= 0, f
        labels = results.legend.get(f.section, {})
        assert f.engine in labels and f.data in labels, f
        if f.value is None:
            assert f.met is None
        elif f.target is not None:
            assert f.met in (True, False)
    for c in results.comparisons:
        assert c.ours.name == c.naive.name and c.better in ("lower", "higher")
        assert c.ratio is None or c.ratio >= 0
        assert c.shown()


def test_page_and_plots_are_written(smoke: tuple[Results, Path, bool]) -> None:
    results, out, live = smoke
    page = (out / "benchmarks.md").read_text()
    for heading in ("# Benchmarks", "## Summary", "## Side by side", "## Targets missed",
                    "## 1. Hearing", "## 3. Counting", "## 4. Footprint", "## Data"):
        assert heading in page
    assert "Machine:" in page and "cores" in page
    assert "CC BY 4.0" in page and "Speech Commands" in page
    for f in results.figures:
        assert f.name in page
        if f.met is False:
            assert "**MISSED**" in page
    plots = ["accuracy_vs_snr.png", "count_onsets.png"] + (["latency.png"] if live else [])
    for name in plots:
        data = (out / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000, name
        assert f"]({name})" in page


def test_counts_with_one_word_found_have_no_drift_figure() -> None:
    from bench.counting import Count, summarise

    results = Results()
    summarise(results, {"live": [Count((0.0, 1.0, 2.001), 3)],
                        "naive": [Count((0.5,), 3), Count((0.0, 1.2, 2.4), 3)]})
    drift = {f.engine: f for f in results.figures if f.name.startswith("drift")}
    assert all(f.value is None or math.isfinite(f.value) for f in results.figures)
    assert drift["naive loop"].trials == 1 and drift["naive loop"].value == pytest.approx(400.0)
    only_one = Results()
    summarise(only_one, {"naive": [Count((0.5,), 3)]})
    assert [f.value for f in only_one.figures if f.name.startswith("drift")] == [None]


def test_everyday_talk_counts_as_answers_only_what_the_idle_coach_says() -> None:
    from bench.hearing import Row, score_talk
    from voice.vocabulary import Context

    def row(intent: str, text: str) -> Row:
        return Row("whisper", "talk|clean|0", Context.IDLE, intent, text, 0.1, 360.0)

    results = Results()
    score_talk(results, [row("repeat", "start again"), row("cramp", "cramp in my calf"),
                         row("none", ""), row("hydration", "drink more water")], ["whisper"])
    got = {f.name: f.value for f in results.figures}
    assert got["everyday talk: heard as a command per hour (idle)"] == pytest.approx(7.5)
    assert got["everyday talk: false answers per hour (idle)"] == pytest.approx(5.0)
    assert got["everyday talk: false session starts per hour (idle)"] == pytest.approx(2.5)
    note = " ".join(results.notes.get("hearing", []))
    assert "'start again' → repeat;" in note and "'cramp in my calf' → cramp*" in note
