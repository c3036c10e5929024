"""Output files written all or nothing, and checked before any work is done."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from voice.errors import BadInput


def check_writable(path: Path) -> None:
    """Raise `BadInput` now if `path` cannot be written, rather than after the work."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise BadInput(f"{path}: is a folder; give a file name")
    if not folder.is_dir():
        raise BadInput(f"{path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise BadInput(f"{path}: not writable (permission denied)")


def write_text_atomic(path: Path, text: str) -> None:
    """Write a text file via a temporary file and a rename, so it is never half written."""
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise BadInput(f"{path}: cannot write ({exc.strerror or exc})") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
