"""The held-out spoken tables (tests/data/spoken_*.tsv) and how a hearing of them is scored.

Shared by the spoken-understanding benchmark (bench/understanding.py) and its tests.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from voice import ROOT_DIR
from voice.vocabulary import URGENT, Context

DATA = ROOT_DIR / "tests" / "data"
"""Where the tables are."""
PHRASING = DATA / "spoken_phrasing.tsv"
SAFETY = DATA / "spoken_safety.tsv"

SLOTS = ("muscle", "side")
"""Slots a cramp row is labelled with."""
CLEAN = "clean"
"""The condition with no noise."""
TYPED = "typed"
"""Column of the same rows read as text."""


@dataclass(frozen=True)
class Row:
    """One labelled sentence of a spoken table."""

    text: str
    intent: str
    slots: tuple[tuple[str, str], ...]
    """The label's muscle and side, where given."""
    context: Context
    kind: str
    """`phrasing` for the phrasing table, else the safety table's class."""


def load_rows(path: Path, kind: str | None = None) -> list[Row]:
    """The rows of a spoken table; `kind` None reads each row's `class` column."""
    rows = []
    with path.open(encoding="utf-8") as f:
        for line in csv.DictReader(f, delimiter="\t"):
            rows.append(Row(line["text"], line["intent"],
                            tuple((k, line[k]) for k in SLOTS if line.get(k)),
                            Context(line["context"]), kind or line["class"]))
    return rows


def all_rows() -> list[Row]:
    """Both spoken tables, phrasing first."""
    return load_rows(PHRASING, "phrasing") + load_rows(SAFETY)


def correct(row: Row, intent: str, slots: Mapping[str, str]) -> bool:
    """The intent is the label's; for a cramp, muscle and side are too."""
    if intent != row.intent:
        return False
    if intent != "cramp":
        return True
    want = dict(row.slots)
    return all(slots.get(k) == want.get(k) for k in SLOTS)


@dataclass(frozen=True)
class Heard:
    """What the coach made of one job."""

    index: int
    voice: str
    condition: str
    text: str
    """The recogniser's transcript ("" when it heard nothing usable)."""
    intent: str
    slots: tuple[tuple[str, str], ...]
    cpu_s: float


@dataclass(frozen=True)
class Share:
    """A count out of a total."""

    hits: int
    total: int

    @property
    def percent(self) -> float | None:
        return 100.0 * self.hits / self.total if self.total else None

    def cell(self) -> str:
        value = self.percent
        return "—" if value is None else f"{value:5.1f}% ({self.hits}/{self.total})"


MEASURES: tuple[tuple[str, str], ...] = (
    ("phrasing", "phrasing accuracy"),
    ("phrasing idle", "  idle"),
    ("phrasing count", "  count"),
    ("phrasing question", "  question"),
    ("urgent", "signs+emergencies urgent"),
    ("urgent sign", "  signs urgent"),
    ("urgent emergency", "  emergencies urgent"),
    ("labelled sign", "  signs as red_flag"),
    ("labelled emergency", "  emergencies as emergency"),
    ("alarm", "negated/benign alarmed"),
    ("labelled benign", "  negated/benign as labelled"),
    ("medicine", "medicine recognised"),
)
"""Measure key → how it is printed."""


def measures(rows: Sequence[Row], heard: Iterable[Heard]) -> dict[str, Share]:
    """Every measure of `MEASURES` over the heard rows."""
    hits: dict[str, int] = defaultdict(int)
    seen: dict[str, int] = defaultdict(int)

    def count(key: str, ok: bool) -> None:
        seen[key] += 1
        hits[key] += ok

    for h in heard:
        row = rows[h.index]
        ok = correct(row, h.intent, dict(h.slots))
        if row.kind == "phrasing":
            count("phrasing", ok)
            count(f"phrasing {row.context}", ok)
        elif row.kind in ("sign", "emergency"):
            count("urgent", h.intent in URGENT)
            count(f"urgent {row.kind}", h.intent in URGENT)
            count(f"labelled {row.kind}", ok)
        elif row.kind == "benign":
            count("alarm", h.intent in URGENT)
            count("labelled benign", ok)
        elif row.kind == "medicine":
            count("medicine", ok)
    return {key: Share(hits[key], seen[key]) for key, _ in MEASURES}


def missed(row: Row, h: Heard) -> bool:
    """Whether a heard row counts against its measure."""
    if row.kind in ("sign", "emergency"):
        return h.intent not in URGENT
    if row.kind == "benign":
        return h.intent in URGENT
    return not correct(row, h.intent, dict(h.slots))
