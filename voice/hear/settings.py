"""What hearing is told by whoever starts it (the command line's `--engine`, `--model`,
`--input`, `--record`): one frozen value, so nothing below the command line reads options.

    settings = HearingSettings("whisper", device=2)
    RemoteEngine(settings)                          # the recogniser in its own process
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from voice import CONTENT_DIR, MODELS_DIR


@dataclass(frozen=True)
class HearingSettings:
    """Which recogniser hears the user, from which microphone, and where heard audio goes."""

    engine: str = "auto"
    """Recogniser name, one of `base.ENGINES` (`auto`: the best one installed)."""
    model: Path | None = None
    """Model folder the user chose (Whisper or Vosk); None: the installed one."""
    models_dir: Path = MODELS_DIR
    """Folder the installed models live in."""
    content_dir: Path = CONTENT_DIR
    """Folder of the content files that say which commands are listened for."""
    device: str | int | None = None
    """Microphone: a sounddevice number or (part of a) name; None: the system's default."""
    record_dir: Path | None = None
    """Existing folder that gets one WAV file per utterance heard; None: nothing is kept."""
