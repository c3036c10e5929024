"""When sounds start: onsets in a recording, to check a count's timing and that a voice
stopped; and the runs of them a count makes.

An onset is the first `frame_ms` frame whose RMS rises above a threshold after at least
`min_gap_ms` below it (the start of the signal counts as quiet), refined to the first
sample in or just before that frame that stands out from the noise before it.

Levels are measured after a causal rumble filter (subtracting a 5 ms moving average,
twice): hum, wind and handling noise below ~100 Hz would otherwise swamp the floor, while
speech and clicks pass and a sound's first sample stays where it was.

Levels are in full-scale units: 1.0 is the largest np.int16 sample (int16 input is
divided by 32768; float input is taken as already in -1..1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FLOOR_PERCENTILE = 10.0
"""Percentile of frame RMS taken as the background noise floor (percent)."""

THRESHOLD_FRACTION = 0.35
"""How far from the noise floor to the loudest frame the default threshold sits (in dB)."""

MIN_MARGIN_DB = 6.0
"""The default threshold is at least this far above the noise floor (decibels)."""

DYNAMIC_RANGE_DB = 80.0
"""The noise floor is taken as no lower than this below the loudest frame (decibels)."""

RUMBLE_WINDOW_MS = 5.0
"""Moving-average length the rumble filter subtracts (milliseconds)."""

SEARCH_BACK_MS = 30.0
"""How far before the onset frame the sample-level refinement looks (milliseconds)."""

NOISE_WINDOW_MS = 100.0
"""Quiet stretch before the search whose peak sets the sample-level threshold (milliseconds)."""

NOISE_PEAK_FACTOR = 1.5
"""A sample starts a sound when it exceeds the quiet stretch's peak by this factor."""

FLOOR_PEAK_FACTOR = 5.0
"""With no quiet stretch to measure, a sample must exceed the floor RMS by this factor."""


def onsets(
    samples: np.ndarray,
    sample_rate: int,
    threshold: float | None = None,
    frame_ms: float = 10.0,
    min_gap_ms: float = 150.0,
) -> list[float]:
    """Times (seconds) where sounds start; `threshold` is a frame RMS (full scale) or derived."""
    x = _derumble(_as_float(samples), sample_rate)
    flen = _frame_len(sample_rate, frame_ms)
    rms = _frames_rms(x, flen)
    if rms.size == 0:
        return []
    floor = noise_floor(rms)
    thr = auto_threshold(rms) if threshold is None else threshold
    loud = np.flatnonzero(rms > thr)
    if loud.size == 0:
        return []
    need = math.ceil(min_gap_ms / frame_ms)
    gaps = np.diff(loud) - 1
    firsts = np.concatenate([loud[:1], loud[1:][gaps >= need]])
    previous = np.concatenate([[-1], loud[:-1]])[np.searchsorted(loud, firsts)]
    return [
        _refine(x, int(f) * flen, (int(p) + 1) * flen, flen, sample_rate, floor) / sample_rate
        for f, p in zip(firsts, previous)
    ]


def first_onset_after(
    samples: np.ndarray,
    sample_rate: int,
    t: float,
    threshold: float | None = None,
    frame_ms: float = 10.0,
    min_gap_ms: float = 150.0,
) -> float | None:
    """The first onset at or after `t` (seconds), or None when no sound starts after it."""
    later = [o for o in onsets(samples, sample_rate, threshold, frame_ms, min_gap_ms) if o >= t]
    return later[0] if later else None


def silent_after(
    samples: np.ndarray,
    sample_rate: int,
    t: float,
    window_s: float,
    threshold: float | None = None,
    frame_ms: float = 10.0,
) -> bool:
    """True when every frame from `t` for `window_s` (seconds) is at or below the threshold."""
    x = _derumble(_as_float(samples), sample_rate)
    start, end = round(t * sample_rate), round((t + window_s) * sample_rate)
    if t < 0 or window_s <= 0 or end > len(x):
        raise ValueError(
            f"window {t:.3f}..{t + window_s:.3f} s is not inside the "
            f"{len(x) / sample_rate:.3f} s recording"
        )
    flen = _frame_len(sample_rate, frame_ms)
    thr = auto_threshold(_frames_rms(x, flen)) if threshold is None else threshold
    window = _frames_rms(x[start:end], flen)
    tail = x[start + window.size * flen : end]
    if tail.size:
        window = np.append(window, np.sqrt(np.mean(tail**2)))
    return bool(np.all(window <= thr))


def frame_rms(samples: np.ndarray, sample_rate: int, frame_ms: float = 10.0) -> np.ndarray:
    """RMS of whole `frame_ms` frames (full scale, rumble removed; a partial last one dropped)."""
    x = _derumble(_as_float(samples), sample_rate)
    return _frames_rms(x, _frame_len(sample_rate, frame_ms))


def noise_floor(rms: np.ndarray) -> float:
    """Background level (full scale) of a recording, from its frame RMS values."""
    peak = float(rms.max())
    floor = float(np.percentile(rms, FLOOR_PERCENTILE))
    return max(floor, peak * 10 ** (-DYNAMIC_RANGE_DB / 20), 1e-9)


def auto_threshold(rms: np.ndarray) -> float:
    """Default onset threshold (full scale): part way from noise floor to peak in dB."""
    if rms.size == 0:
        return 0.0
    peak = float(rms.max())
    floor = noise_floor(rms)
    between = floor * (peak / floor) ** THRESHOLD_FRACTION if peak > floor else floor
    return max(between, floor * 10 ** (MIN_MARGIN_DB / 20))


def _refine(
    x: np.ndarray, frame_start: int, quiet_from: int, flen: int, rate: int, floor: float
) -> int:
    """First sample (index) near the onset frame that stands out from the noise before it."""
    search_from = max(frame_start - round(SEARCH_BACK_MS * rate / 1000), quiet_from, 0)
    noise_from = max(search_from - round(NOISE_WINDOW_MS * rate / 1000), quiet_from, 0)
    noise = x[noise_from:search_from]
    if noise.size >= flen // 2:
        level = NOISE_PEAK_FACTOR * float(np.abs(noise).max())
    else:
        level = FLOOR_PEAK_FACTOR * floor
    above = np.flatnonzero(np.abs(x[search_from : frame_start + flen]) > level)
    return search_from + int(above[0]) if above.size else frame_start


def _derumble(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """Causal high-pass: subtract the trailing moving average, twice."""
    n = max(1, round(RUMBLE_WINDOW_MS * sample_rate / 1000))
    for _ in range(2):
        total = np.concatenate([[0.0], np.cumsum(x)])
        ends = np.arange(1, len(x) + 1)
        x = x - (total[ends] - total[np.maximum(ends - n, 0)]) / n
    return x


def _frames_rms(x: np.ndarray, flen: int) -> np.ndarray:
    """RMS of consecutive frames of `flen` samples."""
    n = len(x) // flen
    frames = x[: n * flen].reshape(n, flen)
    return np.asarray(np.sqrt(np.mean(frames**2, axis=1)))


def _frame_len(sample_rate: int, frame_ms: float) -> int:
    """Samples in one frame; at least one."""
    if sample_rate <= 0 or frame_ms <= 0:
        raise ValueError(
            f"need a positive rate and frame length, got {sample_rate} Hz, {frame_ms} ms"
        )
    return max(1, round(sample_rate * frame_ms / 1000))


def _as_float(samples: np.ndarray) -> np.ndarray:
    """Mono samples as float64 in full-scale units."""
    x = np.asarray(samples)
    if x.ndim != 1:
        raise ValueError(f"need mono samples (one dimension), got shape {x.shape}")
    if x.dtype == np.int16:
        return x.astype(np.float64) / 32768.0
    if np.issubdtype(x.dtype, np.floating):
        return x.astype(np.float64, copy=False)
    raise ValueError(f"need np.int16 or float samples, got {x.dtype}")



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


@dataclass(frozen=True)
class Count:
    """The measured onsets of one count."""

    words: tuple[float, ...]
    """Onset of each word found (seconds in its recording)."""
    expected: int

    @property
    def complete(self) -> bool:
        """Every word was found."""
        return len(self.words) == self.expected

    def errors_ms(self) -> np.ndarray:
        """Onset error of word k against t0 + (k - 1) s, t0 = onset of the first word."""
        t = np.asarray(self.words)
        return np.asarray((t - t[0] - np.arange(len(t))) * 1000.0)

    def drift_ms(self) -> float:
        """Fitted change of the error from the first word to the last (milliseconds)."""
        err = self.errors_ms()
        if len(err) < 2:
            return float("nan")
        slope = np.polyfit(np.arange(len(err)), err, 1)[0]
        return float(slope * (len(err) - 1))


def drifts_ms(counts: Sequence[Count]) -> list[float]:
    """The size of each count's drift (milliseconds), of the counts that have one: a count
    with fewer than two words found has none (the naive loop's words can run together so
    that only one onset is found)."""
    return [abs(d) for d in (c.drift_ms() for c in counts) if math.isfinite(d)]


def check_count_onsets(timeline: dict[str, Any], samples: np.ndarray, rate: int,
                       tolerance_s: float) -> None:
    """Thirty count words in a session timeline, planned one second apart, each heard in
    `samples` within `tolerance_s` of its planned start."""
    counts = [e for e in timeline["events"] if e["type"] == "count"]
    assert [e["n"] for e in counts] == list(range(1, 31))
    starts = np.array([e["start"] for e in counts])
    assert np.all(np.abs(np.diff(starts) - 1.0) <= 0.002)
    heard = np.array(onsets(samples, rate))
    for event in counts:
        nearest = heard[np.argmin(np.abs(heard - event["start"]))]
        assert abs(nearest - event["start"]) <= tolerance_s, (event, nearest)
