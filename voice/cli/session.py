"""`cramp-coach session --say TEXT ... --render OUT.wav --timeline OUT.json`."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from voice.cli.common import hearing_settings, is_night, open_library
from voice.coach.machine import Coach
from voice.content.loader import diary_words_of, load_content
from voice.errors import BadInput
from voice.files import check_writable, write_text_atomic
from voice.log import log
from voice.run.session import SILENT_TURN, Turn, run_session, text_turn
from voice.speak.conductor import Conductor
from voice.understand.matcher import IntentMatcher
from voice.wavio import write_wav_atomic


def _turns(args: argparse.Namespace, matcher: IntentMatcher) -> list[Turn]:
    turns: list[Turn] = []
    hearing = hearing_settings(args)
    for kind, value in args.turns or []:
        if kind == "text":
            turns.append(text_turn(matcher.parse(value)))
        elif kind == "silence":
            turns.append(SILENT_TURN)
        elif kind == "text_at":
            at, text = value
            turns.append(text_turn(matcher.parse(text), at))
        else:
            from voice.cli.hearing import hear_file

            turns.append(hear_file(value, matcher, hearing))
    return turns


def run(args: argparse.Namespace) -> int:
    """Render one scripted session."""
    if not args.turns:
        raise BadInput("give at least one user turn with --say TEXT, --hear FILE.wav "
                       "or --silence")
    for path in (args.render, args.timeline):
        if path is not None:
            check_writable(path)
    content = load_content(args.content)
    matcher = IntentMatcher(content)
    turns = _turns(args, matcher)
    night = is_night(args.night)
    library = open_library(content, args.voice, args.models_dir)
    keeper = None
    if args.diary is not None:  # a rehearsal goes in a diary only when one is named
        from voice.diary.keeper import DiaryKeeper

        keeper = DiaryKeeper.open(args.diary, diary_words_of(content), log.warning)
    started = dt.datetime.now().astimezone()
    try:
        result = run_session(Coach(content), Conductor(library, night), turns, night, keeper,
                             started)
    except BaseException:
        if keeper is not None:
            keeper.close(dt.datetime.now().astimezone())
        raise
    if keeper is not None:
        keeper.close(started + dt.timedelta(seconds=result.renderer.duration_s))
    if args.render is not None:
        write_wav_atomic(args.render, result.renderer.samples(), result.renderer.sample_rate)
    timeline = result.timeline()
    if args.timeline is not None:
        write_text_atomic(args.timeline, json.dumps(timeline, indent=1) + "\n")
    for event in result.events:
        print(f"{event['start']:8.3f}  {event['type']:<6} {event.get('text', '')}")
    return 0
