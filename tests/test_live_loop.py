"""The live loop on a virtual clock (`LiveLoop.pump` with the soak's `VirtualSink`): what is
heard, when, reaches the coach with the right count position and listening context."""

from __future__ import annotations

from tests.support.core import coach, content, library, matcher
from tests.support.virtual_sink import VirtualSink
from voice.run.live import LiveLoop
from voice.speak.conductor import Conductor, Cue


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
    return [c.n for c in sink.cues if c.kind == "count" and c.start > sink.now()]


def count_cue(sink: VirtualSink, n: int) -> Cue:
    return next(c for c in sink.cues if c.kind == "count" and c.n == n)


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


def hush_mid_word(loop: LiveLoop, sink: VirtualSink, n: int) -> float:
    """Count to word `n`, and hush the coach halfway through it; the sink's time then."""
    say(loop, "help, calf cramp")
    word = count_cue(sink, n)
    advance(loop, sink, word.start + (word.end - word.start) / 2)
    loop.heard_early(matcher().parse("stop"))
    loop.pump()
    return sink.now()


def test_a_running_guess_of_stop_silences_the_count_and_the_stop_ends_it() -> None:
    loop, sink, _, shown = setup()
    held = hush_mid_word(loop, sink, 8)
    advance(loop, sink, sink.t + 0.6)  # the user is still saying it
    assert sink.now() == held, "the clock stands still while hushed"
    assert sink.quiet_for() >= 0.59
    assert loop.context() == "count", "still listening for what the user says"
    say(loop, "stop")
    assert future_counts(sink) == []
    advance(loop, sink, sink.t + 5.0)
    # Only the stop's acknowledgement, a word or two, is said after it.
    assert future_counts(sink) == [] and sink.quiet_for() >= 3.0
    assert shown[-1] == content().prompt("stopped", False)


def test_a_hush_for_nothing_says_the_cut_word_again_and_counts_on_to_thirty() -> None:
    loop, sink, _, _ = setup()
    hush_mid_word(loop, sink, 8)
    advance(loop, sink, sink.t + 0.9)
    loop.heard_nothing()  # the whole utterance was not meant for the coach
    loop.pump()
    eight = count_cue(sink, 8)
    assert sink.now() == eight.start, "back to the start of the word cut off"
    assert future_counts(sink) == list(range(9, 31))
    advance(loop, sink, sink.t + max(c.end for c in sink.cues) - sink.now() + 0.1)
    assert loop.context() == "question"


def test_a_hush_then_wait_pauses_and_continue_resumes_after_the_cut_word() -> None:
    loop, sink, _, _ = setup()
    hush_mid_word(loop, sink, 8)
    advance(loop, sink, sink.t + 0.5)
    say(loop, "wait")
    assert future_counts(sink) == []
    advance(loop, sink, sink.t + 2.0)
    say(loop, "continue")
    assert future_counts(sink)[-1] == 30 and future_counts(sink)[0] in (8, 9)


def test_a_running_guess_while_the_coach_is_quiet_changes_nothing() -> None:
    loop, sink, ears, _ = setup()
    loop.heard_early(matcher().parse("stop"))
    loop.pump()
    before = sink.now()
    advance(loop, sink, sink.t + 0.3)
    assert sink.now() > before, "the clock runs: nothing was held"
    say(loop, "help, calf cramp")
    assert ears.contexts[-1] == "count" and future_counts(sink)[-1] == 30


def test_the_word_a_hush_for_nothing_cut_off_is_not_hushed_again() -> None:
    """The microphone hears the coach: its own word said again must not hush it again and
    again."""
    loop, sink, _, _ = setup()
    hush_mid_word(loop, sink, 8)
    loop.heard_nothing()
    loop.pump()
    resumed = sink.now()
    advance(loop, sink, sink.t + 0.3)
    loop.heard_early(matcher().parse("stop"))
    loop.pump()
    assert sink.now() > resumed + 0.29, "the word cut off is said again whole"
    advance(loop, sink, sink.t + 1.0)
    held = sink.now()
    loop.heard_early(matcher().parse("stop"))
    loop.pump()
    advance(loop, sink, sink.t + 0.3)
    assert sink.now() == held, "a later word can be hushed again"


def rms(cue: Cue) -> float:
    samples = cue.clip.samples.astype("float64")
    return float((samples ** 2).mean() ** 0.5)


def test_louder_over_the_count_keeps_counting_louder_from_the_next_word() -> None:
    loop, sink, _, _ = setup()
    say(loop, "help, calf cramp")
    planned = {c.n: c.start for c in sink.cues if c.kind == "count"}
    before = rms(count_cue(sink, 20))
    advance(loop, sink, count_cue(sink, 8).start + 0.5)
    loop.heard_early(matcher().parse("louder"))  # hushed while the user speaks
    loop.pump()
    advance(loop, sink, sink.t + 0.4)
    say(loop, "louder")
    assert future_counts(sink)[-1] == 30, "the count goes on"
    later = {c.n: c.start for c in sink.cues if c.kind == "count" and c.n > 9}
    held = later[10] - planned[10]  # the hush stood the clock still for a moment
    assert all(abs(later[n] - planned[n] - held) < 1e-6 for n in later), "one a second"
    assert rms(count_cue(sink, 20)) > 1.4 * before
    assert loop.context() == "count"


def test_how_long_left_is_said_between_two_count_words_and_the_count_goes_on() -> None:
    loop, sink, _, shown = setup()
    say(loop, "help, calf cramp")
    planned = {c.n: c.start for c in sink.cues if c.kind == "count"}
    advance(loop, sink, count_cue(sink, 8).start + 0.5)
    say(loop, "how long left")
    counts = {c.n: c.start for c in sink.cues if c.kind == "count"}
    assert counts == planned, "no count word moves"
    aside = [c for c in sink.cues if c.kind == "say" and sink.now() < c.start < counts[30]]
    assert len(aside) == 1 and counts[9] < aside[0].start and aside[0].end < counts[10]
    assert shown[-1].endswith("to go.")
