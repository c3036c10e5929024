"""Reading and writing WAV files: 16-bit PCM in, mono out, atomic writes."""

from __future__ import annotations

import os
import shlex
import struct
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soxr

from voice.errors import BadInput
from voice.files import atomic_output
from voice.vocabulary import SAMPLE_RATE

DEFAULT_MAX_SECONDS = 600.0
"""Longest file `read_wav` accepts unless told otherwise (seconds)."""

_PCM = 0x0001
_FLOAT = 0x0003
_EXTENSIBLE = 0xFFFE


@dataclass(frozen=True, eq=False)
class Audio:
    """A mono recording."""

    samples: np.ndarray
    """Signed 16-bit PCM samples, one channel, read-only (np.int16)."""
    sample_rate: int
    """Samples per second (hertz)."""

    @property
    def duration(self) -> float:
        """Length (seconds)."""
        return len(self.samples) / self.sample_rate


@dataclass(frozen=True)
class _Format:
    """What a WAV file's `fmt ` chunk says."""

    tag: int
    """Format tag; for WAVE_FORMAT_EXTENSIBLE the sub-format's tag."""
    extensible: bool
    """True when the header is WAVE_FORMAT_EXTENSIBLE."""
    channels: int
    """Interleaved channels."""
    sample_rate: int
    """Frames per second (hertz)."""
    bits: int
    """Bits per sample as stored."""


def read_wav(
    path: str | os.PathLike[str], *, max_seconds: float | None = DEFAULT_MAX_SECONDS
) -> Audio:
    """Read a 16-bit PCM WAV (any rate, mono or stereo) as mono; raise BadInput saying why not."""
    p = Path(path)
    size = _check_readable(p)
    try:
        with open(p, "rb") as f:
            fmt = _probe(f, p)
            _check_format(fmt, p)
            f.seek(0)
            with wave.open(f, "rb") as w:
                declared = min(w.getnframes(), size // (2 * fmt.channels))
                if max_seconds is not None and declared > max_seconds * fmt.sample_rate:
                    raise BadInput(
                        f"{p}: too long ({declared / fmt.sample_rate:.0f} s; "
                        f"limit {max_seconds:g} s)"
                    )
                raw = w.readframes(declared)
    except (wave.Error, EOFError, struct.error) as e:
        raise BadInput(f"{p}: not a readable WAV file ({e or 'unexpected end of file'})") from None
    except OSError as e:
        raise BadInput(f"{p}: cannot read ({e.strerror or e})") from None
    frame_bytes = 2 * fmt.channels
    frames = np.frombuffer(raw[: len(raw) - len(raw) % frame_bytes], dtype="<i2")
    if frames.size == 0:
        raise BadInput(f"{p}: no audio in file (0 frames)")
    samples = _downmix(frames.reshape(-1, fmt.channels))
    samples.flags.writeable = False
    return Audio(samples=samples, sample_rate=fmt.sample_rate)


def read_wav_16k(
    path: str | os.PathLike[str], *, max_seconds: float | None = DEFAULT_MAX_SECONDS
) -> np.ndarray:
    """Read a WAV as mono np.int16 at 16 kHz, resampling with soxr when needed."""
    audio = read_wav(path, max_seconds=max_seconds)
    return resample(audio.samples, audio.sample_rate, SAMPLE_RATE)


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Resample mono np.int16 samples from one rate to another (hertz)."""
    if from_rate == to_rate:
        return samples
    out = soxr.resample(np.ascontiguousarray(samples, dtype=np.int16), from_rate, to_rate)
    return np.asarray(out, dtype=np.int16)


def write_wav_atomic(path: str | os.PathLike[str], samples: np.ndarray, sample_rate: int) -> None:
    """Write np.int16 samples (frames, or frames x channels) as a 16-bit WAV, all or nothing."""
    data = np.asarray(samples)
    if data.dtype != np.int16 or data.ndim not in (1, 2):
        raise ValueError(
            f"need np.int16 samples of 1 or 2 dimensions, got {data.dtype} {data.shape}"
        )
    if sample_rate <= 0:
        raise ValueError(f"sample rate must be positive, got {sample_rate}")
    channels = 1 if data.ndim == 1 else data.shape[1]
    with atomic_output(path, "wb") as f, wave.open(f, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(data.astype("<i2", copy=False).tobytes())


def _check_readable(p: Path) -> int:
    """Return the size of `p` (bytes); raise BadInput unless it is a readable, non-empty file."""
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise BadInput(f"{p}: no such file") from None
    except OSError as e:
        raise BadInput(f"{p}: cannot read ({e.strerror or e})") from None
    if p.is_dir():
        raise BadInput(f"{p}: is a directory, not a WAV file")
    if not os.access(p, os.R_OK):
        raise BadInput(f"{p}: cannot read (permission denied)")
    if size == 0:
        raise BadInput(f"{p}: file is empty (0 bytes)")
    return size


def _probe(f: BinaryIO, p: Path) -> _Format:
    """Walk the RIFF chunks up to `fmt ` and return what it declares."""
    head = f.read(12)
    if head[:4] != b"RIFF"[: len(head)] or (len(head) >= 12 and head[8:12] != b"WAVE"):
        raise BadInput(f"{p}: not a WAV file (no RIFF/WAVE header)")
    if len(head) < 12:
        raise BadInput(f"{p}: truncated WAV header")
    while True:
        chunk = f.read(8)
        if len(chunk) < 8:
            raise BadInput(f"{p}: truncated WAV header (no fmt chunk)")
        name, size = struct.unpack("<4sI", chunk)
        if name == b"fmt ":
            break
        f.seek(size + (size & 1), os.SEEK_CUR)
    body = f.read(size)
    if size < 16 or len(body) < 16:
        raise BadInput(f"{p}: truncated WAV header (short fmt chunk)")
    tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
    extensible = tag == _EXTENSIBLE
    if extensible:
        if len(body) < 26:
            raise BadInput(f"{p}: truncated WAV header (short extensible fmt chunk)")
        (tag,) = struct.unpack("<H", body[24:26])
    return _Format(tag=tag, extensible=extensible, channels=channels, sample_rate=rate, bits=bits)


def _check_format(fmt: _Format, p: Path) -> None:
    """Raise BadInput unless the format is 16-bit PCM, one or two channels, a positive rate."""
    if fmt.tag == _FLOAT:
        kind = f"{fmt.bits}-bit float"
    elif fmt.tag != _PCM:
        kind = f"compressed (format 0x{fmt.tag:04x})"
    elif fmt.bits != 16:
        kind = f"{fmt.bits}-bit integer"
    elif fmt.extensible:
        kind = "WAVE_FORMAT_EXTENSIBLE"
    else:
        kind = ""
    if kind:
        out = shlex.quote(str(p.with_name(p.stem + "-16bit.wav")))
        raise BadInput(
            f"{p}: {kind} WAV; 16-bit PCM WAV needed; "
            f"convert with: sox {shlex.quote(str(p))} -b 16 -c 1 {out}"
        )
    if fmt.channels not in (1, 2):
        raise BadInput(f"{p}: {fmt.channels} channels; mono or stereo needed")
    if fmt.sample_rate <= 0:
        raise BadInput(f"{p}: bad WAV header (sample rate {fmt.sample_rate})")


def _downmix(frames: np.ndarray) -> np.ndarray:
    """Average the channels of (frames x channels) int16 into one int16 channel."""
    if frames.shape[1] == 1:
        return frames[:, 0].astype(np.int16)
    mixed = np.rint(frames.astype(np.int32).sum(axis=1) / frames.shape[1])
    return np.asarray(mixed, dtype=np.int16)



