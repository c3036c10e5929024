"""Footprint: start-up time, memory, CPU while idle-listening, and speech synthesis time.

Start-up time and peak memory are measured on each recogniser path (`PATHS`): memory is
the coach's process and its recogniser's, each at its own peak (VmHWM), summed. Alone:

    python -m bench.footprint                                  # both paths, this checkout
    python -m bench.footprint --root /tmp/before --root .      # two checkouts, in turns

The idle probe is a `cramp-coach listen --day` on the harness's own `mic` and `speaker`,
hearing a quiet fan-like noise and nothing else; its CPU time is read from the kernel
over a window, so other work running meanwhile does not count against it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil

from bench.answering import Session, coach_processes, peak_rss_mib, start_coach, stop_coach
from bench.figures import Figure, Results, Target, mean, percentile
from tests.support.room import Room
from voice import CONTENT_DIR, ROOT_DIR
from voice.wavio import write_wav_atomic

SECTION = "footprint"
IDLE_CPU = Target("<=", 10.0, "%")
START_S = Target("<=", 2.0, "s")
PEAK_RSS = Target("<=", 300.0, "MiB")
PATHS = ("whisper", "pocketsphinx")
"""The recogniser paths whose start and memory are measured (`--engine` of each)."""
FAN_DBFS = -55.0
"""Level of the noise the idle coach hears (dB full scale, RMS)."""
NOISE_RATE = 16000
SETTLE_S = 2.0
"""Wait after the ready line before the CPU window opens (seconds)."""


def brown_noise(seconds: float, rng: np.random.Generator, dbfs: float = FAN_DBFS) -> np.ndarray:
    """Fan-like noise (power falling as 1/f²) at an RMS of `dbfs`, int16 at 16 kHz."""
    n = int(seconds * NOISE_RATE)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / NOISE_RATE)
    spectrum[0] = 0
    spectrum[1:] /= freqs[1:]
    x = np.fft.irfft(spectrum, n)
    x *= 32768 * 10 ** (dbfs / 20) / max(1e-12, float(np.sqrt(np.mean(x ** 2))))
    return np.clip(x, -32768, 32767).astype(np.int16)


def _cpu_seconds(process: psutil.Process) -> float:
    """CPU time of the coach's processes (`coach_processes`)."""
    total = 0.0
    for each in coach_processes(process.pid):
        try:
            times = each.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += float(times.user + times.system)
    return total


class IdleProbe:
    """A coach listening to a quiet room; `finish()` gives its CPU share of one core."""

    def __init__(self, room: Room, window_s: float) -> None:
        self.window_s = window_s
        self._folder = tempfile.TemporaryDirectory()
        noise = Path(self._folder.name) / "fan.wav"
        write_wav_atomic(noise, brown_noise(window_s + 60, np.random.default_rng(3)),
                         NOISE_RATE)
        self.session: Session = start_coach(room.env)
        self._fan = subprocess.Popen(["paplay", "-d", "micfeed", str(noise)],
                                     env=room.server.env, stderr=subprocess.DEVNULL)
        time.sleep(SETTLE_S)
        self._process = psutil.Process(self.session.process.pid)
        self._cpu0 = _cpu_seconds(self._process)
        self._t0 = time.monotonic()
        self._share: float | None = None
        self._timer = threading.Timer(window_s, self._close_window)
        self._timer.start()

    def _close_window(self) -> None:
        cpu = _cpu_seconds(self._process) - self._cpu0
        self._share = 100.0 * cpu / (time.monotonic() - self._t0)

    def finish(self) -> tuple[float, float]:
        """Wait for the window to close; (CPU share in percent, window in seconds)."""
        self._timer.join()
        stop_coach(self.session)
        self._fan.terminate()
        self._fan.wait(10)
        self._folder.cleanup()
        assert self._share is not None
        return self._share, self.window_s


def startup_times(room: Room, runs: int, *args: str, root: Path = ROOT_DIR) -> list[float]:
    """Seconds from starting `cramp-coach listen ARGS` to its ready line, `runs` times."""
    return [start.ready_s for start in start_ups(room, runs, *args, root=root)]


@dataclass(frozen=True)
class StartUp:
    """One start of the coach."""

    ready_s: float
    """Process start → ready line (seconds)."""
    rss_mib: float | None
    """Peak resident memory of the coach and its recogniser at the ready line (MiB)."""


def start_ups(room: Room, runs: int, *args: str, root: Path = ROOT_DIR) -> list[StartUp]:
    """`runs` starts of `cramp-coach listen ARGS`, each stopped once ready."""
    found = []
    for _ in range(runs):
        session = start_coach(room.env, *args, root=root)
        found.append(StartUp(session.ready_s, peak_rss_mib(session.process.pid)))
        stop_coach(session)
    return found


@dataclass
class PathFootprint:
    """Start-up and memory of the coach on one recogniser path."""

    engine: str
    starts: list[float] = field(default_factory=list)
    """Start → ready times (seconds)."""
    ready_rss: list[float] = field(default_factory=list)
    """Peak resident memory at the ready line, per start (MiB)."""
    peak_rss: float | None = None
    """Peak resident memory over a live answering run (MiB)."""


def measure_path(room: Room, engine: str, starts: int, trials: int,
                 root: Path = ROOT_DIR) -> PathFootprint:
    """`starts` start-ups and a live answering run of `trials` on `--engine engine`."""
    from bench import answering

    args = ("--engine", engine)
    found = PathFootprint(engine)
    for start in start_ups(room, starts, *args, root=root):
        found.starts.append(start.ready_s)
        if start.rss_mib is not None:
            found.ready_rss.append(start.rss_mib)
    if trials:
        answers = answering.run(room, trials, args=args, root=root)
        found.starts.extend(answers.series["ready_s"])  # type: ignore[arg-type]
        rss = answers.series.get("peak_rss_mib")
        found.peak_rss = rss if isinstance(rss, float) else None
    return found


def tts_times(limit: int | None = None) -> tuple[list[float], list[float]]:
    """Synthesis time per sentence (ms) and per second of speech (ms/s), for every
    sentence the coach can say (day voice), each synthesised once as the coach does."""
    from voice.content.loader import load_content
    from voice.speak.tts import Pyttsx3Voice, sentences

    content = load_content(CONTENT_DIR)
    voice = Pyttsx3Voice()
    rate = content.voice.style(False).rate
    wordings = [*content.stretches.values(), *content.steps.values(),
                *content.topics.values(), *content.prompts.values()]
    texts = sorted({s for w in wordings for s in sentences(w.text(False))})[:limit]
    per_sentence, per_second = [], []
    for text in texts:
        started = time.perf_counter()
        pcm = voice.synth(text, rate)
        spent = (time.perf_counter() - started) * 1000
        per_sentence.append(spent)
        per_second.append(spent / max(1e-3, len(pcm) / voice.sample_rate))
    return per_sentence, per_second


def summarise(results: Results, idle: tuple[float, float] | None,
              paths: Sequence[PathFootprint], tts: tuple[list[float], list[float]],
              rtf: dict[str, tuple[float, float]]) -> None:
    """Footprint figures. `rtf` maps an engine to (CPU seconds per audio second, audio s)."""
    from bench.hearing import ENGINE_TEXT, NAIVE, engine_label

    coach = "coach, live"
    results.describe(SECTION, coach, "cramp-coach listen --day with the default recogniser, "
                     "on the PulseAudio virtual devices")
    if idle is not None:
        share, window = idle
        data = f"{window:.0f} s idle"
        results.describe(SECTION, data, f"{window:.0f} s of fan-like noise at {FAN_DBFS:.0f} "
                         "dBFS on the virtual mic, nothing said; CPU time from the kernel")
        results.add(Figure(SECTION, "CPU while idle-listening (share of one core)", share,
                           "%", coach, data, 1, IDLE_CPU))
    for path in paths:
        label = path_label(path.engine)
        results.describe(SECTION, label, f"cramp-coach listen --day --engine {path.engine} on "
                         "the PulseAudio virtual devices; memory is the coach's process and "
                         "its recogniser's, each at its own peak, summed")
        if path.starts:
            results.describe(SECTION, "start-ups", "process start → the ready line on stderr "
                             "(content, speech clips, recogniser and microphone loaded)")
            results.add(Figure(SECTION, "start to ready to listen (median)",
                               percentile(path.starts, 50), "s", label, "start-ups",
                               len(path.starts), START_S))
        if path.ready_rss:
            results.add(Figure(SECTION, "resident memory at ready (median)",
                               percentile(path.ready_rss, 50), "MiB", label, "start-ups",
                               len(path.ready_rss)))
        if path.peak_rss is not None:
            results.describe(SECTION, "answering run", "a live answering run: listening, "
                             "recognising, speaking")
            results.add(Figure(SECTION, "peak resident memory", path.peak_rss, "MiB", label,
                               "answering run", 1, PEAK_RSS))
    per_sentence, per_second = tts
    if per_sentence:
        tts_engine = "pyttsx3"
        results.describe(SECTION, tts_engine, "pyttsx3 with espeak-ng, day voice, one "
                         "sentence at a time as the coach synthesises and caches them")
        results.describe(SECTION, "sentences", "every distinct sentence the coach can say")
        results.add(
            Figure(SECTION, "TTS synthesis per sentence (mean)", mean(per_sentence), "ms",
                   tts_engine, "sentences", len(per_sentence)),
            Figure(SECTION, "TTS synthesis per sentence (p95)", percentile(per_sentence, 95),
                   "ms", tts_engine, "sentences", len(per_sentence)),
            Figure(SECTION, "TTS synthesis time per second of speech", mean(per_second),
                   "ms/s", tts_engine, "sentences", len(per_second)),
        )
    factors = {}
    for engine, (factor, audio_s) in rtf.items():
        results.describe(SECTION, engine_label(engine), ENGINE_TEXT.get(engine, engine))
        results.describe(SECTION, "command audio", "the hearing benchmark's clips and "
                         "synthetic commands (CPU time / audio time; trials = audio seconds)")
        factors[engine] = Figure(SECTION, "recognition real-time factor", factor, "×",
                                 engine_label(engine), "command audio", round(audio_s))
        results.add(factors[engine])
    naive = factors.pop(NAIVE, None)
    for ours in factors.values():
        if naive is not None:
            results.compare(SECTION, "recognition CPU per second of audio", ours, naive,
                            "lower")


def path_label(engine: str) -> str:
    """How a recogniser path is named on the page."""
    return f"coach, live, {engine}"


def main(argv: Sequence[str] | None = None) -> int:
    """Start-up and memory on each recogniser path, printed:
    `python -m bench.footprint [--engines pocketsphinx,whisper] [--root DIR ...]`.

    Several `--root` checkouts are measured in turns in the same run, so that a change can
    be compared with the code before it under the same load."""
    parser = argparse.ArgumentParser(description="start-up time and peak memory per engine")
    parser.add_argument("--engines", default=",".join(PATHS), metavar="NAME,...")
    parser.add_argument("--starts", type=int, default=5, help="start-ups per engine and root")
    parser.add_argument("--trials", type=int, default=2,
                        help="live answering trials for peak memory (0: none)")
    parser.add_argument("--root", type=Path, action="append",
                        help="checkout to run the coach from (default: this one)")
    args = parser.parse_args(argv)
    roots = args.root or [ROOT_DIR]
    engines = args.engines.split(",")
    found = {(root, e): PathFootprint(e) for root in roots for e in engines}
    with Room() as room:
        for _ in range(args.starts):  # in turns, so load changes fall on every root alike
            for root in roots:
                for engine in engines:
                    one = measure_path(room, engine, 1, 0, root)
                    found[root, engine].starts += one.starts
                    found[root, engine].ready_rss += one.ready_rss
        for root in roots:
            for engine in engines:
                found[root, engine].peak_rss = measure_path(room, engine, 0, args.trials,
                                                            root).peak_rss
    for (root, engine), path in found.items():
        starts = ", ".join(f"{x:.2f}" for x in path.starts)
        rss = percentile(path.ready_rss, 50) if path.ready_rss else None
        print(f"{root} {engine}: start to ready median {percentile(path.starts, 50):.2f} s "
              f"({starts}); memory at ready median {rss or 0:.0f} MiB; peak over "
              f"{args.trials} answering trials {path.peak_rss or 0:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
