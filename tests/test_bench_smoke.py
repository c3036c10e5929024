"""The benchmark at smoke size, run as `python -m bench.run --smoke`: every part runs on a
few files and one trial, and the page, plots and figures it writes are well formed. No
speed is asserted."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.room import missing_tools
from tests.support.speech import clips_missing
from voice import ROOT_DIR

pytestmark = pytest.mark.slow

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HEADINGS = {"hearing": "## 1. Hearing", "answering": "## 2. Answering",
            "counting": "## 3. Counting", "footprint": "## 4. Footprint"}
"""Each section of the page, by the section its figures name."""

Smoke = tuple[dict[str, Any], Path, bool]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> Smoke:
    no_clips = clips_missing()
    if no_clips is not None:
        pytest.skip(no_clips)
    live = not missing_tools()
    out = tmp_path_factory.mktemp("bench")
    args = ["--smoke", "--out", str(out), "--figures", str(out / "figures.json")]
    done = subprocess.run([sys.executable, "-m", "bench.run", *args,
                           *([] if live else ["--no-live"])],
                          cwd=ROOT_DIR, capture_output=True, text=True, timeout=1800,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((out / "figures.json").read_text(encoding="utf-8")), out, live


def test_every_part_produces_figures(smoke: Smoke) -> None:
    results, _, live = smoke
    sections = {f["section"] for f in results["figures"]}
    expected = {"hearing", "counting", "footprint"} | ({"answering"} if live else set())
    assert expected <= sections
    names = {f["name"] for f in results["figures"]}
    assert "intent accuracy, clean" in names
    assert "false session starts per hour (idle)" in names
    assert "max onset error" in names
    assert "recognition real-time factor" in names
    if live:
        assert {"reply latency p50", "CPU while idle-listening (share of one core)"} <= names


def test_figures_are_well_formed(smoke: Smoke) -> None:
    results, out, _ = smoke
    page = (out / "benchmarks.md").read_text()
    for f in results["figures"]:
        assert f["section"] in HEADINGS and f["name"] and isinstance(f["unit"], str)
        assert HEADINGS[f["section"]] in page, f
        assert f["value"] is None or math.isfinite(f["value"]), f
        assert isinstance(f["trials"], int) and f["trials"] >= 0, f
        labels = results["legend"].get(f["section"], {})
        assert f["engine"] in labels and f["data"] in labels, f
        if f["value"] is None:
            assert f["met"] is None
        elif f["target"] is not None:
            assert f["met"] in (True, False)
    for c in results["comparisons"]:
        assert c["ours"] == c["naive"] and c["better"] in ("lower", "higher")
        assert c["ratio"] is None or c["ratio"] >= 0
        assert c["shown"]


def test_page_and_plots_are_written(smoke: Smoke) -> None:
    results, out, live = smoke
    page = (out / "benchmarks.md").read_text()
    for heading in ("# Benchmarks", "## Summary", "## Side by side", "## Targets missed",
                    "## 1. Hearing", "## 3. Counting", "## 4. Footprint", "## Data"):
        assert heading in page
    assert "Machine:" in page and "cores" in page
    assert "CC BY 4.0" in page and "Speech Commands" in page
    for f in results["figures"]:
        assert f["name"] in page
        if f["met"] is False:
            assert "**MISSED**" in page
    plots = ["accuracy_vs_snr.png", "count_onsets.png"] + (["latency.png"] if live else [])
    for name in plots:
        data = (out / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000, name
        assert f"]({name})" in page
