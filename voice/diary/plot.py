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
STOPPED_COLOUR = "#98df8a"
DOTS_PER_ROW = 3
MAX_DOTS = 6
"""Dots drawn in one night's cell; more are written as "+n"."""
MAX_WEEKS = 104
"""The longest picture (weeks): two years, about 12,300 pixels high."""
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DPI = 110
SIGN_ENDINGS = ("warning_sign", "emergency")

# Legend keys: every mark drawn carries the key (its gid) of its legend entry.
RING, LONE_SIGN, EMERGENCY, ROUTINE_DONE, ROUTINE_STOPPED = (
    "ring", "lone_sign", "emergency", "routine_done", "routine_stopped")


def muscle_key(muscle: str | None) -> str:
    """The legend key of a muscle's dot."""
    return f"muscle:{muscle or '-'}"


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: never a window, never a display server
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingResource("--plot needs matplotlib, which is not installed; install it "
                              "with: pip install 'cramp-coach[plot]'") from None
    return plt


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def title(records: list[SessionRecord], first: dt.date, last: dt.date) -> str:
    """The picture's title: the nights shown and how many cramps on how many nights."""
    cramps = [r for r in records if r.kind == "cramp"]
    nights = len({night_of(r.started) for r in cramps})
    counted = (f"{_plural(len(cramps), 'cramp')} on {_plural(nights, 'night')}" if cramps
               else "no cramps")
    return f"Night cramps, {first:%-d %b} to {last:%-d %b %Y}: {counted}"


def figure(records: list[SessionRecord], first: dt.date, last: dt.date,
           names: Mapping[str, str]) -> Any:
    """The calendar of nights `first`..`last` (whole weeks, Monday first), a matplotlib
    figure at `DPI`."""
    plt = _pyplot()
    from matplotlib.patches import Rectangle

    start = first - dt.timedelta(days=first.weekday())
    weeks = (last - start).days // 7 + 1
    nights: dict[dt.date, list[SessionRecord]] = defaultdict(list)
    for record in records:
        nights[night_of(record.started)].append(record)

    fig, ax = plt.subplots(figsize=(8.5, 1.6 + 1.05 * weeks), dpi=DPI)
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
            ax.text(x + 0.08, y + 0.9, label, fontsize=8, va="top", color="#555555")
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
    ax.set_title(title(records, first, last), fontsize=11, pad=24)
    _legend(ax, names)
    fig.tight_layout()
    return fig


def plot(records: list[SessionRecord], first: dt.date, last: dt.date, out: Path,
         names: Mapping[str, str]) -> None:
    """Draw nights `first`..`last` (whole weeks, Monday first) into `out` (PNG)."""
    plt = _pyplot()
    fig = figure(records, first, last, names)
    with atomic_output(out) as f:
        fig.savefig(f, format="png", dpi=DPI)
    plt.close(fig)


def _draw_night(ax: Any, x: int, y: int, records: list[SessionRecord]) -> None:
    """One night's cell: a dot per cramp (two rows of three, "+n" beside the second), the
    signs heard at the top right, and the bedtime routine as a bar along the bottom."""
    cramps = [r for r in records if r.kind == "cramp"]
    for i, record in enumerate(cramps[:MAX_DOTS]):
        row, col = divmod(i, DOTS_PER_ROW)
        sign = record.ending in SIGN_ENDINGS
        ax.scatter(x + 0.2 + 0.2 * col, y + 0.6 - 0.22 * row, s=90,
                   color=MUSCLE_COLOURS.get(record.muscle, MUSCLE_COLOURS[None]),
                   edgecolors=WARNING_COLOUR if sign else "none", linewidths=2, zorder=3,
                   gid=RING if sign else muscle_key(record.muscle))
    if len(cramps) > MAX_DOTS:
        ax.text(x + 0.93, y + 0.38, f"+{len(cramps) - MAX_DOTS}", fontsize=8,
                ha="right", va="center")
    flags = []
    if any(r.ending == "emergency" for r in records):
        flags.append(("X", 70, EMERGENCY))
    if any(r.kind == "warning" and r.ending == "warning_sign" for r in records):
        flags.append(("^", 60, LONE_SIGN))
    for k, (marker, size, key) in enumerate(flags):
        ax.scatter(x + 0.86 - 0.18 * k, y + 0.84, marker=marker, s=size,
                   color=WARNING_COLOUR, zorder=3, gid=key)
    routines = [r for r in records if r.kind == "bedtime"]
    if routines:
        done = any(r.ending == "completed" for r in routines)
        ax.plot([x + 0.12, x + 0.88], [y + 0.12, y + 0.12],
                color=STRETCHED_COLOUR if done else STOPPED_COLOUR, linewidth=4,
                linestyle="-" if done else (0, (2, 1)), solid_capstyle="butt",
                gid=ROUTINE_DONE if done else ROUTINE_STOPPED)


def legend_labels(names: Mapping[str, str]) -> dict[str, str]:
    """The legend's label for each key a mark can carry, in the legend's order."""
    labels = {muscle_key(m): names.get(m, m) if m else "muscle not said"
              for m in MUSCLE_COLOURS}
    return {**labels, RING: "a cramp with a warning sign", LONE_SIGN: "a warning sign, no cramp",
            EMERGENCY: "an emergency (ambulance)", ROUTINE_DONE: "bedtime stretches done",
            ROUTINE_STOPPED: "bedtime stretches stopped early"}


def _legend(ax: Any, names: Mapping[str, str]) -> None:
    """A key for every kind of mark the picture can hold."""
    from matplotlib.lines import Line2D

    style: dict[str, dict[str, Any]] = {
        **{muscle_key(m): {"marker": "o", "markersize": 9, "color": colour}
           for m, colour in MUSCLE_COLOURS.items()},
        RING: {"marker": "o", "markersize": 9, "color": "white",
               "markeredgecolor": WARNING_COLOUR, "markeredgewidth": 2},
        LONE_SIGN: {"marker": "^", "markersize": 8, "color": WARNING_COLOUR},
        EMERGENCY: {"marker": "X", "markersize": 8, "color": WARNING_COLOUR},
        ROUTINE_DONE: {"color": STRETCHED_COLOUR, "linewidth": 4, "linestyle": "-"},
        ROUTINE_STOPPED: {"color": STOPPED_COLOUR, "linewidth": 4, "linestyle": (0, (2, 1))},
    }
    handles = [Line2D([], [], label=label, **{"linestyle": "", **style[key]})
               for key, label in legend_labels(names).items()]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02),
              ncol=4, fontsize=8, frameon=False, title="each dot is one cramp, on the night "
              "it began (a cramp after midnight counts for the evening before); +n: more "
              "cramps than dots", title_fontsize=8)
