"""Answering: from the end of the user's speech to the coach's voice, measured live.

`cramp-coach listen --day` runs on the virtual bedroom (bench/room.py): it listens on the
room's right channel and speaks on its left, and one stereo recording of the room holds
both on one sample clock. Each trial plays a synthesised "help, calf cramp" into the
room, waits until the count has begun, then plays "stop":

- reply latency: end of "help, calf cramp" (its last sounding sample) → first sample of
  the coach's reply;
- stop latency: end of "stop" → the coach's last sound (0 when it was already silent
  and said nothing more). The stop ends at a random point within a count second.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.figures import Figure, Results, Target, percentile, share
from bench.room import Room
from voice import CONTENT_DIR, ROOT_DIR
from voice.onsets import onsets
from voice.speech_out import trim
from voice.wavio import read_wav, write_wav_atomic

SECTION = "answering"
REPLY_P50 = Target("<=", 300.0, "ms")
REPLY_P95 = Target("<=", 500.0, "ms")
HEARD = Target(">=", 95.0, "%")
STOP_P50 = Target("<=", 300.0, "ms")
STOP_P95 = Target("<=", 500.0, "ms")
COMMANDS = {"help": "help, calf cramp", "stop": "stop"}
VOICE = ("espeak-ng", "-v", "en-us", "-s", "150")
PAD_S = 0.05
"""Silence kept around each synthesised command (seconds)."""
AFTER_STOP_S = 1.6
"""Listening to the speaker after a stop before the next trial (seconds): longer than a
count second, so a stop that was not heard shows as a next count word."""
MISSED_S = 1.2
"""Sound this long after the end of "stop" means the stop was not heard (seconds)."""
READY = "cramp coach is listening"


@dataclass(frozen=True)
class Trial:
    """What one trial measured (seconds; None when it did not happen)."""

    reply_s: float | None
    stop_s: float | None


@dataclass
class Session:
    """A running coach and what it said on stderr."""

    process: subprocess.Popen[str]
    ready_s: float
    """From starting the process to its ready line (seconds)."""
    lines: list[str] = field(default_factory=list)


def synthesise(folder: Path) -> dict[str, Path]:
    """The commands as espeak-ng WAVs, trimmed to their sound plus a short pad."""
    wavs = {}
    for key, text in COMMANDS.items():
        raw = folder / f"{key}-raw.wav"
        subprocess.run([*VOICE, "-w", str(raw), text], check=True)
        audio = read_wav(raw)
        pad = np.zeros(round(PAD_S * audio.sample_rate), dtype=np.int16)
        wavs[key] = folder / f"{key}.wav"
        write_wav_atomic(wavs[key], np.concatenate([pad, trim(audio.samples), pad]),
                         audio.sample_rate)
    return wavs


def count_starts_after_s() -> float:
    """How long after its first word the reply to "help, calf cramp" starts counting."""
    from voice.coach import Coach, Heard, State
    from voice.commands.common import open_library
    from voice.conductor import Conductor
    from voice.content import load_content

    content = load_content(CONTENT_DIR)
    _, actions = Coach(content).step(State(), Heard("cramp", {"muscle": "calf"}))
    plan = Conductor(open_library(content), night=False).plan(actions, 0.0)
    return min(c.start for c in plan.cues if c.kind == "count")


def start_coach(env: dict[str, str], *args: str, timeout: float = 120.0) -> Session:
    """Start `cramp-coach listen -v --day ARGS` and wait for its ready line."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "voice", "-v", "listen", "--day", *args],
                               env=env, cwd=ROOT_DIR, stdin=subprocess.DEVNULL,
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
    threading.Thread(target=_drain, args=(process, session.lines), daemon=True).start()
    return session


def _drain(process: subprocess.Popen[str], lines: list[str]) -> None:
    assert process.stderr is not None
    for line in process.stderr:
        lines.append(line.rstrip())


def peak_rss_mib(pid: int) -> float | None:
    """The process's peak resident memory so far (MiB), from /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def stop_coach(session: Session) -> None:
    """Ctrl-C, as a person would."""
    if session.process.poll() is None:
        session.process.send_signal(2)
        try:
            session.process.wait(10)
        except subprocess.TimeoutExpired:
            session.process.kill()
            session.process.wait()


def play_trials(room: Room, wavs: dict[str, Path], trials: int, count_after_s: float,
                rng: random.Random) -> None:
    """Play `trials` rounds of "help, calf cramp" … "stop" into the room."""
    help_s = read_wav(wavs["help"]).duration
    stop_s = read_wav(wavs["stop"]).duration
    for _ in range(trials):
        begun = time.monotonic()
        helper = room.say(wavs["help"])
        # end "stop" 1..2 s into the count (one or two words said), at a random phase
        stop_end = help_s + 0.4 + count_after_s + 1.0 + rng.random()
        time.sleep(max(0.0, begun + stop_end - stop_s - time.monotonic()))
        stopper = room.say(wavs["stop"])
        helper.wait(30)
        stopper.wait(30)
        time.sleep(max(0.0, begun + stop_end + AFTER_STOP_S - time.monotonic()))


def analyse(recording: Path, trials: int) -> tuple[list[Trial], str]:
    """Reply and stop latencies from the room recording (left: coach, right: user)."""
    pcm, rate = _stereo(recording)
    coach, user = pcm[:, 0], pcm[:, 1]
    starts = onsets(user, rate, min_gap_ms=800)
    ends = [len(user) / rate - t for t in reversed(onsets(user[::-1], rate, min_gap_ms=800))]
    spoken = onsets(coach, rate)
    stopped = [len(coach) / rate - t for t in reversed(onsets(coach[::-1], rate))]
    if len(starts) != 2 * trials or len(ends) != 2 * trials:
        return [], f"found {len(starts)} user utterances in the recording, expected {2 * trials}"
    result = []
    for i in range(trials):
        help_end, stop_end = ends[2 * i], ends[2 * i + 1]
        next_help = starts[2 * i + 2] if 2 * i + 2 < len(starts) else len(user) / rate
        reply = next((t for t in spoken if help_end <= t < starts[2 * i + 1]), None)
        last = max((t for t in stopped if stop_end - 1.0 <= t < next_help), default=None)
        if reply is None:
            result.append(Trial(None, None))
            continue
        stop = None if last is None else max(0.0, last - stop_end)
        if stop is not None and stop > MISSED_S:
            stop = None
        result.append(Trial(reply - help_end, stop))
    return result, ""


def _stereo(path: Path) -> tuple[np.ndarray, int]:
    import wave

    with wave.open(str(path), "rb") as wav:
        if wav.getnchannels() != 2 or wav.getsampwidth() != 2:
            raise RuntimeError(f"{path}: expected a 16-bit stereo recording")
        rate = wav.getframerate()
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
    return pcm.reshape(-1, 2), rate


def run(room: Room, trials: int, seed: int = 7,
        during: Callable[[], None] | None = None) -> Results:
    """Live trials; `during` runs (in this thread) once the coach is ready, before the
    trials, for work that needs a coach-free moment (none by default)."""
    results = Results()
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        wavs = synthesise(folder)
        count_after = count_starts_after_s()
        recording = folder / "room.wav"
        session = start_coach(room.room_env)
        recorder = room.record(recording)
        try:
            if during is not None:
                during()
            play_trials(room, wavs, trials, count_after, rng)
        finally:
            room.stop(recorder)
            rss = peak_rss_mib(session.process.pid)
            stop_coach(session)
        measured, problem = analyse(recording, trials)
    summarise(results, measured, trials, problem, session, rss)
    return results


def summarise(results: Results, measured: list[Trial], trials: int, problem: str,
              session: Session, rss: float | None) -> None:
    """Figures from the trials."""
    engine = "cramp-coach listen --day (default recogniser), PulseAudio virtual devices"
    replies = [t.reply_s * 1000 for t in measured if t.reply_s is not None]
    stops = [t.stop_s * 1000 for t in measured if t.stop_s is not None]
    answered = [t for t in measured if t.reply_s is not None]
    data_help = "espeak-ng en-us 150 wpm \"help, calf cramp\" played into the virtual mic"
    data_stop = "espeak-ng \"stop\" ending 1–2 s into the count, random phase"
    results.add(
        Figure(SECTION, "reply latency p50", percentile(replies, 50), "ms", engine, data_help,
               len(replies), REPLY_P50),
        Figure(SECTION, "reply latency p95", percentile(replies, 95), "ms", engine, data_help,
               len(replies), REPLY_P95),
        Figure(SECTION, "commands answered", share(len(answered), trials), "%", engine,
               data_help, trials, HEARD),
        Figure(SECTION, "stop → silence p50", percentile(stops, 50), "ms", engine, data_stop,
               len(stops), STOP_P50),
        Figure(SECTION, "stop → silence p95", percentile(stops, 95), "ms", engine, data_stop,
               len(stops), STOP_P95),
        Figure(SECTION, "stops obeyed", share(len(stops), len(answered)), "%", engine,
               data_stop, len(answered), HEARD),
    )
    results.series["reply_ms"] = replies
    results.series["stop_ms"] = stops
    results.series["ready_s"] = [session.ready_s]
    results.series["peak_rss_mib"] = rss
    results.series["answer_log"] = [line for line in session.lines if "heard" in line][-80:]
    if problem:
        results.note(SECTION, f"The recording could not be read trial by trial: {problem}.")
