"""Output files written all or nothing, and checked before any work is done."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from voice.errors import BadInput


def _read_umask() -> int:
    """The process umask (set back at once; read at import, before any threads)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def check_writable(path: Path) -> None:
    """Raise `BadInput` now if `path` cannot be written, rather than after the work."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise BadInput(f"{path}: is a folder; give a file name")
    if not folder.is_dir():
        raise BadInput(f"{path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise BadInput(f"{path}: not writable (permission denied)")


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO[Any]]:
    """A file object whose contents replace `path` only when the block ends without error:
    written to a temporary file beside it, flushed to disk, then renamed. Any failure
    leaves `path` as it was; an OSError becomes a one-line `BadInput`."""
    p = Path(path)
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, p)
        tmp = None
    except OSError as exc:
        raise BadInput(f"{p}: cannot write ({exc.strerror or exc})") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    """Write a text file all or nothing."""
    with atomic_output(path, "w") as f:
        f.write(text)
