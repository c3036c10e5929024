"""Offline always: no command opens a network socket (only `models install` may), and
nothing is written to disk unless asked, but for the diary in the user's data folder
(`--no-diary` turns it off; tests/test_diary.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.running import Running
from voice import ROOT_DIR

GUARD = ROOT_DIR / "tests" / "guard"


def guarded(*args: str, stdin: str | None = None, cwd: Path | None = None,
            extra_path: Path | None = None) -> subprocess.CompletedProcess[str]:
    paths = [str(GUARD), str(ROOT_DIR)] + ([str(extra_path)] if extra_path else [])
    if extra_path:
        paths.insert(0, str(extra_path))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    return subprocess.run([sys.executable, "-m", "voice", *args], check=False, input=stdin,
                          text=True, capture_output=True, env=env, cwd=cwd or ROOT_DIR,
                          timeout=180)


def test_the_guard_itself_catches_a_connection() -> None:
    env = {**os.environ, "PYTHONPATH": str(GUARD)}
    code = "import urllib.request as u; u.urlopen('http://127.0.0.1:9/')"
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True,
                         text=True, env=env, timeout=60)
    assert out.returncode != 0 and "NETWORK ACCESS ATTEMPTED" in out.stderr


@pytest.mark.parametrize("args, stdin", [
    (["parse", "--json", "help, calf cramp"], None),
    (["content", "check"], None),
    (["models", "list"], None),
    (["listen", "--text", "--day", "--once"], "help, calf cramp\nstop\n"),
])
def test_commands_open_no_network_socket(args: list[str], stdin: str | None) -> None:
    out = guarded(*args, stdin=stdin)
    assert "NETWORK ACCESS ATTEMPTED" not in out.stderr + out.stdout
    assert out.returncode == 0, out.stderr


def test_session_render_is_offline_and_writes_only_what_was_asked(tmp_path: Path) -> None:
    out = guarded("session", "--say", "help, calf cramp", "--say", "stop", "--render",
                  str(tmp_path / "s.wav"), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.wav"]


def test_typed_session_writes_nothing_without_log_or_record(tmp_path: Path) -> None:
    out = guarded("listen", "--text", "--day", "--once", stdin="help, calf cramp\nstop\n",
                  cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert list(tmp_path.iterdir()) == []


def test_transcript_only_with_log_and_plain(tmp_path: Path) -> None:
    log = tmp_path / "night.log"
    out = guarded("listen", "--text", "--day", "--once", "--log", str(log),
                  stdin="help, calf cramp\nstop\n", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    text = log.read_text()
    assert "heard: 'help, calf cramp' -> cramp" in text and "said: Calf cramp." in text


def test_missing_espeak_falls_back_to_printing_and_says_so_once(tmp_path: Path) -> None:
    out = guarded("listen", "--text", "--day", "--once", "--voice", "espeak",
                  stdin="help, calf cramp\nstop\n",
                  extra_path=ROOT_DIR / "tests" / "fake_no_espeak")
    assert out.returncode == 0, out.stderr
    assert out.stderr.count("Speech output is not available") == 1
    assert "Traceback" not in out.stderr
    assert "coach: Calf cramp." in out.stdout


def test_missing_espeak_makes_render_fail_plainly(tmp_path: Path) -> None:
    out = guarded("session", "--say", "help, calf cramp", "--render", str(tmp_path / "s.wav"),
                  "--voice", "espeak", extra_path=ROOT_DIR / "tests" / "fake_no_espeak")
    assert out.returncode == 3
    assert "espeak-ng" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "s.wav").exists()


def test_the_piper_voice_needs_no_espeak_ng(tmp_path: Path) -> None:
    out = guarded("session", "--say", "help, calf cramp", "--render", str(tmp_path / "s.wav"),
                  extra_path=ROOT_DIR / "tests" / "fake_no_espeak")
    assert out.returncode == 0 and out.stderr == "", out.stderr
    assert (tmp_path / "s.wav").stat().st_size > 0


def written(folder: Path) -> list[str]:
    """Every file under `folder`, except the sound system's own client settings."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and ".config/pulse" not in str(p))


@pytest.mark.pulse
@pytest.mark.parametrize("record", [False, True], ids=["without-record", "with-record"])
def test_listening_on_the_microphone_keeps_audio_only_with_record(
        pulse_server, tmp_path: Path, record: bool) -> None:
    said = tmp_path / "said.wav"
    subprocess.run(["flite", "-voice", "slt", "-t", "should I drink water", "-o", str(said)],
                   check=True, capture_output=True)
    home, temp, work, kept = (tmp_path / name for name in ("home", "tmp", "work", "kept"))
    for folder in (home, temp, work, kept):
        folder.mkdir()
    env = {**pulse_server.env, "HOME": str(home), "TMPDIR": str(temp)}
    args = ["listen", "--day", *(["--record", str(kept)] if record else [])]
    coach = Running(*args, env=env, cwd=work)
    try:
        coach.wait_for("is listening", stream="err", timeout=120)
        pulse_server.play_into_mic(said)
        coach.wait_for("coach: Drink plenty of water", timeout=30)
        assert coach.interrupt() == 130, coach.err
    finally:
        coach.kill()
    assert written(home) == written(temp) == written(work) == []
    recorded = written(kept)
    if record:
        assert recorded and all(name.endswith(".wav") for name in recorded), recorded
        assert any(name.endswith("-hydration.wav") for name in recorded), recorded
    else:
        assert recorded == []
