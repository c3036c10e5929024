"""A virtual bedroom on a private PulseAudio server: one stereo sink holds the coach's
speaker (left) and the user's voice (right), so a single recording of its monitor has both
on one sample clock.

    room      2-channel null sink; record `room.monitor` to hear both sides at once
    stage     mono sink into room's left channel: the coach plays here (PULSE_SINK)
    voice     mono sink into room's right channel: commands are played here (paplay)
    ears      mono source from room's right channel: the coach listens here (PULSE_SOURCE)

The test harness's `speaker` / `micfeed` / `mic` devices stay as they are, for programs
that use the defaults.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from tests.support.pulse import PulseServer, missing_tools
from voice import ROOT_DIR
from voice.wavio import write_wav_atomic

ROOM_MODULES = (
    "module-null-sink sink_name=room channels=2 channel_map=front-left,front-right norewinds=1",
    ("module-remap-sink sink_name=stage master=room channels=1 master_channel_map=front-left "
     "channel_map=mono remix=no"),
    ("module-remap-sink sink_name=voice master=room channels=1 master_channel_map=front-right "
     "channel_map=mono remix=no"),
    ("module-remap-source source_name=ears master=room.monitor channels=1 "
     "master_channel_map=front-right channel_map=mono remix=no"),
)
WARM_UP_S = 2.0
"""Recording time spent waking the sinks (seconds)."""


class Room:
    """A PulseAudio server with the harness's devices and the room."""

    def __init__(self) -> None:
        self.server = PulseServer()
        self._recorders: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> Room:  # noqa: PYI034 (Self needs Python 3.11)
        missing = missing_tools()
        if missing:
            raise RuntimeError(f"PulseAudio tools missing: {', '.join(missing)}")
        self.server.start()
        for module in ROOM_MODULES:
            self.server.pactl("load-module", *module.split())
        self._warm_up()
        return self

    def _warm_up(self) -> None:
        """The first recording of a fresh null sink loses its first seconds: spend it here."""
        silence = Path(self.server.runtime_dir) / "silence.wav"
        write_wav_atomic(silence, np.zeros(22050, dtype=np.int16), 22050)
        with tempfile.TemporaryDirectory() as tmp:
            recorders = [self.record(Path(tmp) / "speaker.wav", "speaker.monitor", 1),
                         self.record(Path(tmp) / "room.wav")]
            players = [subprocess.Popen(["paplay", "-d", sink, os.fspath(silence)],
                                        env=self.server.env) for sink in ("speaker", "stage")]
            for player in players:
                player.wait(30)
            time.sleep(WARM_UP_S)
            for recorder in recorders:
                self.stop(recorder, settle_s=0.0)

    def __exit__(self, *_: object) -> None:
        for recorder in self._recorders:
            _interrupt(recorder)
        self.server.stop()

    @property
    def env(self) -> dict[str, str]:
        """Environment for programs using the default `speaker` and `mic`."""
        return {**self.server.env, "PYTHONPATH": str(ROOT_DIR)}

    @property
    def room_env(self) -> dict[str, str]:
        """Environment for a coach that speaks on `stage` and listens on `ears`."""
        return {**self.env, "PULSE_SINK": "stage", "PULSE_SOURCE": "ears"}

    def record(self, path: Path, device: str = "room.monitor", channels: int = 2
               ) -> subprocess.Popen[bytes]:
        """Start recording `device` to a WAV; return once the recorder is connected."""
        recorder = subprocess.Popen(
            ["parecord", "-d", device, "--file-format=wav", "--format=s16le",
             f"--channels={channels}", "--latency-msec=200",
             os.fspath(path)], env=self.server.env, stderr=subprocess.DEVNULL)
        self._recorders.append(recorder)
        deadline = time.monotonic() + 10.0
        while not self.server._connected(recorder):
            if recorder.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"parecord could not record {device}")
            time.sleep(0.02)
        return recorder

    def stop(self, recorder: subprocess.Popen[bytes], settle_s: float = 0.5) -> None:
        """Let buffered audio arrive, then stop a recorder cleanly (it writes the header)."""
        time.sleep(settle_s)
        _interrupt(recorder)
        if recorder in self._recorders:
            self._recorders.remove(recorder)

    def say(self, wav: Path) -> subprocess.Popen[bytes]:
        """Start playing a command into the coach's ears; returns the player."""
        return subprocess.Popen(["paplay", "-d", "voice", os.fspath(wav)],
                                env=self.server.env, stderr=subprocess.DEVNULL)


def _interrupt(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(2)
        try:
            process.wait(5.0)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
