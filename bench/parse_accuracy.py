"""Intent accuracy of `parse` on held-out utterance tables (tests/data/heldout_*.tsv).

Prints, for each table, overall accuracy, the out-of-domain (`none`) accuracy, per-intent
figures, per-class figures when the table has a `class` column (the safety table: signs,
emergencies, negated signs, benign sentences with trigger words, medicine questions,
off-script answers), and every miss. Usage: python -m bench.parse_accuracy [TABLE ...]
(all held-out tables when none is given).
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from voice import CONTENT_DIR, ROOT_DIR
from voice.content.loader import load_content
from voice.understand.matcher import IntentMatcher

DATA = ROOT_DIR / "tests" / "data"
TABLE = DATA / "heldout_utterances.tsv"


@dataclass(frozen=True)
class Score:
    """Result of scoring the matcher on a table."""

    total: int
    correct: int
    none_total: int
    none_correct: int
    misses: list[str]
    per_intent: dict[str, tuple[int, int]]
    """intent → (correct, total)."""
    per_class: dict[str, tuple[int, int]] = field(default_factory=dict)
    """class (the table's `class` column, when it has one) → (correct, total)."""

    def class_accuracy(self, name: str) -> float:
        ok, n = self.per_class.get(name, (0, 0))
        return ok / n if n else 1.0

    @property
    def accuracy(self) -> float:
        return self.correct / self.total

    @property
    def none_accuracy(self) -> float:
        return self.none_correct / self.none_total if self.none_total else 1.0


def score(table: Path = TABLE) -> Score:
    """Score the shipped content's matcher on a held-out table."""
    matcher = IntentMatcher(load_content(CONTENT_DIR))
    rows = list(csv.DictReader(table.open(encoding="utf-8"), delimiter="\t"))
    good: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    class_good: Counter[str] = Counter()
    class_seen: Counter[str] = Counter()
    misses = []
    for row in rows:
        got = matcher.parse(row["text"])
        want_slots = {k: row[k] for k in ("muscle", "side") if row.get(k)}
        ok = got.name == row["intent"]
        if ok and row["intent"] == "cramp":
            ok = {k: got.slots.get(k) for k in ("muscle", "side")} == {
                k: want_slots.get(k) for k in ("muscle", "side")}
        seen[row["intent"]] += 1
        if row.get("class"):
            class_seen[row["class"]] += 1
            class_good[row["class"]] += ok
        if ok:
            good[row["intent"]] += 1
        else:
            misses.append(f"{row['text']!r}: want {row['intent']} {want_slots}, "
                          f"got {got.name} {dict(got.slots)} ({got.confidence:.2f})")
    return Score(total=len(rows), correct=sum(good.values()), none_total=seen["none"],
                 none_correct=good["none"], misses=misses,
                 per_intent={k: (good[k], seen[k]) for k in sorted(seen)},
                 per_class={k: (class_good[k], class_seen[k]) for k in sorted(class_seen)})


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
