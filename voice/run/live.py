"""The live loop: what was heard goes to the coach, its answer to the speaker, on one clock.

Input ("ears": typed lines or the microphone) arrives on a queue from its own thread;
this loop owns the coach's state, turns the passing of time on the sink's clock into
`Finished` and `Timeout` events, and tells the ears which listening context applies.
"""

from __future__ import annotations

import datetime as dt
import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal, Protocol, TextIO

from voice.coach.machine import (
    Action,
    Aside,
    Coach,
    Count,
    Event,
    Finished,
    Heard,
    Say,
    State,
    Timeout,
    Tune,
)
from voice.diary.keeper import DiaryKeeper
from voice.run.stepper import Stepper
from voice.speak.conductor import Conductor, Plan
from voice.speak.player import START_LEAD_S, Sink
from voice.speak.tts import sentences
from voice.understand.matcher import Intent, IntentMatcher
from voice.vocabulary import Context, IntentName

POLL_S = 0.05
"""Longest the loop sleeps before looking at the clock again (seconds)."""
CATCH_UP_S = 0.1
"""How long a typed line waits for the lines before it to be understood before it is
looked at on its own (seconds)."""
REHUSH_S = 1.0
"""After a hush that came to nothing, how long (seconds on the sink's clock, from the
resumption) before another can hush the coach: the word it cut off is said again whole."""


class Ears(Protocol):
    """Something that hears the user and reports intents to a `LiveLoop`."""

    def start(self, loop: LiveLoop) -> None:
        """Begin delivering `loop.heard(...)` calls from a thread of its own."""

    def set_context(self, context: Context) -> None:
        """What the coach expects now (`idle`, `count`, `question`)."""

    def close(self) -> None:
        """Stop listening and release any device."""


@dataclass(frozen=True)
class _Input:
    kind: Literal["heard", "early", "nothing", "ended"]
    """An utterance's intent, a running guess to hush the speaker for, an utterance that
    meant nothing, or the end of input (end of typed input)."""
    intent: Intent | None = None


class LiveLoop:
    """Runs the coach against a real clock until the input ends, Ctrl-C, or `--once`."""

    def __init__(self, coach: Coach, conductor: Conductor, sink: Sink, night: bool,
                 show: Callable[[str], None], log: TextIO | None = None,
                 keeper: DiaryKeeper | None = None) -> None:
        self.stepper = Stepper(coach, night, keeper)
        """The coach, its state and the diary it keeps."""
        self.conductor = conductor
        self.sink = sink
        self.show = show
        self.log = log
        self._inbox: queue.Queue[_Input] = queue.Queue()
        self._plan: Plan | None = None
        self._finished = True
        self._deadline: float | None = None
        self._held = False
        """Whether the speaker is held silent for what the user is still saying."""
        self._rehush_after: float | None = None
        """After a hush for nothing: no new hush before this time on the sink's clock."""
        self._ears: Ears | None = None
        self._lines: list[tuple[float, str]] = []
        """What is to be shown, each when its first sound plays (seconds on the sink's
        clock): printed when spoken, not when planned, so typed mode reads in spoken order."""
        self.sessions_ended = 0
        """How many sessions have ended (for --once and the soak)."""

    @property
    def state(self) -> State:
        """The coach's state."""
        return self.stepper.state

    # -- called from the ears' thread --
    def heard(self, intent: Intent) -> None:
        """The user said something."""
        self._inbox.put(_Input("heard", intent))

    def heard_early(self, intent: Intent) -> None:
        """The user is saying something that silences the coach (a running guess: `heard`
        or `heard_nothing` follows once they have finished)."""
        self._inbox.put(_Input("early", intent))

    def heard_nothing(self) -> None:
        """An utterance meant nothing to the coach."""
        self._inbox.put(_Input("nothing"))

    def input_ended(self) -> None:
        """No more input will come (typed input reached its end)."""
        self._inbox.put(_Input("ended"))

    # -- the loop --
    def context(self) -> Context:
        """The listening context right now."""
        if self._plan is not None and not self._finished:
            return Context.COUNT
        if self._plan is not None and self._plan.listen is not None and self._deadline:
            return self._plan.listen.context
        return Context.IDLE

    def connect(self, ears: Ears) -> None:
        """Keep `ears` told of the listening context (`run` does this itself)."""
        self._ears = ears
        self._set_context()

    def pump(self) -> bool:
        """Handle, without waiting, everything due by the sink's clock now: elapsed time,
        then what has been heard. For a caller that moves a virtual clock itself (`run`
        does the same on the real clock). True when a session has just ended."""
        ended = self._tick()
        while True:
            try:
                item = self._inbox.get_nowait()
            except queue.Empty:
                return ended
            if item.kind != "ended":
                self._on_input(item)
                ended = self._tick() or ended

    def run(self, ears: Ears, once: bool = False, to_the_end: bool = False) -> int:
        """Coach until the input ends (after the last answer has played) or a session ends
        with `once`. With `to_the_end`, the end of input does not stop a session under way."""
        self.connect(ears)
        ears.start(self)
        ended = False
        while True:
            ended_session = self._tick()
            if ended_session and once:
                return 0
            if ended and self._finished and not (to_the_end and self._plan is not None):
                return 0
            try:
                item = self._inbox.get(timeout=self._wait())
            except queue.Empty:
                continue
            if item.kind == "ended":
                ended = True
                continue
            self._on_input(item)

    def _wait(self) -> float:
        now = self.sink.now()
        times = [POLL_S]
        if self._lines:
            times.append(self._lines[0][0] - START_LEAD_S - now)
        if self._plan is not None and not self._finished:
            times.append(self._plan.done_at - now)
        if self._deadline is not None:
            times.append(self._deadline - now)
        return max(0.0, min(times))

    def _tick(self) -> bool:
        """Turn elapsed time into events; True when a session has just ended."""
        self._show_due()
        now = self.sink.now()
        plan = self._plan
        if plan is not None and not self._finished and now >= plan.done_at:
            self._finished = True
            if plan.end:
                self._plan = None
                self.sessions_ended += 1
                self._set_context()
                return True
            if plan.listen is not None:
                self._step(Finished())
                self._deadline = plan.done_at + plan.listen.timeout_s
            self._set_context()
        if self._deadline is not None and now >= self._deadline:
            self._deadline = None
            self._act(self._step(Timeout()))
        return False

    def _on_input(self, item: _Input) -> None:
        if item.kind == "early" and item.intent is not None:
            self._hush(item.intent)
        elif item.kind == "heard" and item.intent is not None:
            self._on_heard(item.intent)
        elif self._held:
            self._carry_on()

    def _hush(self, intent: Intent) -> None:
        """Silence the speaker while the user is still speaking, if the coach is talking;
        not again over the word a hush for nothing cut off (the microphone hears the coach
        too: its own word, said again, could hush it again and again)."""
        if self._plan is None or self._finished or self._held:
            return
        if self._rehush_after is not None and self.sink.now() < self._rehush_after:
            return
        self._held = True
        self._note(f"hushed for: {intent.text!r} -> {intent.name}")
        self.sink.hold()

    def _carry_on(self) -> None:
        """A hush came to nothing: play on from the word it cut off."""
        self._held = False
        self._note("nothing heard: carrying on")
        self.sink.resume()
        self._rehush_after = self.sink.now() + REHUSH_S

    def _on_heard(self, intent: Intent) -> None:
        counted = 0
        if self._plan is not None and not self._finished:
            counted = self._plan.counted_by(self.sink.now())
        self._note(f"heard: {intent.text!r} -> {intent.name} {dict(intent.slots)}")
        actions = self._step(Heard(intent.name, intent.slots, counted), intent.text)
        if self._held and not actions:
            self._carry_on()
        if self._counting_on(actions):
            return
        self._held = False
        self._act(actions)

    def _counting_on(self, actions: tuple[Action, ...]) -> bool:
        """A change of voice or a word between count words (`Tune`, `Aside`) said over the
        count: the count goes on where it is, changed from the next word. False when the
        actions are anything else, or nothing is counting."""
        if not actions or self._plan is None or self._finished \
                or not all(isinstance(a, (Tune, Aside)) for a in actions):
            return False
        if self._held:  # hushed while the user spoke: play on from the word cut off
            self._held = False
            self.sink.resume()
        cut = self.sink.now() + START_LEAD_S
        carried = self.conductor.carry_on(self._plan, cut, actions)
        plan = replace(carried, cues=tuple(c for c in self._plan.cues if c.start <= cut)
                       + carried.cues)
        self.sink.clear()
        self.sink.play(plan.cues)
        self._plan = plan
        for action in actions:
            if isinstance(action, Aside):
                self.show(action.text)
                self._note(f"said: {action.text}")
        return True

    def _step(self, event: Event, heard_text: str = "") -> tuple[Action, ...]:
        """One coach step, now."""
        return self.stepper.step(event, heard_text, dt.datetime.now().astimezone())

    def _act(self, actions: tuple[Action, ...]) -> None:
        if not actions:
            return
        self.sink.clear()
        plan = self.conductor.plan(actions, self.sink.now() + START_LEAD_S)
        self.sink.play(plan.cues)
        self._lines = _lines(actions, plan)
        self._plan, self._finished, self._deadline = plan, False, None
        self._show_due()
        self._set_context()

    def _show_due(self) -> None:
        """Show what has started playing (or starts within the start lead: the first line
        of an answer is shown as it is given)."""
        now = self.sink.now()
        while self._lines and self._lines[0][0] <= now + START_LEAD_S + 1e-6:
            _, line = self._lines.pop(0)
            self.show(line)
            if not line.startswith("(counting"):
                self._note(f"said: {line}")

    def _set_context(self) -> None:
        if self._ears is not None:
            self._ears.set_context(self.context())

    def _note(self, line: str) -> None:
        if self.log is not None:
            self.log.write(line + "\n")
            self.log.flush()


def _lines(actions: tuple[Action, ...], plan: Plan) -> list[tuple[float, str]]:
    """Each `Say` and `Count` as a line, at the time its first cue plays."""
    says = iter([c for c in plan.cues if c.kind == "say"])
    counts = iter([c for c in plan.cues if c.kind == "count"])
    lines: list[tuple[float, str]] = []
    for action in actions:
        if isinstance(action, Say):
            cues = [next(says, None) for _ in sentences(action.text)]
            first = cues[0] if cues else None
            if first is not None:
                lines.append((first.start, action.text))
        elif isinstance(action, Count):
            cues = [next(counts, None) for _ in range(action.first, action.last + 1)]
            if cues and cues[0] is not None:
                lines.append((cues[0].start,
                              f"(counting {action.first} to {action.last}, one a second)"))
    return sorted(lines, key=lambda line: line[0])


class TextEars:
    """Typed input: one utterance per line from a stream (stdin).

    Lines are read on one thread and understood, in order, on another, so that reading
    goes on while a long line is being understood: a line typed after one that is taking
    long is looked at on its own at once, and if it means something the coach falls quiet
    (as for a stop heard while still being said) until the lines before it are answered.
    """

    def __init__(self, matcher: IntentMatcher, stream: TextIO = sys.stdin,
                 prompt: bool = True) -> None:
        self.matcher = matcher
        self.stream = stream
        self.prompt = prompt and stream.isatty()
        self._thread: threading.Thread | None = None
        self._lines: queue.Queue[tuple[str, Intent | None] | None] = queue.Queue()
        self._waiting = 0
        """Lines read but not yet answered."""
        self._answered = threading.Condition()

    def start(self, loop: LiveLoop) -> None:
        """Read lines on a daemon thread, and understand them on another."""
        self._thread = threading.Thread(target=self._read, args=(loop,), daemon=True)
        threading.Thread(target=self._understand, args=(loop,), daemon=True).start()
        self._thread.start()

    def _read(self, loop: LiveLoop) -> None:
        for line in self.stream:
            text = line.strip()
            if text:
                self._lines.put((text, self._look_early(loop, text)))
        self._lines.put(None)

    def _look_early(self, loop: LiveLoop, text: str) -> Intent | None:
        """What a line means, read at once when the lines before it are taking long (and
        it is no longer than a command can be): it silences the coach if it means anything.
        None: it is understood in its turn."""
        with self._answered:
            self._waiting += 1
            if self._answered.wait_for(lambda: self._waiting == 1, timeout=CATCH_UP_S):
                return None
        longest = self.matcher.longest_sentence
        if longest is not None and len(text.split()) > longest:
            return None
        intent = self.matcher.parse(text)
        if intent.name != IntentName.NONE:
            loop.heard_early(intent)
        return intent

    def _understand(self, loop: LiveLoop) -> None:
        while (item := self._lines.get()) is not None:
            text, intent = item
            loop.heard(intent if intent is not None else self.matcher.parse(text))
            with self._answered:
                self._waiting -= 1
                self._answered.notify_all()
        loop.input_ended()

    def set_context(self, context: Context) -> None:
        """Typed text is unambiguous: every intent is understood in every context."""

    def close(self) -> None:
        """Nothing to release."""
