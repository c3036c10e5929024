"""Tuning: each key recogniser setting against its alternatives, written to docs/tuning.md.

The code keeps one line of meaning per setting; the evidence for its value is this page,
measured afresh whenever the bench runs. Every variant hears the same audio: synthetic
commands (tests/support/audio_sets.py voices, clean and with brown, pink and babble noise) in
their own context, and everyday sentences heard while idle, which should be nothing.

    python -m bench.tuning --quick     # a small set (a few minutes on 2 cores)
    python -m bench.tuning             # a larger set
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.hearing import READING, talk_items
from bench.synthetic import command_set
from tests.support.speech import CHATTER
from tests.support.tuning_page import Score, Setting, write_page
from voice import CONTENT_DIR, MODELS_DIR, ROOT_DIR
from voice.hear.base import Hypothesis
from voice.hear.recognizer import default_gate, hear_utterance, to_intent
from voice.understand.matcher import IntentMatcher
from voice.vocabulary import Context

PAGE = ROOT_DIR / "docs" / "tuning.md"


@dataclass(frozen=True)
class Size:
    """How much audio each variant hears."""

    name: str
    commands: int
    """Synthetic command utterances (each also heard in every noise at `snr_db`)."""
    talk: int
    """Everyday sentences (each clean, every other one also in noise)."""
    snr_db: float = 10.0


SIZES = {"quick": Size("quick", 8, 8), "full": Size("full", 40, 40),
         "smoke": Size("smoke", 2, 2)}


@dataclass(frozen=True)
class Item:
    """One utterance, as the recogniser gets it (after the speech gate)."""

    pcm: bytes
    context: Context
    expected: str
    """The intent it must give (`none` for everyday talk)."""


def audio(size: Size) -> list[Item]:
    """The commands and the everyday talk, through the speech gate."""
    gate = default_gate()
    synthetic = command_set(size.commands, (size.snr_db,), (*CHATTER, *READING))
    items = []
    for key, pcm, contexts in synthetic.items:
        expected = synthetic.expected[int(key.rsplit("|", 1)[1])]
        items.append(Item(gate.speech_part(pcm), contexts[0], expected))
    for _, pcm, contexts in talk_items(size.talk):
        items.append(Item(gate.speech_part(pcm), contexts[0], "none"))
    return items


def _score(value: str, in_use: bool, items: Sequence[Item], intents: Sequence[str],
           times: Sequence[float]) -> Score:
    commands = [(i, got) for i, got in zip(items, intents, strict=True) if i.expected != "none"]
    talk = [got for i, got in zip(items, intents, strict=True) if i.expected == "none"]
    return Score(value, in_use, sum(i.expected == got for i, got in commands), len(commands),
                 sum(got != "none" for got in talk), len(talk),
                 statistics.median(times) * 1000 if times else 0.0)


_HEARD: dict[Any, tuple[list[str], list[float]]] = {}
"""Settings → what an engine with them heard: the value in use is heard once, not once
per setting."""


def _heard(settings: Any, open_engine: Callable[[], Any], matcher: IntentMatcher,
           items: Sequence[Item]) -> tuple[list[str], list[float]]:
    """`_hear` with the engine `open_engine` makes, once per `settings`."""
    if settings not in _HEARD:
        _HEARD[settings] = _hear(open_engine(), matcher, items)
    return _HEARD[settings]


def _hear(engine: Any, matcher: IntentMatcher, items: Sequence[Item]
          ) -> tuple[list[str], list[float]]:
    """Each item's intent as `engine` hears it, and the decode times (seconds)."""
    intents, times = [], []
    for item in items:
        if not item.pcm:
            intents.append("none")
            continue
        started = time.perf_counter()
        hypothesis = hear_utterance(engine, item.pcm, item.context)
        times.append(time.perf_counter() - started)
        intents.append(to_intent(hypothesis, matcher, item.context).name)
    return intents, times


def _variants(settings: Any, field: str, alternatives: Sequence[Any],
              shown: Callable[[Any], str] = str) -> list[tuple[str, bool, Any]]:
    """(value shown, in use, settings) for the value in use and each alternative."""
    in_use = getattr(settings, field)
    out = [(shown(in_use), True, settings)]
    out += [(shown(v), False, dataclasses.replace(settings, **{field: v}))
            for v in alternatives if v != in_use]
    return out


def whisper_settings(matcher: IntentMatcher, items: Sequence[Item]) -> list[Setting]:
    """Whisper's beam, window and prompt, and the judge's closeness floor."""
    from voice.hear.engines.whisper import WhisperEngine, WhisperSettings
    from voice.hear.select import find_whisper_model
    from voice.understand.judge import CommandJudge, JudgeSettings

    path = find_whisper_model(None, MODELS_DIR)
    if path is None:
        return []
    base = WhisperSettings()
    found = []
    for field, alternatives, meaning in (
            ("beam_size", (1, 3), "Hypotheses kept while decoding (1: greedy)"),
            ("window_s", (10, 30), "Encoder input for a short utterance (seconds)"),
            ("prompt", (True, False), "The context's words given as the previous text"),
            ("noisy_below_db", (0.0, 20.0, 25.0), ("Loudness spread under which an "
             "utterance is heard in noise: 30 s window, best 3 readings, then the short "
             "window's (0: never)"))):
        scores = []
        for value, in_use, settings in _variants(base, field, alternatives):
            intents, times = _heard(settings, functools.partial(
                WhisperEngine, path, matcher, settings=settings), matcher, items)
            scores.append(_score(value, in_use, items, intents, times))
        found.append(Setting("whisper", f"WhisperSettings.{field}", meaning, scores))
    # the judge reads transcripts: one decode each, judged with every floor
    engine = WhisperEngine(path, matcher)
    transcripts = [(engine.transcribe(i.pcm, i.context) if i.pcm else ("", 0.0))
                   for i in items]
    scores = []
    for value, in_use, settings in _variants(JudgeSettings(), "min_score", (70.0, 76.0, 82.0),
                                             lambda v: f"{v:g}"):
        judge = CommandJudge(matcher, settings)
        intents, times = [], []
        for item, (text, confidence) in zip(items, transcripts, strict=True):
            started = time.perf_counter()
            verdict = judge.judge(text, item.context) if text else None
            times.append(time.perf_counter() - started)
            heard = (Hypothesis(verdict.text, confidence, True) if verdict is not None
                     else Hypothesis("", 0.0, True))
            intents.append(to_intent(heard, matcher, item.context).name)
        scores.append(_score(value, in_use, items, intents, times))
    found.append(Setting("whisper", "JudgeSettings.min_score", "Least closeness of a "
                         "transcript to a command sentence (decode time: the judge's alone)",
                         scores))
    return found


def pocketsphinx_settings(matcher: IntentMatcher, items: Sequence[Item]) -> list[Setting]:
    """Two of PocketSphinx's rejection settings."""
    from voice.hear.engines.pocketsphinx import SphinxSettings, from_matcher

    base = SphinxSettings()
    found = []
    for field, alternatives, shown, meaning in (
            ("strict_weight", (1e-18, 1e-24, 1e-30), lambda v: f"{v:g}",
             "Prior of the every-phone garbage path while idle"),
            ("other_words", (0, 300), str,
             "Frequent English words making a second garbage path while idle")):
        scores = []
        for value, in_use, settings in _variants(base, field, alternatives, shown):
            intents, times = _heard(settings, functools.partial(
                from_matcher, matcher, settings=settings), matcher, items)
            scores.append(_score(value, in_use, items, intents, times))
        found.append(Setting("pocketsphinx", f"SphinxSettings.{field}", meaning, scores))
    return found


def measure(size: Size) -> list[Setting]:
    """Every setting's table, on one audio set."""
    from voice.content.loader import load_content

    matcher = IntentMatcher(load_content(CONTENT_DIR))
    items = audio(size)
    return [*whisper_settings(matcher, items), *pocketsphinx_settings(matcher, items)]


def run(mode: str = "quick", page: Path = PAGE) -> Path:
    """Measure in `mode` and write the page."""
    started = time.monotonic()
    size = SIZES[mode]
    return write_page(measure(size), size.name, size.snr_db, time.monotonic() - started,
                      page)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="recogniser settings against alternatives")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_true", help="a small audio set")
    group.add_argument("--smoke", action="store_true", help="a few utterances")
    parser.add_argument("--out", type=Path, default=PAGE)
    args = parser.parse_args(argv)
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    page = run(mode, args.out)
    print(page.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
