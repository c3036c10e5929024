"""What a benchmark produces: figures with their target, and comparisons measured side by side.

Every figure carries the engine, the data and the number of trials it was measured on, so
a table row or a plot can always say where its number came from.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Target:
    """A limit a figure should stay within."""

    op: str
    """`<=` or `>=`."""
    limit: float
    unit: str = ""

    def met(self, value: float | None) -> bool | None:
        """Whether `value` meets the target (None when there is no value)."""
        if value is None or math.isnan(value):
            return None
        return value <= self.limit if self.op == "<=" else value >= self.limit

    def __str__(self) -> str:
        sign = "≤" if self.op == "<=" else "≥"
        return f"{sign} {_number(self.limit)}{_spaced(self.unit)}"


@dataclass(frozen=True)
class Figure:
    """One measured number."""

    section: str
    """Which part of the page it belongs to (`hearing`, `answering`, `counting`, `footprint`)."""
    name: str
    value: float | None
    """None when it could not be measured (the note says why)."""
    unit: str
    engine: str
    """What produced it: a short label, described in the section's legend."""
    data: str
    """What it was measured on: a short label, described in the section's legend."""
    trials: int
    """How many trials (utterances, clips, counts, replies, seconds ...) it rests on."""
    target: Target | None = None
    note: str = ""

    @property
    def met(self) -> bool | None:
        """Whether the target is met (None without a target or a value)."""
        return None if self.target is None else self.target.met(self.value)

    def shown(self) -> str:
        """The value with its unit, for a table."""
        if self.value is None or math.isnan(self.value):
            return "not measured"
        return f"{_number(self.value)}{_spaced(self.unit)}"


@dataclass(frozen=True)
class Comparison:
    """The product against a naive alternative, measured in the same run."""

    section: str
    measure: str
    ours: Figure
    naive: Figure
    better: str
    """`lower` or `higher`: which way is better for this measure."""
    resolution: float = 0.0
    """Smallest value the measurement can tell from zero: a value of ours below it counts
    as this much, and the ratio is then a lower bound."""

    @property
    def ratio(self) -> float | None:
        """naive / ours when lower is better, ours / naive when higher is better."""
        a, b = self.ours.value, self.naive.value
        if a is None or b is None:
            return None
        if self.better == "lower":
            a = max(a, self.resolution)
        num, den = (b, a) if self.better == "lower" else (a, b)
        if den == 0:
            return math.inf if num > 0 else 1.0
        return num / den

    @property
    def bound(self) -> bool:
        """The ratio is a lower bound (ours was below the resolution)."""
        return self.ours.value is not None and self.ours.value < self.resolution

    def shown(self) -> str:
        """`12× better`, `≥ 2,000× better`, `3.1× worse`, `same`."""
        ratio = self.ratio
        if ratio is None:
            return "—"
        if ratio == 1:
            return "same"
        if ratio == 0:
            return "worse (naive 0)" if self.better == "lower" else "worse (coach 0)"
        if math.isinf(ratio):
            return "better (coach 0)" if self.better == "lower" else "better (naive 0)"
        if ratio > 1:
            return f"{'≥ ' if self.bound else ''}{_number(ratio)}× better"
        return f"{_number(1 / ratio)}× worse"


@dataclass
class Results:
    """Everything one run measured, plus the series the plots are drawn from."""

    figures: list[Figure] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    series: dict[str, object] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    """Section → plain sentences printed under its tables."""
    legend: dict[str, dict[str, str]] = field(default_factory=dict)
    """Section → short label (engine or data) → what it stands for."""

    def add(self, *figures: Figure) -> None:
        """Record figures."""
        self.figures.extend(figures)

    def compare(self, section: str, measure: str, ours: Figure, naive: Figure,
                better: str, resolution: float = 0.0) -> None:
        """Record the ratio of two recorded figures."""
        self.comparisons.append(Comparison(section, measure, ours, naive, better, resolution))

    def describe(self, section: str, label: str, text: str) -> None:
        """Say what a short engine or data label stands for."""
        self.legend.setdefault(section, {})[label] = text

    def note(self, section: str, text: str) -> None:
        """A sentence for a section."""
        self.notes.setdefault(section, []).append(text)

    def merge(self, other: Results) -> None:
        """Take another part's results in."""
        self.figures.extend(other.figures)
        self.comparisons.extend(other.comparisons)
        self.series.update(other.series)
        for section, lines in other.notes.items():
            self.notes.setdefault(section, []).extend(lines)
        for section, labels in other.legend.items():
            self.legend.setdefault(section, {}).update(labels)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) by linear interpolation; None for no values."""
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else None


def mean(values: Sequence[float]) -> float | None:
    """Arithmetic mean; None for no values."""
    return float(np.mean(values)) if len(values) else None


def share(hits: int, total: int) -> float | None:
    """hits / total in percent; None when total is 0."""
    return 100.0 * hits / total if total else None


def _number(x: float) -> str:
    if math.isinf(x):
        return "∞"
    if x != 0 and abs(x) < 0.005:
        return "< 0.01" if x > 0 else "> −0.01"
    if abs(x) >= 100 or float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:.2f}" if abs(x) < 10 else f"{x:.1f}"


def _spaced(unit: str) -> str:
    return unit if unit in ("%", "×") else f" {unit}" if unit else ""
