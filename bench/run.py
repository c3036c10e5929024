"""The one benchmark command: hearing, answering, counting and footprint, side by side with
the naive alternatives, written to docs/benchmarks.md and PNG plots.

    python -m bench.run            # full run (at most 48 minutes on 2 cores)
    python -m bench.run --quick    # fewer trials, a 1-minute CPU window (about 5 minutes)
    python -m bench.run --smoke    # a few files and one trial of each (about a minute)

Then docs/tuning.md (bench/tuning.py, its quick set): each recogniser setting against its
alternatives.

The live parts start a private PulseAudio server with virtual devices. Recognition
accuracy is decoded in worker processes at the lowest priority: on one core while the live
parts run (so they keep the other), on every core after them, until done or the time
budget is spent.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import answering, counting, footprint, hearing, plots, report, tuning
from bench.figures import Results
from bench.machine import describe
from tests.support.pulse import missing_tools
from tests.support.room import Room
from tests.support.speech import clips_missing
from voice import ROOT_DIR


@dataclass(frozen=True)
class Mode:
    """How much a run measures."""

    name: str
    reply_trials: int
    idle_window_s: float
    starts: int
    """Coach start-ups timed on each recogniser path (the answering run's own start is
    one of them)."""
    path_trials: int
    """Live answering trials on each other recogniser path, for its peak memory."""
    live_counts: int
    rendered_counts: int
    naive_counts: int
    naive_words: int
    tts_sentences: int | None
    sizes: hearing.Sizes
    budget_s: float
    """The whole run's time (seconds): recognition stops early to keep to it."""


MODES = {
    "full": Mode("full", 30, 300.0, 3, 5, 3, 4, 2, 30, None,
                 hearing.Sizes(synthetic=None, snrs=(10.0,), commands_per_word=None,
                               others_per_folder=None, chatter=40, workers=2), 48 * 60),
    "quick": Mode("quick", 10, 60.0, 2, 3, 1, 2, 1, 30, None,
                  hearing.Sizes(synthetic=None, snrs=(20.0, 10.0, 5.0), commands_per_word=None,
                                others_per_folder=None, chatter=40, workers=2), 5 * 60),
    "smoke": Mode("smoke", 1, 5.0, 1, 1, 0, 1, 1, 3, 3,
                  hearing.Sizes(synthetic=2, snrs=(10.0,), commands_per_word=1,
                                others_per_folder=1, chatter=1, workers=2, talk=2), 10 * 60),
}


TAIL_S = 40.0
"""Time kept after recognition for synthesis timing and writing the page (seconds)."""


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def measure(mode: Mode, live: bool = True, started: float | None = None) -> Results:
    """Everything the mode asks for, within the mode's time budget from `started`."""
    deadline = (started or time.monotonic()) + mode.budget_s - TAIL_S
    results = Results()
    paths: list[footprint.PathFootprint] = []
    idle = None
    _say("hearing: decoding starts in the background, one core at the lowest priority")
    decoding = hearing.Decoding(mode.sizes, parallel=1 if live else mode.sizes.workers)
    if live:
        with Room() as room:
            _say(f"idle CPU window of {mode.idle_window_s:.0f} s opens")
            probe = footprint.IdleProbe(room, mode.idle_window_s)
            _say(f"answering: {mode.reply_trials} live trials")
            answers = answering.run(room, mode.reply_trials)
            results.merge(answers)
            default = footprint.measure_path(room, str(answers.series["engine"]),
                                             max(0, mode.starts - 1), 0)
            default.starts += answers.series["ready_s"]  # type: ignore[arg-type]
            rss = answers.series.get("peak_rss_mib")
            default.peak_rss = rss if isinstance(rss, float) else None
            idle = probe.finish()
            paths.append(default)
            for engine in footprint.PATHS:
                if engine != default.engine:
                    _say(f"start-up and memory with --engine {engine}")
                    paths.append(footprint.measure_path(room, engine, mode.starts,
                                                        mode.path_trials))
            _say("counting live")
            results.merge(counting.run(room, mode.live_counts, mode.rendered_counts,
                                       mode.naive_counts, mode.naive_words))
    else:
        results.merge(counting.run(None, 0, mode.rendered_counts, 0))
    _say("hearing now on every core, until done or the time budget")
    decoding.widen(mode.sizes.workers)
    results.merge(decoding.finish(deadline))
    _say("speech synthesis times")
    tts = footprint.tts_times(mode.tts_sentences)
    footprint.summarise(results, idle, paths, tts,
                        results.series.get("rtf", {}))  # type: ignore[arg-type]
    return results


class LoadSampler:
    """Samples the 1-minute load average every few seconds while a run goes on."""

    def __init__(self, every_s: float = 10.0) -> None:
        self.loads: list[float] = [os.getloadavg()[0]]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(every_s,), daemon=True)
        self._thread.start()

    def _sample(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            self.loads.append(os.getloadavg()[0])

    def stop(self) -> list[float]:
        """Stop sampling; the samples taken."""
        self._stop.set()
        self.loads.append(os.getloadavg()[0])
        return self.loads


def write_page(results: Results, out: Path, mode: str, elapsed_s: float,
               loads: Sequence[float] = ()) -> Path:
    """The plots and docs/benchmarks.md."""
    machine = describe()
    out.mkdir(parents=True, exist_ok=True)
    drawn = []
    if results.series.get("accuracy_vs_snr"):
        drawn.append(plots.accuracy_vs_snr(results.series["accuracy_vs_snr"],  # type: ignore[arg-type]
                                           str(results.series.get("synthetic_data", "")),
                                           machine, out))
    if any(k.startswith("count_") for k in results.series):
        drawn.append(plots.count_onsets(results.series, machine, out))  # type: ignore[arg-type]
    if "reply_ms" in results.series:
        drawn.append(plots.latency(results.series["reply_ms"],  # type: ignore[arg-type]
                                   results.series["stop_ms"], machine, out))  # type: ignore[arg-type]
    return report.write(results, machine, out, mode, elapsed_s, drawn, loads)


def write_figures(results: Results, path: Path) -> Path:
    """The figures, comparisons and legend as JSON, for tools that read a run's numbers."""
    figures = [{**dataclasses.asdict(f), "met": f.met} for f in results.figures]
    comparisons = [{"section": c.section, "measure": c.measure, "ours": c.ours.name,
                    "naive": c.naive.name, "better": c.better, "ratio": c.ratio,
                    "shown": c.shown()} for c in results.comparisons]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"figures": figures, "comparisons": comparisons,
                                "legend": results.legend, "notes": results.notes},
                               indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="fewer trials, a 1-minute CPU window")
    size.add_argument("--smoke", action="store_true", help="a few files, one trial of each")
    parser.add_argument("--out", type=Path, default=ROOT_DIR / "docs",
                        help="folder for benchmarks.md and the plots (default: docs/)")
    parser.add_argument("--no-live", action="store_true",
                        help="skip what needs PulseAudio (answering, live counts, idle CPU)")
    parser.add_argument("--figures", type=Path, metavar="PATH",
                        help="also write every figure and comparison as JSON to PATH")
    parser.add_argument("--engines", metavar="NAME,...",
                        help="hear with only these recognisers (e.g. whisper), so each "
                             "finishes every set within the time budget")
    args = parser.parse_args(argv)
    mode = MODES["smoke" if args.smoke else "quick" if args.quick else "full"]
    if args.engines:
        mode = dataclasses.replace(mode, sizes=dataclasses.replace(
            mode.sizes, engines=tuple(args.engines.split(","))))
    live = not args.no_live
    if live and missing_tools():
        print(f"bench: PulseAudio tools missing ({', '.join(missing_tools())}); install "
              "pulseaudio pulseaudio-utils, or use --no-live", file=sys.stderr)
        return 3
    missing = clips_missing()
    if missing is not None:
        print(f"bench: {missing} (the real voices heard)", file=sys.stderr)
        return 3
    started = time.monotonic()
    sampler = LoadSampler()
    results = measure(mode, live, started)
    page = write_page(results, args.out, mode.name, time.monotonic() - started,
                      sampler.stop())
    if args.figures is not None:
        write_figures(results, args.figures)
    _say(f"wrote {page} in {(time.monotonic() - started) / 60:.1f} min")
    if args.out == ROOT_DIR / "docs":
        _say("tuning: each recogniser setting against its alternatives")
        _say(f"wrote {tuning.run('smoke' if mode.name == 'smoke' else 'quick')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
