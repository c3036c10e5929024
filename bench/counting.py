"""Counting: when each count word starts, against its ideal time t0 + (k - 1) s.

t0 is the measured onset of "one", so the errors show spacing and drift, the things a
person following the count feels. Three ways of counting are measured from their audio:

- the coach rendered (`cramp-coach session --render`), on its virtual clock;
- the coach live (`cramp-coach listen --text`), recorded from the virtual speaker;
- the naive loop `engine.say(str(n)); engine.runAndWait(); time.sleep(1)` with pyttsx3,
  recorded from the same virtual speaker.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from bench.figures import Figure, Results, Target, mean
from tests.support.onsets import Count, chain, drifts_ms, onsets
from tests.support.room import Room
from voice import ROOT_DIR
from voice.wavio import read_wav

SECTION = "counting"
HOLD = 30
"""Words in a full count."""
MAX_ERROR = Target("<=", 20.0, "ms")
DRIFT = Target("<=", 5.0, "ms")
"""'No drift': the fitted drift over 30 s stays within a few milliseconds."""

SETTLE_S = 1.5
"""Recording kept going after a count ends, so its last word reaches the file (seconds)."""
TURNS = ("help, calf cramp", "cramp in the back of my thigh", "my front thigh is cramping",
         "my toes are curling up")
"""One turn per muscle: each starts a stretch and its counted hold."""

NAIVE = """
import sys, time
import pyttsx3
engine = pyttsx3.init()
for n in range(1, int(sys.argv[1]) + 1):
    engine.say(str(n))
    engine.runAndWait()
    time.sleep(1)
"""
"""The loop a first attempt at a counting coach would use."""


def measure(wav: Path, expected: int, lo: float, hi: float) -> Count:
    """The count words in a recording: the longest chain of onsets `lo`..`hi` s apart, its
    last `expected` onsets (what follows a count comes after a longer pause)."""
    audio = read_wav(wav)
    found = chain(onsets(audio.samples, audio.sample_rate), lo, hi)
    return Count(tuple(found[-expected:]), expected)


def coach(wav: Path, expected: int = HOLD) -> Count:
    """A count by the coach: words 1 s apart. The chain admits words up to 0.4 s early or
    late, so a slipped word shows as an error instead of ending the count."""
    return measure(wav, expected, 0.6, 1.4)


def naive(wav: Path, expected: int = HOLD) -> Count:
    """A count by the naive loop: words at least 1 s apart, as late as speech makes them."""
    return measure(wav, expected, 0.5, 5.0)


# ----- running them ------------------------------------------------------------------------

def render(turn: str, folder: Path) -> Path:
    """A rendered session with one stretch and its count."""
    wav = folder / "render.wav"
    subprocess.run([sys.executable, "-m", "voice", "session", "--say", turn, "--say",
                    "it's gone", "--render", str(wav), "--timeline", str(folder / "t.json"),
                    "--day"], cwd=ROOT_DIR, check=True, capture_output=True)
    return wav


def rendered_counts(n: int) -> list[Count]:
    """`n` rendered sessions (one per muscle, in turn)."""
    with tempfile.TemporaryDirectory() as tmp:
        return [coach(render(TURNS[i % len(TURNS)], Path(tmp))) for i in range(n)]


def live_count(room: Room, turn: str, folder: Path) -> Count:
    """One live session typed in, heard on the virtual speaker."""
    wav = folder / "live.wav"
    recorder = room.record(wav, "speaker.monitor", 1)
    process = subprocess.run([sys.executable, "-m", "voice", "listen", "--text", "--day"],
                             input=f"{turn}\n", env=room.env, cwd=ROOT_DIR, text=True,
                             capture_output=True, timeout=180, check=False)
    room.stop(recorder, settle_s=SETTLE_S)
    if process.returncode != 0:
        raise RuntimeError(f"listen --text failed: {process.stderr.strip()}")
    return coach(wav)


def naive_count(room: Room, words: int, folder: Path) -> Count:
    """The naive pyttsx3 loop, heard on the same virtual speaker."""
    wav = folder / "naive.wav"
    recorder = room.record(wav, "speaker.monitor", 1)
    subprocess.run([sys.executable, "-c", NAIVE, str(words)], env=room.env, check=True,
                   capture_output=True, timeout=30 + 6 * words)
    room.stop(recorder, settle_s=SETTLE_S)
    return naive(wav, words)


def run(room: Room | None, live: int, rendered: int, naive_runs: int,
        words: int = HOLD) -> Results:
    """Measure rendered, live and naive counts; `room=None` skips the live ones."""
    results = Results()
    counts: dict[str, list[Count]] = {"rendered": rendered_counts(rendered)}
    if room is not None:
        with tempfile.TemporaryDirectory() as tmp:
            counts["live"] = [live_count(room, TURNS[i % len(TURNS)], Path(tmp))
                              for i in range(live)]
            counts["naive"] = [naive_count(room, words, Path(tmp)) for _ in range(naive_runs)]
    summarise(results, counts)
    return results


ENGINES = {
    "rendered": ("coach, rendered", ("cramp-coach session --render: the count placed on a "
                                     "virtual clock and written to a WAV")),
    "live": ("coach, live", ("cramp-coach listen --text --day, heard on the PulseAudio "
                             "virtual speaker (count words as exact frames of the output "
                             "stream)")),
    "naive": ("naive loop", ("pyttsx3: engine.say(str(n)); engine.runAndWait(); "
                             "time.sleep(1), heard on the same virtual speaker (espeak "
                             "driver → aplay)")),
}
RESOLUTION_MS = 1.0
"""Onset errors below this are taken as zero when forming ratios (milliseconds)."""


def summarise(results: Results, counts: dict[str, list[Count]]) -> None:
    """Figures, comparisons and plot series from the measured counts."""
    found: dict[str, dict[str, Figure]] = {}
    for kind, runs in counts.items():
        if not runs:
            continue
        label, text = ENGINES[kind]
        results.describe(SECTION, label, text)
        data = f"{len(runs)} × {runs[0].expected} words"
        results.describe(SECTION, data, f"{len(runs)} counts of {runs[0].expected} words, "
                         "each word's onset measured from the audio")
        every = np.concatenate([r.errors_ms() for r in runs])
        drifts = drifts_ms(runs)
        coach = kind != "naive"
        figures = {
            "max": Figure(SECTION, "max onset error", float(np.max(np.abs(every))), "ms",
                          label, data, len(every), MAX_ERROR if coach else None),
            "mean": Figure(SECTION, "mean onset error", mean(list(np.abs(every))), "ms",
                           label, data, len(every)),
            "drift": Figure(SECTION, "drift over a count (fitted, first to last word)",
                            mean(drifts), "ms", label, data, len(drifts),
                            DRIFT if coach else None),
            "found": Figure(SECTION, "counts with every word found",
                            100.0 * sum(r.complete for r in runs) / len(runs), "%", label,
                            data, len(runs)),
        }
        results.add(*figures.values())
        found[kind] = figures
        results.series[f"count_{kind}"] = [list(r.errors_ms()) for r in runs]
    if "live" in found and "naive" in found:
        for key, measure in (("max", "count: max onset error"),
                             ("drift", "count: drift over 30 s")):
            results.compare(SECTION, measure, found["live"][key], found["naive"][key], "lower",
                            RESOLUTION_MS)


def save_series(results: Results, path: Path) -> None:
    """The raw errors, for a look by hand."""
    path.write_text(json.dumps({k: v for k, v in results.series.items()
                                if k.startswith("count_")}))
