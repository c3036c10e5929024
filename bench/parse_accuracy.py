"""Intent accuracy of `parse` on held-out utterance tables (tests/data/heldout_*.tsv).

Prints, for each table, overall accuracy, the out-of-domain (`none`) accuracy, per-intent
figures, per-class figures when the table has a `class` column (the safety table: signs,
emergencies, negated signs, benign sentences with trigger words, medicine questions,
off-script answers), and every miss. Usage: python -m bench.parse_accuracy [TABLE ...]
(all held-out tables when none is given).
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.support.heldout import DATA, Score, score


def main() -> None:
    tables = [Path(a) for a in sys.argv[1:]] or sorted(DATA.glob("heldout_*.tsv"))
    for table in tables:
        if len(tables) > 1:
            print(f"== {table.name}")
        report(score(table))


def report(result: Score) -> None:
    """Print one table's figures and misses."""
    print(f"parse accuracy: {result.correct}/{result.total} = {result.accuracy:.1%}")
    print(f"out-of-domain -> none: {result.none_correct}/{result.none_total} "
          f"= {result.none_accuracy:.1%}")
    for intent, (ok, n) in result.per_intent.items():
        print(f"  {intent:<11} {ok}/{n}")
    for name, (ok, n) in result.per_class.items():
        print(f"  class {name:<10} {ok}/{n} = {ok / n:.1%}")
    for miss in result.misses:
        print("  miss:", miss)


if __name__ == "__main__":
    main()
