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
import os
import pickle
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


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


def in_fork(work: Callable[[], T]) -> T:
    """`work()` done in a forked copy of this process, its result sent back pickled: the
    memory the work takes (a grammar expansion, a dictionary) leaves with the copy instead
    of staying in this process's heap. Done here where there is no fork."""
    if not hasattr(os, "fork"):
        return work()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the copy: do the work, send the outcome, leave at once
        code = 0
        try:
            os.close(read)
            with os.fdopen(write, "wb") as out:
                try:
                    outcome: tuple[str, Any] = ("ok", work())
                except BaseException as exc:  # noqa: BLE001 (raised again in the parent)
                    outcome = ("error", exc)
                pickle.dump(outcome, out)
        except BaseException:  # noqa: BLE001 (the parent sees the pipe close)
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as answer:
        try:
            kind, value = pickle.load(answer)
        except EOFError:
            kind, value = "error", RuntimeError("the forked copy ended without an answer")
    os.waitpid(pid, 0)
    if kind == "error":
        raise value
    return value  # type: ignore[no-any-return]
