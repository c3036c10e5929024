"""Start to ready for the coach's voice: the first start (an empty render cache, every
fixed line rendered) and a later one (every line read back from the cache).

Each start is its own process, from the interpreter's start until the content is loaded,
the voice opened and every line of the mode ready in memory, as `cramp-coach listen`
does before it says it is listening. Alone:

    python -m bench.voice_start                  # Piper, night mode
    python -m bench.voice_start --voice espeak --day
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

from voice import ROOT_DIR
from voice.vocabulary import VOICES

WARM_TARGET_S = 2.0
"""A start with a filled cache is ready within this (seconds)."""


def _ready(voice: str, night: bool) -> None:
    """In the measured process: open the voice and make every line ready; print what
    was rendered."""
    from voice import CONTENT_DIR, MODELS_DIR
    from voice.cli.common import open_library
    from voice.content.loader import load_content
    from voice.speak.lines import fixed_lines

    content = load_content(CONTENT_DIR)
    library = open_library(content, voice, MODELS_DIR)
    rendered = library.prepare(fixed_lines(content, night), night)
    print(json.dumps({"voice": library.voice, "rendered": rendered}))


def start(voice: str, night: bool, cache_home: str) -> tuple[float, dict[str, object]]:
    """Seconds from a new process's start to its voice being ready, and what it said."""
    env = {**os.environ, "XDG_CACHE_HOME": cache_home, "PYTHONPATH": str(ROOT_DIR)}
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bench.voice_start", "--child", "--voice",
                           voice, "--night" if night else "--day"], capture_output=True,
                          text=True, check=True, env=env, cwd=ROOT_DIR)
    seconds = time.perf_counter() - began
    return seconds, json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the voice's first and warm start times")
    parser.add_argument("--voice", choices=VOICES, default=VOICES[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--night", dest="night", action="store_true", default=True)
    mode.add_argument("--day", dest="night", action="store_false")
    parser.add_argument("--warm", type=int, default=3, help="warm starts to time (default 3)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _ready(args.voice, args.night)
        return 0
    with tempfile.TemporaryDirectory(prefix="cramp-coach-voice-start-") as cache_home:
        first, said = start(args.voice, args.night, cache_home)
        warm = [start(args.voice, args.night, cache_home) for _ in range(args.warm)]
    mode_name = "night" if args.night else "day"
    print(f"voice {said['voice']}, {mode_name} mode")
    print(f"first start (empty cache): {first:.2f} s, {said['rendered']} clips rendered")
    for seconds, again in warm:
        print(f"warm start (filled cache): {seconds:.2f} s, {again['rendered']} clips rendered")
    best = min(s for s, _ in warm)
    verdict = "ok" if max(s for s, _ in warm) <= WARM_TARGET_S else "over"
    print(f"warm start: best {best:.2f} s, worst {max(s for s, _ in warm):.2f} s "
          f"(target <= {WARM_TARGET_S:g} s: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
