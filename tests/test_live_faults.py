"""Faults while live, through a real sound server: the speaker vanishing mid-count, the
sound server restarting under the microphone. Each test runs its own PulseAudio server,
since it breaks it on purpose."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pulse import PulseServer, missing_tools
from test_live_pulse import count_runs

from voice import ROOT_DIR
from voice.onsets import onsets
from voice.wavio import read_wav

pytestmark = [pytest.mark.pulse, pytest.mark.slow]


@pytest.fixture
def pulse() -> Iterator[PulseServer]:
    """A private server for one test, which may break it."""
    missing = missing_tools()
    if missing:
        pytest.skip(f"PulseAudio not installed ({', '.join(missing)} missing)")
    with PulseServer() as server:
        yield server


def module_id(pulse: PulseServer, needle: str) -> str:
    """Index of the loaded module whose arguments contain `needle`."""
    for line in pulse.pactl("list", "short", "modules").splitlines():
        if needle in line:
            return line.split()[0]
    raise LookupError(needle)


def speaker_only(pulse: PulseServer) -> None:
    """Leave `speaker` as the only sink, so unloading it is a speaker unplugged (with another
    sink left, PulseAudio would quietly move the stream there)."""
    pulse.pactl("unload-module", module_id(pulse, "source_name=mic"))
    pulse.pactl("unload-module", module_id(pulse, "sink_name=micfeed"))


def coach_process(pulse: PulseServer, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "voice", "listen", "--day", *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT_DIR,
                            env={**pulse.env, "PYTHONPATH": str(ROOT_DIR)})


def longest_count(path: Path) -> list[float]:
    said = read_wav(path)
    runs = count_runs(onsets(said.samples, said.sample_rate), tolerance=0.030)
    return max(runs, key=len) if runs else []


def test_the_count_survives_the_speaker_vanishing_and_goes_on_to_thirty(
        pulse: PulseServer, tmp_path: Path) -> None:
    speaker_only(pulse)
    pulse.start_recording_speaker(tmp_path / "before.wav")
    coach = coach_process(pulse, "--text")
    assert coach.stdin is not None
    coach.stdin.write("help, calf cramp\n")
    coach.stdin.flush()
    time.sleep(16.0)  # instructions (~7 s), then a few count words
    pulse.pactl("unload-module", module_id(pulse, "sink_name=speaker"))
    pulse.stop_recording_speaker(settle_s=0.0)  # its source has gone: it has ended already
    time.sleep(3.0)
    pulse.pactl("load-module", "module-null-sink", "sink_name=speaker")
    pulse.pactl("set-default-sink", "speaker")
    pulse.start_recording_speaker(tmp_path / "after.wav")
    time.sleep(32.0)  # the rest of the count and the question after it
    out, err = coach.communicate(timeout=60)  # closes its input: it ends when quiet
    pulse.stop_recording_speaker()
    assert coach.returncode == 0, err
    assert "Traceback" not in err
    assert "the speaker stopped" in err and "the speaker is back" in err
    before, after = longest_count(tmp_path / "before.wav"), longest_count(tmp_path / "after.wav")
    assert len(before) >= 2, "counting had begun before the speaker went"
    # The word cut off by the fault is said again whole, so it may be counted twice.
    assert 30 <= len(before) + len(after) <= 31, (len(before), len(after))
    spacing = np.diff(after)
    assert np.max(np.abs(spacing - 1.0)) <= 0.020, spacing
    said = read_wav(tmp_path / "after.wav")
    question = [t for t in onsets(said.samples, said.sample_rate) if t > after[-1] + 0.5]
    assert question, "after thirty the coach asks whether it is easing"
    assert "coach: Calf cramp." in out
