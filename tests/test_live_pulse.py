"""The live path through a real sound server: the coach speaks through PulseAudio's virtual
speaker and the recording is measured (typed input here; spoken input in test_listen_mic)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from voice import ROOT_DIR
from voice.onsets import onsets
from voice.wavio import read_wav

pytestmark = pytest.mark.pulse


def count_runs(times: list[float], tolerance: float) -> list[list[float]]:
    """Runs of onsets spaced 1 s apart (within `tolerance` seconds)."""
    runs: list[list[float]] = []
    run: list[float] = []
    for t in times:
        if run and abs(t - run[-1] - 1.0) <= tolerance:
            run.append(t)
        else:
            if len(run) > 1:
                runs.append(run)
            run = [t]
    if len(run) > 1:
        runs.append(run)
    return runs


def start_coach(pulse, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "voice", "listen", "--text", "--day", *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**pulse.env,
                                                                    "PYTHONPATH": str(ROOT_DIR)},
                            cwd=ROOT_DIR)


def test_typed_cramp_is_answered_through_the_speaker_with_an_exact_count(
        pulse_server, tmp_path: Path) -> None:
    recording = tmp_path / "said.wav"
    pulse_server.start_recording_speaker(recording)
    coach = start_coach(pulse_server, "--once")
    out, err = coach.communicate("help, calf cramp\n", timeout=120)
    said = read_wav(pulse_server.stop_recording_speaker())
    assert coach.returncode == 0, err
    assert "Calf cramp." in out and "Traceback" not in err
    assert "cannot open the speaker" not in err
    runs = count_runs(onsets(said.samples, said.sample_rate), tolerance=0.030)
    longest = max(runs, key=len)
    assert len(longest) == 30, [len(r) for r in runs]
    spacing = np.diff(longest)
    assert np.max(np.abs(spacing - 1.0)) <= 0.020, spacing


def test_typed_stop_mid_count_silences_the_speaker(pulse_server, tmp_path: Path) -> None:
    recording = tmp_path / "said.wav"
    pulse_server.start_recording_speaker(recording)
    coach = start_coach(pulse_server)
    assert coach.stdin is not None
    coach.stdin.write("help, calf cramp\n")
    coach.stdin.flush()
    assert coach.stdout is not None
    for line in coach.stdout:  # the plan is scheduled: instructions (~7 s), then the count
        if "(counting 1 to 30" in line:
            break
    time.sleep(12.0)
    coach.stdin.write("stop\n")
    coach.stdin.flush()
    time.sleep(4.0)
    coach.stdin.close()
    coach.wait(timeout=30)
    said = read_wav(pulse_server.stop_recording_speaker(settle_s=0.5))
    times = onsets(said.samples, said.sample_rate)
    runs = count_runs(times, tolerance=0.030)
    assert runs, times
    counted = max(runs, key=len)
    assert 2 <= len(counted) < 30
    last = times[-1]
    assert last == counted[-1], "nothing is said after the stop"
    # The recording goes on for seconds after the last word: all of it silent.
    end_of_last_word = last + 1.0
    tail = len(said.samples) / said.sample_rate - end_of_last_word
    assert tail > 2.0
    rms = np.sqrt(np.mean(said.samples[int(end_of_last_word * said.sample_rate):]
                          .astype(float) ** 2))
    assert rms < 50
