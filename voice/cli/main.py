"""The `cramp-coach` command line (docs/cli.md): parse options, dispatch, report errors.

Each command lives in its own module with a `run(args) -> int`; this module only wires
them up and turns a `CoachError` into one plain line on stderr and its exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from voice import CONTENT_DIR, MODELS_DIR, __version__
from voice.errors import BadInput, CoachError
from voice.hear.base import ENGINES
from voice.log import log, setup
from voice.vocabulary import CONTEXTS, VOICES, Context

CONTEXT_NAMES = tuple(str(c) for c in CONTEXTS)
"""Values of `--context`: the listening contexts' names, shown as they are typed."""

COMMANDS = {
    "listen": "voice.cli.listen",
    "parse": "voice.cli.parse",
    "recognize": "voice.cli.recognize",
    "session": "voice.cli.session",
    "models": "voice.cli.models",
    "content": "voice.cli.content",
    "service": "voice.cli.service",
    "diary": "voice.cli.diary",
    "bedtime": "voice.cli.bedtime",
}
"""Sub-command → the module whose `run(args)` carries it out."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises `BadInput` instead of printing usage and exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise BadInput(f"{message} (see: {self.prog} --help)")


class _SayAt(argparse.Action):
    """`--say-at N TEXT`: a turn said over the count, kept in order with the others."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        n, text = values if isinstance(values, list) else ("", "")
        if not str(n).isdigit() or int(n) < 1:
            parser.error(f"{option_string}: N must be a count word number (1, 2, ...), "
                         f"not {n!r}")
        turns = list(getattr(namespace, self.dest, None) or [])
        setattr(namespace, self.dest, [*turns, ("text_at", (int(n), str(text)))])


def _add_engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=ENGINES, default="auto",
                   help="speech recogniser (auto: Whisper if its model is installed, else "
                        "Vosk if an English model is installed, else PocketSphinx)")
    p.add_argument("--model", type=Path,
                   help="path of a model folder (Whisper or Vosk, for --engine)")


def _add_listening_options(p: argparse.ArgumentParser) -> None:
    """What `listen` and `bedtime` share: recogniser, devices, time of day, typing."""
    _add_engine_options(p)
    p.add_argument("--input", help="microphone device (name or number)")
    p.add_argument("--output", help="speaker device (name or number)")
    _add_time_of_day(p)
    _add_voice_option(p)
    p.add_argument("--text", action="store_true",
                   help="type instead of speaking (replies are still spoken, and printed)")


def _add_voice_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--voice", choices=VOICES, default=VOICES[0],
                   help="who speaks: Piper's voice (default), or espeak-ng (also used when "
                        "the Piper voice is missing)")


def _add_time_of_day(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--night", dest="night", action="store_true", default=None,
                       help="quieter, slower, fewer words (default between 22:00 and 07:00)")
    group.add_argument("--day", dest="night", action="store_false", help="full daytime voice")


def _add_diary_options(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--diary", type=Path, metavar="PATH",
                       help="the diary file (default: in your user data folder)")
    group.add_argument("--no-diary", action="store_true", help="keep no diary this time")


def _weeks(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 520:
        raise argparse.ArgumentTypeError(f"weeks must be a whole number from 1 to 520, not {text!r}")
    return int(text)


def _add_diary_commands(sub: argparse._SubParsersAction[_Parser]) -> None:
    diary = sub.add_parser("diary", help="the local cramp diary (one row per session)")
    diary.add_argument("--weeks", type=_weeks, default=4, help="how many weeks back (default 4)")
    diary.add_argument("--json", action="store_true", help="one JSON object per session")
    diary.add_argument("--plot", type=Path, metavar="OUT.png",
                       help="draw cramps per night by muscle (needs matplotlib)")
    diary.add_argument("--diary", type=Path, metavar="PATH", help="the diary file")
    dsub = diary.add_subparsers(dest="diary_command", parser_class=_Parser)
    forget = dsub.add_parser("forget", help="delete every entry of the diary")
    forget.add_argument("--yes", action="store_true", help="do not ask to confirm")
    forget.add_argument("--diary", type=Path, metavar="PATH", default=argparse.SUPPRESS,
                        help="the diary file")

    bedtime = sub.add_parser("bedtime", help="the guided bedtime stretching routine")
    _add_listening_options(bedtime)
    _add_diary_options(bedtime)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = _Parser(prog="cramp-coach", description="Offline voice coach for leg cramps.")
    parser.add_argument("--version", action="version", version=f"cramp-coach {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show details (and a traceback on errors)")
    parser.add_argument("--content", type=Path, default=CONTENT_DIR, help=argparse.SUPPRESS)
    parser.add_argument("--models-dir", type=Path, default=MODELS_DIR, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    listen = sub.add_parser("listen", help="listen on the microphone and coach by voice")
    _add_listening_options(listen)
    listen.add_argument("--once", action="store_true", help="exit when the session ends")
    listen.add_argument("--record", type=Path, metavar="DIR",
                        help="save what the microphone heard, one WAV per utterance")
    listen.add_argument("--log", type=Path, metavar="FILE",
                        help="append a plain-text transcript of the session (off by default)")
    _add_diary_options(listen)

    parse = sub.add_parser("parse", help="intent of each TEXT (or each stdin line)")
    parse.add_argument("texts", nargs="*", metavar="TEXT")
    parse.add_argument("--json", action="store_true", help="one JSON object per line")
    parse.add_argument("--context", choices=CONTEXT_NAMES, default=None)

    rec = sub.add_parser("recognize", help="speech recognition + intent for WAV files")
    rec.add_argument("files", nargs="+", metavar="FILE.wav", type=Path)
    rec.add_argument("--json", action="store_true", help="one JSON object per line")
    rec.add_argument("--context", choices=CONTEXT_NAMES, default=str(Context.IDLE))
    _add_engine_options(rec)

    session = sub.add_parser("session", help="one scripted session rendered to a WAV")
    session.add_argument("--say", action="append", default=[], metavar="TEXT",
                         dest="turns", type=lambda t: ("text", t), help="a user turn as text")
    session.add_argument("--hear", action="append", metavar="FILE.wav", dest="turns",
                         type=lambda f: ("audio", f), help="a user turn as audio")
    session.add_argument("--say-at", nargs=2, metavar=("N", "TEXT"), dest="turns",
                         action=_SayAt, help="a user turn said over the count, as count "
                         "word N starts (else when the coach next listens)")
    session.add_argument("--render", type=Path, metavar="OUT.wav",
                         help="write everything the coach says here")
    session.add_argument("--timeline", type=Path, metavar="OUT.json",
                         help="write the timeline of events here")
    session.add_argument("--silence", action="append_const", const=("silence", ""),
                         dest="turns", help="a user turn of silence: the coach's wait runs out")
    session.add_argument("--diary", type=Path, metavar="PATH",
                         help="also write the session to this diary (off by default)")
    _add_time_of_day(session)
    _add_voice_option(session)
    _add_engine_options(session)

    models = sub.add_parser("models", help="manage speech models")
    msub = models.add_subparsers(dest="models_command", parser_class=_Parser, required=True)
    msub.add_parser("list", help="catalogue and installed models")
    inst = msub.add_parser("install", help="download and install a model")
    inst.add_argument("name")
    inst.add_argument("--from", dest="source", metavar="FILE|URL",
                      help="install from a local folder, archive or another address")
    inst.add_argument("--sha256", help="expected SHA-256 of the archive")
    inst.add_argument("--force", action="store_true", help="install again over an installed copy")
    ver = msub.add_parser("verify", help="check installed models")
    ver.add_argument("name", nargs="?")
    msub.add_parser("path", help="print the models folder")

    content = sub.add_parser("content", help="content files")
    csub = content.add_subparsers(dest="content_command", parser_class=_Parser, required=True)
    check = csub.add_parser("check", help="validate the content files")
    check.add_argument("dir", nargs="?", type=Path)

    svc = sub.add_parser("service", help="start the coach at login, and again if it stops")
    ssub = svc.add_subparsers(dest="service_command", parser_class=_Parser, required=True)
    for name, what in (("install", "write the systemd user unit, enable and start it"),
                       ("remove", "stop, disable and delete the systemd user unit")):
        action = ssub.add_parser(name, help=what)
        action.add_argument("--no-start", action="store_true",
                            help="only write or delete the file; leave systemd alone")
    _add_diary_commands(sub)
    return parser


_GLOBAL_FLAGS = ("-v", "--verbose")


def _with_command(argv: list[str]) -> list[str]:
    """`cramp-coach [OPTIONS]` means `cramp-coach listen [OPTIONS]`."""
    if any(a in COMMANDS for a in argv) or {"-h", "--help", "--version"} & set(argv):
        return argv
    lead = 0
    while lead < len(argv) and argv[lead] in _GLOBAL_FLAGS:
        lead += 1
    return [*argv[:lead], "listen", *argv[lead:]]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the program; returns the exit code."""
    args = None
    setup()
    try:
        args = build_parser().parse_args(_with_command(list(sys.argv[1:] if argv is None
                                                           else argv)))
        setup(verbose=args.verbose)
        module = importlib.import_module(COMMANDS[args.command])
        return int(module.run(args))
    except CoachError as exc:
        if args is not None and getattr(args, "verbose", False):
            traceback.print_exc()
        log.error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        log.info("stopped.")
        return 130
    except BrokenPipeError:
        return 0
