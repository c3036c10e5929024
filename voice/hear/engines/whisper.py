"""Whisper (faster-whisper's CTranslate2 model, tiny.en) behind the `SpeechIn` interface.

Whisper hears whole utterances: `hear_whole` (and `finish`) decode one, drop what Whisper
itself marks as no speech or as a loop, and hand the transcript to the command set
(`judge.py`), which reads it as one of the context's commands or as nothing. In steady
noise as loud as the voice they hear it again with Whisper's full window and weigh its few
best readings, which costs a few tenths of a second more. While an
utterance is still being said, `feed` hears the audio so far again every quarter second
or so and returns that running guess (for the early hush on "stop"); a streaming
recogniser given as `streaming` takes that job instead.

The model is always loaded from a folder, by CTranslate2 itself; nothing is downloaded
(faster-whisper's own loader and the Hugging Face hub are never imported).

    engine = WhisperEngine(model_path, matcher)
    engine.hear_whole(pcm, Context.COUNT)    # Hypothesis(text="stop", transcript="Stop.")
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import math
import threading
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from voice.errors import BadInput, MissingResource
from voice.hear.base import Hypothesis, SpeechIn
from voice.hear.levels import frame_levels_db
from voice.log import log
from voice.understand.judge import CommandJudge, Verdict, without_repeats
from voice.understand.matcher import IntentMatcher
from voice.vocabulary import SAMPLE_RATE, Context

INSTALL_HINT = "install it with `cramp-coach models install whisper-tiny-en`"


@dataclass(frozen=True)
class WhisperSettings:
    """How Whisper decodes and when its own signals say no."""

    window_s: int = 10
    """Encoder input (seconds of audio, padded): shorter than Whisper's 30 s costs a
    fraction of the time on short commands; longer utterances use `long_window_s`."""
    long_window_s: int = 30
    """Encoder input for utterances longer than `window_s` (seconds)."""
    threads: int = 2
    """CPU threads for one decode."""
    beam_size: int = 3
    """Hypotheses kept while decoding (1: greedy)."""
    max_tokens: int = 48
    """Longest transcript (tokens): commands are short, a loop is cut off."""
    prompt: bool = True
    """Give the decoder the context's `heard_prompts` (content) as the previous text, to
    bias it toward the coach's words."""
    no_speech_max: float = 0.6
    """Whisper's no-speech probability above which, with a low log-probability, the
    utterance is nothing (Whisper's own rule)."""
    logprob_min: float = -1.0
    """Average log-probability per token below which a likely no-speech is nothing."""
    compression_max: float = 2.4
    """A transcript compressing better than this (zlib) is a loop, not speech."""
    guess_every_s: float = 0.25
    """New audio between running guesses while an utterance is fed (seconds)."""
    guess_min_s: float = 0.3
    """Audio an utterance needs before its first running guess (seconds)."""
    noisy_below_db: float = 20.0
    """An utterance whose loud moments stand less than this above its quiet ones
    (`loudness_spread_db`) is heard in noise, the slower and surer way below; a quiet
    room's commands keep the fast way."""
    noisy_window_s: int = 30
    """Encoder input for an utterance heard in noise (seconds): Whisper's own 30 s, which
    holds up in steady noise where a cut-down input falls apart, at about four times the
    cost."""
    noisy_hypotheses: int = 3
    """Whisper's best readings of an utterance heard in noise that are put to the command
    set, best first..."""
    noisy_margin: float = 0.2
    """...among those within this much of the best one's log-probability per token."""


@dataclass(frozen=True)
class Reading:
    """One of Whisper's readings of an utterance."""

    text: str
    """What Whisper wrote down."""
    confidence: float
    """Its mean token probability (0..1)."""
    why: str = ""
    """Why Whisper's own signals call it no speech ("" when they do not)."""


MISSING = ("the faster-whisper speech library is not installed; run `pip install "
           "faster-whisper` or use --engine pocketsphinx")


@functools.cache
def feature_extractor() -> Any:
    """faster-whisper's `FeatureExtractor` class (log-mel features, numpy only), read
    without the package's `__init__`, which imports PyAV, tqdm and the Hugging Face hub:
    the coach needs none of them and they cost start time and memory."""
    found = importlib.util.find_spec("faster_whisper")
    if found is None or not found.submodule_search_locations:
        raise MissingResource(MISSING)
    path = Path(next(iter(found.submodule_search_locations))) / "feature_extractor.py"
    spec = importlib.util.spec_from_file_location("_cramp_whisper_features", path)
    if spec is None or spec.loader is None:
        raise MissingResource(MISSING)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FeatureExtractor


def loudness_spread_db(samples: np.ndarray) -> float:
    """How far an utterance's loud moments stand above its quiet ones (dB): the 90th
    against the 10th percentile of its 10 ms frames' energy (int16-scaled `samples`).
    Speech in a quiet room spreads 40 dB or more; under steady noise as loud as the
    speech, 10 to 20."""
    level = frame_levels_db(samples)
    if level.size < 2:
        return 0.0
    return float(np.percentile(level, 90) - np.percentile(level, 10))


def compression_ratio(text: str) -> float:
    """How much zlib shrinks `text`: high for a transcript that repeats itself."""
    data = text.encode("utf-8")
    return len(data) / max(1, len(zlib.compress(data)))


class WhisperEngine:
    """Whisper for whole utterances, judged by the command set; a streaming recogniser
    beside it for running guesses."""

    name = "whisper"

    def __init__(self, model_path: Path, matcher: IntentMatcher,
                 streaming: SpeechIn | None = None,
                 settings: WhisperSettings | None = None) -> None:
        self.settings = settings or WhisperSettings()
        features = feature_extractor()
        if not (model_path / "model.bin").is_file():
            raise MissingResource(f"no Whisper model at {model_path}; {INSTALL_HINT}")
        try:
            import ctranslate2
            import tokenizers
        except ImportError as exc:
            raise MissingResource(MISSING) from exc
        try:  # what faster-whisper's WhisperModel loads, without the rest of it
            self._model = ctranslate2.models.Whisper(
                str(model_path), device="cpu", compute_type="int8",
                intra_threads=self.settings.threads, inter_threads=1)
            self._tokenizer = tokenizers.Tokenizer.from_file(
                str(model_path / "tokenizer.json"))
        except Exception as exc:  # the tokenizer raises a plain Exception
            raise BadInput(f"{model_path} is not a usable Whisper model ({exc}); "
                           f"reinstall it with `cramp-coach models install whisper-tiny-en "
                           "--force`") from exc
        windows = {self.settings.window_s, self.settings.long_window_s,
                   self.settings.noisy_window_s}
        self._features = {w: features(feature_size=self._model.n_mels, chunk_length=w)
                          for w in windows}
        self._start = [self._token("<|startoftranscript|>"), self._token("<|notimestamps|>")]
        self.judge = CommandJudge(matcher)
        self._prompts = {ctx: self._prompt_tokens(matcher, ctx) for ctx in matcher.contexts}
        self._streaming = streaming
        self._context = Context.IDLE
        self._pcm = bytearray()
        self._guessed_at = 0
        """Bytes of the utterance the last running guess heard."""
        self._lock = threading.Lock()

    def _token(self, text: str) -> int:
        token = self._tokenizer.token_to_id(text)
        if token is None:
            raise BadInput(f"the Whisper model's tokenizer lacks {text}; it is not tiny.en")
        return int(token)

    def _prompt_tokens(self, matcher: IntentMatcher, context: Context) -> list[int]:
        """The context's prompt as previous text, or [] without one."""
        text = matcher.heard_prompts.get(context, "")
        if not self.settings.prompt or not text:
            return []
        ids = self._tokenizer.encode(" " + text, add_special_tokens=False).ids
        return [self._token("<|startofprev|>"), *ids]

    # -- SpeechIn --
    def set_context(self, context: Context) -> None:
        """Listen for `context`'s commands from the next utterance on."""
        if context not in self._prompts:
            raise BadInput(f"unknown listening context '{context}'")
        self._context = context
        if self._streaming is not None:
            self._streaming.set_context(context)

    def start(self) -> None:
        """Begin an utterance."""
        self._pcm.clear()
        self._guessed_at = 0
        if self._streaming is not None:
            self._streaming.start()

    def feed(self, pcm: bytes) -> Hypothesis | None:
        """Keep the audio; a running guess when enough new audio has come."""
        self._pcm.extend(pcm)
        if self._streaming is not None:
            return self._streaming.feed(pcm)
        step = int(self.settings.guess_every_s * SAMPLE_RATE) * 2
        first = int(self.settings.guess_min_s * SAMPLE_RATE) * 2
        if len(self._pcm) < first or len(self._pcm) - self._guessed_at < step:
            return None
        self._guessed_at = len(self._pcm)
        guess = self.hear_whole(bytes(self._pcm), self._context, quick=True)
        return Hypothesis(guess.text, guess.confidence, False, guess.transcript)

    def finish(self) -> Hypothesis:
        """The whole utterance fed since `start`, heard by Whisper and judged."""
        if self._streaming is not None:
            self._streaming.finish()
        return self.hear_whole(bytes(self._pcm), self._context)

    # -- WholeHearing --
    def hear_whole(self, pcm: bytes, context: Context, quick: bool = False) -> Hypothesis:
        """One whole utterance of 16 kHz 16-bit mono PCM, heard and judged in `context`.

        In a quiet room (and for a running guess, `quick`) that is Whisper's best reading
        with the short window. In noise (`noisy_below_db`), Whisper's few best readings with
        its own 30 s window are put to the command set first, best first, and the short
        window's reading after them; the first the command set accepts is taken. Unless
        `quick`, one debug line says what Whisper wrote down and how it was read, or why
        nothing was taken."""
        audio = np.frombuffer(pcm, dtype=np.int16)
        samples = audio.astype(np.float32) / 32768.0
        s = self.settings
        ways = [(self._short_window(samples), 1)]
        if not quick and audio.size and loudness_spread_db(audio) < s.noisy_below_db:
            ways.insert(0, (s.noisy_window_s, s.noisy_hypotheses))
        first = None
        refused: Reading | None = None
        """The first reading not taken, and why: said in the log when none is."""
        for window, hypotheses in ways:
            for reading in self._readings(samples, context, window, hypotheses):
                if reading.why:
                    refused = refused or reading
                    continue
                verdict = self.judge.judge(reading.text, context)
                if verdict.text:
                    if not quick:
                        self._log_heard(reading.text, verdict, context)
                    return Hypothesis(verdict.text,
                                      round(reading.confidence * verdict.score / 100, 3), True,
                                      reading.text)
                first = reading.text if first is None else first
                refused = refused or replace(reading, why=verdict.why)
        if not quick:
            refused = refused or Reading("", 0.0, "no audio")
            log.debug(f"refused: {refused.text!r} ({refused.why}; {context})")
        return Hypothesis("", 0.0, True, first or "")

    def _log_heard(self, transcript: str, verdict: Verdict, context: Context) -> None:
        """One line for an utterance the command set took: what Whisper wrote down, the
        intent and slots it reads as, and the command sentence it was taken for."""
        if log.isEnabledFor(logging.DEBUG):
            intent = self.judge.matcher.parse(verdict.text, context)
            log.debug(f"heard: {transcript!r} -> {intent.name} {dict(intent.slots)} "
                      f"(as {verdict.text!r} {verdict.score:.0f}; {context})")

    def transcribe(self, pcm: bytes, context: Context) -> tuple[str, float]:
        """Whisper's best reading of an utterance with the short window ("" when its own
        signals say no speech) and its confidence (the mean token probability)."""
        samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
        found = [r for r in self._readings(samples, context, self._short_window(samples), 1)
                 if not r.why]
        return (found[0].text, found[0].confidence) if found else ("", 0.0)

    def _short_window(self, samples: np.ndarray) -> int:
        """The encoder input for an utterance heard the fast way (seconds)."""
        s = self.settings
        return s.window_s if samples.size / SAMPLE_RATE <= s.window_s - 0.5 else s.long_window_s

    def _readings(self, samples: np.ndarray, context: Context, window: int,
                  hypotheses: int) -> list[Reading]:
        """Up to `hypotheses` of Whisper's readings with a `window`-second encoder input,
        best first; those within `noisy_margin` of the best only. Those its own signals
        call no speech or a loop say so (`Reading.why`)."""
        if samples.size == 0:
            return []
        s = self.settings
        features = self._features[window](samples, chunk_length=window)
        frames = window * 100
        features = features[:, :frames]
        if features.shape[1] < frames:
            features = np.pad(features, ((0, 0), (0, frames - features.shape[1])))
        import ctranslate2

        encoded = ctranslate2.StorageView.from_array(
            np.ascontiguousarray(features[None].astype(np.float32)))
        prompt = [*self._prompts.get(context, []), *self._start]
        with self._lock:
            result = self._model.generate(
                encoded, [prompt], beam_size=max(s.beam_size, hypotheses),
                num_hypotheses=hypotheses, return_scores=True, return_no_speech_prob=True,
                max_length=len(prompt) + s.max_tokens,  # the prompt counts
                suppress_blank=True)[0]
        scores = [float(x) for x in result.scores] or [-10.0]
        readings = []
        for ids, logprob in zip(result.sequences_ids, scores, strict=False):
            if scores[0] - logprob > s.noisy_margin:
                break
            text = without_repeats(self._tokenizer.decode(ids).strip())
            confidence = math.exp(max(logprob, -10.0))
            if result.no_speech_prob > s.no_speech_max and logprob < s.logprob_min:
                why = f"no speech: p {result.no_speech_prob:.2f}, log-prob {logprob:.2f}"
                readings.append(Reading(text, confidence, why))
            elif compression_ratio(text) > s.compression_max:
                readings.append(Reading(text, confidence, "a loop, not speech"))
            else:
                readings.append(Reading(text, confidence))
        return readings
