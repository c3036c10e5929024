"""`cramp-coach content check [DIR]`: validate the content files."""

from __future__ import annotations

import argparse
import sys

from voice.content.loader import check_content


def run(args: argparse.Namespace) -> int:
    """Exit 0 when the content is sound, else print `file:line: problem` lines and exit 2."""
    directory = args.dir or args.content
    problems = check_content(directory)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {directory}", file=sys.stderr)
        return 2
    print(f"content ok: {directory}")
    return 0
