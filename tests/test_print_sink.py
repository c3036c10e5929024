"""The sink that prints count words when there is no speech synthesiser: a hush (the user
may be saying stop) holds its clock and its words, and resuming prints what is still due."""

from __future__ import annotations

import time

import numpy as np
import pytest

from voice.speak.conductor import Cue
from voice.speak.player import PrintSink
from voice.speak.tts import Clip

RATE = 22050


def count_word(word: str, n: int, start: float) -> Cue:
    return Cue(start, Clip(word, np.zeros(RATE // 2, dtype=np.int16), RATE), "count", n)


def printed(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().out.split()


def wait_for(capsys: pytest.CaptureFixture[str], words: int, timeout: float = 10.0) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while len(seen) < words and time.monotonic() < deadline:
        time.sleep(0.02)
        seen += printed(capsys)
    return seen


def test_a_held_sink_stands_still_and_resumes_with_the_words_still_due(
        capsys: pytest.CaptureFixture[str]) -> None:
    sink = PrintSink(RATE)
    try:
        start = sink.now()
        sink.play((count_word("one", 1, start + 0.05), count_word("two", 2, start + 0.6)))
        assert wait_for(capsys, 1) == ["one"]
        sink.hold()
        held = sink.now()
        time.sleep(0.8)  # "two" was due 0.6 s in
        assert printed(capsys) == [], "nothing is printed while held"
        assert sink.now() == held, "the clock stands still while held"
        sink.resume()
        assert sink.now() == pytest.approx(held, abs=0.05)
        assert wait_for(capsys, 1) == ["two"]
    finally:
        sink.close()


def test_clear_ends_a_hold_and_drops_what_was_due(capsys: pytest.CaptureFixture[str]) -> None:
    sink = PrintSink(RATE)
    try:
        sink.play((count_word("one", 1, sink.now() + 0.3),))
        sink.hold()
        sink.clear()
        before = sink.now()
        time.sleep(0.5)
        assert sink.now() > before + 0.4, "the clock runs again"
        assert printed(capsys) == []
    finally:
        sink.close()
