"""Noise at 16 kHz and mixing it under speech: brown, pink and white noise from a seed,
fan-like noise at a level, several people talking at once (babble)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tests.support.speech import RATE, VOICES, load_16k, render

FLOOR_DBFS = -70.0
"""Level of the faint noise `mix` puts under clean speech (dB full scale)."""
BABBLE_TALKERS = 5
"""Sentences mixed into one babble (each from a different voice)."""


def coloured_noise(rng: np.random.Generator, n: int, slope: float,
                   dtype: type[np.floating] = np.float32) -> np.ndarray:
    """`n` samples of unit-RMS noise whose power falls as 1/f**slope (0 white, 1 pink,
    2 brown)."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    spectrum[0] = 0
    spectrum[1:] /= freqs[1:] ** (slope / 2)
    x = np.fft.irfft(spectrum, n)
    return (x / max(1e-9, float(np.sqrt(np.mean(x ** 2))))).astype(dtype)


def fan(n: int, rng: np.random.Generator, dbfs: float) -> np.ndarray:
    """Fan-like noise (power ∝ 1/f²) of `n` samples at an RMS of `dbfs`, float64."""
    x = coloured_noise(rng, max(n, 2), 2.0, np.float64)[:n]
    return x * 32768 * 10 ** (dbfs / 20)


def noise(kind: str, n: int, seed: int) -> np.ndarray:
    """`n` samples of unit-RMS `brown`, `pink` or `white` noise (float64), from `seed`."""
    rng = np.random.default_rng(seed)
    if kind == "pink":
        return coloured_noise(rng, n, 1.0, np.float64)
    white = rng.standard_normal(n)
    if kind == "white":
        shaped = white
    elif kind == "brown":
        shaped = np.cumsum(white)
        shaped -= np.convolve(shaped, np.ones(801) / 801, mode="same")  # no drift below 20 Hz
    else:
        raise ValueError(f"unknown noise {kind!r}")
    return np.asarray(shaped / (np.sqrt(np.mean(shaped**2)) + 1e-12))


def speech_rms(samples: np.ndarray) -> float:
    """RMS of the loud part of an utterance (10 ms frames within 30 dB of the loudest)."""
    frame = RATE // 100
    n = max(1, len(samples) // frame)
    frames = samples[: n * frame].astype(np.float64).reshape(n, -1)
    power = np.mean(frames**2, axis=1)
    active = power[power >= power.max() * 1e-3]
    return float(np.sqrt(np.mean(active))) if active.size else 0.0


def limited(mixed: np.ndarray) -> np.ndarray:
    """`mixed` (float) as int16, scaled down whole if it would clip."""
    peak = float(np.max(np.abs(mixed)))
    if peak > 32767:
        mixed = mixed * (32767 / peak)
    return np.round(mixed).astype(np.int16)


def mix(speech: np.ndarray, snr_db: float | None, seed: int, kind: str = "brown") -> np.ndarray:
    """Speech with `kind` noise added at `snr_db` (None: a faint floor only), as int16."""
    if snr_db is None:
        scale = 32768 * 10 ** (FLOOR_DBFS / 20)
    else:
        scale = speech_rms(speech) / 10 ** (snr_db / 20)
    return limited(speech.astype(np.float64) + noise(kind, len(speech), seed) * scale)


def babble(n: int, seed: int, talk: Sequence[str]) -> np.ndarray:
    """`n` samples of unit-RMS babble: `BABBLE_TALKERS` sentences in different voices,
    each looped from a random point, summed."""
    rng = np.random.default_rng(seed)
    total = np.zeros(n)
    for k in range(BABBLE_TALKERS):
        text = talk[int(rng.integers(len(talk)))]
        x = load_16k(render(text, VOICES[k % len(VOICES)])).astype(np.float64)
        x /= max(1e-9, float(np.sqrt(np.mean(x ** 2))))
        total += np.roll(np.resize(x, n), int(rng.integers(max(1, n))))
    return total / max(1e-12, float(np.sqrt(np.mean(total ** 2))))


def mix_babble(speech: np.ndarray, snr_db: float, seed: int, talk: Sequence[str]) -> np.ndarray:
    """Speech with babble at `snr_db` (against the loud part of the speech), int16."""
    level = speech_rms(speech) / 10 ** (snr_db / 20)
    return limited(speech.astype(np.float64) + babble(len(speech), seed, talk) * level)


def at_level(pcm: np.ndarray, rms: float) -> np.ndarray:
    """`pcm` scaled to an RMS of `rms` (float32)."""
    x = pcm.astype(np.float32)
    return x * (rms / max(1.0, float(np.sqrt(np.mean(x ** 2)))))


def band(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """`x` with everything outside low..high hertz removed (float32)."""
    spectrum = np.fft.rfft(x)
    freqs = np.fft.rfftfreq(len(x), 1 / RATE)
    spectrum[(freqs < low) | (freqs > high)] = 0
    return np.fft.irfft(spectrum, len(x)).astype(np.float32)
