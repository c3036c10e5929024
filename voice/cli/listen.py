"""`cramp-coach [listen]`: the main job — hear the user, coach them out loud, until stopped."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import signal
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, TextIO

from voice.cli.common import diary_path, hearing_settings, is_night, open_library
from voice.coach.machine import Coach
from voice.content.loader import Content, diary_words_of, load_content
from voice.diary.keeper import DiaryKeeper
from voice.errors import BadInput, MissingResource
from voice.hear.settings import HearingSettings
from voice.log import log
from voice.run.live import Ears, LiveLoop, TextEars
from voice.speak.conductor import Conductor
from voice.speak.lines import fixed_lines
from voice.speak.player import LivePlayer, PrintSink, Sink
from voice.speak.tts import SilentVoice, SpeechLibrary
from voice.understand.matcher import Intent, IntentMatcher

if TYPE_CHECKING:  # the recogniser's modules load only when listening
    from voice.hear.remote import RemoteEngine


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
        log.warning(f"{exc}")
        log.warning(content.prompt("speech_unavailable", False))
        return PrintSink(library.sample_rate)


def _ears(args: argparse.Namespace, hearing: HearingSettings, matcher: IntentMatcher,
          content: Content, recogniser: RemoteEngine | None) -> Ears:
    if args.text:
        return TextEars(matcher)
    from voice.run.microphone import open_microphone_ears

    return open_microphone_ears(hearing, matcher, content, recogniser)


def _launch(args: argparse.Namespace, hearing: HearingSettings) -> RemoteEngine | None:
    """The recogniser, loading in its own process while the coach gets ready (None when
    typing)."""
    if args.text:
        return None
    from voice.run.microphone import launch_recogniser

    return launch_recogniser(hearing)


def _log(args: argparse.Namespace) -> contextlib.AbstractContextManager[TextIO | None]:
    if args.log is None:
        return contextlib.nullcontext()
    try:
        return open(args.log, "a", encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{args.log}: cannot write the transcript ({exc.strerror})") from None


@contextlib.contextmanager
def _diary(args: argparse.Namespace, content: Content) -> Iterator[DiaryKeeper]:
    """The diary for this run. Each session's row is written as it goes; on the way out
    (the end, Ctrl-C, or SIGTERM, made to unwind like Ctrl-C) an unfinished one gets its
    last time. Even SIGKILL leaves the row as of the last step."""
    keeper = DiaryKeeper.open(diary_path(args), diary_words_of(content), log.warning)
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        yield keeper
    finally:
        signal.signal(signal.SIGTERM, previous)
        keeper.close(dt.datetime.now().astimezone())


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def run(args: argparse.Namespace, first: Intent | None = None) -> int:
    """Listen and coach until Ctrl-C (or the session ends, with --once). With `first`,
    start by acting on it (as `bedtime` does), and keep going until that session ends."""
    hearing = hearing_settings(args)
    recogniser = _launch(args, hearing)
    try:
        content = load_content(args.content)
        matcher = IntentMatcher(content)
        night = is_night(args.night)
        library = open_library(content, args.voice, args.models_dir, fallback=True)
        rendered = library.prepare(fixed_lines(content, night), night, progress=True)
        log.debug(f"the coach's lines are ready ({rendered} rendered now, the rest cached)")
        ears = _ears(args, hearing, matcher, content, recogniser)
    except BaseException:
        if recogniser is not None:
            recogniser.close()
        raise
    try:
        sink = _sink(args, library, content)
    except BaseException:
        ears.close()
        raise
    try:
        with _log(args) as transcript, _diary(args, content) as keeper:
            loop = LiveLoop(Coach(content), Conductor(library, night), sink, night, _show,
                            transcript, keeper)
            mode = "typing" if args.text else "listening"
            print(f"cramp coach is {mode} ({'night' if night else 'day'} voice). "
                  f"{content.prompt('ready', night)}", file=sys.stderr, flush=True)
            if first is not None:
                loop.heard(first)
            return loop.run(ears, once=args.once, to_the_end=first is not None)
    finally:
        ears.close()
        sink.close()
