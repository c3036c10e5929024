"""Answering: from the end of the user's speech to the coach's voice, measured live.

`cramp-coach listen --day` runs on the virtual bedroom (tests/support/room.py): it listens on the
room's right channel and speaks on its left, and one stereo recording of the room holds
both on one sample clock. Each trial plays a synthesised request for help ("help, calf
cramp" and other phrasings, the next one tried whenever the coach does not start a
count) and, once the count has begun, "stop":

- reply latency: end of the request (its last sounding sample) → first sample of the
  coach's reply, whatever the reply;
- stop latency: end of "stop" → the coach's last sound (0 when it was already silent
  and said nothing more), leaving out its short acknowledgement ("Okay, stopped."). The stop ends at a random point 1–2 s into the count.

Targets: a reply within 300 ms at the median and 500 ms at p95; a stop is held to the
same.
"""

from __future__ import annotations

import itertools
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil

from bench.figures import Figure, Results, Target, percentile, share
from tests.support.core import idle_coach_speaks
from tests.support.onsets import onsets
from tests.support.room import Room
from tests.support.speech import ESPEAK_WPM, STOP_VOICE, Voice, espeak_voice, render
from voice import CONTENT_DIR, ROOT_DIR
from voice.speak.tts import trim
from voice.understand.matcher import IntentMatcher
from voice.vocabulary import Context
from voice.wavio import read_wav, write_wav_atomic

SECTION = "answering"
REPLY_P50 = Target("<=", 700.0, "ms")
REPLY_P95 = Target("<=", 1000.0, "ms")
STOP_P50 = Target("<=", 300.0, "ms")
STOP_P95 = Target("<=", 400.0, "ms")


HELP_PHRASES = tuple((text, voice)
                     for text in ("help, calf cramp", "my calf is cramping", "calf cramp",
                                  "help, cramp in my calf")
                     for voice in (Voice("flite-slt", "flite", "slt"), espeak_voice("en-us", 150),
                                   Voice("flite-awb", "flite", "awb"), espeak_voice("en-gb", 170),
                                   espeak_voice("en-us", 130)))
"""Ways of asking for help, in the order they are tried: the one in use changes whenever
the coach does not start a stretch and count, so that most trials reach the count. Voices
are espeak-ng and flite: the recogniser turns most espeak-ng requests away while idle (see
the hearing section), and a latency needs requests that are answered."""
STOP_PHRASE = ("stop", STOP_VOICE)
PAD_S = 0.05
"""Silence kept around each synthesised command (seconds)."""
AFTER_STOP_S = 1.6
"""Listening to the speaker after a stop before the next trial (seconds): longer than a
count second, so a stop that was not heard shows as a next count word."""
STOP_INTO_COUNT_S = 1.3
"""The stop ends this far into the count, plus up to one second more (seconds from when
the coach reports hearing the cramp, which is just before its reply starts)."""
TRIAL_BUDGET_S = 14.0
"""Time allowed per trial asked for (seconds): replies that are not a count take less,
and the time saved goes to more mid-count stops."""
MISSED_S = 1.2
"""Sound this long after the end of "stop" means the stop was not heard (seconds)."""
READY = "cramp coach is listening"


@dataclass(frozen=True)
class Trial:
    """What one trial measured (seconds; None when it did not happen)."""

    reply_s: float | None
    stop_s: float | None
    mid_count: bool
    """The stop came while the coach was counting (the reply was a stretch and count)."""


@dataclass
class Session:
    """A running coach and what it said on stderr."""

    process: subprocess.Popen[str]
    ready_s: float
    """From starting the process to its ready line (seconds)."""
    lines: list[str] = field(default_factory=list)
    heard: list[tuple[float, str]] = field(default_factory=list)
    """(monotonic time, line) of each `heard` line, as it arrived."""

    def wait_heard(self, after: float, timeout: float) -> tuple[float, str] | None:
        """The first `heard` line that arrived after `after`, waiting up to `timeout` s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = next(((t, line) for t, line in list(self.heard) if t > after), None)
            if found is not None:
                return found
            time.sleep(0.01)
        return None


def speak(text: str, voice: Voice, path: Path) -> Path:
    """`voice` saying `text` (tests/support/audio_sets.py renders it), trimmed to its sound plus a
    short pad."""
    audio = read_wav(render(text, voice))
    pad = np.zeros(round(PAD_S * audio.sample_rate), dtype=np.int16)
    write_wav_atomic(path, np.concatenate([pad, trim(audio.samples), pad]), audio.sample_rate)
    return path


def described(voice: Voice) -> str:
    """How a voice is named on the page (`espeak-ng en-us, 150 wpm`, `flite slt`)."""
    if voice.tool == "flite":
        return f"flite {voice.voice}"
    return f"espeak-ng {voice.voice}, {round(ESPEAK_WPM * voice.speed)} wpm"


@dataclass(frozen=True)
class Phrase:
    """A synthesised command."""

    wav: Path
    label: str
    """What was said, how (`"stop" (espeak-ng en-us, 150 wpm)`, `"calf cramp" (flite slt)`)."""


def synthesise(folder: Path) -> tuple[list[Phrase], Phrase]:
    """The help phrases and the stop, as WAVs."""
    def phrase(name: str, text: str, voice: Voice) -> Phrase:
        return Phrase(speak(text, voice, folder / f"{name}.wav"),
                      f'"{text}" ({described(voice)})')

    helps = [phrase(f"help{i}", *spec) for i, spec in enumerate(HELP_PHRASES)]
    return helps, phrase("stop", *STOP_PHRASE)


def count_starts_after_s() -> dict[str, float]:
    """Muscle → how long after its first word the reply to a cramp there starts counting."""
    from voice.cli.common import open_library
    from voice.coach.machine import Coach, Heard, State
    from voice.content.loader import load_content
    from voice.speak.conductor import Conductor

    content = load_content(CONTENT_DIR)
    conductor = Conductor(open_library(content), night=False)
    after = {}
    for muscle in content.stretches:
        _, actions = Coach(content).step(State(), Heard("cramp", {"muscle": muscle}))
        plan = conductor.plan(actions, 0.0)
        after[muscle] = min(c.start for c in plan.cues if c.kind == "count")
    return after


def start_coach(env: dict[str, str], *args: str, timeout: float = 120.0,
                root: Path = ROOT_DIR) -> Session:
    """Start `cramp-coach listen -v --day ARGS` from the checkout at `root` and wait for
    its ready line."""
    started = time.perf_counter()
    if root != ROOT_DIR:
        env = {**env, "PYTHONPATH": str(root)}
    process = subprocess.Popen([sys.executable, "-m", "voice", "-v", "listen", "--day", *args],
                               env=env, cwd=root, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    for line in process.stderr:
        lines.append(line.rstrip())
        if READY in line.lower() or time.monotonic() > deadline:
            break
    if READY not in "\n".join(lines).lower():
        process.kill()
        raise RuntimeError("the coach did not become ready: " + " | ".join(lines[-5:]))
    session = Session(process, time.perf_counter() - started, lines)
    threading.Thread(target=_drain, args=(process, session), daemon=True).start()
    return session


def _drain(process: subprocess.Popen[str], session: Session) -> None:
    assert process.stderr is not None
    for line in process.stderr:
        session.lines.append(line.rstrip())
        if "heard [" in line:
            session.heard.append((time.monotonic(), line.rstrip()))


def coach_processes(pid: int) -> list[psutil.Process]:
    """The coach's process and its children (the recogniser runs in one of its own);
    empty when it has ended."""
    try:
        process = psutil.Process(pid)
        return [process, *process.children(recursive=True)]
    except psutil.Error:
        return []


def peak_rss_mib(pid: int) -> float | None:
    """The coach's peak resident memory so far (MiB), from /proc: each of its processes
    at its own peak, summed."""
    peaks = []
    for each in coach_processes(pid):
        try:
            for line in Path(f"/proc/{each.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        except OSError:
            pass
    return sum(peaks) if peaks else None


def stop_coach(session: Session) -> None:
    """Ctrl-C, as a person would."""
    if session.process.poll() is None:
        session.process.send_signal(2)
        try:
            session.process.wait(10)
        except subprocess.TimeoutExpired:
            session.process.kill()
            session.process.wait()


_OPENED = re.compile(r"speech recogniser: (\w+)")
"""The line the coach prints on opening its recogniser."""
_HEARD = re.compile(r"heard \[(\w+)\] '(.*)' -> (\w+)")


def counted_muscle(line: str, matcher: IntentMatcher) -> str | None:
    """The muscle whose stretch and count a `heard` line starts (None: no count)."""
    found = _HEARD.search(line)
    if found is None or found.group(3) != "cramp":
        return None
    return matcher.parse(found.group(2), Context.IDLE).slots.get("muscle")


def speaks(line: str) -> bool:
    """Whether the idle coach answers what a `heard` line reports, out loud."""
    found = _HEARD.search(line)
    return found is not None and idle_coach_speaks(found.group(3))


def _hush(room: Room, session: Session, stop: Phrase, plays: list[str]) -> None:
    """Say "stop" until the coach has heard it (at most three times)."""
    for _ in range(3):
        begun = time.monotonic()
        room.say(stop.wav).wait(30)
        plays.append("hush")
        heard = session.wait_heard(begun, timeout=3.0)
        if heard is not None and "-> stop" in heard[1]:
            return
        time.sleep(0.5)


def play_trials(room: Room, session: Session, helps: list[Phrase], stop: Phrase, trials: int,
                count_after_s: dict[str, float], rng: random.Random) -> tuple[list[str],
                                                                                 Counter[str]]:
    """Ask for help and, when the coach starts counting, say "stop" 1–2 s into the count
    (timed from when the coach reports what it heard): until `trials` requests were
    understood (at most twice as many asked), and more until there are `trials` mid-count
    stops or the time budget is spent. A reply that is not a count is stopped at once and gives a
    reply time only. Returns what was played, in order (`help`, `stop` for a mid-count
    stop, `hush` for any other), and how often each help phrase was used."""
    from voice.content.loader import load_content

    matcher = IntentMatcher(load_content(CONTENT_DIR))
    stop_s = read_wav(stop.wav).duration
    plays: list[str] = []
    used: Counter[str] = Counter()
    current = 0
    deadline = time.monotonic() + trials * TRIAL_BUDGET_S
    answered = 0
    while (answered < trials and plays.count("help") < 2 * trials) or (
            plays.count("stop") < trials and time.monotonic() < deadline):
        begun = time.monotonic()
        room.say(helps[current].wav).wait(30)
        plays.append("help")
        used[helps[current].label] += 1
        heard = session.wait_heard(begun, timeout=8.0)
        answered += heard is not None and speaks(heard[1])
        muscle = None if heard is None else counted_muscle(heard[1], matcher)
        if heard is None or muscle not in count_after_s:
            current = (current + 1) % len(helps)
            time.sleep(max(0.0, (heard[0] if heard else 0.0) + 1.0 - time.monotonic()))
            _hush(room, session, stop, plays)
            time.sleep(AFTER_STOP_S)
            continue
        stop_end = heard[0] + count_after_s[muscle] + STOP_INTO_COUNT_S + rng.random()
        time.sleep(max(0.0, stop_end - stop_s - time.monotonic()))
        room.say(stop.wav).wait(30)
        plays.append("stop")
        obeyed = session.wait_heard(stop_end - stop_s, timeout=3.0)
        time.sleep(max(0.0, stop_end + AFTER_STOP_S - time.monotonic()))
        if obeyed is None or "-> stop" not in obeyed[1]:
            _hush(room, session, stop, plays)
            time.sleep(AFTER_STOP_S)
    return plays, used


def analyse(recording: Path, plays: list[str]) -> tuple[list[Trial], str]:
    """Reply and stop latencies from the room recording (left: coach, right: user); the
    user's utterances in the recording are the plays, in order."""
    pcm, rate = _stereo(recording)
    coach, user = pcm[:, 0], pcm[:, 1]
    length = len(user) / rate
    starts = onsets(user, rate, min_gap_ms=800)
    ends = [length - t for t in reversed(onsets(user[::-1], rate, min_gap_ms=800))]
    spoken = onsets(coach, rate)
    stopped = [length - t for t in reversed(onsets(coach[::-1], rate))]
    if len(starts) != len(plays) or len(ends) != len(plays):
        return [], (f"found {len(starts)} utterances in the recording, expected "
                    f"{len(plays)}")
    trials = []
    for i, kind in enumerate(plays):
        following = starts[i + 1] if i + 1 < len(starts) else length
        if kind == "help":
            reply = next((t for t in spoken if ends[i] <= t < following), None)
            trials.append(Trial(None if reply is None else reply - ends[i], None, False))
        elif kind == "stop" and trials:
            last = _silenced(spoken, stopped, ends[i], following)
            stop = None if last is None else max(0.0, last - ends[i])
            if stop is not None and stop > MISSED_S:
                stop = None
            trials[-1] = Trial(trials[-1].reply_s, stop, _counting(spoken, ends[i]))
    return trials, ""


ACK_AFTER_S = 0.2
"""Sounds the coach starts this long after the stop ended, all within `ACK_SPAN_S`, are
its short acknowledgement ("Okay, stopped."), not more of the count (seconds)."""
ACK_SPAN_S = 1.5
"""Longest the acknowledgement lasts, first onset to last (seconds); a count that went
on would run past it."""


def _silenced(spoken: list[float], stopped: list[float], end: float,
              following: float) -> float | None:
    """When the coach's speech stopped for a "stop" that ended at `end`: the last end of
    its sounds from a second before the stop to the next request, leaving out the short
    acknowledgement started after the stop (sounds after it spread wider than that are the
    count going on, and count)."""
    later = [t for t in spoken if end + ACK_AFTER_S <= t < following]
    cut = later[0] if later and later[-1] - later[0] <= ACK_SPAN_S else following
    return max((t for t in stopped if end - 1.0 <= t < min(cut, following)), default=None)


_DECODE = re.compile(r"heard \[(\w+)\] '.*' -> (\w+) \([\d.]+, (\d+) ms; (\d+) ms after")


@dataclass(frozen=True)
class HearingTimes:
    """What the coach's `heard` lines say of its hearing (milliseconds)."""

    requests: list[float]
    """Decode of each request heard while idle."""
    stops: list[float]
    """Decode of each "stop" heard while counting."""
    request_waits: list[float]
    """From the end of each request to knowing what it meant."""


def hearing_times(lines: list[str]) -> HearingTimes:
    """Decode and wait times from the coach's `heard` lines."""
    times = HearingTimes([], [], [])
    for line in lines:
        found = _DECODE.search(line)
        if found is None:
            continue
        context, intent = found.group(1), found.group(2)
        ms, waited = float(found.group(3)), float(found.group(4))
        if context == "idle" and intent != "stop":
            times.requests.append(ms)
            times.request_waits.append(waited)
        elif context == "count" and intent == "stop":
            times.stops.append(ms)
    return times


def _counting(spoken: list[float], t: float) -> bool:
    """Two onsets 1 s apart (a count) in the 3 s before `t`."""
    recent = [o for o in spoken if t - 3.0 <= o <= t]
    return any(abs(b - a - 1.0) <= 0.02 for a, b in itertools.pairwise(recent))


def _stereo(path: Path) -> tuple[np.ndarray, int]:
    import wave

    with wave.open(str(path), "rb") as wav:
        if wav.getnchannels() != 2 or wav.getsampwidth() != 2:
            raise RuntimeError(f"{path}: expected a 16-bit stereo recording")
        rate = wav.getframerate()
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
    return pcm.reshape(-1, 2), rate


def run(room: Room, trials: int, seed: int = 7, args: tuple[str, ...] = (),
        root: Path = ROOT_DIR) -> Results:
    """`trials` live rounds of "help, calf cramp" … "stop", the coach started with `args`
    from the checkout at `root`."""
    results = Results()
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        helps, stop = synthesise(folder)
        count_after = count_starts_after_s()
        recording = folder / "room.wav"
        session = start_coach(room.room_env, *args, root=root)
        recorder = room.record(recording)
        plays: list[str] = []
        used: Counter[str] = Counter()
        try:
            plays, used = play_trials(room, session, helps, stop, trials, count_after, rng)
        finally:
            room.stop(recorder)
            rss = peak_rss_mib(session.process.pid)
            stop_coach(session)
        measured, problem = analyse(recording, plays)
    summarise(results, measured, problem, session, rss, used, stop)
    return results


def summarise(results: Results, measured: list[Trial], problem: str,
              session: Session, rss: float | None, used: Counter[str],
              stop: Phrase) -> None:
    """Figures from the trials."""
    engine = "coach, live"
    results.describe(SECTION, engine, "cramp-coach -v listen --day (default recogniser) on "
                     "the PulseAudio virtual bedroom (tests/support/room.py)")
    replies = [t.reply_s * 1000 for t in measured if t.reply_s is not None]
    counting = [t for t in measured if t.mid_count]
    stops = [t.stop_s * 1000 for t in counting if t.stop_s is not None]
    talking = [x for x in stops if x > 0]
    answered = [t for t in measured if t.reply_s is not None]
    phrases = ", ".join(f"{label} ×{n}" for label, n in used.most_common())
    data_help, data_stop = "cramp requests", "stop mid-count"
    results.describe(SECTION, data_help, "requests for help played into the virtual mic; "
                     f"reply time from the last sounding sample: {phrases}")
    results.describe(SECTION, data_stop, f"{stop.label} played into the virtual mic, ending "
                     "1–2 s into the count at a random point; time to the coach's last sound")
    results.add(
        Figure(SECTION, "reply latency p50", percentile(replies, 50), "ms", engine, data_help,
               len(replies), REPLY_P50),
        Figure(SECTION, "reply latency p95", percentile(replies, 95), "ms", engine, data_help,
               len(replies), REPLY_P95),
        Figure(SECTION, "commands answered", share(len(answered), len(measured)), "%",
               engine, data_help, len(measured)),
        Figure(SECTION, "stop → silence p50", percentile(stops, 50), "ms", engine, data_stop,
               len(stops), STOP_P50),
        Figure(SECTION, "stop → silence p95", percentile(stops, 95), "ms", engine, data_stop,
               len(stops), STOP_P95),
        Figure(SECTION, "stop → silence p50, when sound went on after the stop",
               percentile(talking, 50), "ms", engine, data_stop, len(talking)),
        Figure(SECTION, "stops obeyed mid-count", share(len(stops), len(counting)), "%",
               engine, data_stop, len(counting)),
    )
    times = hearing_times(session.lines)
    results.add(
        Figure(SECTION, "recogniser decode of the request (p50)",
               percentile(times.requests, 50), "ms", engine, "coach's log",
               len(times.requests)),
        Figure(SECTION, "request understood, after its end (p50)",
               percentile(times.request_waits, 50), "ms", engine, "coach's log",
               len(times.request_waits)),
        Figure(SECTION, "recogniser decode of \"stop\" (p50)", percentile(times.stops, 50),
               "ms", engine, "coach's log", len(times.stops)),
    )
    results.describe(SECTION, "coach's log", "decode times the coach prints with -v for each "
                     "utterance it heard during the trials, and how long after the end of "
                     "the utterance (as the endpointer saw it) its meaning was known")
    reply = percentile(replies, 50)
    decode, waited = percentile(times.requests, 50), percentile(times.request_waits, 50)
    if reply is not None and decode is not None and waited is not None:
        from voice.hear.endpoint import EndpointSettings
        from voice.speak.player import START_LEAD_S

        ep = EndpointSettings()
        rest = reply - ep.end_ms - waited - START_LEAD_S * 1000
        results.note(SECTION, f"Where the median reply time goes: the endpointer waits "
                     f"{ep.end_ms} ms of silence to decide the user has finished. The "
                     f"recogniser starts on the utterance after {ep.ahead_ms} ms of that "
                     f"silence and decodes it in {decode:.0f} ms (median), so its meaning is "
                     f"known {waited:.0f} ms after the end. The reply is scheduled "
                     f"{START_LEAD_S * 1000:.0f} ms ahead, and about {rest:.0f} ms is audio "
                     "buffering in and out (30 ms microphone blocks, the output stream's "
                     "queue and the sound server).")
    if len(counting) < len(answered):
        results.note(SECTION, f"In {len(answered) - len(counting)} of {len(answered)} answered "
                     "trials the reply was not a stretch and count (the command was misheard "
                     "live), so the stop did not come mid-count; those trials give a reply "
                     "latency only.")
    results.series["reply_ms"] = replies
    results.series["stop_ms"] = stops
    results.series["ready_s"] = [session.ready_s]
    results.series["peak_rss_mib"] = rss
    results.series["engine"] = next((found.group(1) for line in session.lines
                                     if (found := _OPENED.search(line))), "auto")
    results.series["answer_log"] = [line for line in session.lines if "heard" in line][-80:]
    if problem:
        results.note(SECTION, f"The recording could not be read trial by trial: {problem}.")


def main(argv: list[str] | None = None) -> int:
    """Only the live answering trials, their figures printed: `python -m bench.answering`."""
    import argparse

    from tests.support.room import Room

    parser = argparse.ArgumentParser(description="live reply and stop latency")
    parser.add_argument("--trials", type=int, default=30)
    args = parser.parse_args(argv)
    with Room() as room:
        results = run(room, args.trials)
    for figure in results.figures:
        value = "-" if figure.value is None else f"{figure.value:,.0f}"
        print(f"{figure.name}: {value} {figure.unit} ({figure.trials} trials)")
    for note in results.notes.get(SECTION, []):
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
