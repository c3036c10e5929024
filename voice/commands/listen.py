"""`cramp-coach [listen]`: the main job — hear the user, coach them out loud, until stopped."""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import TextIO

from voice.coach import Coach
from voice.commands.common import is_night, open_library
from voice.conductor import Conductor
from voice.content import Content, load_content
from voice.errors import BadInput, MissingResource
from voice.intents import IntentMatcher
from voice.live import Ears, LiveLoop, TextEars
from voice.player import LivePlayer, PrintSink, Sink, warn
from voice.speech_out import SilentVoice, SpeechLibrary


def _show(text: str) -> None:
    print(f"coach: {text}", flush=True)


def _sink(args: argparse.Namespace, library: SpeechLibrary, content: Content) -> Sink:
    if isinstance(library.tts, SilentVoice):
        return PrintSink(library.sample_rate)
    try:
        return LivePlayer(library.sample_rate, args.output)
    except MissingResource as exc:
        if not args.text:
            raise
        warn(f"{exc}")
        warn(content.prompt("speech_unavailable", False))
        return PrintSink(library.sample_rate)


def _ears(args: argparse.Namespace, matcher: IntentMatcher, content: Content) -> Ears:
    if args.text:
        return TextEars(matcher)
    from voice.speech_in.microphone import open_microphone_ears

    return open_microphone_ears(args, matcher, content)


def _log(args: argparse.Namespace) -> contextlib.AbstractContextManager[TextIO | None]:
    if args.log is None:
        return contextlib.nullcontext()
    try:
        return open(args.log, "a", encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{args.log}: cannot write the transcript ({exc.strerror})") from None


def run(args: argparse.Namespace) -> int:
    """Listen and coach until Ctrl-C (or the session ends, with --once)."""
    content = load_content(args.content)
    matcher = IntentMatcher(content)
    night = is_night(args.night)
    library = open_library(content, fallback=True)
    library.warm_up(night)
    ears = _ears(args, matcher, content)
    try:
        sink = _sink(args, library, content)
    except BaseException:
        ears.close()
        raise
    try:
        with _log(args) as log:
            loop = LiveLoop(Coach(content), Conductor(library, night), sink, night, _show, log)
            mode = "typing" if args.text else "listening"
            print(f"cramp coach is {mode} ({'night' if night else 'day'} voice). "
                  f"{content.prompt('ready', night)}", file=sys.stderr, flush=True)
            return loop.run(ears, once=args.once)
    finally:
        ears.close()
        sink.close()
