"""`cramp-coach recognize FILE.wav ...`: speech recognition + intent for each WAV file.

One result per file, in input order, flushed as each is done. A file that cannot be read
gets a line with "error" and the batch goes on; the exit code is then 2.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from voice.cli.common import hearing_settings
from voice.content.loader import load_content
from voice.errors import BadInput
from voice.hear.base import SpeechIn
from voice.hear.recognizer import recognise
from voice.hear.select import open_engine
from voice.log import log
from voice.understand.matcher import IntentMatcher
from voice.vocabulary import SAMPLE_RATE, Context
from voice.wavio import read_wav_16k

_TABLE = "{file:<32} {intent:<10} {confidence:>5}  {slots:<26} {text}"


def recognise_file(path: Path, engine: SpeechIn, matcher: IntentMatcher,
                   context: Context) -> dict[str, Any]:
    """The `recognize` object of docs/cli.md for one file; BadInput when it cannot be read."""
    samples = read_wav_16k(path)
    started = time.perf_counter()
    result = recognise(engine, matcher, samples.tobytes(), context)
    decode_ms = (time.perf_counter() - started) * 1000
    row: dict[str, Any] = {
        "file": str(path),
        "text": result.hypothesis.text,
        "intent": result.intent.name,
        "slots": dict(result.intent.slots),
        "confidence": round(result.intent.confidence, 3),
        "engine": engine.name,
        "audio_s": round(len(samples) / SAMPLE_RATE, 3),
        "decode_ms": round(decode_ms, 1),
    }
    if result.hypothesis.transcript:
        row["transcript"] = result.hypothesis.transcript
    return row


def _print(row: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(row, ensure_ascii=False), flush=True)
    else:
        slots = " ".join(f"{k}={v}" for k, v in row["slots"].items())
        print(_TABLE.format(file=row["file"], intent=row["intent"],
                            confidence=f"{row['confidence']:.2f}", slots=slots,
                            text=row["text"] or "-"), flush=True)


def run(args: argparse.Namespace) -> int:
    """Recognise every file; exit 2 at the end when any could not be read."""
    matcher = IntentMatcher(load_content(args.content))
    hearing = hearing_settings(args)
    engine = open_engine(hearing.engine, hearing.model, hearing.models_dir, matcher)
    if not args.json:
        print(_TABLE.format(file="file", intent="intent", confidence="conf", slots="slots",
                            text="heard"), flush=True)
    failed = 0
    for path in args.files:
        try:
            row = recognise_file(path, engine, matcher, Context(args.context))
        except BadInput as exc:
            failed += 1
            row = {"file": str(path), "error": str(exc)}
            if not args.json:
                log.error(str(exc))
                continue
        _print(row, args.json)
    return 2 if failed else 0
