"""Loudness of 16 kHz audio in 10 ms frames, for the recognisers' quick checks of how much
of an utterance is voice and how far it stands above the noise."""

from __future__ import annotations

import numpy as np

from voice.vocabulary import SAMPLE_RATE

FRAME = SAMPLE_RATE // 100
"""Samples in a 10 ms frame."""


def frame_levels_db(samples: np.ndarray) -> np.ndarray:
    """The energy of each whole 10 ms frame of int16-scaled `samples`, in dB (digital
    silence is 0 dB, full scale about 90 dB)."""
    n = len(samples) // FRAME
    frames = samples[: n * FRAME].astype(np.float64).reshape(n, FRAME)
    return np.asarray(10 * np.log10(np.mean(frames**2, axis=1) + 1.0))
