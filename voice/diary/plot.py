"""`diary --plot`: a calendar of cramps per night, coloured by muscle (matplotlib).

matplotlib is imported here only, and only when a picture is asked for: it is an optional
extra (`pip install 'cramp-coach[plot]'`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from voice.coach.facts import night_of
from voice.diary.tracker import SessionRecord
from voice.errors import MissingResource
from voice.files import atomic_output

MUSCLE_COLOURS = {"calf": "#1f77b4", "hamstring": "#ff7f0e", "quadriceps": "#9467bd",
                  "foot": "#8c564b", None: "#7f7f7f"}
"""Colour of a cramp's dot by muscle (None: not said). Tableau colours, told apart in
the common forms of colour blindness."""
WARNING_COLOUR = "#d62728"
STRETCHED_COLOUR = "#2ca02c"
DOTS_PER_ROW = 3
MAX_DOTS = 6
"""Dots drawn in one night's cell; more are written as "+n"."""
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: never a window, never a display server
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingResource("--plot needs matplotlib, which is not installed; install it "
                              "with: pip install 'cramp-coach[plot]'") from None
    return plt


def plot(records: list[SessionRecord], first: dt.date, last: dt.date, out: Path,
         names: Mapping[str, str]) -> None:
    """Draw nights `first`..`last` (whole weeks, Monday first) into `out` (PNG)."""
    plt = _pyplot()
    from matplotlib.patches import Rectangle

    start = first - dt.timedelta(days=first.weekday())
    weeks = (last - start).days // 7 + 1
    nights: dict[dt.date, list[SessionRecord]] = defaultdict(list)
    for record in records:
        nights[night_of(record.started)].append(record)

    fig, ax = plt.subplots(figsize=(8.5, 1.4 + 1.05 * weeks))
    for w in range(weeks):
        for d in range(7):
            night = start + dt.timedelta(days=7 * w + d)
            x, y = d, weeks - 1 - w
            inside = first <= night <= last
            ax.add_patch(Rectangle((x + 0.03, y + 0.03), 0.94, 0.94, linewidth=1,
                                   edgecolor="#bbbbbb", facecolor="white" if inside
                                   else "#f2f2f2"))
            if not inside:
                continue
            label = night.strftime("%-d %b") if night.day == 1 or (w, d) == (0, 0) \
                or night == first else str(night.day)
            ax.text(x + 0.08, y + 0.88, label, fontsize=8, va="top", color="#555555")
            _draw_night(ax, x, y, nights.get(night, []))
    ax.set_xlim(0, 7)
    ax.set_ylim(0, weeks)
    ax.set_xticks([d + 0.5 for d in range(7)], DAY_NAMES)
    ax.xaxis.tick_top()
    ax.set_yticks([weeks - 1 - w + 0.5 for w in range(weeks)],
                  [(start + dt.timedelta(days=7 * w)).strftime("week of %-d %b")
                   for w in range(weeks)], fontsize=8)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_aspect("equal")
    cramps = sum(1 for r in records if r.kind == "cramp")
    cramp_nights = len({night_of(r.started) for r in records if r.kind == "cramp"})
    ax.set_title(f"Night cramps, {first:%-d %b} to {last:%-d %b %Y}: {cramps} on "
                 f"{cramp_nights} nights", fontsize=11, pad=24)
    _legend(ax, names)
    fig.tight_layout()
    with atomic_output(out) as f:
        fig.savefig(f, format="png", dpi=110)
    plt.close(fig)


def _draw_night(ax: Any, x: int, y: int, records: list[SessionRecord]) -> None:
    cramps = [r for r in records if r.kind == "cramp"]
    for i, record in enumerate(cramps[:MAX_DOTS]):
        row, col = divmod(i, DOTS_PER_ROW)
        ax.scatter(x + 0.25 + 0.25 * col, y + 0.58 - 0.24 * row, s=90,
                   color=MUSCLE_COLOURS.get(record.muscle, MUSCLE_COLOURS[None]),
                   edgecolors=WARNING_COLOUR if record.ending == "warning_sign" else "none",
                   linewidths=2, zorder=3)
    if len(cramps) > MAX_DOTS:
        ax.text(x + 0.9, y + 0.1, f"+{len(cramps) - MAX_DOTS}", fontsize=8,
                ha="right", va="bottom")
    if any(r.kind == "warning" for r in records):
        ax.scatter(x + 0.85, y + 0.83, marker="^", s=60, color=WARNING_COLOUR, zorder=3)
    if any(r.kind == "bedtime" for r in records):
        ax.plot([x + 0.12, x + 0.88], [y + 0.1, y + 0.1], color=STRETCHED_COLOUR,
                linewidth=4, solid_capstyle="butt")


def _legend(ax: Any, names: Mapping[str, str]) -> None:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="o", linestyle="", markersize=9, color=colour,
                      label=names.get(m, m) if m else "muscle not said")
               for m, colour in MUSCLE_COLOURS.items()]
    handles += [Line2D([], [], marker="o", linestyle="", markersize=9, color="white",
                       markeredgecolor=WARNING_COLOUR, markeredgewidth=2,
                       label="warning sign heard"),
                Line2D([], [], color=STRETCHED_COLOUR, linewidth=4,
                       label="bedtime stretches done")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02),
              ncol=4, fontsize=8, frameon=False, title="each dot is one cramp, on the night "
              "it began (a cramp after midnight counts for the evening before)",
              title_fontsize=8)
