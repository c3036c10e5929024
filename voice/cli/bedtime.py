"""`cramp-coach bedtime`: the guided bedtime stretching routine, spoken and counted.

The same live coach as `listen`, started on the routine and ended with it: "wait",
"continue", "next", "again" and "stop" work as they do by voice.
"""

from __future__ import annotations

import argparse

from voice.cli import listen
from voice.understand.matcher import Intent
from voice.vocabulary import IntentName


def run(args: argparse.Namespace) -> int:
    """Run the routine once, then exit."""
    from voice.cli.main import build_parser

    # Every `listen` option this command does not offer keeps its default, so options
    # added to `listen` later reach the live loop here too.
    for name, value in vars(build_parser().parse_args(["listen"])).items():
        if not hasattr(args, name):
            setattr(args, name, value)
    args.once = True
    return listen.run(args, first=Intent(IntentName.BEDTIME, {}, 1.0, "bedtime stretches"))
