"""Choosing and opening a recogniser: `--engine auto|whisper|vosk|pocketsphinx`, `--model PATH`.

`auto` uses Whisper when its model is installed under `models/` (or a Whisper model folder
is given with `--model`), else Vosk when an English Vosk model is installed (or given),
else the PocketSphinx US-English model that ships inside the `pocketsphinx` package. The
choice is said on stderr, once.
"""

from __future__ import annotations

from pathlib import Path

from voice.errors import BadInput, MissingResource
from voice.hear.base import ENGINES, SpeechIn
from voice.hear.engines.grammar import vosk_phrases
from voice.hear.engines.pocketsphinx import PocketSphinxEngine, from_matcher
from voice.log import log
from voice.understand.matcher import IntentMatcher

VOSK_PHRASE_STYLE = "words"
"""How Vosk's per-context phrase lists are made (see `grammar.vosk_phrases`)."""


WHISPER_FILE = "model.bin"
"""The file that marks a folder as a Whisper (CTranslate2) model."""


def find_whisper_model(model: Path | None, models_dir: Path) -> Path | None:
    """`--model` when it is a Whisper model folder, else the installed `whisper-tiny-en`."""
    if model is not None:
        return model if (model / WHISPER_FILE).is_file() else None
    from voice.models.catalog import find_model

    return find_model("whisper", models_dir)


def open_whisper(model_path: Path, matcher: IntentMatcher) -> SpeechIn:
    """Whisper on `model_path`, its transcripts read as typed text (it makes its own running
    guesses for the early hush)."""
    from voice.hear.engines.whisper import WhisperEngine

    return WhisperEngine(model_path, matcher)


def find_vosk_model(model: Path | None, models_dir: Path) -> Path | None:
    """`--model` when given (it must exist), else an installed English Vosk model, else None."""
    if model is not None:
        if not model.is_dir():
            raise MissingResource(f"no Vosk model at {model}; give the folder of an unpacked "
                                  "model, or install one with "
                                  "`cramp-coach models install vosk-small-en-us`")
        return model
    from voice.models.catalog import find_english_vosk_model

    return find_english_vosk_model(models_dir)


def open_vosk(model_path: Path, matcher: IntentMatcher) -> SpeechIn:
    """A Vosk recogniser on `model_path` with one phrase list per listening context."""
    from voice.hear.engines.vosk import VoskEngine

    grammars = {ctx: vosk_phrases(matcher, ctx, style=VOSK_PHRASE_STYLE)
                for ctx in matcher.contexts}
    return VoskEngine(model_path, grammars)


def open_pocketsphinx(matcher: IntentMatcher, forked: bool = False) -> PocketSphinxEngine:
    """A PocketSphinx recogniser with one grammar per listening context (`forked`: its
    grammars made in a copy of this process, see `from_matcher`)."""
    return from_matcher(matcher, forked=forked)


def open_engine(engine: str, model: Path | None, models_dir: Path,
                matcher: IntentMatcher, *, quiet: bool = False,
                forked: bool = False) -> SpeechIn:
    """The recogniser `--engine` asks for; says on stderr which one it opened.

    `forked`: PocketSphinx makes its grammars in a copy of this process, to keep this one
    small (the recogniser's own process does). Raises MissingResource (exit 3) when `vosk` is asked for and no model is there, or
    the speech library is not installed; BadInput for an unknown engine name.
    """
    if engine not in ENGINES:
        raise BadInput(f"unknown engine {engine!r}; expected one of: {', '.join(ENGINES)}")
    if engine == "pocketsphinx":
        if model is not None:
            raise BadInput("--model is a Whisper or Vosk model folder; it cannot be used "
                           "with --engine pocketsphinx")
        return _opened(open_pocketsphinx(matcher, forked), "the built-in US-English model",
                       quiet)
    if engine in ("auto", "whisper"):
        whisper = find_whisper_model(model, models_dir)
        if whisper is not None:
            return _opened(open_whisper(whisper, matcher), str(whisper), quiet)
        if engine == "whisper":
            where = f"at {model}" if model is not None else f"installed in {models_dir}"
            raise MissingResource(f"no Whisper model {where}; run "
                                  "`cramp-coach models install whisper-tiny-en`, or use "
                                  "--engine pocketsphinx")
    found = find_vosk_model(model, models_dir)
    if found is not None:
        return _opened(open_vosk(found, matcher), str(found), quiet)
    if engine == "vosk":
        raise MissingResource(
            f"no English Vosk model installed in {models_dir}; run "
            "`cramp-coach models install vosk-small-en-us`, or use --engine pocketsphinx")
    return _opened(open_pocketsphinx(matcher, forked),
                   "the built-in US-English model (no Vosk model installed)", quiet)


def _opened(recogniser: SpeechIn, where: str, quiet: bool) -> SpeechIn:
    if not quiet:
        log.info(f"speech recogniser: {recogniser.name}, {where}")
    return recogniser
