"""The PulseAudio harness proved with real audio: speech into the mic, clicks out of the speaker."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.support.onsets import onsets, silent_after
from tests.support.pulse import PulseServer, missing_tools
from voice import ROOT_DIR
from voice.wavio import read_wav, read_wav_16k, write_wav_atomic

pytestmark = pytest.mark.pulse

RECORD_MIC = """
import sys
import sounddevice as sd
from voice.wavio import write_wav_atomic

seconds, out = float(sys.argv[1]), sys.argv[2]
take = sd.rec(int(seconds * 16000), samplerate=16000, channels=1, dtype="int16", device="pulse")
print("recording", flush=True)
sd.wait()
write_wav_atomic(out, take[:, 0], 16000)
"""

PLAY = """
import sys
import sounddevice as sd
from voice.wavio import read_wav

from voice.speak.player import OUTPUT_LATENCY_S

audio = read_wav(sys.argv[1])
# the default device (pulse, default sink `speaker`), with as much queued as the coach keeps
sd.play(audio.samples, audio.sample_rate, latency=OUTPUT_LATENCY_S)
sd.wait()
"""

LIST_DEVICES = """
import sounddevice as sd
print("\\n".join(d["name"] for d in sd.query_devices()))
print("default:", sd.query_devices(kind="output")["name"])
"""


def clicks(path: Path, rate: int = 48000, count: int = 5, first: float = 1.0) -> Path:
    """A WAV of `count` 20 ms 1 kHz clicks exactly 1.000 s apart, the first at `first` seconds
    (a stream's first moments may stall on a busy machine: CI once heard the second click
    58 ms late with the first at 0.2 s and PortAudio's default low latency)."""
    x = np.zeros(round(rate * (first + count + 0.3)), np.int16)
    n = round(0.02 * rate)
    click = np.rint(12000 * np.sin(2 * np.pi * 1000 * np.arange(n) / rate)).astype(np.int16)
    for k in range(count):
        at = round((first + k) * rate)
        x[at : at + n] = click
    write_wav_atomic(path, x, rate)
    return path


@pytest.fixture
def utterance(tmp_path: Path) -> Path:
    """espeak-ng saying the wake phrase, with 0.3 s of silence either side."""
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        pytest.skip("espeak-ng and sox are needed to make speech")
    raw, padded = tmp_path / "raw.wav", tmp_path / "help.wav"
    subprocess.run(
        ["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(raw), "help, calf cramp"], check=True
    )
    subprocess.run(["sox", str(raw), "-b", "16", str(padded), "pad", "0.3", "0.3"], check=True)
    return padded


def test_a_subprocess_sees_the_pulse_device(pulse_server: PulseServer) -> None:
    done = pulse_server.run_python(LIST_DEVICES)
    assert done.returncode == 0, done.stderr
    names = done.stdout.splitlines()
    assert "pulse" in names
    assert "default: default" in names or "default: pulse" in names


def test_speech_played_into_the_mic_is_recorded_by_sounddevice(
    pulse_server: PulseServer, utterance: Path, tmp_path: Path
) -> None:
    heard = tmp_path / "heard.wav"
    spoken = read_wav_16k(utterance)
    seconds = len(spoken) / 16000 + 2.5
    recorder = subprocess.Popen(
        [sys.executable, "-c", RECORD_MIC, str(seconds), str(heard)],
        env=pulse_server.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert recorder.stdout is not None
    assert recorder.stdout.readline().strip() == "recording", recorder.communicate()[1]
    pulse_server.play_into_mic(utterance)
    _, err = recorder.communicate(timeout=seconds + 30)
    assert recorder.returncode == 0, err

    said = onsets(spoken, 16000)
    got = read_wav(heard).samples
    found = onsets(got, 16000)
    assert len(said) >= 1
    assert len(found) == len(said)
    # same words, same rhythm: onsets keep their spacing through server, resampler and PortAudio
    np.testing.assert_allclose(np.diff(found), np.diff(said), atol=0.02)
    # the whole utterance made it, at about its level, and then the mic was quiet again
    end = found[0] + len(spoken) / 16000 - said[0]
    assert end + 0.3 < len(got) / 16000
    assert silent_after(got, 16000, end, len(got) / 16000 - end)
    level = np.sqrt(np.mean(got.astype(float) ** 2)) / np.sqrt(np.mean(spoken.astype(float) ** 2))
    assert 0.2 < level * np.sqrt(len(got) / len(spoken)) < 2.0


def test_clicks_played_by_sounddevice_are_one_second_apart_on_the_speaker(
    pulse_server: PulseServer, tmp_path: Path
) -> None:
    wav = clicks(tmp_path / "clicks.wav")
    pulse_server.start_recording_speaker(tmp_path / "said.wav")
    try:
        done = pulse_server.run_python(PLAY, str(wav))
    finally:
        said = pulse_server.stop_recording_speaker()
    assert done.returncode == 0, done.stderr
    audio = read_wav(said)
    found = onsets(audio.samples, audio.sample_rate)
    assert len(found) == 5, found
    np.testing.assert_allclose(np.diff(found), 1.0, atol=0.030)


def test_the_server_and_its_helpers_are_gone_after_exit(tmp_path: Path) -> None:
    if missing_tools():
        pytest.skip(f"PulseAudio not installed ({', '.join(missing_tools())} missing)")
    with PulseServer() as server:
        pid, folder = server.pid, server.runtime_dir
        assert pid is not None and Path(f"/proc/{pid}").exists()
        server.start_recording_speaker(tmp_path / "left-running.wav")
        player = server.play_into_mic(clicks(tmp_path / "c.wav"), wait=False)
        assert "speaker" in server.pactl("list", "short", "sinks")
    assert not Path(f"/proc/{pid}").exists()
    assert not folder.exists()
    assert player.poll() is not None
    assert (tmp_path / "left-running.wav").read_bytes()[:4] == b"RIFF"


def test_ci_script_starts_and_stops_a_server() -> None:
    if missing_tools():
        pytest.skip(f"PulseAudio not installed ({', '.join(missing_tools())} missing)")
    script = str(ROOT_DIR / ".ci" / "pulse.sh")
    started = subprocess.run(
        ["sh", script, "start"], capture_output=True, text=True, timeout=30, check=False
    )
    assert started.returncode == 0, started.stderr
    exports = dict(
        line.removeprefix("export ").replace("'", "").split("=", 1)
        for line in started.stdout.splitlines()
    )
    folder = Path(exports["XDG_RUNTIME_DIR"])
    try:
        pid = int((folder / "pulse" / "pid").read_text())
        env = {**os.environ, **exports}
        info = subprocess.run(
            ["pactl", "info"], env=env, capture_output=True, text=True, check=False
        )
        assert "Default Sink: speaker" in info.stdout
        assert "Default Source: mic" in info.stdout
    finally:
        stopped = subprocess.run(
            ["sh", script, "stop"], env={**os.environ, **exports}, timeout=30, check=False
        )
    assert stopped.returncode == 0
    assert not folder.exists()
    state = Path(f"/proc/{pid}/stat")
    assert not state.exists() or state.read_text().rsplit(")", 1)[1].split()[0] == "Z"
