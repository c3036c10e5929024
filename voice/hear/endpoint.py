"""Finding utterances in a stream of 16 kHz PCM with WebRTC's voice activity detector.

An utterance starts after a few voiced frames (with some audio from just before, so the
first phoneme is not lost) and ends after a stretch of unvoiced frames, or when it has
gone on too long.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import webrtcvad

from voice.vocabulary import SAMPLE_RATE

FRAME_MS = 30
"""VAD frame length (milliseconds): 10, 20 or 30 for webrtcvad."""
FRAME_BYTES = SAMPLE_RATE * FRAME_MS // 1000 * 2
"""Bytes per frame of 16-bit mono PCM."""


@dataclass(frozen=True)
class EndpointSettings:
    """How eager the endpointer is."""

    aggressiveness: int = 2
    """webrtcvad mode 0 (least) .. 3 (most eager to call a frame unvoiced)."""
    start_ms: int = 90
    """Voiced audio needed to start an utterance (milliseconds)."""
    end_ms: int = 240
    """Unvoiced audio that ends an utterance (milliseconds)."""
    ahead_ms: int = 90
    """Unvoiced audio after which the utterance so far may be heard ahead of its end
    (milliseconds): if the rest of `end_ms` stays unvoiced, that hearing is the
    utterance's, and the wait for silence hides most of the decode. `end_ms` or more:
    never ahead."""
    preroll_ms: int = 300
    """Audio kept from before the start (milliseconds)."""
    max_s: float = 6.0
    """Longest utterance; longer speech is cut here (seconds)."""
    min_ms: int = 150
    """Shorter bursts (a cough, a click) are dropped (milliseconds)."""


@dataclass(frozen=True)
class Utterance:
    """A stretch of speech."""

    pcm: bytes
    """16 kHz 16-bit mono PCM, pre-roll included."""
    end_s: float
    """Stream time at which the end of speech was seen (seconds since the stream began)."""
    number: int = 0
    """Which utterance of the stream this is (the endpointer's `starts` when it began)."""
    voiced_bytes: int = 0
    """Bytes of `pcm` up to the end of its last voiced frame: what follows is the
    silence that ended it."""

    @property
    def duration_s(self) -> float:
        """Length (seconds)."""
        return len(self.pcm) / 2 / SAMPLE_RATE


class Endpointer:
    """Feed PCM of any block size; get `Utterance`s back as they end."""

    def __init__(self, settings: EndpointSettings = EndpointSettings()) -> None:
        self.settings = settings
        self._vad = webrtcvad.Vad(settings.aggressiveness)
        self._pending = b""
        self._preroll: deque[bytes] = deque(maxlen=max(1, settings.preroll_ms // FRAME_MS))
        self._voiced_run = 0
        self._unvoiced_run = 0
        self._speech: list[bytes] | None = None
        self._frames = 0
        self.starts = 0
        """How many utterances have started (so a watcher can tell one from the next)."""

    @property
    def in_speech(self) -> bool:
        """Whether an utterance is under way."""
        return self._speech is not None

    @property
    def time_s(self) -> float:
        """Stream time of the audio fed so far (seconds)."""
        return self._frames * FRAME_MS / 1000

    @property
    def quiet_ms(self) -> int:
        """Unvoiced audio since the utterance under way was last voiced (milliseconds;
        0 when none is under way)."""
        return self._unvoiced_run * FRAME_MS if self._speech is not None else 0

    @property
    def voiced_bytes(self) -> int:
        """Bytes of the utterance under way up to the end of its last voiced frame."""
        if self._speech is None:
            return 0
        return (len(self._speech) - self._unvoiced_run) * FRAME_BYTES

    def current(self) -> bytes:
        """The utterance so far (empty when none is under way)."""
        return b"".join(self._speech or [])

    def feed(self, pcm: bytes) -> list[Utterance]:
        """Add audio; returns the utterances that ended in it."""
        data = self._pending + pcm
        usable = len(data) - len(data) % FRAME_BYTES
        self._pending = data[usable:]
        done = []
        for i in range(0, usable, FRAME_BYTES):
            utterance = self._frame(data[i:i + FRAME_BYTES])
            if utterance is not None:
                done.append(utterance)
        return done

    def _frame(self, frame: bytes) -> Utterance | None:
        self._frames += 1
        voiced = self._vad.is_speech(frame, SAMPLE_RATE)
        s = self.settings
        if self._speech is None:
            self._preroll.append(frame)
            self._voiced_run = self._voiced_run + 1 if voiced else 0
            if self._voiced_run * FRAME_MS >= s.start_ms:
                self._speech = list(self._preroll)
                self._preroll.clear()
                self._unvoiced_run = 0
                self.starts += 1
            return None
        self._speech.append(frame)
        self._unvoiced_run = 0 if voiced else self._unvoiced_run + 1
        too_long = len(self._speech) * FRAME_MS >= s.max_s * 1000
        if self._unvoiced_run * FRAME_MS < s.end_ms and not too_long:
            return None
        speech, self._speech, self._voiced_run = self._speech, None, 0
        voiced = len(speech) - self._unvoiced_run
        if voiced * FRAME_MS < s.min_ms:
            return None
        return Utterance(b"".join(speech), self.time_s, self.starts, voiced * FRAME_BYTES)
