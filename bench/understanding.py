"""Understanding of spoken sentences: the held-out spoken tables heard by the coach.

Every row of tests/data/spoken_phrasing.tsv and tests/data/spoken_safety.tsv is said by
synthetic voices (espeak-ng and flite, tests/support/speech.py), clean and with pink and
brown noise at 10 dB SNR, heard by the default recogniser (Whisper) in the row's
listening context through `recognise`, and compared with the row's label; the same
sentences typed (`IntentMatcher.parse` in the same context) are shown beside.

Usage: python -m bench.understanding [--quick] [--voices N] [--misses] [--workers N]
[--until HH:MM] [--only TEXT]. Decoding runs in worker processes at a lowered priority, blocks of one
voice in one condition at a time; with `--until`, blocks not finished by then are left
out and the figures say which were heard.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_context

from bench.figures import Target
from tests.support.noise import mix
from tests.support.speech import VOICES, Voice, load_16k, render, tools_missing
from tests.support.spoken_tables import (
    CLEAN,
    MEASURES,
    PHRASING,
    SAFETY,
    SLOTS,
    TYPED,
    Heard,
    Row,
    all_rows,
    measures,
    missed,
)
from voice import CONTENT_DIR, MODELS_DIR, ROOT_DIR
from voice.hear.base import SpeechIn
from voice.understand.matcher import IntentMatcher
from voice.vocabulary import Context

ENGINE = "whisper"
"""The coach's default recogniser."""

CONDITIONS: dict[str, tuple[str, float] | None] = {
    CLEAN: None, "pink 10 dB": ("pink", 10.0), "brown 10 dB": ("brown", 10.0)}
"""Condition → (noise kind, SNR in dB); clean has only the faint floor `mix` adds."""

PHRASING_CLEAN = Target(">=", 97.0, "%")
PHRASING_NOISY = Target(">=", 93.0, "%")
URGENT_TAKEN = Target(">=", 98.0, "%")
"""Warning signs and emergencies heard as red_flag or emergency."""
FALSE_ALARMS = Target("<=", 2.0, "%")
"""Negated and benign sentences heard as red_flag or emergency."""
MEDICINE = Target(">=", 95.0, "%")
"""Medicine questions heard as `medicine`."""



def _in_turn(voices: Sequence[Voice]) -> tuple[Voice, ...]:
    """`voices` with their tools in turn (espeak-ng, flite, espeak-ng ...), so that the
    first two, or any pair, have both synthesisers."""
    rank = {v: sum(w.tool == v.tool for w in voices[:i]) for i, v in enumerate(voices)}
    return tuple(sorted(voices, key=lambda v: (rank[v], voices.index(v))))


SPEAKERS = _in_turn(VOICES)
"""The voices the rows are said in (tests/support/speech.py), tools in turn."""
# ----- hearing, one recogniser per worker process -------------------------------------

@functools.cache
def _matcher() -> IntentMatcher:
    from voice.content.loader import load_content

    return IntentMatcher(load_content(CONTENT_DIR))


@functools.cache
def _engine() -> SpeechIn:
    from voice.hear.select import open_engine

    return open_engine(ENGINE, None, MODELS_DIR, _matcher(), quiet=True)


@dataclass(frozen=True)
class Job:
    """One row said by one voice in one condition."""

    index: int
    """The row's place in `all_rows()`."""
    text: str
    context: Context
    voice: Voice
    condition: str


def audio(job: Job) -> bytes:
    """The voice saying the row, padded, in the job's condition (seeded per row and voice)."""
    speech = load_16k(render(job.text, job.voice))
    seed = 7919 * job.index + (VOICES.index(job.voice) if job.voice in VOICES else 0)
    noise = CONDITIONS[job.condition]
    mixed = mix(speech, None, seed) if noise is None else mix(speech, noise[1], seed, noise[0])
    return mixed.tobytes()


def hear(job: Job) -> Heard:
    """Render, mix and recognise one job in its row's context."""
    from voice.hear.recognizer import recognise

    pcm = audio(job)
    started = time.process_time()
    result = recognise(_engine(), _matcher(), pcm, job.context)
    cpu = time.process_time() - started
    return Heard(job.index, job.voice.name, job.condition, result.hypothesis.text,
                 result.intent.name, tuple((k, v) for k, v in result.intent.slots.items()
                                           if k in SLOTS), cpu)


def typed(rows: Sequence[Row]) -> list[Heard]:
    """Each row's text read by the matcher in its context."""
    matcher = _matcher()
    out = []
    for i, row in enumerate(rows):
        intent = matcher.parse(row.text, row.context)
        out.append(Heard(i, TYPED, TYPED, row.text, intent.name,
                         tuple((k, v) for k, v in intent.slots.items() if k in SLOTS), 0.0))
    return out


NICE = 10
"""Niceness of the decoding processes: below the work people are waiting for."""


def _lower_priority() -> None:
    os.nice(NICE)


def blocks(rows: Sequence[Row], voices: Sequence[Voice], conditions: Sequence[str]
           ) -> list[list[Job]]:
    """Jobs in blocks of one voice in one condition, ordered so that a run cut short has
    heard whole pairs of voices: each pair's voices in turn, condition by condition."""
    order = [(voice, condition) for first in range(0, len(voices), 2)
             for condition in conditions for voice in voices[first:first + 2]]
    return [[Job(i, row.text, row.context, voice, condition) for i, row in enumerate(rows)]
            for voice, condition in order]


def decode(jobs: list[list[Job]], workers: int, until: float | None = None,
           progress: bool = False) -> list[Heard]:
    """Every block heard (`workers` 0: in this process), or those finished by `until`
    (epoch seconds): a block cut short is left out whole."""
    if workers <= 0:
        return [hear(job) for block in jobs for job in block]
    done: dict[int, list[Heard]] = defaultdict(list)
    owner = {id(job): b for b, block in enumerate(jobs) for job in block}
    flat = [job for block in jobs for job in block]
    total = len(flat)
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"),
                             initializer=_lower_priority) as pool:
        pending: dict[Future[Heard], Job] = {}
        queue = iter(flat)
        finished = 0
        while True:
            while len(pending) < 2 * workers:
                job = next(queue, None)
                if job is None:
                    break
                pending[pool.submit(hear, job)] = job
            if not pending:
                break
            timeout = None if until is None else max(0.0, until - time.time())
            ready, _ = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
            if not ready:
                for future in pending:
                    future.cancel()
                break
            for future in ready:
                job = pending.pop(future)
                done[owner[id(job)]].append(future.result())
                finished += 1
            if progress and finished % 50 == 0:
                print(f"  heard {finished}/{total}", file=sys.stderr, flush=True)
        pool.shutdown(wait=True, cancel_futures=True)
    return [h for b, block in enumerate(jobs) if len(done[b]) == len(block)
            for h in sorted(done[b], key=lambda h: h.index)]


# ----- scoring -------------------------------------------------------------------------

def target(key: str, condition: str) -> Target | None:
    """The target a measure is held to in a condition (none for the typed column)."""
    if condition == TYPED:
        return None
    if key == "phrasing":
        return PHRASING_CLEAN if condition == CLEAN else PHRASING_NOISY
    return {"urgent": URGENT_TAKEN, "alarm": FALSE_ALARMS, "medicine": MEDICINE}.get(key)


def report(rows: Sequence[Row], heard: Sequence[Heard], voices: Sequence[Voice],
           conditions: Sequence[str], show_misses: bool, wall_s: float) -> str:
    """The printed figures: one column typed, one per condition; then targets and misses."""
    by_condition: dict[str, list[Heard]] = defaultdict(list)
    for h in heard:
        by_condition[h.condition].append(h)
    typed_heard = typed(rows)
    columns = [TYPED, *(c for c in conditions if by_condition[c])]
    table = {TYPED: measures(rows, typed_heard)}
    table.update({c: measures(rows, by_condition[c]) for c in columns[1:]})
    kinds: dict[str, int] = defaultdict(int)
    for row in rows:
        kinds[row.kind] += 1
    safety = {k: n for k, n in sorted(kinds.items()) if k != "phrasing"}
    heard_voices = sorted({h.voice for h in heard}, key=[v.name for v in voices].index)
    tables = (f"tables: {PHRASING.relative_to(ROOT_DIR)} ({kinds['phrasing']} rows), "
              f"{SAFETY.relative_to(ROOT_DIR)} ({sum(safety.values())} rows: "
              + ", ".join(f"{n} {k}" for k, n in safety.items()) + ")")
    heard_what = (f"voices heard: {', '.join(heard_voices) or 'none'} (of {len(voices)} "
                  f"asked); conditions heard: {', '.join(columns[1:]) or 'none'} "
                  f"(of {', '.join(conditions)})")
    lines = [
        "Understanding of spoken sentences (python -m bench.understanding)",
        tables,
        f"engine: {ENGINE} (the default), each row heard in its own listening context",
        heard_what,
        ("noise: pink and brown at 10 dB SNR against the loud part of the speech; "
         "each spoken cell counts rows × voices"),
    ]
    dropped = len(voices) * len(conditions) - len({(h.voice, h.condition) for h in heard})
    if dropped:
        lines.append(f"NOTE: {dropped} voice×condition block(s) not finished in the time "
                     "given and left out")
    lines.append("")
    width = 30
    lines.append(f"{'':<{width}}" + "".join(f"{c:>22}" for c in columns) + "   target")
    for key, label in MEASURES:
        cells = "".join(f"{table[c][key].cell():>22}" for c in columns)
        goal = target(key, CLEAN) if key != "phrasing" else None
        note = f"   {goal}" if goal is not None else ""
        if key == "phrasing":
            note = f"   {PHRASING_CLEAN} clean, {PHRASING_NOISY} at 10 dB"
        lines.append(f"{label:<{width}}{cells}{note}")
    lines.append("")
    lines.append("targets (spoken):")
    for condition in columns[1:]:
        for key, label in MEASURES:
            goal = target(key, condition)
            if goal is None:
                continue
            value = table[condition][key].percent
            verdict = {True: "met", False: "MISSED", None: "no data"}[goal.met(value)]
            shown = "—" if value is None else f"{value:.1f}%"
            lines.append(f"  {label.strip()}, {condition}: {shown} (target {goal}) {verdict}")
    cpu = [h.cpu_s for h in heard]
    if cpu:
        lines.append("")
        lines.append(f"decodes: {len(cpu)}, mean CPU {sum(cpu) / len(cpu):.2f} s per decode; "
                     f"wall time {wall_s / 60:.1f} min")
    if show_misses:
        lines.append("")
        lines.extend(miss_lines(rows, [*typed_heard, *heard]))
    return "\n".join(lines)


def miss_lines(rows: Sequence[Row], heard: Iterable[Heard]) -> list[str]:
    """Every miss, grouped by kind of row: typed first, then each voice and condition."""
    groups: dict[str, list[str]] = defaultdict(list)
    for h in heard:
        row = rows[h.index]
        if not missed(row, h):
            continue
        want = f"{row.intent} {dict(row.slots)}" if row.slots else row.intent
        got = f"{h.intent} {dict(h.slots)}" if h.slots else h.intent
        where = "typed" if h.voice == TYPED else f"{h.voice}, {h.condition}"
        said = "" if h.voice == TYPED else f" heard {h.text!r}"
        groups[row.kind].append(f"  [{row.context}] {row.text!r} ({where}):{said} → {got}; "
                                f"want {want}")
    lines = []
    for kind in ("phrasing", "sign", "emergency", "benign", "medicine"):
        found = groups.get(kind, [])
        lines.append(f"misses, {kind}: {len(found)}")
        lines.extend(found)
    return lines


# ----- command line --------------------------------------------------------------------

def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.understanding",
                                     description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="one voice, clean only")
    parser.add_argument("--voices", type=int, default=len(VOICES),
                        help=f"how many voices, 1..{len(VOICES)} (default {len(VOICES)})")
    parser.add_argument("--misses", action="store_true", help="list every miss by kind")
    parser.add_argument("--workers", type=int, default=2,
                        help="decoding processes, 0..2 (0: in this process; default 2)")
    parser.add_argument("--until", metavar="HH:MM",
                        help="leave out blocks not heard by this local time")
    parser.add_argument("--only", action="append", metavar="TEXT",
                        help="only the rows saying TEXT (again for more rows)")
    args = parser.parse_args(argv)
    if not 1 <= args.voices <= len(VOICES):
        parser.error(f"--voices must be between 1 and {len(VOICES)}")
    if not 0 <= args.workers <= 2:
        parser.error("--workers must be between 0 and 2")
    if args.until is not None:
        try:
            args.until = _epoch(args.until)
        except ValueError:
            parser.error(f"--until wants a time as HH:MM, not {args.until!r}")
    return args


def _epoch(clock: str) -> float:
    """The next moment the local clock reads `clock` (HH:MM), as epoch seconds."""
    hour, minute = (int(p) for p in clock.split(":"))
    now = datetime.datetime.now()
    when = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if when <= now:
        when += datetime.timedelta(days=1)
    return when.timestamp()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    missing = tools_missing()
    if missing:
        print(f"understanding: {', '.join(missing)} not installed; the spoken rows need them",
              file=sys.stderr)
        return 3
    from voice.errors import CoachError

    voices = SPEAKERS[:1] if args.quick else SPEAKERS[:args.voices]
    conditions = [CLEAN] if args.quick else list(CONDITIONS)
    rows = [r for r in all_rows() if not args.only or r.text in args.only]
    if not rows:
        print("understanding: no row says any --only text", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        heard = decode(blocks(rows, voices, conditions), args.workers, args.until,
                       progress=True)
    except CoachError as error:
        print(f"understanding: {error}", file=sys.stderr)
        return 3
    print(report(rows, heard, voices, conditions, args.misses, time.monotonic() - started))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
