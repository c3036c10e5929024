"""Rendered speech kept on disk between starts, one file per clip.

A clip's key is a hash of everything that shapes its sound (voice, text, mode, speaking
settings, gain, sample rate), so a changed line or setting gets a new entry and an old
one is simply never asked for again. Each entry carries the SHA-256 of its samples: an
entry that is cut short or damaged reads as missing, and the caller renders it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from voice.errors import BadInput
from voice.files import atomic_output
from voice.log import log
from voice.models.catalog import user_cache_dir

FOLDER = "speech"
"""Inside the user's cache folder: the rendered clips."""

MAGIC = b"cramp-coach pcm 1\n"
"""How an entry file begins (the format's version is in it)."""

_HEADER = struct.Struct("<32sI")
"""After the magic: SHA-256 of the samples, sample rate (hertz)."""


def clip_key(fields: Mapping[str, object]) -> str:
    """The entry name for a clip rendered from `fields` (JSON-able values)."""
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


FOLDER_ENV = "CRAMP_COACH_SPEECH_CACHE"
"""A folder to keep rendered clips in instead (the tests share one between processes)."""


def default_folder() -> Path:
    """Where rendered clips are kept: `speech/` in the user's cache folder, or the folder
    `CRAMP_COACH_SPEECH_CACHE` names."""
    chosen = os.environ.get(FOLDER_ENV)
    return Path(chosen) if chosen else user_cache_dir() / FOLDER


class RenderCache:
    """Clips on disk by key: mono int16 samples and their sample rate."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder if folder is not None else default_folder()

    def path(self, key: str) -> Path:
        """The file of one entry."""
        return self.folder / f"{key}.pcm"

    def get(self, key: str, sample_rate: int) -> np.ndarray | None:
        """The samples kept under `key`, or None when there are none, they are damaged
        (checksum, length) or at another sample rate."""
        try:
            data = self.path(key).read_bytes()
        except OSError:
            return None
        head = len(MAGIC) + _HEADER.size
        whole = len(data) >= head and data.startswith(MAGIC) and (len(data) - head) % 2 == 0
        digest, rate = _HEADER.unpack_from(data, len(MAGIC)) if whole else (b"", 0)
        payload = data[head:]
        if not whole or hashlib.sha256(payload).digest() != digest:
            log.debug(f"rendered clip {self.path(key).name} is damaged; rendering it again")
            return None
        if rate != sample_rate:
            return None
        return np.frombuffer(payload, dtype="<i2").astype(np.int16)

    def put(self, key: str, samples: np.ndarray, sample_rate: int) -> None:
        """Keep `samples` under `key`, whole or not at all (a cache that cannot be written
        only costs time at the next start)."""
        payload = np.asarray(samples, dtype="<i2").tobytes()
        data = MAGIC + _HEADER.pack(hashlib.sha256(payload).digest(), sample_rate) + payload
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with atomic_output(self.path(key)) as out:
                out.write(data)
        except (OSError, BadInput) as exc:
            log.debug(f"could not keep a rendered clip in {self.folder}: {exc}")
