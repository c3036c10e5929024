"""The benchmark page's plots (matplotlib, written as PNG). Each carries the machine, the
engines, the data and the number of trials."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from bench.hearing import NAIVE, engine_label
from bench.machine import Machine

NOISE_KINDS = ("brown", "pink", "babble")


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _footer(fig: Any, text: str) -> None:
    fig.text(0.01, 0.01, text, fontsize=7, color="#444444", wrap=True)


def accuracy_vs_snr(series: dict[str, dict[str, float | None]], data: str, machine: Machine,
                    out: Path) -> Path:
    """Intent accuracy against SNR, one panel per noise kind, one line per engine; the
    clean figure is drawn at the right as "clean"."""
    plt = _pyplot()
    snrs = sorted({float(c.split()[1]) for e in series.values() for c in e if c != "clean"})
    fig, axes = plt.subplots(1, len(NOISE_KINDS), figsize=(12, 4.4), sharey=True)
    x_clean = (max(snrs) if snrs else 20) + 8
    for ax, kind in zip(np.atleast_1d(axes), NOISE_KINDS):
        for engine, values in series.items():
            xs = [s for s in snrs if values.get(f"{kind} {s:g} dB") is not None]
            ys = [values[f"{kind} {s:g} dB"] for s in xs]
            if values.get("clean") is not None:
                xs, ys = [*xs, x_clean], [*ys, values["clean"]]
            style = "--" if engine == NAIVE else "-"
            ax.plot(xs, ys, style, marker="o", label=engine_label(engine))
        ax.set_title(f"{kind} noise")
        ax.set_xlabel("SNR (dB)")
        ax.set_xticks([*snrs, x_clean], [*(f"{s:g}" for s in snrs), "clean"])
        ax.set_ylim(0, 102)
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].set_ylabel("intent accuracy (%)")
    np.atleast_1d(axes)[0].legend(fontsize=7, loc="lower right")
    fig.suptitle("Intent accuracy against noise: synthetic command set")
    _footer(fig, f"{machine.line()}. Engines: the coach's recogniser and the naive free-form "
                 f"decoder, each point one decode of every command. Data: {data}.")
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    path = out / "accuracy_vs_snr.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def count_onsets(series: dict[str, list[list[float]]], machine: Machine, out: Path) -> Path:
    """Onset error of each count word: the coach (rendered, live) in ms on the left, the
    naive loop in seconds on the right."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.4))
    labels = {"count_rendered": "coach, rendered", "count_live": "coach, live (virtual speaker)"}
    trials = []
    for key, label in labels.items():
        runs = series.get(key) or []
        trials.append(f"{label}: {len(runs)} counts")
        for i, errors in enumerate(runs):
            left.plot(range(1, len(errors) + 1), errors, marker=".", alpha=0.8,
                      label=label if i == 0 else None,
                      color="C0" if key == "count_rendered" else "C1")
    left.axhspan(-20, 20, color="green", alpha=0.08, label="target ±20 ms")
    worst = max((abs(e) for key in labels for run in series.get(key) or [] for e in run),
                default=0.0)
    left.set_ylim(-max(25.0, 1.15 * worst), max(25.0, 1.15 * worst))
    left.set_title("cramp coach: count word k vs t0 + (k−1) s")
    left.set_xlabel("count word k")
    left.set_ylabel("onset error (ms)")
    left.legend(fontsize=7)
    left.grid(alpha=0.3)
    naive = series.get("count_naive") or []
    trials.append(f"naive: {len(naive)} counts")
    for i, errors in enumerate(naive):
        right.plot(range(1, len(errors) + 1), np.asarray(errors) / 1000, marker=".",
                   color="C3", label="pyttsx3 say; runAndWait; sleep(1)" if i == 0 else None)
    right.set_title("naive loop, same virtual speaker")
    right.set_xlabel("count word k")
    right.set_ylabel("onset error (s)")
    right.grid(alpha=0.3)
    if naive:
        right.legend(fontsize=7)
    fig.suptitle("Count timing: onset error of each word against its ideal time")
    _footer(fig, f"{machine.line()}. Engines: cramp-coach (pyttsx3/espeak-ng clips on a "
                 f"sample clock) vs pyttsx3 loop. Trials: {'; '.join(trials)}.")
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    path = out / "count_onsets.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def latency(replies: list[float], stops: list[float], machine: Machine, out: Path) -> Path:
    """Distributions of reply and stop latency, with the targets."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    for ax, values, title in ((axes[0], replies, "end of the request for help → reply"),
                              (axes[1], stops, "end of \"stop\" → silence")):
        if values:
            ax.hist(values, bins=20, color="C0")
        ax.axvline(300, color="green", linestyle="--", label="p50 target 300 ms")
        ax.axvline(500, color="orange", linestyle="--", label="p95 target 500 ms")
        ax.set_title(f"{title} ({len(values)} trials)")
        ax.set_xlabel("ms")
        ax.set_ylabel("trials")
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    fig.suptitle("Answering latency, live through PulseAudio virtual devices")
    _footer(fig, f"{machine.line()}. Engine: cramp-coach listen --day, default recogniser. "
                 "Data: espeak-ng commands played into the virtual microphone.")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    path = out / "latency.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
