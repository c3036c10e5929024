"""How long `parse` takes on long typed lines: talk with cramp words in it, ending with a
warning sign, a command, or nothing in particular.

Prints, for each length, the characters and words of the line, the median and the slowest
of several parses (ms), and what it was read as. Usage: python -m bench.parse_speed [CHARS ...]
(100, 1,000, 2,200 and 10,000 characters when none is given).
"""

from __future__ import annotations

import statistics
import sys
import time

from bench.machine import describe
from tests.support.long_lines import long_line
from voice import CONTENT_DIR
from voice.content.loader import load_content
from voice.understand.matcher import IntentMatcher

LENGTHS = (100, 1_000, 2_200, 10_000)
ENDINGS = (("a sign", "and my calf is swollen"), ("a command", "stop"), ("talk", ""))
RUNS = 5
TARGET_MS = 50.0
"""The longest a 10,000-character line may take."""


def time_parse(matcher: IntentMatcher, text: str) -> tuple[list[float], str]:
    """Milliseconds of each of `RUNS` parses, and the intent found."""
    times = []
    name = ""
    for _ in range(RUNS):
        start = time.perf_counter()
        name = matcher.parse(text).name
        times.append((time.perf_counter() - start) * 1000)
    return times, name


def main(argv: list[str]) -> int:
    try:
        lengths = [int(a) for a in argv] or list(LENGTHS)
    except ValueError:
        print(f"usage: python -m bench.parse_speed [CHARS ...] (got {' '.join(argv)})",
              file=sys.stderr)
        return 2
    matcher = IntentMatcher(load_content(CONTENT_DIR))
    matcher.parse(long_line(200, "stop"))  # samples and vocabulary are built on first use
    print(f"parse speed on {describe().line()}; {RUNS} runs each")
    print(f"{'ending':<10} {'chars':>7} {'words':>6} {'median ms':>10} {'max ms':>8}  intent")
    worst = 0.0
    for label, end in ENDINGS:
        for chars in lengths:
            text = long_line(chars, end)
            times, name = time_parse(matcher, text)
            if chars >= 10_000:
                worst = max(worst, statistics.median(times))
            print(f"{label:<10} {len(text):>7} {len(text.split()):>6} "
                  f"{statistics.median(times):>10.1f} {max(times):>8.1f}  {name}")
    if worst:
        print(f"slowest median at 10,000+ characters: {worst:.1f} ms "
              f"(target {TARGET_MS:.0f} ms: {'met' if worst <= TARGET_MS else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
