"""Which voice speaks: Piper's by default, espeak-ng (through pyttsx3) when asked for or
when the Piper voice is missing or damaged."""

from __future__ import annotations

from pathlib import Path

from voice.errors import MissingResource
from voice.log import log
from voice.speak.piper import PiperSpeech, find_voice
from voice.speak.tts import Pyttsx3Voice, SpeechOut
from voice.vocabulary import VOICES


def open_voice(choice: str, models_dir: Path, natural_rate: int) -> SpeechOut:
    """The voice `choice` names. `piper` falls back to espeak-ng, saying why in one line,
    when the Piper voice cannot be used; MissingResource when espeak-ng is missing too.
    `natural_rate` is the speaking rate Piper's voice keeps its own pace at."""
    if choice == VOICES[0]:
        try:
            entry, folder = find_voice(models_dir)
            return PiperSpeech(entry, folder, natural_rate)
        except MissingResource as exc:
            log.warning(f"{exc}; speaking with espeak-ng instead")
    return Pyttsx3Voice()
