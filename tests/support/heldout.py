"""The intent matcher scored on a held-out table of utterances (`tests/data/heldout_*.tsv`),
for the tests' accuracy floors and `python -m bench.parse_accuracy` alike."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from voice import CONTENT_DIR, ROOT_DIR
from voice.content.loader import load_content
from voice.understand.matcher import IntentMatcher
from voice.vocabulary import Context

DATA = ROOT_DIR / "tests" / "data"
"""Where the held-out tables are."""
TABLE = DATA / "heldout_utterances.tsv"
"""The table scored when none is named."""
NIGHT = DATA / "night_phrasings.tsv"
"""What people say at night beyond the script, each row in its listening context."""
SLOTS = {"cramp": ("muscle", "side"), "voice": ("change",), "explain": ("topic",)}
"""Intent → the slots a row of it is labelled with (all must match, absent too)."""


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
    """Score the shipped content's matcher on a held-out table; a row with a `context`
    column is read in that listening context."""
    matcher = IntentMatcher(load_content(CONTENT_DIR))
    rows = list(csv.DictReader(table.open(encoding="utf-8"), delimiter="\t"))
    good: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    class_good: Counter[str] = Counter()
    class_seen: Counter[str] = Counter()
    misses = []
    for row in rows:
        context = Context(row["context"]) if row.get("context") else None
        got = matcher.parse(row["text"], context)
        keys = tuple(k for k in SLOTS.get(row["intent"], ()) if k in row)
        want_slots = {k: row[k] for k in keys if row.get(k)}
        ok = got.name == row["intent"] and {k: got.slots.get(k) for k in keys} == {
            k: want_slots.get(k) for k in keys}
        seen[row["intent"]] += 1
        if row.get("class"):
            class_seen[row["class"]] += 1
            class_good[row["class"]] += ok
        if ok:
            good[row["intent"]] += 1
        else:
            misses.append(f"{row['text']!r}{f' [{context}]' if context else ''}: want {row['intent']} {want_slots}, "
                          f"got {got.name} {dict(got.slots)} ({got.confidence:.2f})")
    return Score(total=len(rows), correct=sum(good.values()), none_total=seen["none"],
                 none_correct=good["none"], misses=misses,
                 per_intent={k: (good[k], seen[k]) for k in sorted(seen)},
                 per_class={k: (class_good[k], class_seen[k]) for k in sorted(class_seen)})
