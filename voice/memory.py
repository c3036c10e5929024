"""Giving freed memory back to the system, so a coach that listens all night stays small.

Decoding an utterance allocates and frees many short-lived buffers (audio, features, the
recogniser's search); glibc's allocator keeps freed pages for reuse, so the resident size
of a listening process includes memory nothing uses. `release_free_memory` asks glibc to
hand those pages back; it takes well under a millisecond and does nothing where glibc is
not the allocator.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any


@functools.lru_cache(maxsize=1)
def _glibc() -> Any | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release_free_memory() -> bool:
    """Return freed heap pages to the system; False where that is not possible."""
    libc = _glibc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
