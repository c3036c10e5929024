"""Word onsets in recordings of the coach, and the runs of them a count makes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from voice.onsets import onsets


def recorded_onsets(path: Path) -> list[float]:
    """Onsets in a recording. A recorder whose source vanished may not have finished its WAV
    header, so the samples are read straight after parecord's 44-byte header."""
    data = path.read_bytes()
    rate = int.from_bytes(data[24:28], "little")
    samples = np.frombuffer(data[44:len(data) - len(data) % 2], dtype="<i2")
    return onsets(samples, rate)


def a_word_a_second(times: list[float]) -> list[float]:
    """The onsets that follow each other a second apart (up to 0.45 s late after underruns
    on a busy machine), from the first until a longer gap; onsets in between (a click, the
    recorder being cut off) are skipped."""
    kept = times[:1]
    for t in times[1:]:
        if t - kept[-1] > 1.45:
            break
        if t - kept[-1] >= 0.9:
            kept.append(t)
    return kept


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


def chain(times: Sequence[float], lo: float, hi: float) -> list[float]:
    """The longest run of onsets each `lo`..`hi` seconds after the previous one (onsets
    closer than `lo` inside a word are skipped)."""
    best: list[float] = []
    for i, start in enumerate(times):
        run = [start]
        for t in times[i + 1:]:
            gap = t - run[-1]
            if gap < lo:
                continue
            if gap > hi:
                break
            run.append(t)
        if len(run) > len(best):
            best = run
    return best
