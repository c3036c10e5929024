"""The spoken-understanding benchmark at smoke size, its scoring, and its two tables."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import spoken_tables as tables
from tests.support.speech import VOICES, tools_missing
from voice import CONTENT_DIR, MODELS_DIR, ROOT_DIR
from voice.content.loader import load_content
from voice.models.catalog import find_model
from voice.vocabulary import Context

MUSCLES = {"calf", "hamstring", "quadriceps", "foot", "other"}
SIDES = {"left", "right", "both"}
"""The contract's slot values."""


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bench.understanding ARGS`, run as the program it is."""
    return subprocess.run([sys.executable, "-m", "bench.understanding", *args], cwd=ROOT_DIR,
                          capture_output=True, text=True, check=False, timeout=600)


def test_two_rows_in_one_voice_are_heard_and_reported() -> None:
    if tools_missing() or find_model("whisper", MODELS_DIR) is None:
        pytest.skip("needs espeak-ng, flite and the Whisper model")
    done = bench("--quick", "--workers", "0", "--misses", "--only", "my right calf",
                 "--only", "can I take two paracetamol")
    assert done.returncode == 0, done.stderr
    page = done.stdout
    assert "phrasing accuracy" in page and "typed" in page and "medicine recognised" in page
    assert "(1/1)" in page  # one row of each table, heard once
    assert f"voices heard: {VOICES[0].name}" in page
    assert "decodes: 2" in page


def test_scoring_counts_alarms_and_slots() -> None:
    rows = [tables.Row("my left calf", "cramp", (("muscle", "calf"), ("side", "left")),
                      Context.QUESTION, "phrasing"),
            tables.Row("my foot is blue", "red_flag", (), Context.COUNT, "sign"),
            tables.Row("it isn't red", "none", (), Context.COUNT, "benign"),
            tables.Row("would aspirin help", "medicine", (), Context.IDLE, "medicine")]

    def heard(index: int, intent: str, *slots: tuple[str, str]) -> tables.Heard:
        return tables.Heard(index, "v", tables.CLEAN, "", intent, slots, 0.1)

    right = tables.measures(rows, [heard(0, "cramp", ("muscle", "calf"), ("side", "left")),
                                  heard(1, "emergency"), heard(2, "none"),
                                  heard(3, "medicine")])
    assert right["phrasing"].percent == 100.0 and right["phrasing question"].hits == 1
    assert right["urgent"].percent == 100.0 and right["labelled sign"].hits == 0
    assert right["alarm"].percent == 0.0 and right["medicine"].percent == 100.0
    wrong = tables.measures(rows, [heard(0, "cramp", ("muscle", "calf")), heard(1, "none"),
                                  heard(2, "red_flag"), heard(3, "doctor")])
    assert wrong["phrasing"].hits == 0 and wrong["urgent"].hits == 0
    assert wrong["alarm"].percent == 100.0 and wrong["medicine"].hits == 0


def test_bad_options_are_one_line_and_exit_2() -> None:
    too_many = bench("--voices", str(len(VOICES) + 1))
    assert too_many.returncode == 2 and "--voices must be between" in too_many.stderr
    assert "Traceback" not in too_many.stderr
    assert bench("--until", "soon").returncode == 2


def test_tables_are_labelled_for_their_context_and_new() -> None:
    contexts = load_content(CONTENT_DIR).contexts
    rows = tables.all_rows()
    for row in rows:
        assert row.intent == "none" or row.intent in contexts[row.context], row
        slots = dict(row.slots)
        assert slots.get("muscle", "calf") in MUSCLES and slots.get("side", "left") in SIDES
    kinds = [r.kind for r in rows]
    assert kinds.count("phrasing") >= 150
    assert {Context(c) for c in ("idle", "count", "question")} <= {
        r.context for r in rows if r.kind == "phrasing"}
    assert (kinds.count("sign"), kinds.count("emergency")) >= (30, 15)
    assert kinds.count("benign") >= 25 and kinds.count("medicine") >= 20
    assert set(kinds) == {"phrasing", "sign", "emergency", "benign", "medicine"}

    def said(text: str) -> str:
        return " ".join(re.sub(r"[^a-z' ]", " ", text.lower()).split())

    others = {said(line["text"]) for table in Path(tables.DATA).glob("heldout_*.tsv")
              for line in csv.DictReader(table.open(encoding="utf-8"), delimiter="\t")}
    mine = [said(r.text) for r in rows]
    assert len(set(mine)) == len(mine)
    assert not others & set(mine)
