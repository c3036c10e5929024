"""How the coach's voices sound: DNSMOS and Whisper's word error rate on every line.

Every sentence the coach can say that is known in advance (`fixed_lines`: prompts,
stretches, steps, answers, the bedtime routine, the diary's fixed answers), in the day
and the night style, rendered by Piper (`en_US-joe-medium`) and by espeak-ng through
pyttsx3, exactly as the coach renders them (`SpeechLibrary`). Each clip is scored by
DNSMOS (the offline `speechmos` package: Microsoft's DNSMOS P.835 overall and P.808
models, 16 kHz) and transcribed by Whisper tiny.en without a prompt; the word error rate
is against the line's own words. Needs the bench extra (`pip install -e '.[bench]'`).

    python -m bench.voice_quality            # every line, day and night
    python -m bench.voice_quality --quick    # every fourth line, day only
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr
from rapidfuzz.distance import Levenshtein

from voice import CONTENT_DIR, MODELS_DIR, ROOT_DIR
from voice.content.loader import load_content
from voice.speak.lines import fixed_lines
from voice.speak.tts import SpeechLibrary
from voice.speak.voices import open_voice
from voice.understand.matcher import normalize

RATE = 16000
"""DNSMOS and Whisper both take 16 kHz audio."""
TARGET_GAIN = 0.3
"""Piper's DNSMOS overall must beat espeak-ng's by at least this much on average."""
PAGE = ROOT_DIR / "docs" / "voice-quality.md"


@dataclass(frozen=True)
class Scored:
    """One line in one voice and mode."""

    voice: str
    night: bool
    text: str
    overall: float
    p808: float
    errors: int
    words: int
    render_s: float


def word_errors(said: str, heard: str) -> tuple[int, int]:
    """Word-level edits from `said` to `heard`, and how many words `said` has."""
    ref, hyp = normalize(said).split(), normalize(heard).split()
    return Levenshtein.distance(ref, hyp), len(ref)


def score_voice(choice: str, lines: Sequence[str], night: bool, whisper: object,
                dnsmos: object) -> list[Scored]:
    """Every line of `lines` rendered in voice `choice` (without a cache), scored."""
    content = load_content(CONTENT_DIR)
    tts = open_voice(choice, MODELS_DIR, content.voice.day.rate)
    library = SpeechLibrary(tts, content.voice)
    found = []
    for text in lines:
        started = time.perf_counter()
        clip = library.sentence(text, night)
        render_s = time.perf_counter() - started
        audio = soxr.resample(clip.samples.astype(np.float32) / 32768.0, clip.sample_rate, RATE)
        audio = np.clip(audio, -1.0, 1.0).astype(np.float32)
        mos = dnsmos.run(audio, sr=RATE)  # type: ignore[attr-defined]
        segments, _ = whisper.transcribe(  # type: ignore[attr-defined]
            audio, language="en", beam_size=1, condition_on_previous_text=False)
        heard = " ".join(s.text for s in segments)
        errors, words = word_errors(text, heard)
        found.append(Scored(library.voice, night, text, float(mos["ovrl_mos"]),
                            float(mos["p808_mos"]), errors, words, render_s))
    return found


def summary(rows: Sequence[Scored]) -> tuple[float, float, float, float]:
    """(mean overall, mean P.808, word error rate, median render seconds)."""
    return (statistics.fmean(r.overall for r in rows), statistics.fmean(r.p808 for r in rows),
            sum(r.errors for r in rows) / max(1, sum(r.words for r in rows)),
            statistics.median(r.render_s for r in rows))


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figures and write docs/voice-quality.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every fourth line, day only")
    parser.add_argument("--out", type=Path, default=PAGE, help="the page to write")
    args = parser.parse_args(argv)
    try:
        from faster_whisper import WhisperModel
        from speechmos import dnsmos
    except ImportError as exc:
        print(f"bench.voice_quality: {exc.name} is missing; pip install -e '.[bench]'",
              file=sys.stderr)
        return 3
    whisper = WhisperModel(str(MODELS_DIR / "whisper-tiny-en"), device="cpu",
                           compute_type="int8", cpu_threads=1)
    content = load_content(CONTENT_DIR)
    modes = (False,) if args.quick else (False, True)
    results: dict[tuple[str, bool], list[Scored]] = {}
    for night in modes:
        lines = fixed_lines(content, night)[::4 if args.quick else 1]
        for choice in ("piper", "espeak"):
            rows = score_voice(choice, lines, night, whisper, dnsmos)
            results[(choice, night)] = rows
            overall, p808, wer, render = summary(rows)
            print(f"{rows[0].voice:<24} {'night' if night else 'day':<5} lines {len(rows):3d}  "
                  f"DNSMOS overall {overall:.2f}  P.808 {p808:.2f}  Whisper WER {wer:.1%}  "
                  f"render {render * 1000:.0f} ms (median)", flush=True)
    lines_out = ["# How the coach's voices sound", "",
                 ("Written by `python -m bench.voice_quality"
                 f"{' --quick' if args.quick else ''}`: every fixed line the coach says, "
                 "rendered as the coach renders it, scored by DNSMOS (speechmos: P.835 overall "
                 "and P.808) and transcribed by Whisper tiny.en without a prompt."), "",
                 "| voice | mode | lines | DNSMOS overall | P.808 | Whisper WER | render (median) |",
                 "|---|---|---|---|---|---|---|"]
    for (choice, night), rows in results.items():
        overall, p808, wer, render = summary(rows)
        lines_out.append(f"| {rows[0].voice} | {'night' if night else 'day'} | {len(rows)} | "
                         f"{overall:.2f} | {p808:.2f} | {wer:.1%} | {render * 1000:.0f} ms |")
    for night in modes:
        piper, espeak = summary(results[("piper", night)]), summary(results[("espeak", night)])
        gain = piper[0] - espeak[0]
        verdict = "met" if gain >= TARGET_GAIN and piper[2] <= espeak[2] else "MISSED"
        line = (f"{'night' if night else 'day'}: Piper − espeak-ng overall {gain:+.2f} (target "
                f"≥ +{TARGET_GAIN}), WER {piper[2]:.1%} against {espeak[2]:.1%} "
                f"(target: no worse): {verdict}")
        print(line)
        lines_out += ["", f"- {line}"]
    worst = sorted((r for rows in results.values() for r in rows), key=lambda r: -r.errors)[:8]
    lines_out += ["", "Lines Whisper heard worst:", ""]
    lines_out += [f"- {r.voice} ({'night' if r.night else 'day'}): {r.errors} of {r.words} "
                  f"words wrong: \"{r.text}\"" for r in worst if r.errors]
    args.out.write_text("\n".join(lines_out) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
