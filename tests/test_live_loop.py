"""The live loop on a virtual clock (`LiveLoop.pump` with the soak's `VirtualSink`): what is
heard, when, reaches the coach with the right count position and listening context."""

from __future__ import annotations

from bench.soak import VirtualSink
from tests.core import coach, content, library, matcher
from voice.conductor import Conductor
from voice.live import LiveLoop


class Ears:
    """Records the listening context the loop asks for."""

    def __init__(self) -> None:
        self.contexts: list[str] = []

    def start(self, loop: LiveLoop) -> None:
        """Nothing to start."""

    def set_context(self, context: str) -> None:
        self.contexts.append(context)

    def close(self) -> None:
        """Nothing to release."""


def setup() -> tuple[LiveLoop, VirtualSink, Ears, list[str]]:
    shown: list[str] = []
    sink = VirtualSink(library().sample_rate)
    loop = LiveLoop(coach(), Conductor(library(), night=False), sink, night=False,
                    show=shown.append)
    ears = Ears()
    loop.connect(ears)
    return loop, sink, ears, shown


def say(loop: LiveLoop, text: str) -> None:
    loop.heard(matcher().parse(text))
    loop.pump()


def advance(loop: LiveLoop, sink: VirtualSink, until: float) -> None:
    while sink.t < until:
        sink.t = round(sink.t + 0.03, 6)
        loop.pump()


def future_counts(sink: VirtualSink) -> list[int]:
    return [c.n for c in sink.cues if c.kind == "count" and c.start > sink.t]


def test_pause_mid_count_resumes_from_the_next_word() -> None:
    loop, sink, ears, _ = setup()
    say(loop, "help, calf cramp")
    assert ears.contexts[-1] == "count"
    one = next(c for c in sink.cues if c.kind == "count" and c.n == 1)
    advance(loop, sink, one.start + 11.5)  # "twelve" has started
    say(loop, "wait")
    assert future_counts(sink) == []
    advance(loop, sink, sink.t + 3.0)
    say(loop, "continue")
    assert future_counts(sink) == list(range(13, 31))


def test_after_the_count_the_loop_listens_for_an_answer_then_reprompts() -> None:
    loop, sink, ears, shown = setup()
    say(loop, "help, calf cramp")
    done = max(c.end for c in sink.cues)
    advance(loop, sink, done + 0.1)
    assert loop.context() == "question" and ears.contexts[-1] == "question"
    advance(loop, sink, done + content().voice.answer_timeout_s + 0.1)
    assert shown[-1] == content().prompt("ask_easing_again", False)


def test_a_red_flag_mid_count_cuts_the_count_and_ends_the_session() -> None:
    loop, sink, _, shown = setup()
    say(loop, "help, calf cramp")
    one = next(c for c in sink.cues if c.kind == "count" and c.n == 1)
    advance(loop, sink, one.start + 5.5)
    say(loop, "my calf is swollen")
    assert future_counts(sink) == []
    assert shown[-1] == content().steps["red_flag"].day
    advance(loop, sink, max(c.end for c in sink.cues) + 0.1)
    assert loop.sessions_ended == 1 and loop.context() == "idle"
