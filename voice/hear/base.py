"""The `SpeechIn` interface every recogniser implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from voice.vocabulary import Context

ENGINES = ("auto", "whisper", "vosk", "pocketsphinx")
"""Values of `--engine`: `auto` takes the first of the others whose model is there."""


@dataclass(frozen=True)
class Hypothesis:
    """What a recogniser heard."""

    text: str
    """Words heard, lower case ("" when nothing)."""
    confidence: float
    """How sure the recogniser is, 0..1."""
    final: bool
    """True for the end of an utterance, False for a partial result."""
    transcript: str = ""
    """What a free-form recogniser wrote down before the command set judged it (its
    `text` is then the command it was read as); "" for grammar recognisers."""


class SpeechIn(Protocol):
    """A streaming recogniser: feed PCM blocks, read partial and final hypotheses."""

    name: str
    """Engine name as printed in JSON (`pocketsphinx`, `vosk`)."""

    def set_context(self, context: Context) -> None:
        """Restrict what can be heard to one listening context; takes effect at the next utterance."""

    def start(self) -> None:
        """Begin an utterance."""

    def feed(self, pcm: bytes) -> Hypothesis | None:
        """Feed 16 kHz 16-bit mono PCM; returns a partial hypothesis when one is ready."""

    def finish(self) -> Hypothesis:
        """End the utterance and return the final hypothesis."""


@runtime_checkable
class WholeHearing(Protocol):
    """A recogniser that hears a whole utterance in one call, faster than streaming it."""

    def hear_whole(self, pcm: bytes, context: Context) -> Hypothesis:
        """The final hypothesis of one whole utterance of 16 kHz 16-bit mono PCM."""
