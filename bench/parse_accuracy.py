"""Intent accuracy of `parse` on the held-out utterance table (tests/data/heldout_utterances.tsv).

Prints overall accuracy, the out-of-domain (`none`) accuracy, per-intent figures and every
miss. Usage: python bench/parse_accuracy.py [TABLE]
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from voice import CONTENT_DIR, ROOT_DIR
from voice.content import load_content
from voice.intents import IntentMatcher

TABLE = ROOT_DIR / "tests" / "data" / "heldout_utterances.tsv"


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
    misses = []
    for row in rows:
        got = matcher.parse(row["text"])
        want_slots = {k: row[k] for k in ("muscle", "side") if row.get(k)}
        ok = got.name == row["intent"]
        if ok and row["intent"] == "cramp":
            ok = {k: got.slots.get(k) for k in ("muscle", "side")} == {
                k: want_slots.get(k) for k in ("muscle", "side")}
        seen[row["intent"]] += 1
        if ok:
            good[row["intent"]] += 1
        else:
            misses.append(f"{row['text']!r}: want {row['intent']} {want_slots}, "
                          f"got {got.name} {dict(got.slots)} ({got.confidence:.2f})")
    return Score(total=len(rows), correct=sum(good.values()), none_total=seen["none"],
                 none_correct=good["none"], misses=misses,
                 per_intent={k: (good[k], seen[k]) for k in sorted(seen)})


def main() -> None:
    result = score(Path(sys.argv[1]) if len(sys.argv) > 1 else TABLE)
    print(f"parse accuracy: {result.correct}/{result.total} = {result.accuracy:.1%}")
    print(f"out-of-domain -> none: {result.none_correct}/{result.none_total} "
          f"= {result.none_accuracy:.1%}")
    for intent, (ok, n) in result.per_intent.items():
        print(f"  {intent:<11} {ok}/{n}")
    for miss in result.misses:
        print("  miss:", miss)


if __name__ == "__main__":
    main()
