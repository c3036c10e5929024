"""`cramp-coach parse`: the intent of each utterance, in input order."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable

from voice.content.loader import load_content
from voice.understand.matcher import IntentMatcher
from voice.vocabulary import Context


def _texts(args: argparse.Namespace) -> Iterable[str]:
    if args.texts:
        yield from args.texts
    else:
        for line in sys.stdin:
            yield line.rstrip("\n")


def run(args: argparse.Namespace) -> int:
    """Print one result per utterance (JSON lines with --json)."""
    matcher = IntentMatcher(load_content(args.content))
    for text in _texts(args):
        intent = matcher.parse(text, None if args.context is None else Context(args.context))
        if args.json:
            print(json.dumps(intent.to_json(), ensure_ascii=False), flush=True)
        else:
            slots = " ".join(f"{k}={v}" for k, v in intent.slots.items())
            print(f"{intent.name:<10} {intent.confidence:.2f}  {slots:<28} {text}", flush=True)
    return 0
