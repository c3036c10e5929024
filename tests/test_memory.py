"""Freed memory goes back to the system, so RSS does not creep up over a night."""

from __future__ import annotations

import platform

import psutil
import pytest

from voice.memory import release_free_memory


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="glibc's allocator only")
def test_freed_heap_pages_are_returned() -> None:
    process = psutil.Process()
    blocks = [bytes(20_000) for _ in range(10_000)]  # 200 MB of heap (below mmap's threshold)
    keep = blocks[-1:]  # one live block at the top stops the heap from shrinking by itself
    del blocks
    before = process.memory_info().rss
    assert release_free_memory()
    after = process.memory_info().rss
    assert before - after > 100 * 2**20, (before, after)
    assert keep
