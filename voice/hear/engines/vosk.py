"""Vosk behind the `SpeechIn` interface: one phrase-list grammar per listening context.

The model is always loaded from a folder (`vosk.Model(model_path=...)`); this module never
lets Vosk download anything.
"""

from __future__ import annotations

import functools
import json
import mmap
import os
import struct
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voice.errors import BadInput, MissingResource
from voice.hear.base import Hypothesis
from voice.vocabulary import SAMPLE_RATE, Context

UNK_WORDS = frozenset({"[unk]", "<unk>", "<UNK>"})
"""Words Vosk models use for "something not in the grammar"; never part of the text."""

INSTALL_HINT = "install one with `cramp-coach models install vosk-small-en-us`"

_FST_MAGIC = 0x7EB2FDD6
_SYMBOL_TABLE_MAGIC = 0x7EB2FB74
_HAS_ISYMBOLS = 0x1
_HAS_OSYMBOLS = 0x2


@dataclass(frozen=True)
class Word:
    """One word the recogniser heard, with its timing."""

    text: str
    """The word as the model spells it."""
    start: float
    """Start, from the beginning of the utterance (seconds)."""
    end: float
    """End, from the beginning of the utterance (seconds)."""
    confidence: float
    """Posterior probability of the word, 0..1."""


def import_vosk() -> Any:
    """The `vosk` module with its logging silenced; MissingResource when it is not installed."""
    try:
        import vosk
    except ImportError as exc:
        raise MissingResource(
            "the vosk speech library is not installed; run `pip install vosk` "
            "or use --engine pocketsphinx"
        ) from exc
    vosk.SetLogLevel(-1)
    return vosk


def load_model(path: Path | str) -> Any:
    """Load a Vosk model from its folder; Kaldi's error text becomes one plain line."""
    folder = Path(path)
    model, detail = _load(folder)
    if model is None:
        from voice.models.catalog import catalogue_entry, check_structure

        lacks = check_structure(folder)
        entry = catalogue_entry(folder)
        hint = (f"reinstall it with `cramp-coach models install {entry.name} --force`"
                if entry is not None else f"give the folder of an unpacked Vosk model, or "
                f"{INSTALL_HINT}")
        raise BadInput(f"{folder} is not a usable Vosk model ({lacks[0] if lacks else detail}); "
                       f"{hint}")
    return model


def load_problem(path: Path | str) -> str | None:
    """Why Vosk cannot load the model in `path`, or None when it loads."""
    model, detail = _load(Path(path))
    return None if model is not None else detail


def _load(folder: Path) -> tuple[Any, str]:
    """(model, "") or (None, Kaldi's reason); Kaldi's log is kept off the terminal."""
    vosk = import_vosk()
    if not folder.is_dir():
        raise MissingResource(f"no Vosk model at {folder}; {INSTALL_HINT}")
    with tempfile.TemporaryFile() as log:
        saved = _redirect_stderr(log.fileno())
        try:
            return vosk.Model(model_path=str(folder)), ""
        # vosk raises a bare Exception when Kaldi cannot read the model
        except Exception:  # noqa: BLE001
            log.seek(0)
            return None, _kaldi_error(log.read().decode("utf-8", "replace"))
        finally:
            _restore_stderr(saved)


@functools.lru_cache(maxsize=1)
def _cached_model(folder: str) -> Any:
    """The last model loaded by an engine, kept so a second engine on it starts at once."""
    return load_model(folder)


def model_vocabulary(path: Path | str) -> frozenset[str] | None:
    """Every word the model can recognise, or None when its graph does not list them."""
    graph = Path(path) / "graph"
    words_txt = graph / "words.txt"
    if words_txt.is_file():
        with words_txt.open(encoding="utf-8") as lines:
            return frozenset(line.split()[0] for line in lines if line.strip())
    grammar_fst = graph / "Gr.fst"
    if grammar_fst.is_file():
        return _fst_output_symbols(grammar_fst)
    return None


def _fst_output_symbols(fst: Path) -> frozenset[str] | None:
    """The output symbol table stored in an OpenFst file's header (the model's words)."""
    try:
        with fst.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _parse_fst_symbols(data)
    except (OSError, ValueError, struct.error, UnicodeDecodeError):
        return None


def _parse_fst_symbols(data: mmap.mmap) -> frozenset[str] | None:
    """Walk an OpenFst header (magic, type, arc type, version, flags, ...) to its symbols."""
    offset = 0

    def take(fmt: str) -> Any:
        nonlocal offset
        value = struct.unpack_from(fmt, data, offset)[0]
        offset += struct.calcsize(fmt)
        return value

    def text() -> str:
        nonlocal offset
        size = take("<i")
        value = bytes(data[offset : offset + size]).decode("utf-8")
        offset += size
        return value

    def table() -> list[str]:
        if take("<i") != _SYMBOL_TABLE_MAGIC:
            raise ValueError("not a symbol table")
        text()  # table name
        take("<q")  # next free key
        symbols = []
        for _ in range(take("<q")):
            symbols.append(text())
            take("<q")  # key
        return symbols

    if take("<i") != _FST_MAGIC:
        return None
    text(), text()  # fst type, arc type
    take("<i")  # version
    flags = take("<i")
    offset += 8 + 8 + 8 + 8  # properties, start state, number of states, number of arcs
    if not flags & (_HAS_ISYMBOLS | _HAS_OSYMBOLS):
        return None
    symbols = table()
    if flags & _HAS_ISYMBOLS and flags & _HAS_OSYMBOLS:
        symbols = table()
    return frozenset(symbols)


class VoskEngine:
    """A streaming Vosk recogniser restricted, per context, to a list of phrases."""

    name = "vosk"

    def __init__(
        self,
        model_path: Path | str,
        grammars: Mapping[Context, Sequence[str]],
        *,
        context: Context | None = None,
        sample_rate: int = SAMPLE_RATE,
    ) -> None:
        """Load the model at `model_path`; `grammars` maps each context to its phrases.

        An empty `grammars` listens for anything the model knows (one context, `Context.IDLE`).
        """
        self.model_path = Path(model_path)
        self.sample_rate = sample_rate
        self._vosk = import_vosk()
        self._model = _cached_model(str(self.model_path.resolve()))
        vocabulary = model_vocabulary(self.model_path)
        self._unk = _unk_word(vocabulary)
        self._grammars, unknown = _build_grammars(grammars, vocabulary, self._unk)
        self.unknown_words: tuple[str, ...] = unknown
        """Words in the phrases that the model does not know; their phrases are left out."""
        self._recognisers: dict[Context, Any] = {}
        self._samples_fed: dict[Context, int] = {}
        first = next(iter(self._grammars), Context.IDLE)
        self._pending: Context = context if context is not None else (
            Context.IDLE if Context.IDLE in grammars else first)
        self.set_context(self._pending)
        self._context = self._pending
        self._active = False
        self._offset_s = 0.0
        self._words: list[Word] = []
        self._last_partial = ""
        self.last_words: tuple[Word, ...] = ()
        """The in-grammar words of the last final hypothesis, with timings."""

    @property
    def context(self) -> Context:
        """The context the current (or next) utterance is heard in."""
        return self._context if self._active else self._pending

    def set_context(self, context: Context) -> None:
        """Restrict what can be heard to `context`'s phrases; takes effect at the next utterance."""
        if self._grammars and context not in self._grammars:
            known = ", ".join(self._grammars)
            raise BadInput(f"unknown listening context '{context}'; expected one of: {known}")
        self._pending = context

    def start(self) -> None:
        """Begin an utterance in the pending context."""
        self._context = self._pending
        recogniser = self._recogniser(self._context)
        recogniser.Reset()
        self._offset_s = self._samples_fed.get(self._context, 0) / self.sample_rate
        self._words = []
        self._last_partial = ""
        self._active = True

    def feed(self, pcm: bytes) -> Hypothesis | None:
        """Feed 16-bit mono PCM; returns a partial hypothesis when what was heard changed.

        Vosk gives no confidence for words still being decoded, so a partial's confidence
        covers only the words already settled (0 when there are none).
        """
        if len(pcm) % 2:
            raise BadInput("audio block has an odd number of bytes; expected 16-bit samples")
        if not self._active:
            self.start()
        recogniser = self._recognisers[self._context]
        self._samples_fed[self._context] = self._samples_fed.get(self._context, 0) + len(pcm) // 2
        if recogniser.AcceptWaveform(pcm):
            self._words.extend(self._parse(json.loads(recogniser.Result()).get("result", [])))
            partial = ""
        else:
            partial = json.loads(recogniser.PartialResult()).get("partial", "")
        heard = [word for word in partial.split() if word not in UNK_WORDS]
        text = " ".join(filter(None, [_text(self._words), " ".join(heard).lower()]))
        if not text or text == self._last_partial:
            return None
        self._last_partial = text
        return Hypothesis(text=text, confidence=_mean_confidence(self._words), final=False)

    def finish(self) -> Hypothesis:
        """End the utterance; text is "" when nothing in the grammar was heard."""
        if not self._active:
            self.start()
        recogniser = self._recognisers[self._context]
        final = json.loads(recogniser.FinalResult()).get("result", [])
        words = self._words + self._parse(final)
        self._active = False
        self.last_words = tuple(words)
        return Hypothesis(text=_text(words), confidence=_mean_confidence(words), final=True)

    def _recogniser(self, context: Context) -> Any:
        """The cached recogniser for `context`, built on first use."""
        if context not in self._recognisers:
            if self._grammars:
                grammar = json.dumps(self._grammars[context], ensure_ascii=False)
                recogniser = self._vosk.KaldiRecognizer(self._model, self.sample_rate, grammar)
            else:
                recogniser = self._vosk.KaldiRecognizer(self._model, self.sample_rate)
            recogniser.SetWords(True)  # not SetPartialWords: with it, small models give empty partials
            self._recognisers[context] = recogniser
        return self._recognisers[context]

    def _parse(self, result: list[dict[str, Any]]) -> list[Word]:
        """Vosk's word list as `Word`s timed from the utterance start, out-of-grammar dropped."""
        return [
            Word(
                text=item["word"],
                start=round(max(0.0, float(item["start"]) - self._offset_s), 3),
                end=round(max(0.0, float(item["end"]) - self._offset_s), 3),
                confidence=float(item.get("conf", 1.0)),
            )
            for item in result
            if item["word"] not in UNK_WORDS
        ]


def _unk_word(vocabulary: frozenset[str] | None) -> str | None:
    """The model's out-of-grammar word, if it has one ("[unk]" when the words are unknown)."""
    if vocabulary is None:
        return "[unk]"
    return next((word for word in ("[unk]", "<unk>", "<UNK>") if word in vocabulary), None)


def _build_grammars(
    grammars: Mapping[Context, Sequence[str]],
    vocabulary: frozenset[str] | None,
    unk: str | None,
) -> tuple[dict[Context, list[str]], tuple[str, ...]]:
    """Phrase lists the model can hear (plus its unk word), and the words it cannot."""
    built: dict[Context, list[str]] = {}
    unknown: set[str] = set()
    for context, phrases in grammars.items():
        kept: list[str] = []
        for phrase in phrases:
            words = phrase.lower().split()
            missing = [w for w in words if vocabulary is not None and w not in vocabulary]
            unknown.update(missing)
            joined = " ".join(words)
            if words and not missing and joined not in kept:
                kept.append(joined)
        if not kept:
            raise BadInput(
                f"the Vosk model knows none of the phrases for context '{context}'; "
                "use a model for the content's language"
            )
        built[context] = kept + ([unk] if unk else [])
    return built, tuple(sorted(unknown))


def _text(words: Sequence[Word]) -> str:
    """The heard words as one lower-case line."""
    return " ".join(word.text for word in words).lower()


def _mean_confidence(words: Sequence[Word]) -> float:
    """Mean word confidence, 0 when nothing was heard."""
    if not words:
        return 0.0
    return round(sum(word.confidence for word in words) / len(words), 4)


def _redirect_stderr(target_fd: int) -> int:
    """Point file descriptor 2 (where Kaldi logs) at `target_fd`; returns the saved original."""
    sys.stderr.flush()
    saved = os.dup(2)
    os.dup2(target_fd, 2)
    return saved


def _restore_stderr(saved: int) -> None:
    """Undo `_redirect_stderr`."""
    os.dup2(saved, 2)
    os.close(saved)


def _kaldi_error(log: str) -> str:
    """The first Kaldi ERROR message in a log, without its source-location prefix."""
    for line in log.splitlines():
        if line.startswith("ERROR"):
            return line.split(") ", 1)[-1].strip()
    return "Vosk could not load it"
