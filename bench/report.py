"""docs/benchmarks.md and its plots, from one run's results."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from pathlib import Path

from bench.figures import Comparison, Figure, Results
from bench.machine import Machine

SECTIONS = {
    "hearing": "1. Hearing",
    "answering": "2. Answering",
    "counting": "3. Counting",
    "footprint": "4. Footprint",
}
HEADLINES = (
    ("hearing", "intent accuracy, clean", "coach"),
    ("hearing", "intent accuracy, babble 10 dB", "coach"),
    ("hearing", "real voices: 'stop' recall, count", "coach"),
    ("hearing", "real voices: other words accepted, idle", "coach"),
    ("hearing", "false session starts per hour (idle)", "coach"),
    ("answering", "reply latency p50", "coach"),
    ("answering", "reply latency p95", "coach"),
    ("answering", "stop → silence p50", "coach"),
    ("answering", "stop → silence p95", "coach"),
    ("counting", "max onset error", "coach, live"),
    ("counting", "drift over a count (fitted, first to last word)", "coach, live"),
    ("footprint", "CPU while idle-listening (share of one core)", "coach"),
    ("footprint", "peak resident memory", "coach, live, whisper"),
    ("footprint", "start to ready to listen (median)", "coach, live, whisper"),
    ("footprint", "peak resident memory", "coach, live, pocketsphinx"),
    ("footprint", "start to ready to listen (median)", "coach, live, pocketsphinx"),
)
"""(section, figure name, engine label prefix) shown in the summary: the first match."""

WHY = {
    "reply latency p50": "The answering section says where the time goes: the endpointer's "
    "240 ms of silence, the part of the recogniser's decode that the silence does not hide "
    "(it starts after 90 ms of it), the 50 ms the reply is scheduled ahead and the audio "
    "buffering in and out. The live trials run while the hearing benchmark decodes beside "
    "them at the lowest priority, which slows the decode.",
    "stop → silence p50": "The speaker is hushed as soon as the recogniser's running guess "
    "reads stop; when the guess forms late or not at all, the stop is acted on only after "
    "the endpointer's silence and the decode. Either way the 150 ms queued for the speaker "
    "still plays.",
    "false session starts per hour (idle)": "A grammar recogniser forces sound into its "
    "phrases, and its rejection lets some of it through as a command (examples under the "
    "hearing table); the second hearing of idle commands turns most of it away, not all. A "
    "stronger acoustic model, or an idle grammar that requires \"help\" or a muscle word, "
    "would close it.",
    "CPU while idle-listening (share of one core)": "The VAD runs on every 30 ms block and "
    "noise that it takes for speech is decoded.",
    "max onset error": "Within a count, one word came late and every word after it by the "
    "same amount (see the plot): that is a stall of the output stream, when the machine is "
    "too busy to refill it in time, and the coach's clock counts frames handed to the "
    "stream, not frames played. Taking the stream's own output time (PortAudio's DAC time) "
    "to place cues would close it.",
}
WHY["reply latency p95"] = WHY["reply latency p50"]
WHY["drift over a count (fitted, first to last word)"] = WHY["max onset error"]
WHY["stop → silence p95"] = WHY["stop → silence p50"]


def met_word(figure: Figure) -> str:
    """`met`, `**MISSED**` or `—` (no target)."""
    return {True: "met", False: "**MISSED**", None: "—"}[figure.met]


def figure_table(figures: Sequence[Figure]) -> list[str]:
    """One row per figure, with its target, engine, data and trials."""
    lines = ["| figure | value | target | | engine | data | trials |",
             "|---|---:|---|---|---|---|---:|"]
    for f in figures:
        note = f" ({f.note})" if f.note else ""
        lines.append(f"| {f.name}{note} | {f.shown()} | {f.target or '—'} | {met_word(f)} "
                     f"| {f.engine} | {f.data} | {f.trials:,} |")
    return lines


def pivot_table(figures: Sequence[Figure]) -> list[str]:
    """One row per measure, one column per engine; each value with its verdict, then the
    target, the data and the trials (per engine, in column order)."""
    engines = list(dict.fromkeys(f.engine for f in figures))
    names = list(dict.fromkeys(f.name for f in figures))
    cell = {(f.name, f.engine): f for f in figures}
    lines = ["| measure | " + " | ".join(engines) + " | target | data | trials |",
             "|---|" + "---:|" * len(engines) + "---|---|---:|"]
    for name in names:
        row = [cell.get((name, e)) for e in engines]
        present = [f for f in row if f is not None]
        values = [_cell(f) for f in row]
        targets = {str(f.target) for f in present if f.target is not None}
        data = ", ".join(dict.fromkeys(f.data for f in present))
        trials = " / ".join(dict.fromkeys(f"{f.trials:,}" for f in present))
        lines.append(f"| {name} | " + " | ".join(values)
                     + f" | {', '.join(sorted(targets)) or '—'} | {data} | {trials} |")
    return lines


def _cell(figure: Figure | None) -> str:
    if figure is None:
        return ""
    verdict = {True: " met", False: " **MISSED**", None: ""}[figure.met]
    note = f" ({figure.note})" if figure.note else ""
    return figure.shown() + verdict + note


def legend(labels: dict[str, str]) -> list[str]:
    """What each short engine and data label stands for."""
    return [f"- **{label}**: {text}" for label, text in labels.items()]


def comparison_table(comparisons: Sequence[Comparison]) -> list[str]:
    """The coach against the naive alternative, with the ratio."""
    lines = ["| measure | cramp coach | naive alternative | ratio | data | trials (coach / naive) |",
             "|---|---:|---:|---|---|---:|"]
    for c in comparisons:
        lines.append(f"| {c.measure} | {c.ours.shown()} ({c.ours.engine}) | {c.naive.shown()} "
                     f"({c.naive.engine}) | {c.shown()} | {c.ours.data} "
                     f"| {c.ours.trials:,} / {c.naive.trials:,} |")
    return lines


def missed(results: Results) -> list[str]:
    """A plain sentence for every target missed, with the reason where it is known."""
    lines = []
    for f in results.figures:
        if f.met is False:
            why = WHY.get(f.name, "")
            lines.append(f"- **{f.name}** ({f.engine}): {f.shown()}, target {f.target} — "
                         f"missed. {why}".rstrip())
        elif f.target is not None and f.met is None:
            lines.append(f"- **{f.name}** ({f.engine}): not measured in this run. {f.note}")
    return lines


def write(results: Results, machine: Machine, out: Path, mode: str, elapsed_s: float,
          plots: Sequence[Path], loads: Sequence[float] = ()) -> Path:
    """Write the page; returns its path. `loads` are 1-minute load averages taken during
    the run (other work on the machine slows recognition and shows here)."""
    load = (f"1-minute load average {min(loads):.1f}–{max(loads):.1f} during the run"
            if loads else "load not recorded")
    page = out / "benchmarks.md"
    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    versions = ", ".join(f"{k} {v}" for k, v in machine.versions.items())
    lines = [
        "# Benchmarks",
        "",
        ("How well cramp coach hears, how fast it answers, how exact its count is and what "
         "it costs, each measured in the same run as the alternative a person would "
         "otherwise use. Generated by `python -m bench.run`; do not edit by hand."),
        "",
        f"- **Machine:** {machine.line()}",
        f"- **Software:** {versions}",
        f"- **Run:** {mode} mode, {when}, {elapsed_s / 60:.1f} min in all; {load}",
        ("- Each row gives the engine that produced the figure, the data it was measured on "
         "and the number of trials. \"met\" / \"**MISSED**\" compare it with its target."),
        "",
        "## Summary",
        "",
        *figure_table(_headlines(results)),
        "",
        "## Side by side: cramp coach against the naive alternatives",
        "",
        ("Both sides are measured in the same run on the same audio. For error, latency "
         "and false starts the ratio is naive ÷ coach; for accuracy and recall, coach ÷ "
         "naive. A coach value below the measurement's resolution counts as the resolution, "
         "so the ratio is then a lower bound (≥)."),
        "",
        *comparison_table(results.comparisons),
        "",
        "## Targets missed",
        "",
        *(missed(results) or ["Every target was met in this run."]),
        "",
    ]
    for key, title in SECTIONS.items():
        figures = [f for f in results.figures if f.section == key]
        if not figures:
            continue
        table = figure_table(figures) if key == "footprint" else pivot_table(figures)
        lines += [f"## {title}", "", f"Machine: {machine.line()}.", "", *table,
                  "", *legend(results.legend.get(key, {})), ""]
        lines += [f"{n}\n" for n in results.notes.get(key, [])]
        lines += [f"![{p.stem}]({p.name})\n" for p in plots
                  if p.stem.startswith(_PLOTS[key])]
    lines += ["## Data", "", *DATA_NOTES, ""]
    page.write_text("\n".join(lines))
    return page


_PLOTS = {"hearing": "accuracy", "answering": "latency", "counting": "count",
          "footprint": "-"}

DATA_NOTES = (
    ("- Real voices: Speech Commands v0.02 (Pete Warden, \"Speech Commands: A Dataset for "
     "Limited-Vocabulary Speech Recognition\", 2018, arXiv:1804.03209), licensed CC BY 4.0; "
     "a subset of its test split. One-second clips of single words by many speakers."),
    ("- Synthetic commands: tests/support/audio_sets.py, the command phrases spoken by espeak-ng "
     "and flite voices at several rates, mixed with brown (fan-like), pink and babble noise "
     "(several other utterances mixed together) at the stated SNR."),
    ("- Live figures run through a private PulseAudio server with virtual devices "
     "(tests/support/room.py): the coach listens on one channel of a stereo null sink and speaks on "
     "the other, and one recording of both gives the end of the user's speech and the "
     "reply on one sample clock."),
)


def _headlines(results: Results) -> list[Figure]:
    chosen = []
    for section, name, engine in HEADLINES:
        chosen.extend([f for f in results.figures if f.section == section and f.name == name
                       and f.engine.startswith(engine)][:1])
    return chosen
