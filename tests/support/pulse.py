"""A private PulseAudio server with virtual devices: real audio paths with no sound card.

The server has two null sinks and one remapped source:

- `speaker`  the default sink: what programs play ends up here; record `speaker.monitor`.
- `micfeed`  a sink to play test speech into (`play_into_mic`) ...
- `mic`      ... which the default source, remapped from `micfeed.monitor`, delivers.

Usage::

    with PulseServer() as pulse:                  # or the session fixture `pulse_server`
        pulse.start_recording_speaker(tmp / "said.wav")
        subprocess.run([sys.executable, "-m", "voice", ...], env=pulse.env, check=True)
        said = pulse.stop_recording_speaker()
        pulse.play_into_mic(tmp / "help.wav")      # the program hears it on `mic`

sounddevice (PortAudio) and this server — what was found:

- PortAudio talks ALSA; ALSA reaches PulseAudio through the `pulse` PCM from
  libasound2-plugins, which finds the server from the process environment
  (XDG_RUNTIME_DIR, or PULSE_SERVER which `env` also sets).
- PortAudio enumerates devices once, when it is initialised (`import sounddevice`).
  A process that initialised it before the server ran or before the environment was set
  sees no `pulse` device (with no sound card: no devices at all), and ALSA's `default`
  only turns into pulse when the server answers the first time ALSA reads its
  configuration (the hook in /etc/alsa/conf.d/99-pulse.conf).
- So code that uses sounddevice must run in a subprocess started with `env=pulse.env`
  (`run_python` does this). Re-initialising in the test process after changing
  `os.environ` (`sounddevice._terminate()` / `_initialize()`) happens to work but relies
  on private API and process-wide state; don't.
- In such a subprocess `sounddevice.query_devices()` lists `pulse` and `default`; both
  play to `speaker` and record from `mic`. A null sink keeps time by its own clock and
  works in blocks, so playback matches the wall clock only on average: start-up and
  drain add a second or two to `paplay` and `sounddevice.wait()`.
- parecord writes a valid WAV header only when it exits cleanly: stop it with SIGINT
  (`stop_recording_speaker` does), never SIGKILL. Its buffer size matters for timing on
  a null sink (see RECORD_LATENCY_MS), and audio still in the server when it stops is
  lost, so stopping waits SETTLE_S first.
- Times in a recording are sample positions, not wall-clock times: a recorder's first
  sample is taken at no well-defined moment, so compare onsets within one recording
  (spacing: exact to the sample in every trial), not with the clock or across devices.
- Clients never autospawn a second server: PULSE_SERVER names this one explicitly.
- The server runs as our child (audio-testing.md's command without `-D`): a daemonised
  server is reparented to PID 1, which on CI VMs may reap it late, so a stopped server
  lingered as `<defunct>`; as a child it is reaped here and `pid` is known at once.
  It is still stopped with `pulseaudio -k`, as the doc says, then signals if needed.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

TOOLS = ("pulseaudio", "pactl", "paplay", "parecord")
"""Programs the harness runs (Debian packages pulseaudio and pulseaudio-utils)."""

NULL_SINK_OPTIONS = "norewinds=1"
"""A null sink that rewinds (the default) drops what its monitor had not yet delivered each
time a stream starts playing into it: on a fresh server a 0.1 s tone played 1 s into a
recording of the monitor was missing in 3 of 3 trials, and later clips lost their first
0.16 s. That is the speaker recording and the virtual microphone alike. Without rewinds the
tone was at 1.000 s in every trial."""

MODULES = (
    "module-native-protocol-unix",
    f"module-null-sink sink_name=speaker {NULL_SINK_OPTIONS}",
    f"module-null-sink sink_name=micfeed {NULL_SINK_OPTIONS}",
    "module-remap-source master=micfeed.monitor source_name=mic",
)
"""Modules the server loads: the socket, the two null sinks, the virtual microphone."""

RECORD_LATENCY_MS = 200
"""parecord's buffer (milliseconds). Its default (about 2 s) made the null sink lose or delay
audio (clicks missing at the end, once a 2 s gap inside); 300 ms and more lost the first
second now and then; 100 ms slowed paplay; 200 ms recorded every click of 48 trials, also
with both CPUs busy."""

SETTLE_S = 0.3
"""Wait before stopping a recording, so audio still buffered in the server reaches the file
(seconds)."""


def missing_tools() -> list[str]:
    """Programs from TOOLS that are not on PATH."""
    return [t for t in TOOLS if shutil.which(t) is None]


class PulseServer:
    """A PulseAudio server in its own runtime folder, stopped (with its clients) on exit."""

    def __init__(self, startup_timeout: float = 10.0) -> None:
        """Prepare; `start()` or `with` runs it. `startup_timeout` is in seconds."""
        self.startup_timeout = startup_timeout
        self.runtime_dir = Path(tempfile.mkdtemp(prefix="pulse-test-"))
        self.log_path = self.runtime_dir / "pulseaudio.log"
        self._daemon: subprocess.Popen[bytes] | None = None
        self._recorder: subprocess.Popen[bytes] | None = None
        self._recording: Path | None = None
        self._children: list[subprocess.Popen[bytes]] = []
        base = {k: v for k, v in os.environ.items() if not k.startswith("PULSE_")}
        self._server_env = {**base, "XDG_RUNTIME_DIR": str(self.runtime_dir)}
        self.env: dict[str, str] = {
            **self._server_env,
            "PULSE_SERVER": f"unix:{self.runtime_dir / 'pulse' / 'native'}",
        }
        """Environment for every subprocess that should use this server."""

    # --- lifetime -------------------------------------------------------------------------

    def start(self) -> PulseServer:
        """Start the server, wait until it answers, make `speaker` and `mic` the defaults."""
        missing = missing_tools()
        if missing:
            raise RuntimeError(f"PulseAudio tools not installed: {', '.join(missing)}")
        atexit.register(self.stop)
        command = ["pulseaudio", "-n", "--exit-idle-time=-1", *(f"--load={m}" for m in MODULES)]
        with open(self.log_path, "wb") as log:
            self._daemon = subprocess.Popen(
                command, env=self._server_env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self._wait_until_answering()
        self.pactl("set-default-sink", "speaker")
        self.pactl("set-default-source", "mic")
        return self

    @property
    def pid(self) -> int | None:
        """Process id of the server while it runs."""
        return self._daemon.pid if self._daemon and self._daemon.poll() is None else None

    def stop(self) -> None:
        """Stop our clients, then the server (`pulseaudio -k`, then signals); remove the folder."""
        atexit.unregister(self.stop)
        if self._recorder is not None:
            self.stop_recording_speaker(settle_s=0.0)
        for child in self._children:
            _end(child)
        self._children.clear()
        if self._daemon is not None:
            if self._daemon.poll() is None:
                subprocess.run(
                    ["pulseaudio", "-k"], env=self._server_env, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL, timeout=10, check=False,
                )  # fmt: skip
                try:
                    self._daemon.wait(5.0)
                except subprocess.TimeoutExpired:
                    _end(self._daemon)
            self._daemon = None
        shutil.rmtree(self.runtime_dir, ignore_errors=True)

    def crash(self) -> None:
        """Kill the server abruptly, as a crash would: every client's streams fail. `start()`
        then brings up a fresh server on the same socket (clients must reconnect)."""
        if self._daemon is not None and self._daemon.poll() is None:
            self._daemon.kill()
            self._daemon.wait(10.0)

    def __enter__(self) -> PulseServer:  # noqa: PYI034 (Self needs Python 3.11)
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- using it -------------------------------------------------------------------------

    def pactl(self, *args: str) -> str:
        """Run `pactl` against this server; return its output."""
        done = subprocess.run(
            ["pactl", *args], env=self.env, capture_output=True, text=True, timeout=10, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"pactl {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def play_into_mic(
        self, wav: str | os.PathLike[str], *, wait: bool = True
    ) -> subprocess.Popen[bytes]:
        """Play a WAV into `micfeed` (heard on `mic`); by default return once it has played."""
        command = ["paplay", "-d", "micfeed", os.fspath(wav)]
        if not wait:
            player = subprocess.Popen(command, env=self.env, stderr=subprocess.DEVNULL)
            self._children.append(player)
            return player
        player = subprocess.Popen(command, env=self.env, stderr=subprocess.PIPE)
        _, err = player.communicate(timeout=600)
        if player.returncode != 0:
            raise RuntimeError(f"paplay {wav} failed: {err.decode().strip()}")
        return player

    def start_recording_speaker(
        self,
        path: str | os.PathLike[str],
        *,
        rate: int | None = None,
        channels: int = 1,
        latency_ms: int = RECORD_LATENCY_MS,
    ) -> None:
        """Record `speaker.monitor` to a 16-bit WAV (rate in hertz); return once connected."""
        if self._recorder is not None:
            raise RuntimeError("already recording the speaker")
        command = [
            "parecord", "-d", "speaker.monitor", "--file-format=wav", "--format=s16le",
            f"--channels={channels}", f"--latency-msec={latency_ms}",
        ]  # fmt: skip
        if rate is not None:
            command.append(f"--rate={rate}")
        self._recording = Path(path)
        with open(self.runtime_dir / "parecord.log", "wb") as log:
            self._recorder = subprocess.Popen(
                [*command, os.fspath(path)], env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + self.startup_timeout
        while not self._connected(self._recorder):
            if self._recorder.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"parecord did not start recording: {self._abandon_recorder()}")
            time.sleep(0.02)

    def stop_recording_speaker(self, settle_s: float = SETTLE_S) -> Path:
        """After `settle_s` seconds, stop the recorder cleanly (SIGINT writes the WAV header)."""
        recorder, path = self._recorder, self._recording
        if recorder is None or path is None:
            raise RuntimeError("not recording the speaker")
        self._recorder = self._recording = None
        time.sleep(settle_s)
        _end(recorder)
        return path

    def _abandon_recorder(self) -> str:
        """Stop a failed recorder and return what it said."""
        recorder = self._recorder
        self._recorder = self._recording = None
        if recorder is not None:
            _end(recorder)
        return (self.runtime_dir / "parecord.log").read_text(errors="replace").strip()

    def run_python(
        self,
        code: str,
        *args: str,
        timeout: float = 60.0,
        cwd: str | os.PathLike[str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run `python -c code args...` with this server's environment (timeout in seconds)."""
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            env=self.env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip

    # --- internals ------------------------------------------------------------------------

    def _wait_until_answering(self) -> None:
        """Poll `pactl info` until the server answers or the startup timeout passes."""
        deadline = time.monotonic() + self.startup_timeout
        while True:
            done = subprocess.run(
                ["pactl", "info"], env=self.env, capture_output=True, timeout=10, check=False
            )
            if done.returncode == 0:
                return
            if (
                time.monotonic() > deadline
                or self._daemon is None
                or self._daemon.poll() is not None
            ):
                self.stop()
                raise RuntimeError(
                    f"pulseaudio did not answer: {done.stderr.decode()}{self._log_tail()}"
                )
            time.sleep(0.05)

    def _connected(self, recorder: subprocess.Popen[bytes]) -> bool:
        """True when `recorder` shows up as a source output of the server."""
        outputs = json.loads(self.pactl("--format=json", "list", "source-outputs") or "[]")
        pid = str(recorder.pid)
        return any(o.get("properties", {}).get("application.process.id") == pid for o in outputs)

    def _log_tail(self) -> str:
        """The end of the server log, for error messages."""
        try:
            return "\n" + "\n".join(self.log_path.read_text().splitlines()[-20:])
        except OSError:
            return ""


def _end(child: subprocess.Popen[bytes]) -> None:
    """Stop a child of ours: SIGINT, then SIGTERM, then SIGKILL."""
    for sig, grace in ((signal.SIGINT, 5.0), (signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0)):
        if child.poll() is not None:
            return
        child.send_signal(sig)
        try:
            child.wait(grace)
        except subprocess.TimeoutExpired:
            continue
