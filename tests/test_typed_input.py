"""Typed input on the real clock: however long a line typed mid-count is, a "stop" typed
right after it silences the count at once (the typed path of `cramp-coach --text`)."""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Iterator

import pytest

from tests.support.core import coach, content, library, matcher
from tests.support.long_lines import everyday_talk, long_line
from voice.run.live import LiveLoop, TextEars
from voice.speak.conductor import Conductor, Cue
from voice.understand.matcher import normalize
from voice.vocabulary import URGENT, Context, IntentName

SILENT_WITHIN_S = 0.5
"""How soon after "stop" is typed the count must fall silent."""


class ClockSink:
    """Plays nothing, on the real clock: keeps the cues and when it was silenced."""

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self._t0 = time.monotonic()
        self._held_at: float | None = None
        self.cues: list[Cue] = []
        self.silenced: list[float] = []
        """Monotonic times of each `clear` and `hold`."""

    def now(self) -> float:
        return (self._held_at if self._held_at is not None else time.monotonic()) - self._t0

    def play(self, cues: tuple[Cue, ...]) -> None:
        self.cues.extend(cues)

    def clear(self) -> None:
        self.silenced.append(time.monotonic())
        self.cues = []
        self.resume()

    def hold(self) -> None:
        self.silenced.append(time.monotonic())
        if self._held_at is None:
            self._held_at = time.monotonic()

    def resume(self) -> None:
        if self._held_at is not None:
            self._t0 += time.monotonic() - self._held_at
            self._held_at = None

    def close(self) -> None:
        """Nothing to release."""


class Typing:
    """The live loop reading typed lines from a pipe, run on its own thread."""

    def __init__(self) -> None:
        read, write = os.pipe()
        self.keys = os.fdopen(write, "w", encoding="utf-8")
        self.sink = ClockSink(library().sample_rate)
        self.transcript = io.StringIO()
        self.shown: list[str] = []
        self.loop = LiveLoop(coach(), Conductor(library(), night=False), self.sink,
                             night=False, show=self.shown.append, log=self.transcript)
        ears = TextEars(matcher(), os.fdopen(read, encoding="utf-8"), prompt=False)
        self.thread = threading.Thread(target=self.loop.run, args=(ears,), daemon=True)
        self.thread.start()

    def type(self, *lines: str) -> float:
        """Type lines at once; the monotonic time they were typed."""
        self.keys.write("".join(f"{line}\n" for line in lines))
        self.keys.flush()
        return time.monotonic()

    def counting(self, timeout: float = 20.0) -> None:
        """Wait until the coach has begun counting."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ones = [c for c in self.sink.cues if c.kind == "count" and c.n == 1]
            if ones and self.sink.now() > ones[0].end:
                return
            time.sleep(0.02)
        raise AssertionError("the coach never began counting")

    def silenced_after(self, typed: float, timeout: float = 20.0) -> float:
        """Seconds from `typed` until the count was first silenced."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            after = [t for t in self.sink.silenced if t >= typed]
            if after:
                return after[0] - typed
            time.sleep(0.005)
        raise AssertionError("the count was never silenced")

    def finish(self) -> None:
        """End the input and wait for the loop to finish what it was told."""
        self.keys.close()
        self.thread.join(timeout=60.0)
        assert not self.thread.is_alive(), "the loop did not finish"


@pytest.fixture
def typing() -> Iterator[Typing]:
    typed = Typing()
    yield typed
    if not typed.keys.closed:
        typed.keys.close()


def talk_without_signs() -> list[str]:
    """Everyday talk in which the safety rules find nothing, not even a negated sign, even
    said of a cramp (a length of time is a sign only then)."""
    rules = matcher().safety
    return [line for line in everyday_talk()
            if rules.find(normalize(f"the cramp {line}").split()) == rules.find([])]


def test_a_stop_typed_after_a_long_line_silences_the_count_at_once(typing: Typing) -> None:
    line = long_line(10_000, talk=talk_without_signs())
    heard = matcher().parse(line, Context.COUNT)
    assert len(line) >= 9_900
    assert heard.name not in (*URGENT, IntentName.STOP, IntentName.PAUSE), "the line alone must not silence"
    typing.type("help, calf cramp")
    typing.counting()
    typed = typing.type(line, "stop")
    silent = typing.silenced_after(typed)
    assert silent <= SILENT_WITHIN_S, f"silent {silent:.2f} s after stop was typed"
    typing.finish()
    assert typing.shown[-1] == content().prompt("stopped", False)
    assert not [c for c in typing.sink.cues if c.kind == "count"], "no count word after stop"


def test_a_line_too_long_to_read_at_once_does_not_hold_up_a_stop(typing: Typing) -> None:
    """A line far beyond any typing (500,000 characters) takes long to read; the "stop"
    after it is looked at on its own and silences the count before that line is answered,
    and is then answered in its turn."""
    line = long_line(500_000, talk=talk_without_signs())
    typing.type("help, calf cramp")
    typing.counting()
    typed = typing.type(line, "stop")
    silent = typing.silenced_after(typed)
    assert silent <= SILENT_WITHIN_S, f"silent {silent:.2f} s after stop was typed"
    typing.finish()
    notes = typing.transcript.getvalue().splitlines()
    hushed = next(i for i, n in enumerate(notes) if n.startswith("hushed for: 'stop'"))
    long_heard = next(i for i, n in enumerate(notes)
                      if n.startswith("heard: ") and len(n) > len(line))
    stop_heard = next(i for i, n in enumerate(notes) if n.startswith("heard: 'stop'"))
    assert hushed < long_heard < stop_heard, "silenced first; answered in the order typed"
    assert typing.shown[-1] == content().prompt("stopped", False)
