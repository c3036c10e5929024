"""An all-night soak: hours of simulated bedroom audio through the live pipeline, faster
than real time.

The night: a fan all night, snoring in spells, now and then someone talking (not to the
coach), and episodes of a sleeper with a cramp who speaks to the coach at the right
moments ("help, calf cramp", then "it's gone" when asked, "stop" mid-count, ...). The
audio goes through the real endpointer (webrtcvad) and the real recogniser into the
`LiveLoop` and the coach, on a virtual clock: the sink's clock is the audio's clock.

Measured: no crash (an exception ends the run), every command answered, false session
starts (the coach beginning a stretch or asking which muscle with no one asking), other
sounds taken for commands, memory (RSS), threads and open files.

Usage: python -m bench.soak [--hours 8] [--seed 1] [--out docs/soak.md]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

from tests.support.bedroom import SPEECH_RMS, Bedroom
from tests.support.noise import at_level
from tests.support.rates import rate_upper_bound
from tests.support.speech import clips_missing, real_clip, synthesise
from tests.support.virtual_sink import VirtualSink
from voice import CONTENT_DIR, MODELS_DIR, ROOT_DIR
from voice.coach.machine import Action, Coach, Event, Heard, Phase, State
from voice.content.loader import Content, load_content
from voice.hear.base import ENGINES
from voice.hear.early import EarlyHearing
from voice.hear.listener import EngineHearing, UtteranceListener
from voice.hear.listener import Heard as HeardUtterance
from voice.memory import release_free_memory
from voice.run.live import LiveLoop
from voice.speak.conductor import Conductor
from voice.speak.tts import Pyttsx3Voice, SpeechLibrary, sentences
from voice.understand.matcher import Intent, IntentMatcher
from voice.vocabulary import CONTEXTS, SAMPLE_RATE, Context

BLOCK_S = 0.03
"""Audio fed per step, as the microphone delivers it (seconds)."""
ANSWER_WINDOW_S = 2.5
"""A command counts as answered when the coach hears it by this long after it ends
(seconds)."""
TRIGGER_TIMEOUT_S = 60.0
"""An episode waiting this long for its moment is abandoned (seconds)."""


# --- the sleeper's lines ---------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """One thing said in the bedroom."""

    words: str
    """What is said; for a real recording, its word (the clip is picked by the seed)."""
    voice: str
    """`espeak:VOICE`, `flite:VOICE`, or `clip` for a real recording."""
    expect: str | None
    """Intent the coach must hear; None for talk that is not meant for it."""
    when: str
    """`idle` (the coach is quiet), `counting` (a few count words in) or `waiting` (the
    coach has asked and is listening)."""


EPISODES: tuple[tuple[Line, ...], ...] = (
    (Line("help, calf cramp", "espeak:en-us", "cramp", "idle"),
     Line("it's gone", "espeak:en-us", "better", "waiting"),
     Line("no", "espeak:en-us", "no", "waiting")),
    (Line("help, my foot is cramping", "flite:slt", "cramp", "idle"),
     Line("stop", "flite:slt", "stop", "counting")),
    (Line("cramp in the back of my thigh", "espeak:en-gb", "cramp", "idle"),
     Line("it still hurts", "espeak:en-gb", "worse", "waiting"),
     Line("it's gone", "espeak:en-gb", "better", "waiting"),
     Line("no thanks", "espeak:en-gb", "no", "waiting")),
    (Line("help, calf cramp", "flite:kal16", "cramp", "idle"),
     Line("wait", "flite:kal16", "pause", "counting"),
     Line("continue", "flite:kal16", "resume", "waiting"),
     Line("yes", "flite:kal16", "yes", "waiting"),
     Line("no", "flite:kal16", "no", "waiting")),
    (Line("should I drink water", "espeak:en-us", "hydration", "idle"),),
    (Line("help, calf cramp", "flite:awb", "cramp", "idle"),
     Line("stop", "clip", "stop", "counting")),
    (Line("leg cramp", "espeak:en-gb-scotland", "cramp", "idle"),
     Line("my calf", "espeak:en-gb-scotland", "cramp", "waiting"),
     Line("yes", "clip", "yes", "waiting"),
     Line("no", "clip", "no", "waiting")),
)
"""Cramp episodes through the night: 21 commands."""

CHATTER: tuple[str, ...] = (
    "I think we should paint the kitchen a lighter colour",
    "did you remember to put the bins out",
    "the forecast says it will rain all day tomorrow",
    "can you pass me the other pillow",
    "my alarm is set for half past six",
    "that film last night was far too long",
    "it is too warm in here, open the window a little",
    "we need to ring your mother on sunday",
)
"""Talk in the bedroom that is not meant for the coach."""

CHATTER_VOICES = ("espeak:en-us", "flite:rms", "espeak:en-gb", "flite:slt", "espeak:en-029")


# --- the coach on the audio's clock ----------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """One step of the coach."""

    t: float
    """When (seconds into the night)."""
    event: Event
    before: Phase
    after: Phase


class WatchedCoach(Coach):
    """The coach, with a record of every step it takes on the soak's clock."""

    def __init__(self, content: Content, clock: Callable[[], float]) -> None:
        super().__init__(content)
        self.clock = clock
        self.steps: list[Step] = []

    def step(self, state: State, event: Event) -> tuple[State, tuple[Action, ...]]:
        """The coach's step, recorded."""
        new, actions = super().step(state, event)
        if isinstance(event, Heard):
            self.steps.append(Step(self.clock(), event, state.phase, new.phase))
        return new, actions


@dataclass(frozen=True)
class Recognised:
    """An utterance the endpointer found and what the recogniser made of it."""

    t: float
    """When it ended (seconds into the night)."""
    start: float
    """When it began, pre-roll included (seconds into the night)."""
    intent: str
    text: str
    context: Context


@dataclass(frozen=True)
class Hush:
    """The coach silenced by a running guess."""

    t: float
    """When (seconds into the night)."""
    early: str
    """The intent the running guess read as."""
    final: str
    """What the whole utterance was heard as (`none` also when it was too short)."""


class SoakEars:
    """The listener as the coach's ears, as the microphone's are: intents go to the loop,
    `none` as nothing heard, and a running guess of "stop" hushes it."""

    def __init__(self, hearing: EngineHearing, matcher: IntentMatcher,
                 clock: Callable[[], float]) -> None:
        self.clock = clock
        self.loop: LiveLoop | None = None
        self.listener = UtteranceListener(hearing, self._on_heard,
                                          early=EarlyHearing(hearing.engine, matcher),
                                          on_early=self._on_early,
                                          wait_for_more=matcher.wait_for_more)
        self.recognised: list[Recognised] = []
        self.hushes: list[Hush] = []
        self._early: tuple[float, str] | None = None

    def start(self, loop: LiveLoop) -> None:
        """Report to `loop`."""
        self.loop = loop

    def set_context(self, context: Context) -> None:
        """What the coach expects next."""
        self.listener.context = context

    def close(self) -> None:
        """Stop the listener's hearing."""
        self.listener.close()

    def _on_heard(self, heard: HeardUtterance) -> None:
        intent, now = heard.intent, self.clock()
        self.recognised.append(Recognised(now, now - heard.utterance.duration_s, intent.name,
                                          intent.text, heard.context))
        if self._early is not None:
            self.hushes.append(Hush(*self._early, intent.name))
            self._early = None
        if self.loop is None:
            return
        if intent.name == "none":
            self.loop.heard_nothing()
        else:
            self.loop.heard(intent)

    def _on_early(self, intent: Intent | None) -> None:
        if intent is None:
            if self._early is not None:
                self.hushes.append(Hush(*self._early, "none"))
                self._early = None
            if self.loop is not None:
                self.loop.heard_nothing()
            return
        self._early = (self.clock(), intent.name)
        if self.loop is not None:
            self.loop.heard_early(intent)


# --- the night's script ----------------------------------------------------------------------

@dataclass(frozen=True)
class Said:
    """A line as it was said."""

    line: Line
    start: float
    """Seconds into the night."""
    end: float


@dataclass
class Act:
    """Lines said one after another: an episode, or a piece of chatter."""

    planned: float
    """Earliest start (seconds into the night)."""
    lines: tuple[Line, ...]
    next_line: int = 0
    waiting_since: float | None = None


def script(seconds: float, episodes: Sequence[tuple[Line, ...]], chatter: int) -> list[Act]:
    """Episodes and chatter spread over the first 85 % of the night, interleaved."""
    span = 0.85 * seconds
    acts = [Act((i + 0.3) * span / len(episodes), ep) for i, ep in enumerate(episodes)]
    for i in range(chatter):
        text, voice = CHATTER[i % len(CHATTER)], CHATTER_VOICES[i % len(CHATTER_VOICES)]
        acts.append(Act((i + 0.8) * span / chatter, (Line(text, voice, None, "idle"),)))
    return sorted(acts, key=lambda a: a.planned)


class Sleeper:
    """Says the script's lines into the bedroom at the right moments."""

    def __init__(self, acts: list[Act], bedroom: Bedroom, sink: VirtualSink,
                 loop: LiveLoop, seed: int) -> None:
        self.acts = acts
        self.bedroom, self.sink, self.loop = bedroom, sink, loop
        self.said: list[Said] = []
        self.abandoned: list[Line] = []
        self._busy_until = 0.0
        self._clips = seed

    def update(self, t: float) -> None:
        """Say the next line if its moment has come."""
        if not self.acts or t < self._busy_until:
            return
        act = self.acts[0]
        if t < act.planned:
            return
        line = act.lines[act.next_line]
        if act.waiting_since is None:
            act.waiting_since = t
        if self._ready(line, t):
            self._say(line, t)
            act.next_line, act.waiting_since = act.next_line + 1, None
        elif t - act.waiting_since > TRIGGER_TIMEOUT_S:
            self.abandoned.extend(act.lines[act.next_line:])
            act.next_line = len(act.lines)
        if act.next_line == len(act.lines):
            self.acts.pop(0)

    def unsaid(self) -> list[Line]:
        """Lines whose moment has not come yet."""
        return [line for act in self.acts for line in act.lines[act.next_line:]]

    def _ready(self, line: Line, t: float) -> bool:
        context = self.loop.context()
        if line.when == "idle":
            return context == "idle" and self.sink.quiet_for() >= 2.0
        if line.when == "counting":
            return context == "count" and self.sink.counted() >= 4
        return context != "idle" and self.sink.quiet_for() >= 1.0

    def _say(self, line: Line, t: float) -> None:
        if line.voice == "clip":
            self._clips += 1
            pcm = real_clip(line.words, self._clips)
        else:
            pcm = synthesise(line.words, line.voice)
        start = t + 0.2
        self.bedroom.say(start, at_level(pcm, SPEECH_RMS))
        end = start + len(pcm) / SAMPLE_RATE
        self.said.append(Said(line, start, end))
        self._busy_until = end + ANSWER_WINDOW_S


# --- the run ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Resources:
    """What the process holds at one moment."""

    rss_mb: float
    """Resident memory (megabytes)."""
    threads: int
    """Operating-system threads."""
    files: int
    """Open file descriptors."""


def resources() -> Resources:
    """This process, now."""
    me = psutil.Process()
    return Resources(me.memory_info().rss / 1e6, me.num_threads(), me.num_fds())


@dataclass(frozen=True)
class SoakResult:
    """Figures of one soak."""

    audio_s: float
    """Audio fed through the pipeline (seconds)."""
    wall_s: float
    """Time it took (seconds)."""
    commands: int
    """Commands said to the coach."""
    answered: int
    """Commands the coach heard as meant, in time."""
    missed: tuple[str, ...]
    """Commands not answered, with what was heard instead."""
    false_starts: tuple[str, ...]
    """Sessions begun with no one asking."""
    stray: tuple[str, ...]
    """Other sounds the coach acted on as commands."""
    chatter: int
    """Lines of talk not meant for the coach."""
    snores: int
    utterances: int
    """Stretches of sound the endpointer passed to the recogniser."""
    rejected: int
    """Of those, heard as nothing meant for the coach."""
    hushes: tuple[Hush, ...]
    """Times the coach was silenced by a running guess, and what followed."""
    start: Resources
    """After warming up."""
    end: Resources
    peak_rss_mb: float
    engine: str = ""
    """The recogniser that heard the night."""

    @property
    def false_hushes(self) -> tuple[Hush, ...]:
        """Hushes after which the whole utterance was not what the guess said."""
        return tuple(h for h in self.hushes if h.final != h.early)


def warm_up(library: SpeechLibrary, content: Content, night: bool) -> None:
    """Synthesise everything the coach can say, as a long-running coach will have done."""
    library.warm_up(night)
    wordings = [*content.stretches.values(), *content.steps.values(),
                *content.topics.values(), *content.prompts.values()]
    for wording in wordings:
        for sentence in sentences(wording.text(night)):
            library.sentence(sentence, night)


def open_hearing(matcher: IntentMatcher, engine: str = "auto") -> EngineHearing:
    """The real recogniser `--engine` names (the coach's default: Whisper when its model
    is installed) behind the intent matcher."""
    from voice.hear.select import open_engine

    return EngineHearing(open_engine(engine, None, MODELS_DIR, matcher, quiet=True), matcher)


SESSION_STARTS = (Phase.STRETCH, Phase.ASK_MUSCLE, Phase.BEDTIME)
"""Phases whose start wakes the house: a cramp session, or the bedtime routine."""


def run_night(hours: float, seed: int = 1, episodes: Sequence[tuple[Line, ...]] = EPISODES,
              chatter: int | None = None, progress: Callable[[str], None] | None = None,
              engine: str = "auto") -> SoakResult:
    """Feed `hours` of bedroom audio through the live pipeline; return the figures."""
    seconds = hours * 3600
    content = load_content(CONTENT_DIR)
    matcher = IntentMatcher(content)
    library = SpeechLibrary(Pyttsx3Voice(), content.voice)
    warm_up(library, content, night=True)
    sink = VirtualSink(library.sample_rate)
    def night_time() -> float:
        return sink.t

    coach = WatchedCoach(content, night_time)
    loop = LiveLoop(coach, Conductor(library, night=True), sink, night=True,
                    show=lambda _text: None)
    hearing = open_hearing(matcher, engine)
    ears = SoakEars(hearing, matcher, night_time)
    bedroom = Bedroom(seconds, seed)
    n_chatter = chatter if chatter is not None else max(6, round(hours * 4))
    acts = script(seconds, episodes, n_chatter)
    ears.listener.warm_up([synthesise(line.words, line.voice).tobytes() for act in acts
                           for line in act.lines if line.voice != "clip"], CONTEXTS)
    sleeper = Sleeper(acts, bedroom, sink, loop, seed)
    loop.connect(ears)
    ears.start(loop)
    release_free_memory()  # as the listener does after every utterance it hears
    start, peak = resources(), 0.0
    began = time.perf_counter()
    block, blocks = int(BLOCK_S * SAMPLE_RATE), int(seconds / BLOCK_S)
    for i in range(blocks):
        pcm = bedroom.block(block)
        sink.t = bedroom.time_s
        ears.listener.feed(pcm.tobytes())
        loop.pump()
        sleeper.update(sink.t)
        if i % int(600 / BLOCK_S) == 0:
            peak = max(peak, resources().rss_mb)
            if progress is not None and i:
                progress(f"{sink.t / 3600:5.2f} h  {resources().rss_mb:6.1f} MB  "
                         f"{time.perf_counter() - began:6.0f} s")
    release_free_memory()  # the end is read in the same state as the start
    end = resources()
    return _figures(seconds, time.perf_counter() - began, sleeper, coach, ears, bedroom,
                    n_chatter, start, end, max(peak, end.rss_mb))


def _figures(seconds: float, wall_s: float, sleeper: Sleeper, coach: WatchedCoach,
             ears: SoakEars, bedroom: Bedroom, chatter: int, start: Resources,
             end: Resources, peak: float) -> SoakResult:
    commands = [s for s in sleeper.said if s.line.expect is not None]
    heard = [st for st in coach.steps if isinstance(st.event, Heard)]
    used: set[int] = set()
    missed: list[str] = [f"{line.words!r} never said (its moment did not come)"
                         for line in sleeper.abandoned if line.expect is not None]
    unsaid = [line for line in sleeper.unsaid() if line.expect is not None]
    missed += [f"{line.words!r} never said (the night ended first)" for line in unsaid]
    for said in commands:
        match = next((k for k, st in enumerate(heard) if k not in used
                      and said.start <= st.t <= said.end + ANSWER_WINDOW_S
                      and _intent(st) == said.line.expect), None)
        if match is None:
            got = [r for r in ears.recognised if said.start <= r.t <= said.end + ANSWER_WINDOW_S]
            missed.append(f"{said.start / 3600:.2f} h {said.line.words!r} ({said.line.voice}): "
                          f"heard {[(r.text, r.intent) for r in got]}")
        else:
            used.add(match)
    unmatched = [st for k, st in enumerate(heard) if k not in used]
    sources = [_said_during(_heard_before(st, ears), sleeper) for st in unmatched]
    stray = [st for st, said in zip(unmatched, sources, strict=True) if said is None
             or said.line.expect is None]
    starts = (Phase.IDLE, Phase.ANSWERED)
    false_starts = [st for st, said in zip(unmatched, sources, strict=True)
                    if st.before in starts and st.after in SESSION_STARTS
                    and (said is None or said.line.expect != "cramp")]
    rejected = sum(1 for r in ears.recognised if r.intent == "none")
    return SoakResult(
        audio_s=seconds, wall_s=wall_s,
        commands=len(commands) + len([line for line in sleeper.abandoned if line.expect])
        + len(unsaid),
        answered=len(used), missed=tuple(missed),
        false_starts=tuple(_describe(st, ears, sleeper, bedroom) for st in false_starts),
        stray=tuple(_describe(st, ears, sleeper, bedroom) for st in stray), chatter=chatter,
        snores=len(bedroom.snores), utterances=len(ears.recognised), rejected=rejected,
        hushes=tuple(ears.hushes),
        start=start, end=end, peak_rss_mb=peak, engine=ears.listener.hearing.name)


def _intent(step: Step) -> str:
    return step.event.intent if isinstance(step.event, Heard) else ""


def _heard_before(step: Step, ears: SoakEars) -> Recognised | None:
    """The utterance a step of the coach was the answer to."""
    return next((r for r in reversed(ears.recognised) if r.t <= step.t), None)


def _said_during(heard: Recognised | None, sleeper: Sleeper) -> Said | None:
    """The line being said during an utterance, if any."""
    if heard is None:
        return None
    return next((s for s in sleeper.said if s.start < heard.t and s.end > heard.start), None)


def _describe(step: Step, ears: SoakEars, sleeper: Sleeper, bedroom: Bedroom) -> str:
    heard = _heard_before(step, ears)
    text = heard.text if heard is not None else ""
    return (f"{step.t / 3600:.2f} h: {_source(heard, sleeper, bedroom)} heard as {text!r}, "
            f"{_intent(step)} ({step.before.value} -> {step.after.value})")


def _source(heard: Recognised | None, sleeper: Sleeper, bedroom: Bedroom) -> str:
    """What made the sound of an utterance: a line said, a snore, or the fan alone."""
    if heard is None:
        return "?"
    said = _said_during(heard, sleeper)
    if said is not None:
        kind = "command" if said.line.expect else "chatter"
        return f"{kind} {said.line.words!r} ({said.line.voice})"
    if any(s.start < heard.t and s.start + s.length > heard.start for s in bedroom.snores):
        return "a snore"
    return "the fan"


# --- the report ------------------------------------------------------------------------------

def report(result: SoakResult, hours: float, seed: int, code: str = "") -> str:
    """The figures as the Markdown of docs/soak.md."""
    r = result
    rows = [
        ("audio", (f"{r.audio_s / 3600:.1f} h ({r.audio_s:.0f} s) in {r.wall_s:.0f} s: "
                   f"{r.audio_s / max(r.wall_s, 1e-9):.0f}x real time")),
        ("commands answered", f"{r.answered} of {r.commands}"),
        ("false session starts", (f"{len(r.false_starts)} (95% upper bound on the rate: "
                                  f"{rate_upper_bound(len(r.false_starts), r.audio_s / 3600):.2f}"
                                  " per hour)")),
        ("other sounds taken for commands", str(len(r.stray))),
        ("chatter lines / snores", f"{r.chatter} / {r.snores}"),
        ("utterances found / rejected as not for the coach", f"{r.utterances} / {r.rejected}"),
        ("coach hushed while the user spoke / for nothing",
         f"{len(r.hushes)} / {len(r.false_hushes)}"),
        ("RSS after warm-up / at the end / peak",
         (f"{r.start.rss_mb:.1f} / {r.end.rss_mb:.1f} / {r.peak_rss_mb:.1f} MB "
          f"(growth {r.end.rss_mb - r.start.rss_mb:+.1f} MB)")),
        ("threads start / end", f"{r.start.threads} / {r.end.threads}"),
        ("open files start / end", f"{r.start.files} / {r.end.files}"),
    ]
    lines = [
        "# All-night soak",
        "",
        (f"`python -m bench.soak --hours {hours:g} --seed {seed}` — simulated bedroom audio "
         "(a fan all night, snoring in three spells, chatter not meant for the coach, and "
         "cramp episodes spoken at the right moments) through the real webrtcvad endpointer, "
         f"the Silero speech gate, the real recogniser ({r.engine}), the intent matcher and "
         "`LiveLoop`/coach on a "
         "virtual clock. Commands are synthesised (espeak-ng, flite) or real recordings "
         "(Speech Commands, Warden 2018, CC BY 4.0). The short version runs in CI as "
         "tests/test_soak.py."),
        "",
        "| measure | result |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in rows),
        "",
        (f"Machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; "
         f"code at {code or _commit()}."),
    ]
    false_hushes = tuple(f"{h.t / 3600:.2f} h: a running guess of {h.early}, then {h.final}"
                         for h in r.false_hushes)
    for title, items in (("Commands not answered", r.missed),
                         ("Hushed for nothing", false_hushes),
                         ("False session starts", r.false_starts),
                         ("Other sounds taken for commands", r.stray)):
        if items:
            lines += ["", f"## {title}", "", *(f"- {item}" for item in items)]
    return "\n".join(lines) + "\n"


def _commit() -> str:
    """The checkout's commit, marked when the program's files have uncommitted changes."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT_DIR, capture_output=True, text=True,
                              check=False)
        return done.stdout.strip()

    changed = git("status", "--porcelain", "--", "voice", "content")
    return git("rev-parse", "--short", "HEAD") + (" with local changes" if changed else "")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the soak and write its report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT_DIR / "docs" / "soak.md")
    parser.add_argument("--engine", default="auto", choices=ENGINES)
    args = parser.parse_args(argv)
    missing = clips_missing()
    if missing is not None:
        print(f"soak: {missing} (some commands are real recordings)", file=sys.stderr)
        return 2
    code = _commit()
    result = run_night(args.hours, args.seed, progress=lambda s: print(s, flush=True),
                       engine=args.engine)
    text = report(result, args.hours, args.seed, code)
    args.out.write_text(text)
    print(text)
    ok = (result.answered == result.commands and not result.false_starts
          and result.end.rss_mb - result.start.rss_mb <= 10
          and result.end.threads <= result.start.threads
          and result.end.files <= result.start.files)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
