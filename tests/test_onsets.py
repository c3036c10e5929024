"""voice.onsets on synthetic signals whose onsets are known to the sample."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support.onsets import auto_threshold, first_onset_after, frame_rms, onsets, silent_after

RNG_SEED = 20240611


def burst(rate: int, seconds: float, freq: float = 700.0, amp: float = 0.5) -> np.ndarray:
    """A sine burst starting at phase zero (full scale)."""
    t = np.arange(round(seconds * rate)) / rate
    return amp * np.sin(2 * np.pi * freq * t)


def signal(
    rate: int,
    length: float,
    starts: list[float],
    noise_db: float | None = -50.0,
    seconds: float = 0.25,
    amps: list[float] | None = None,
) -> np.ndarray:
    """Bursts at `starts` (seconds, any sub-sample) over white noise of `noise_db` (dBFS RMS)."""
    rng = np.random.default_rng(RNG_SEED)
    x = np.zeros(round(length * rate))
    if noise_db is not None:
        x += rng.normal(0.0, 10 ** (noise_db / 20), x.size)
    for i, s in enumerate(starts):
        b = burst(rate, seconds, amp=(amps[i] if amps else 0.5))
        at = round(s * rate)
        x[at : at + b.size] += b
    return x


def to_int16(x: np.ndarray) -> np.ndarray:
    """Full scale float to np.int16."""
    return np.clip(np.rint(x * 32768), -32768, 32767).astype(np.int16)


COUNT = [0.5 + k * 1.0 + 0.0037 * k for k in range(6)]  # deliberately off the 10 ms grid


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100, 48000])
@pytest.mark.parametrize("noise_db", [None, -60.0, -40.0])
def test_bursts_found_within_two_ms(rate: int, noise_db: float | None) -> None:
    x = signal(rate, 7.0, COUNT, noise_db)
    found = onsets(to_int16(x), rate)
    assert len(found) == len(COUNT)
    # exact starts are the sample each burst was placed at
    exact = [round(s * rate) / rate for s in COUNT]
    assert np.max(np.abs(np.array(found) - exact)) < 0.002


def test_digital_silence_gives_the_exact_sample() -> None:
    rate = 16000
    x = signal(rate, 3.0, [0.31234, 1.77777], noise_db=None)
    found = onsets(x, rate)
    # the burst starts at phase 0, so its first sample is 0 and the second is the first non-zero
    assert found == [(round(0.31234 * rate) + 1) / rate, (round(1.77777 * rate) + 1) / rate]


def test_count_spacing_is_measured_to_a_millisecond() -> None:
    rate = 48000
    starts = [0.2 + k for k in range(5)]
    x = signal(rate, 5.6, starts, noise_db=-45.0, seconds=0.02)
    gaps = np.diff(onsets(to_int16(x), rate))
    np.testing.assert_allclose(gaps, 1.0, atol=0.001)


def test_a_shifted_burst_is_noticed() -> None:
    rate = 16000
    starts = [0.5, 1.5, 2.5, 3.503]  # the last one is 3 ms late
    gaps = np.diff(onsets(signal(rate, 4.5, starts, noise_db=-50.0), rate))
    assert abs(gaps[-1] - 1.003) < 0.0005
    assert abs(gaps[0] - 1.0) < 0.0005


def test_int16_and_float_agree() -> None:
    rate = 16000
    x = signal(rate, 3.0, [0.5, 1.7])
    assert onsets(x, rate) == pytest.approx(onsets(to_int16(x), rate), abs=1 / rate)


def test_gap_shorter_than_min_gap_is_one_sound() -> None:
    rate = 16000
    # bursts of 0.25 s: 0.10 s of quiet between the first two, 0.20 s between the next two
    x = signal(rate, 2.0, [0.2, 0.55, 1.0])
    found = onsets(x, rate)
    assert found == pytest.approx([0.2, 1.0], abs=0.002)
    assert onsets(x, rate, min_gap_ms=90) == pytest.approx([0.2, 0.55, 1.0], abs=0.002)


def test_sound_at_the_very_start_counts() -> None:
    rate = 16000
    x = signal(rate, 1.0, [0.0], noise_db=None)
    assert onsets(x, rate) == pytest.approx([0.0], abs=0.001)


def test_quieter_word_is_still_found_above_background_noise() -> None:
    rate = 16000
    x = signal(rate, 3.0, [0.5, 1.5], noise_db=-55.0, amps=[0.5, 0.5 * 10 ** (-15 / 20)])
    assert onsets(x, rate) == pytest.approx([0.5, 1.5], abs=0.002)


def test_explicit_threshold_ignores_quiet_sounds() -> None:
    rate = 16000
    x = signal(rate, 3.0, [0.5, 1.5], noise_db=None, amps=[0.5, 0.01])
    assert len(onsets(x, rate)) == 2
    assert onsets(x, rate, threshold=0.05) == pytest.approx([0.5], abs=0.001)


@pytest.mark.parametrize("noise_db", [None, -70.0, -30.0])
def test_no_sound_no_onsets(noise_db: float | None) -> None:
    rate = 16000
    x = signal(rate, 3.0, [], noise_db=noise_db)
    assert onsets(x, rate) == []
    assert onsets(np.zeros(0, np.int16), rate) == []


def test_brown_noise_background() -> None:
    rate = 16000
    rng = np.random.default_rng(RNG_SEED)
    white = rng.normal(0, 1, rate * 4)
    brown = np.empty_like(white)
    level = 0.0
    for i, w in enumerate(white):  # a leaky integrator: brown-ish noise that does not wander off
        level = 0.998 * level + w
        brown[i] = level
    brown *= 10 ** (-45 / 20) / brown.std()
    x = brown + signal(rate, 4.0, [0.4, 1.4, 2.4], noise_db=None)
    assert onsets(x, rate) == pytest.approx([0.4, 1.4, 2.4], abs=0.002)


def test_first_onset_after() -> None:
    rate = 16000
    x = signal(rate, 4.0, [0.5, 1.5, 2.5])
    assert first_onset_after(x, rate, 1.0) == pytest.approx(1.5, abs=0.002)
    assert first_onset_after(x, rate, 0.0) == pytest.approx(0.5, abs=0.002)
    assert first_onset_after(x, rate, 2.6) is None


def test_silent_after() -> None:
    rate = 16000
    x = signal(rate, 4.0, [0.5, 2.5])  # sound 0.5..0.75 and 2.5..2.75
    assert silent_after(x, rate, 0.8, 1.5)
    assert not silent_after(x, rate, 0.8, 1.8)
    assert not silent_after(x, rate, 0.6, 0.5)
    assert silent_after(x, rate, 2.8, 1.2)
    with pytest.raises(ValueError):
        silent_after(x, rate, 3.5, 1.0)


def test_silent_after_catches_a_short_blip() -> None:
    rate = 16000
    x = signal(rate, 3.0, [0.5])
    x[round(2.0 * rate) : round(2.02 * rate)] += burst(rate, 0.02)
    assert not silent_after(x, rate, 1.0, 1.5)
    assert silent_after(x, rate, 1.0, 0.9)


def test_threshold_sits_between_floor_and_peak() -> None:
    rate = 16000
    x = signal(rate, 3.0, [0.5], noise_db=-60.0)
    rms = frame_rms(x, rate)
    thr = auto_threshold(rms)
    assert 10 ** (-60 / 20) * 2 < thr < 0.5 / np.sqrt(2) / 2


def test_rejects_stereo_and_odd_types() -> None:
    with pytest.raises(ValueError):
        onsets(np.zeros((100, 2), np.int16), 16000)
    with pytest.raises(ValueError):
        onsets(np.zeros(100, np.int32), 16000)
