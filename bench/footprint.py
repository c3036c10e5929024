"""Footprint: start-up time, memory, CPU while idle-listening, and speech synthesis time.

The idle probe is a `cramp-coach listen --day` on the harness's own `mic` and `speaker`,
hearing a quiet fan-like noise and nothing else; its CPU time is read from the kernel
over a window, so other work running meanwhile does not count against it.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

from bench.answering import Session, coach_processes, start_coach, stop_coach
from bench.figures import Figure, Results, Target, mean, percentile
from tests.support.room import Room
from voice import CONTENT_DIR
from voice.wavio import write_wav_atomic

SECTION = "footprint"
IDLE_CPU = Target("<=", 10.0, "%")
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


def startup_times(room: Room, runs: int) -> list[float]:
    """Seconds from starting `cramp-coach listen` to its ready line, `runs` times."""
    times = []
    for _ in range(runs):
        session = start_coach(room.env)
        times.append(session.ready_s)
        stop_coach(session)
    return times


def tts_times(limit: int | None = None) -> tuple[list[float], list[float]]:
    """Synthesis time per sentence (ms) and per second of speech (ms/s), for every
    sentence the coach can say (day voice), each synthesised once as the coach does."""
    from voice.content import load_content
    from voice.speech_out import Pyttsx3Voice, sentences

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


def summarise(results: Results, idle: tuple[float, float] | None, starts: list[float],
              rss_mib: float | None, tts: tuple[list[float], list[float]],
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
    if starts:
        results.describe(SECTION, "start-ups", "process start → the ready line on stderr "
                         "(content, speech clips, recogniser and microphone loaded)")
        results.add(Figure(SECTION, "start to ready to listen (median)",
                           percentile(starts, 50), "s", coach, "start-ups", len(starts)))
    if rss_mib is not None:
        results.describe(SECTION, "answering run", "the whole answering run: listening, "
                         "recognising, speaking")
        results.add(Figure(SECTION, "peak resident memory", rss_mib, "MiB", coach,
                           "answering run", 1))
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
