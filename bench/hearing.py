"""Hearing: how well speech becomes the right intent, and how rarely other sound does.

Measured for the coach's recogniser(s) and, on the same audio, for the naive approach:
free-form PocketSphinx with its default US-English language model, its text read by the
same `IntentMatcher` in the same context (so only the recogniser differs).

1. Intent accuracy on the synthetic command set (tests/support/audio_sets.py), clean and mixed
   with noise at several SNRs.
2. Real people (Speech Commands, CC BY 4.0): stop/yes/no recall per listening context,
   and the share of other words and of background noise taken for a command.
3. False session starts on long non-command audio (other words, background noise,
   synthesised chatter and reading) through the endpointer, recogniser and matcher in
   the idle context: a false start is anything that makes the idle coach speak.

Decoding runs in worker processes (lower priority, one per core given); CPU time per
decode gives the real-time factor.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

import numpy as np

from bench.figures import Figure, Results, Target, share
from bench.synthetic import Synthetic, command_set
from tests.support.core import idle_coach_speaks, session_starts
from tests.support.noise import fan, mix
from tests.support.rates import rate_upper_bound
from tests.support.speech import CHATTER, OTHER_WORDS, spread_clips, synthesise
from voice import CONTENT_DIR, MODELS_DIR, ROOT_DIR
from voice.understand.matcher import Intent, IntentMatcher
from voice.vocabulary import CONTEXTS, SAMPLE_RATE, Context
from voice.wavio import read_wav_16k

SECTION = "hearing"
"""Real recordings (Speech Commands v0.02 subset, Warden 2018, CC BY 4.0)."""
COMMAND_WORDS = {"stop": "stop", "yes": "yes", "no": "no"}
"""Speech Commands folder → the intent it must give."""
NOISE_FOLDER = "_silence_"
NAIVE = "naive"
"""Engine name of the free-form baseline."""
FALSE_STARTS = Target("<=", 0.1, "per hour")
TALK_STARTS = Target("<=", 0.0, "per hour")
TALK_ANSWERS = Target("<=", 1.0, "per hour")
DEFAULT_ENGINE = "whisper"
"""The engine the hearing targets below are set for (the others are shown beside it)."""
CLEAN_ACCURACY = Target(">=", 97.0, "%")
NOISY_ACCURACY = Target(">=", 93.0, "%")
"""Synthetic commands at 10 dB brown and pink noise."""
NOISY_TARGETED = ("brown 10 dB", "pink 10 dB")
REAL_RECALL = Target(">=", 95.0, "%")
"""Real "stop" while counting, "yes" and "no" while asking."""
OTHERS_ACCEPTED = Target("<=", 3.0, "%")
"""Other real words taken for a command while counting."""
NOISE_ACCEPTED = Target("<=", 0.0, "%")
EVERYDAY_TALK = ROOT_DIR / "tests" / "data" / "everyday_talk.txt"
"""Everyday sentences with the coach's words in other senses (coffee, ice, shoes, walk)."""
TALK_SNR_DB = 10.0
"""Every other everyday sentence is heard again with brown noise this far below it (dB)."""
GAP_RANGE_S = (1.0, 4.0)
"""Quiet between the pieces of the long non-command audio (seconds)."""
CHUNK_S = 30.0
"""Length of each piece of the long non-command audio (seconds)."""
BACKGROUND_DBFS = -55.0
"""Level of the fan-like noise under the long non-command audio (dB full scale)."""

READING = (
    "It was a bright cold day in April, and the clocks were striking the hour.",
    "The village lay quiet under the snow, and only the mill wheel turned.",
    "She opened the letter slowly, as if she already knew what it would say.",
    "For three days the ship sailed north, past islands that were not on any map.",
    "The old man kept bees behind the church, and sold honey at the market.",
    "Nobody in the town could remember when the bridge had last been mended.",
    "He counted the steps to the top of the tower and stopped to catch his breath.",
    "The garden had grown wild, with roses climbing over the broken wall.",
    "At the end of the lane stood a house with green shutters and a red door.",
    "The river rose all night, and by morning the fields were silver with water.",
)
"""Reading aloud in bed."""

VOICES = ("espeak:en-us", "flite:slt", "espeak:en-gb", "flite:rms", "espeak:en-029",
          "flite:awb", "espeak:en-gb-scotland", "flite:kal")


def engines_available() -> list[str]:
    """The coach's recognisers to measure: Whisper when its model is installed (the
    default), PocketSphinx always, Vosk when an English model is installed."""
    from voice.models.catalog import find_english_vosk_model, find_model

    found = ["whisper"] if find_model("whisper", MODELS_DIR) is not None else []
    found.append("pocketsphinx")
    if find_english_vosk_model(MODELS_DIR) is not None:
        found.append("vosk")
    return found


ENGINE_LABELS = {"whisper": "coach (Whisper)", "pocketsphinx": "coach (PocketSphinx)",
                 "vosk": "coach (Vosk)", NAIVE: "naive (free-form)"}
ENGINE_TEXT = {
    "whisper": ("cramp coach's default recogniser: Whisper tiny.en (faster-whisper, int8, "
                "10 s window, the context's prompt; in steady noise the 30 s window's "
                "3 best readings first), its transcript judged against the context's "
                "command sentences, then the intent matcher"),
    "pocketsphinx": ("cramp coach's recogniser: PocketSphinx (built-in US-English model) "
                     "with one grammar per listening context built from the intent templates, "
                     "its rejection, then the intent matcher"),
    "vosk": "cramp coach's recogniser: Vosk (installed English model) with per-context phrases",
    NAIVE: ("the naive approach: PocketSphinx free-form with its default US-English language "
            "model, its text read by the same IntentMatcher in the same context"),
}


def engine_label(engine: str) -> str:
    """How an engine is named in tables and plots."""
    return ENGINE_LABELS.get(engine, engine)


# ----- the recognisers, one set per worker process -------------------------------------

class NaiveHearing:
    """Free-form PocketSphinx (default en-us acoustic model, language model and
    dictionary), its text read by the intent matcher."""

    name = NAIVE

    def __init__(self, matcher: IntentMatcher) -> None:
        from pocketsphinx import Decoder

        self.matcher = matcher
        self.decoder = Decoder(loglevel="FATAL")

    def text(self, pcm: bytes) -> str:
        """What the language model heard."""
        self.decoder.start_utt()
        self.decoder.process_raw(pcm, full_utt=True)
        self.decoder.end_utt()
        hyp = self.decoder.hyp()
        return hyp.hypstr if hyp is not None else ""

    def hear(self, pcm: bytes, context: Context) -> Intent:
        """Decode, then match in `context`."""
        text = self.text(pcm)
        return self.matcher.parse(text, context) if text else Intent("none", {}, 0.0, "")


@functools.cache
def _matcher() -> IntentMatcher:
    from voice.content.loader import load_content

    return IntentMatcher(load_content(CONTENT_DIR))


@functools.cache
def _hearing(engine: str) -> NaiveHearing | object:
    matcher = _matcher()
    if engine == NAIVE:
        return NaiveHearing(matcher)
    from voice.hear.listener import EngineHearing
    from voice.hear.select import open_engine

    return EngineHearing(open_engine(engine, None, MODELS_DIR, matcher), matcher)


def _lower_priority() -> None:
    os.nice(19)


# ----- tasks ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One decode of one item in one context."""

    engine: str
    key: str
    context: Context
    intent: str
    text: str
    cpu_s: float
    """CPU time of the decode (seconds; for the naive engine, shared by its contexts)."""
    audio_s: float


def hear_clip(engine: str, key: str, pcm: bytes, contexts: Sequence[Context]) -> list[Row]:
    """Decode one clip in each context (the naive engine decodes once: it has no grammar)."""
    hearing = _hearing(engine)
    audio_s = len(pcm) / 2 / SAMPLE_RATE
    rows = []
    if isinstance(hearing, NaiveHearing):
        started = time.process_time()
        text = hearing.text(pcm)
        cpu = time.process_time() - started
        for i, context in enumerate(contexts):
            intent = hearing.matcher.parse(text, context) if text else Intent("none")
            rows.append(Row(engine, key, context, intent.name, text, cpu if i == 0 else 0.0,
                            audio_s))
        return rows
    for context in contexts:
        started = time.process_time()
        intent = hearing.hear(pcm, context)  # type: ignore[attr-defined]
        rows.append(Row(engine, key, context, intent.name, intent.text,
                        time.process_time() - started, audio_s))
    return rows


@dataclass(frozen=True)
class StreamResult:
    """A stretch of long audio through the endpointer, recogniser and matcher."""

    engine: str
    audio_s: float
    utterances: int
    false_starts: list[str]
    """What was heard, for each utterance that made the idle coach speak."""
    cpu_s: float


def hear_stream(engine: str, pcm: bytes) -> StreamResult:
    """Feed audio in 30 ms blocks, as the microphone would, in the idle context."""
    from voice.hear.listener import Heard, UtteranceListener

    hearing = _hearing(engine)
    found: list[Heard] = []
    listener = UtteranceListener(hearing, found.append,  # type: ignore[arg-type]
                                 wait_for_more=_matcher().wait_for_more)  # as the coach's
    listener.context = Context.IDLE
    block = int(0.03 * SAMPLE_RATE) * 2
    started = time.process_time()
    for i in range(0, len(pcm), block):
        listener.feed(pcm[i:i + block])
    listener.feed(bytes(int(0.6 * SAMPLE_RATE) * 2))
    cpu = time.process_time() - started
    false = [f"{h.intent.text!r} → {h.intent.name}" for h in found
             if idle_coach_speaks(h.intent.name, h.intent.slots)]
    return StreamResult(engine, len(pcm) / 2 / SAMPLE_RATE, listener.utterances, false, cpu)


# ----- audio ---------------------------------------------------------------------------

def long_audio(per_folder: int, chatter: int, seed: int = 5) -> tuple[list[bytes], float, str]:
    """Non-command audio in pieces of about `CHUNK_S`: other-word clips, background
    noise clips, chatter and reading in several voices, with quiet gaps over a fan."""
    rng = np.random.default_rng(seed)
    pieces: list[np.ndarray] = []
    for folder in (*OTHER_WORDS, NOISE_FOLDER):
        pieces.extend(read_wav_16k(p) for p in spread_clips(folder, per_folder))
    talk = [*CHATTER, *READING]
    for i in range(chatter):
        pieces.append(synthesise(talk[i % len(talk)], VOICES[i % len(VOICES)]))
    order = rng.permutation(len(pieces))
    chunks, current, total = [], [], 0.0
    for index in order:
        gap = int(rng.uniform(*GAP_RANGE_S) * SAMPLE_RATE)
        current.append(np.zeros(gap, dtype=np.float64))
        current.append(pieces[index].astype(np.float64))
        if sum(len(c) for c in current) > CHUNK_S * SAMPLE_RATE:
            chunks.append(_with_fan(current, rng))
            total += len(chunks[-1]) / 2 / SAMPLE_RATE
            current = []
    if current:
        chunks.append(_with_fan(current, rng))
        total += len(chunks[-1]) / 2 / SAMPLE_RATE
    words = sum(len(spread_clips(f, per_folder)) for f in OTHER_WORDS)
    noise = len(spread_clips(NOISE_FOLDER, per_folder))
    data = (f"{words} other-word clips (Speech Commands), {noise} background-noise clips, "
            f"{chatter} sentences of chatter and reading (espeak-ng, flite voices), 1–4 s "
            f"apart over fan-like noise at {BACKGROUND_DBFS:.0f} dBFS, "
            f"{total / 60:.1f} min in {len(chunks)} pieces")
    return chunks, total, data


def _with_fan(parts: list[np.ndarray], rng: np.random.Generator) -> bytes:
    x = np.concatenate(parts)
    x = x + fan(len(x), rng, BACKGROUND_DBFS)
    return bytes(np.clip(x, -32768, 32767).astype(np.int16).tobytes())


# ----- running and scoring -------------------------------------------------------------

@dataclass(frozen=True)
class Sizes:
    """How much audio a run uses."""

    synthetic: int | None
    """Utterances from the synthetic command set (None: all)."""
    snrs: tuple[float, ...]
    commands_per_word: int | None
    """Speech Commands clips per command word (None: all)."""
    others_per_folder: int | None
    """Speech Commands clips per other-word or noise folder (None: all)."""
    chatter: int
    """Sentences of chatter and reading in the long audio."""
    workers: int
    talk: int | None = None
    """Everyday sentences heard while idle (None: all)."""
    engines: tuple[str, ...] | None = None
    """Recognisers to measure (None: every one available, and the naive peer)."""


@dataclass(frozen=True)
class Task:
    """One decode for a worker."""

    unit: str
    """Items scored together (a synthetic command in all conditions, a clip, a piece)."""
    engine: str
    kind: str
    """`clip` or `stream`."""
    key: str
    pcm: bytes
    contexts: tuple[Context, ...] = ()


def _do(task: Task) -> list[Row] | StreamResult:
    if task.kind == "stream":
        return hear_stream(task.engine, task.pcm)
    return hear_clip(task.engine, task.key, task.pcm, task.contexts)


class Decoding:
    """All hearing measurements, decoded in worker processes at the lowest priority while
    the caller does other work. Units of work are fed in a balanced order (synthetic
    commands, real clips and long audio in turn, every engine on each unit), `parallel`
    at a time; at a deadline the rest is dropped and only units every engine finished are
    scored, so both sides always rest on the same audio."""

    def __init__(self, sizes: Sizes, parallel: int = 1) -> None:
        self.sizes = sizes
        self.engines = list(sizes.engines or (*engines_available(), NAIVE))
        self._parallel = parallel
        self._in_flight = 0
        self._done: dict[str, list[tuple[str, list[Row] | StreamResult]]] = defaultdict(list)
        self._expected: dict[str, int] = {}
        self.total_units = 0
        self._cond = threading.Condition()
        self._stopping = False
        self._fed = threading.Event()
        self._pool = ProcessPoolExecutor(sizes.workers, mp_context=get_context("spawn"),
                                         initializer=_lower_priority)
        self._feeder = threading.Thread(target=self._feed, daemon=True)
        self._feeder.start()

    def widen(self, parallel: int) -> None:
        """Decode `parallel` units at a time from now on."""
        with self._cond:
            self._parallel = parallel
            self._cond.notify_all()

    def _feed(self) -> None:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        self.synthetic = synthetic_items(self.sizes)
        real = real_items(self.sizes) + talk_items(self.sizes.talk)
        self.chunks, _, self.long_data = long_audio(self.sizes.others_per_folder or 60,
                                                    self.sizes.chatter)
        units = list(_balanced(self.synthetic, real, self.chunks))
        self.total_units = len(units)
        for unit in units:
            tasks = [Task(name, engine, kind, key, pcm, contexts)
                     for name, kind, key, pcm, contexts in unit for engine in self.engines]
            self._expected[unit[0][0]] = len(tasks)
            for task in tasks:
                with self._cond:
                    while self._in_flight >= self._parallel and not self._stopping:
                        self._cond.wait(0.5)
                    if self._stopping:
                        return
                    self._in_flight += 1
                future = self._pool.submit(_do, task)
                future.add_done_callback(functools.partial(self._collect, task))
        self._fed.set()

    def _collect(self, task: Task, future: Future[list[Row] | StreamResult]) -> None:
        with self._cond:
            self._in_flight -= 1
            if not future.cancelled() and future.exception() is None:
                self._done[task.unit].append((task.engine, future.result()))
            self._cond.notify_all()

    def finish(self, deadline: float) -> Results:
        """Wait until everything is decoded or `deadline` (monotonic seconds) has passed,
        then score what every engine finished."""
        while time.monotonic() < deadline:
            with self._cond:
                if self._fed.is_set() and self._in_flight == 0:
                    break
                self._cond.wait(0.5)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._feeder.join(timeout=5)
        with self._cond:
            complete = [done for unit, done in self._done.items()
                        if len(done) == self._expected.get(unit, -1)]
        rows = [row for done in complete for _, out in done if isinstance(out, list)
                for row in out]
        streams = [out for done in complete for _, out in done
                   if isinstance(out, StreamResult)]
        return self._score(rows, streams, self.total_units, len(complete))

    def _score(self, rows: list[Row], streams: list[StreamResult], units: int,
               complete: int) -> Results:
        results = Results()
        describe_engines(results, self.engines)
        score_synthetic(results, rows, self.synthetic, self.engines)
        score_real(results, rows, self.engines, self.sizes)
        score_talk(results, rows, self.engines)
        score_streams(results, streams, self.engines, self.long_data)
        results.series["rtf"] = real_time_factors(rows)
        if complete < units:
            results.note(SECTION, f"Decoded {complete} of {units} units of audio within the "
                         "run's time budget (fed in a balanced order; every figure rests on "
                         "units all engines finished).")
        return results


Unit = list[tuple[str, str, str, bytes, tuple[Context, ...]]]
"""(unit name, kind, key, pcm, contexts) for each item of a unit."""


def _balanced(synthetic: Synthetic, real: list[tuple[str, bytes, tuple[Context, ...]]],
              chunks: list[bytes]) -> Iterator[Unit]:
    """Units in turn from each kind of audio, so that a run cut short keeps a share of
    each: the kind with the least audio fed so far (relative to its share) goes next."""
    by_command: dict[str, Unit] = defaultdict(list)
    for key, pcm, contexts in synthetic.items:
        name = "syn|" + key.split("|")[2]
        by_command[name].append((name, "clip", key, pcm, contexts))
    rng = np.random.default_rng(11)
    commands = [by_command[k] for k in rng.permutation(sorted(by_command))]
    clips_ = [[(key, "clip", key, pcm, contexts)] for key, pcm, contexts in
              (real[i] for i in rng.permutation(len(real)))]
    pieces = [[(f"long|{i}", "stream", f"long|{i}", pcm, ())] for i, pcm in enumerate(chunks)]
    queues = {"synthetic": commands, "real": clips_, "long": pieces}
    shares = {"synthetic": 0.45, "real": 0.3, "long": 0.25}
    fed = dict.fromkeys(queues, 0.0)
    while any(queues.values()):
        kind = min((k for k in queues if queues[k]), key=lambda k: fed[k] / shares[k])
        unit = queues[kind].pop(0)
        fed[kind] += sum(len(item[3]) for item in unit) / 2 / SAMPLE_RATE
        yield unit


def run(sizes: Sizes, deadline: float | None = None) -> Results:
    """Every hearing measurement, on every core given, until done or `deadline`."""
    decoding = Decoding(sizes, parallel=sizes.workers)
    return decoding.finish(deadline if deadline is not None else float("inf"))


def synthetic_items(sizes: Sizes) -> Synthetic:
    """The synthetic command set, each utterance clean and at every SNR with each noise."""
    return command_set(sizes.synthetic, sizes.snrs, (*CHATTER, *READING))


def talk_items(limit: int | None) -> list[tuple[str, bytes, tuple[Context, ...]]]:
    """Everyday sentences (up to `limit`), the voices taking turns, each clean and every
    other one again at `TALK_SNR_DB` with brown noise; heard while idle."""
    sentences = [line.strip() for line in EVERYDAY_TALK.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    if limit is not None:
        sentences = sentences[:limit]
    items: list[tuple[str, bytes, tuple[Context, ...]]] = []
    for i, text in enumerate(sentences):
        speech = synthesise(text, VOICES[i % len(VOICES)])
        padded = np.concatenate([np.zeros(4000, np.int16), speech, np.zeros(4000, np.int16)])
        items.append((f"talk|clean|{i}", padded.tobytes(), (Context.IDLE,)))
        if i % 2 == 0:
            noisy = mix(padded, TALK_SNR_DB, 7000 + i, "brown")
            items.append((f"talk|noisy|{i}", noisy.tobytes(), (Context.IDLE,)))
    return items


def real_items(sizes: Sizes) -> list[tuple[str, bytes, tuple[Context, ...]]]:
    """Speech Commands clips, each heard in every context."""
    items: list[tuple[str, bytes, tuple[Context, ...]]] = []
    for folder in COMMAND_WORDS:
        items.extend((f"sc|{folder}|{p.name}", read_wav_16k(p).tobytes(), CONTEXTS)
                     for p in spread_clips(folder, sizes.commands_per_word))
    for folder in (*OTHER_WORDS, NOISE_FOLDER):
        items.extend((f"sc|{folder}|{p.name}", read_wav_16k(p).tobytes(), CONTEXTS)
                     for p in spread_clips(folder, sizes.others_per_folder))
    return items


def score_synthetic(results: Results, rows: Iterable[Row], synthetic: Synthetic,
                    engines: Sequence[str]) -> None:
    """Intent accuracy per engine and condition; the accuracy-vs-SNR series."""
    good: dict[tuple[str, str], int] = defaultdict(int)
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        if not row.key.startswith("syn|"):
            continue
        _, condition, index = row.key.split("|")
        seen[row.engine, condition] += 1
        good[row.engine, condition] += row.intent == synthetic.expected[int(index)]
    conditions = sorted({c for _, c in seen}, key=_condition_order)
    series: dict[str, dict[str, float | None]] = {}
    data = synthetic.describe(min((seen[e, "clean"] for e in engines), default=0))
    results.describe(SECTION, "synthetic", data)
    for engine in engines:
        series[engine] = {c: share(good[engine, c], seen[engine, c]) for c in conditions}
        for condition in conditions:
            results.add(Figure(SECTION, f"intent accuracy, {condition}",
                               series[engine][condition], "%", engine_label(engine),
                               "synthetic", seen[engine, condition],
                               _synthetic_target(engine, condition)))
    results.series["accuracy_vs_snr"] = series
    results.series["synthetic_data"] = data
    for engine in engines:
        if engine == NAIVE:
            continue
        for condition in conditions:
            if condition == "clean" or condition.endswith(" 10 dB"):
                _compare(results, engine, f"intent accuracy, {condition}",
                         f"command accuracy, {condition}", "higher")


def _synthetic_target(engine: str, condition: str) -> Target | None:
    if engine != DEFAULT_ENGINE:
        return None
    if condition == "clean":
        return CLEAN_ACCURACY
    return NOISY_ACCURACY if condition in NOISY_TARGETED else None


def _compare(results: Results, engine: str, name: str, measure: str, better: str) -> None:
    ours, naive = _find(results, engine, name), _find(results, NAIVE, name)
    if ours is not None and naive is not None:
        results.compare(SECTION, measure, ours, naive, better)


def _condition_order(condition: str) -> tuple[str, float]:
    """`clean` first, then each noise kind from the highest SNR down (`pink 10 dB`)."""
    if condition == "clean":
        return ("", 0.0)
    kind, snr, _ = condition.split()
    return (kind, -float(snr))


def _find(results: Results, engine: str, name: str) -> Figure | None:
    return next((f for f in results.figures
                 if f.engine == engine_label(engine) and f.name == name), None)


def score_real(results: Results, rows: Iterable[Row], engines: Sequence[str],
               sizes: Sizes) -> None:
    """Recall of stop/yes/no in each context where they are expected, and other words
    and noise taken for a command."""
    from voice.content.loader import load_content

    contexts = load_content(CONTENT_DIR).contexts
    table: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for row in rows:
        if row.key.startswith("sc|"):
            table[row.engine, row.key.split("|")[1], row.context].append(row.intent)
    per_word = sizes.commands_per_word or "all"
    per_other = sizes.others_per_folder or "all"
    results.describe(SECTION, "SC commands", "Speech Commands v0.02 test split (real people, "
                     f"CC BY 4.0): stop, yes, no, up to {per_word} clips each")
    results.describe(SECTION, "SC others", f"Speech Commands: {', '.join(OTHER_WORDS)}, up "
                     f"to {per_other} clips each")
    results.describe(SECTION, "SC noise", f"Speech Commands _silence_ (background noise), up "
                     f"to {per_other} clips")
    for engine in engines:
        label = engine_label(engine)
        targeted = engine == DEFAULT_ENGINE
        for context in CONTEXTS:
            for folder, intent in COMMAND_WORDS.items():
                if intent not in contexts.get(context, ()):
                    continue
                said = table[engine, folder, context]
                wanted = (folder == "stop" and context == "count") or (
                    folder in ("yes", "no") and context == "question")
                results.add(Figure(SECTION, f"real voices: '{folder}' recall, {context}",
                                   share(said.count(intent), len(said)), "%", label,
                                   "SC commands", len(said),
                                   REAL_RECALL if targeted and wanted else None))
            others = [i for f in OTHER_WORDS for i in table[engine, f, context]]
            noise = table[engine, NOISE_FOLDER, context]
            results.add(
                Figure(SECTION, f"real voices: other words accepted, {context}",
                       share(sum(i != "none" for i in others), len(others)), "%", label,
                       "SC others", len(others),
                       OTHERS_ACCEPTED if targeted and context == "count" else None),
                Figure(SECTION, f"real voices: noise accepted, {context}",
                       share(sum(i != "none" for i in noise), len(noise)), "%", label,
                       "SC noise", len(noise), NOISE_ACCEPTED if targeted else None))
    for engine in engines:
        if engine != NAIVE:
            _compare(results, engine, "real voices: 'stop' recall, count",
                     "real voices: 'stop' recall while counting", "higher")
            _compare(results, engine, "real voices: other words accepted, idle",
                     "real voices: other words accepted while idle", "lower")


def score_talk(results: Results, rows: Iterable[Row], engines: Sequence[str]) -> None:
    """Everyday talk heard while idle, per hour of talk audio: session starts, answers (the
    idle coach says something) and, without a target, anything heard as a command at all
    (an answer-less one such as "start again" → repeat only matters after an answer)."""
    talk = [row for row in rows if row.key.startswith("talk|")]
    if not talk:
        return
    per_engine = {e: [r for r in talk if r.engine == e] for e in engines}
    clips = min(len(v) for v in per_engine.values())
    results.describe(SECTION, "everyday talk", f"{clips} clips of the everyday sentences of "
                     f"tests/data/everyday_talk.txt (coffee, ice, shoes, walking, water, "
                     f"'stop', 'help', 'leg' in other senses), in {len(VOICES)} voices, "
                     f"clean and every other one again with brown noise at {TALK_SNR_DB:g} dB")
    for engine in engines:
        mine = per_engine[engine]
        hours = sum(r.audio_s for r in mine) / 3600
        starts = [r for r in mine if session_starts(r.intent)]
        heard = [r for r in mine if r.intent != "none"]
        answers = [r for r in heard if idle_coach_speaks(r.intent)]
        label = engine_label(engine)
        target = engine != NAIVE
        results.add(
            Figure(SECTION, "everyday talk: false session starts per hour (idle)",
                   len(starts) / hours if hours else None, "per hour", label, "everyday talk",
                   len(mine), TALK_STARTS if target else None, note=_bound(len(starts), hours)),
            Figure(SECTION, "everyday talk: false answers per hour (idle)",
                   len(answers) / hours if hours else None, "per hour", label,
                   "everyday talk", len(mine), TALK_ANSWERS if target else None,
                   note=_bound(len(answers), hours)),
            Figure(SECTION, "everyday talk: heard as a command per hour (idle)",
                   len(heard) / hours if hours else None, "per hour", label,
                   "everyday talk", len(mine), note=_bound(len(heard), hours)))
        if heard:
            results.note(SECTION, f"Everyday talk heard as a command by {label} (* answered): "
                         + "; ".join(f"{r.text!r} → {r.intent}"
                                     + ("*" if r in answers else "") for r in heard[:8])
                         + (" …" if len(heard) > 8 else "") + ".")
    for engine in engines:
        if engine != NAIVE:
            _compare(results, engine, "everyday talk: false answers per hour (idle)",
                     "everyday talk answered per hour", "lower")


def score_streams(results: Results, streams: Sequence[StreamResult], engines: Sequence[str],
                  data: str) -> None:
    """False session starts per hour of non-command audio."""
    decoded = max((sum(s.audio_s for s in streams if s.engine == e) for e in engines),
                  default=0.0)
    results.describe(SECTION, "non-command audio", f"{decoded / 60:.1f} min decoded of "
                     f"long audio made of {data}")
    name = "false session starts per hour (idle)"
    for engine in engines:
        mine = [s for s in streams if s.engine == engine]
        hours = sum(s.audio_s for s in mine) / 3600
        false = [f for s in mine for f in s.false_starts]
        figure = Figure(SECTION, name, len(false) / hours if hours else None, "per hour",
                        engine_label(engine), "non-command audio",
                        sum(s.utterances for s in mine),
                        FALSE_STARTS if engine != NAIVE else None, note=_bound(len(false), hours))
        results.add(figure)
        if false:
            results.note(SECTION, f"False starts by {engine_label(engine)}: "
                         + "; ".join(false[:8]) + (" …" if len(false) > 8 else "") + ".")
    for engine in engines:
        if engine != NAIVE:
            _compare(results, engine, name, "false session starts per hour", "lower")


def _bound(events: int, hours: float) -> str:
    """The one-sided 95% upper bound on the rate, for honesty about small exposures."""
    if hours <= 0:
        return ""
    upper = rate_upper_bound(events, hours)
    return f"{events} in {hours * 60:.0f} min; 95% upper bound {upper:.1f}/h"


def real_time_factors(rows: Iterable[Row]) -> dict[str, tuple[float, float]]:
    """Engine → (CPU seconds per audio second, audio seconds), over the command set
    (each context's decode counted as one decode for grammar engines)."""
    cpu: dict[str, float] = defaultdict(float)
    audio: dict[str, float] = defaultdict(float)
    for row in rows:
        if row.engine != NAIVE and row.context != "idle":
            continue
        if row.engine == NAIVE and row.cpu_s == 0.0:
            continue
        cpu[row.engine] += row.cpu_s
        audio[row.engine] += row.audio_s
    return {e: (cpu[e] / audio[e], audio[e]) for e in cpu if audio[e] > 0}


def describe_engines(results: Results, engines: Sequence[str]) -> None:
    """Say what each engine label stands for."""
    for engine in engines:
        results.describe(SECTION, engine_label(engine), ENGINE_TEXT.get(engine, engine))
