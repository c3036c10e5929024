"""How well the coach hears: intent accuracy on synthetic voices and on real people.

    python -m bench.asr_accuracy            # everything (a few minutes on 2 cores)
    python -m bench.asr_accuracy --quick    # a fixed subset
    python -m bench.asr_accuracy --idle-starts   # only: false session starts while idle

1. Synthetic commands (tests/support/audio_sets.py: 44 commands x 4 voices), clean and with
   brown/pink noise at 10 dB SNR, heard by the grammar recogniser (PocketSphinx, one JSGF
   grammar per listening context) and, on the same files in the same run, by the naive
   baseline: PocketSphinx free-form with its own English language model, then the intent
   matcher's keyword rules on the text. Accuracy = intent and slots both right.
2. Real people (Speech Commands test clips, ../shared/data/speech-commands): in the
   `count` context, "stop" must be heard as stop and every other word, and background
   noise, as nothing; yes/no in the `question` context.
3. The coach's own voice: its count words, as a microphone beside the speaker hears
   them while it counts, must be heard as nothing.
4. Talk in the room while the coach counts or asks (the answering benchmark's everyday
   sentences, 4 voices): how much of it is taken for a warning sign, which would make the
   coach stop and tell the user to get medical help, and for any command.
5. Median decode time per command and real-time factor (decode time / audio length).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence

import numpy as np

from tests.support.audio_sets import COMMANDS, Command, Item, build_set, subset
from tests.support.real_speech import Hear, Outcome, grammar_hearer, real_speech
from tests.support.speech import CHATTER as ROOM_TALK
from tests.support.speech import OTHER_WORDS, VOICES, clips, read_clip
from voice import CONTENT_DIR
from voice.content.loader import load_content
from voice.hear.engines.pocketsphinx import (
    SphinxSettings,
    from_matcher,
    import_pocketsphinx,
    model_dir,
)
from voice.understand.matcher import IntentMatcher
from voice.vocabulary import SAMPLE_RATE, Context
from voice.wavio import resample

CHATTER = ("the weather is lovely today", "turn left at the station", "I bought seven apples",
           "what time does the film start", "can you pass the salt",
           "my brother lives in london")
"""Everyday sentences that are no command: heard while idle they should be nothing."""


def naive_hearer(matcher: IntentMatcher) -> Hear:
    """The baseline: free-form PocketSphinx (its English language model), then keywords."""
    ps = import_pocketsphinx()
    folder = model_dir()
    decoder = ps.Decoder(hmm=str(folder / "en-us"), lm=str(folder / "en-us.lm.bin"),
                         dict=str(folder / "cmudict-en-us.dict"), loglevel="FATAL")

    def hear(pcm: bytes, context: Context) -> Outcome:
        start = time.perf_counter()
        decoder.start_utt()
        decoder.process_raw(pcm, False, True)
        decoder.end_utt()
        hyp = decoder.hyp()
        text = hyp.hypstr if hyp is not None else ""
        intent = matcher.parse(text, context)
        took = time.perf_counter() - start
        return Outcome(intent.name, dict(intent.slots), text, took, len(pcm) / 32000)
    return hear


def synthetic_accuracy(hear: Hear, items: Sequence[Item]) -> tuple[float, list[Outcome], list[str]]:
    """Share of items whose intent and slots are right, the outcomes, and the misses."""
    outcomes, misses = [], []
    for item in items:
        got = hear(item.samples.tobytes(), Context(item.command.context))
        outcomes.append(got)
        if got.intent != item.command.intent or got.slots != dict(item.command.slots):
            misses.append(f"{item.voice.name:<10} {item.command.text!r} -> {got.intent} "
                          f"{got.slots} ({got.text!r})")
    return 1 - len(misses) / max(1, len(items)), outcomes, misses


SESSION_STARTERS = ("cramp", "red_flag")
"""Intents that start coaching (or urgent advice) when heard while idle."""


def idle_session_starts(hear: Hear) -> tuple[int, int, list[str]]:
    """Every Speech Commands clip that is no request (other words, yes/no/stop, noise) and
    the everyday sentences, heard while idle: how many there were, how many would have
    started a session, and what those were heard as."""
    pcms = [(f, read_clip(p)) for f in (*OTHER_WORDS, "yes", "no", "stop", "_silence_")
            for p in clips(f)]
    pcms += [("chatter", item.samples.tobytes())
             for item in build_set([Command(text, "none") for text in CHATTER])]
    starts = []
    for source, pcm in pcms:
        got = hear(pcm, Context.IDLE)
        if got.intent in SESSION_STARTERS:
            starts.append(f"{source}: {got.text!r} -> {got.intent}")
    return len(pcms), len(starts), starts


def talk_in_session(hear: Hear, items: Sequence[Item],
                    context: Context) -> tuple[int, int, int, list[str]]:
    """Everyday sentences (`items`) heard in `context`: how many, how many were taken for a
    warning sign, for any command, and what those were heard as."""
    taken = [(item, hear(item.samples.tobytes(), context)) for item in items]
    taken = [(item, got) for item, got in taken if got.intent != "none"]
    warnings = sum(got.intent == "red_flag" for _, got in taken)
    return len(items), warnings, len(taken), [
        f"{item.voice.name:<10} {item.command.text!r} -> {got.intent} ({got.text!r})"
        for item, got in taken]


def own_count(hear: Hear) -> tuple[int, int, list[str]]:
    """The coach's own count words, in its real voice (pyttsx3, day and night rates), heard
    while counting as a microphone beside the speaker would: how many, how many were heard
    as nothing, and what the rest were taken for."""
    from voice.speak.tts import Pyttsx3Voice, SpeechLibrary

    content = load_content(CONTENT_DIR)
    library = SpeechLibrary(Pyttsx3Voice(), content.voice)
    pad = np.zeros(SAMPLE_RATE * 3 // 10, dtype=np.int16)
    taken = []
    n = 0
    for night in (False, True):
        for i in range(1, content.voice.hold_s + 1):
            clip = library.count_word(i, night)
            audio = np.concatenate([pad, resample(clip.samples, clip.sample_rate, SAMPLE_RATE),
                                    pad])
            got = hear(audio.tobytes(), Context.COUNT)
            n += 1
            if got.intent != "none":
                taken.append(f"{clip.text!r} ({'night' if night else 'day'}) -> {got.intent} "
                             f"({got.text!r})")
    return n, n - len(taken), taken


def timing(outcomes: Sequence[Outcome]) -> tuple[float, float]:
    """Median decode time per utterance (ms) and overall real-time factor."""
    if not outcomes:
        return float("nan"), float("nan")
    median_ms = statistics.median(o.decode_s for o in outcomes) * 1000
    rtf = sum(o.decode_s for o in outcomes) / sum(o.audio_s for o in outcomes)
    return median_ms, rtf


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fixed subset only")
    parser.add_argument("--misses", action="store_true", help="list what was misheard")
    parser.add_argument("--idle-starts", action="store_true",
                        help="only: how many clips that are no request would start a session")
    args = parser.parse_args(argv)
    matcher = IntentMatcher(load_content(CONTENT_DIR))
    if args.idle_starts:
        n, started, heard = idle_session_starts(grammar_hearer(from_matcher(matcher), matcher))
        print(f"no request heard while idle: {started} of {n} would start a session "
              f"({started / n:.1%})")
        print("\n".join(f"  {h}" for h in heard))
        return 0
    every = 4 if args.quick else 1
    engine = from_matcher(matcher)
    lenient = from_matcher(matcher, settings=SphinxSettings(strict_contexts=()))
    grammar, naive = grammar_hearer(engine, matcher), naive_hearer(matcher)
    hearers = (("grammar", grammar), ("lenient", grammar_hearer(lenient, matcher)),
               ("naive", naive))
    commands = subset(COMMANDS, every)
    print(f"synthetic: {len(commands)} commands x {len(VOICES)} voices "
          f"({', '.join(v.name for v in VOICES)})", flush=True)
    all_outcomes: list[Outcome] = []
    for label, snr in (("clean", None), ("10 dB SNR", 10.0)):
        items = build_set(commands, VOICES, snr_db=snr)
        for name, hear in hearers:
            accuracy, outcomes, misses = synthetic_accuracy(hear, items)
            if name == "grammar":
                all_outcomes.extend(outcomes)
            ms, rtf = timing(outcomes)
            print(f"  {label:<10} {name:<8} intent accuracy {accuracy:6.1%}  "
                  f"(n={len(items)}, median {ms:.0f} ms, RTF {rtf:.3f})", flush=True)
            if args.misses:
                print("\n".join(f"      {m}" for m in misses))
    print("  (grammar: the product; lenient: the same without the strict garbage path while "
          "idle; naive: free-form PocketSphinx + keyword rules)")
    chatter = [Command(text, "none") for text in CHATTER]
    for name, hear in hearers:
        heard = [hear(item.samples.tobytes(), Context.IDLE).intent for item in build_set(chatter)]
        print(f"  everyday speech while idle, {name:<8} heard as nothing "
              f"{heard.count('none') / len(heard):6.1%} (n={len(heard)})", flush=True)
    room_talk = build_set([Command(text, "none") for text in ROOM_TALK])
    for context in (Context.COUNT, Context.QUESTION):
        for name, hear in hearers:
            n, warnings, taken, heard_as = talk_in_session(hear, room_talk, context)
            print(f"  everyday speech while {'counting' if context == 'count' else 'asking':<8} "
                  f"{name:<8} taken for a warning sign {warnings / n:6.1%}, for any command "
                  f"{taken / n:6.1%} (n={n})", flush=True)
            if args.misses and name == "grammar" and heard_as:
                print("\n".join(f"      {h}" for h in heard_as))
    real = real_speech(grammar, every=2 if args.quick else 1)
    print("speech commands (real people), grammar recogniser:")
    print(f"  count context: stop -> stop {real.stop:6.1%}   other words -> none "
          f"{real.other:6.1%}   _silence_ -> none {real.silence:6.1%}")
    print(f"  question context: yes -> yes {real.yes:6.1%}   no -> no {real.no:6.1%}")
    print("  per folder: " + "  ".join(f"{k} {v:.0%}" for k, v in real.per_folder.items()))
    n_own, nothing, own_taken = own_count(grammar)
    print(f"the coach's own count (its voice, as a microphone beside the speaker hears it), "
          f"count context: heard as nothing {nothing / n_own:6.1%} (n={n_own})")
    if args.misses:
        print("\n".join(f"      {t}" for t in own_taken))
    ms, rtf = timing(all_outcomes)
    ms_real, rtf_real = timing(real.outcomes)
    print(f"decode time: synthetic median {ms:.0f} ms per command, RTF {rtf:.3f}; "
          f"real clips median {ms_real:.0f} ms, RTF {rtf_real:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
