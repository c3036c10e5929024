"""PocketSphinx behind the `SpeechIn` interface: one JSGF search per listening context.

Uses the US-English acoustic model and dictionary shipped inside the `pocketsphinx`
package, so nothing is downloaded. Each context's grammar (from the intent templates, see
`grammar.py`) is wrapped with garbage paths: a loop of phones; in `idle`, a loop of
frequent English words that are not the context's own; and where the coach itself talks
while it listens (its count, in `count`), a loop of its own words, since a microphone
hears the speaker too:

    public <utterance> = /1/ <command> | /w/ <garbage>+ | /v/ <other>+ | /o/ <own>+ ;

A grammar recogniser forces every sound into some phrase; the garbage paths give it
somewhere else to put sounds that fit no command well. Saying no happens in steps: sound
that holds no human voice never gets here (`speech_gate.py`); an utterance with less
voiced audio than `SphinxSettings.min_voiced_s` is heard as nothing; an utterance decoded
as garbage is nothing; a decode that does not reach the end of a command (PocketSphinx
then returns the best partial path) is nothing; and a command whose sounds a second, free
hearing of phones does not confirm is nothing (`confirm.py`): every command while idle,
every one but those that begin with a leading command ("stop", "wait") while counting,
long ones (a warning sign, a cramp) while asking. Then one step says yes: in a context
with spotted phrases (content `spotted`: "stop" while counting or asking), a short
utterance the grammar heard no command in, in which a keyword spotter finds such a
phrase, is that command.

Streaming: `feed` decodes incrementally and returns partial hypotheses; `finish` decodes
the whole utterance once more with utterance-level normalisation (so a file and the same
audio from a microphone give the same final result) and applies the rejection. The
feature extraction (its noise estimate) starts afresh for every final decode, so a result
never depends on what was heard before. That second decode is most of the reply time, but
the model normalises by the whole utterance's cepstral mean: a streamed result, normalised
by an earlier mean, would be heard no better and would depend on what was heard before it.

What each setting trades, and the measurements behind its value: docs/tuning.md.

    engine = from_matcher(matcher)            # grammars for idle, count, question
    engine.set_context(Context.COUNT)               # from the next utterance on
    engine.start()
    for block in blocks:                      # 16 kHz 16-bit mono PCM bytes
        partial = engine.feed(block)          # Hypothesis(final=False) or None
    final = engine.finish()                   # Hypothesis(text="" when rejected)
    engine.decode(pcm, Context.COUNT)               # one whole utterance -> Decoded
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from voice.errors import BadInput, MissingResource
from voice.hear.base import Hypothesis
from voice.hear.engines.confirm import phones_heard, sound_distance, sound_of
from voice.hear.engines.grammar import (
    TOP_RULE,
    ContextGrammar,
    Phones,
    default_dictionary_path,
    forget_dictionary,
    load_dictionary,
)
from voice.hear.levels import frame_levels_db
from voice.understand.matcher import IntentMatcher
from voice.vocabulary import CONTEXTS, Context

GARBAGE_RULE = "garbage"
"""JSGF rule of the garbage path."""
_BG_PREFIX = "gb_"
"""Garbage "words" are spelt `gb_PHONE` (phone loop) or `gb_WORD` (other words) in the
decoder, so they never look like commands."""
OTHER_RULE = "other"
"""JSGF rule of the other-words path."""
OWN_RULE = "own"
"""JSGF rule of the own-voice path."""
FREE_SEARCH = "free-form"
"""Decoder search of the second hearing: English phones, no words (`confirm_contexts`)."""
SPOT_PREFIX = "spot-"
"""Decoder search of a context's keyword spotter is `spot-CONTEXT`."""


@dataclass(frozen=True)
class SphinxSettings:
    """How PocketSphinx decodes and when it says no."""

    language_weight: float = 6.5
    """Weight of grammar probabilities against acoustic scores (PocketSphinx `-lw`)."""
    word_insertion: float = 0.65
    """Probability cost of each word (PocketSphinx `-wip`); lower favours short phrases."""
    silence_prob: float = 0.005
    """Probability of silence between words (`-silprob`). Too high and silence swallows
    whole words; with a low `word_insertion` no path reaches a command's end."""
    beam: float = 1e-48
    """Pruning of states, relative to the best (`-beam`; smaller keeps more)."""
    word_beam: float = 7e-29
    """Pruning of word ends, relative to the best (`-wbeam`)."""
    garbage_phones: tuple[str, ...] = ("AH", "IY", "S", "T", "N")
    """Phones looped by the garbage path (empty: no garbage path). Fewer, broader phones
    make a weaker garbage model, so fewer real commands are lost to it."""
    garbage_weight: float = 1.0
    """Prior of the garbage path against the commands (JSGF weight)."""
    strict_contexts: tuple[Context, ...] = (Context.IDLE,)
    """Contexts where a false command costs most (one would start a session and wake the
    house): there the garbage path loops over every phone, with `strict_weight`."""
    strict_weight: float = 1e-24
    """Prior of the every-phone garbage path in `strict_contexts` (JSGF weight); higher says
    no to more other speech and also to more commands."""
    garbage_more: float = 1.0
    """Weight of "one more garbage phone" against "garbage ends here"; below 1 makes each
    further phone cost more, so long garbage (chatter) still beats a command while a
    short command is not lost to it."""
    min_voiced_s: float = 0.12
    """Utterances with less voiced audio than this are heard as nothing (seconds)."""
    voiced_db: float = 12.0
    """A 10 ms frame counts as voiced this far above the utterance's noise floor (dB)."""
    short_command_variants: bool = True
    """Give one-word commands common accent variants ("stop" as S T AO P, S T AA ...)."""
    other_words: int = 300
    """How many of English's most frequent words (ranked by the language model shipped
    with the acoustic model; the context's own words left out) make up a second garbage
    path: other speech then comes out as the words it really is ("can you pass the
    salt") instead of the nearest command ("can i massage the sole"). 0: none."""
    other_weight: float = 1e-3
    """Prior of the other-words path against the commands (JSGF weight)."""
    own_weight: float = 1000.0
    """Prior of the own-voice path (in `count`: the coach's instructions and count words) against
    the commands (JSGF weight; plain digits, no exponent): high, so the coach's voice is nothing."""
    own_run: int = 3
    """Fewest of the coach's own words (other than its count words) heard as a sentence of
    its own."""
    other_contexts: tuple[Context, ...] = (Context.IDLE,)
    """Contexts with the other-words path, which turns away most other speech but costs recall:
    `idle`, where a false command wakes the house; not `count`, where stopping matters more."""
    confirm_contexts: tuple[Context, ...] = CONTEXTS
    """Contexts where an accepted command is heard again as free English phones (words cost far
    more time and memory) and kept only if both sound alike (`confirm.py`, `_heard_twice`)."""
    confirm_most_contexts: tuple[Context, ...] = (Context.COUNT,)
    """Contexts where every command is heard twice but those that begin with a leading command
    (content `leading_commands`: "stop", "wait" ...; stopping by mistake costs little)."""
    confirm_min_phones: int = 8
    """In other `confirm_contexts` (not strict, not "most"), shorter commands are not heard
    twice: a short word heard freely says little; speech forced into a command comes out long."""
    confirm_distance: float = 0.65
    """Farthest the phones heard may be from the command's (0..1; `confirm.py`); larger keeps
    more commands and lets more other speech through."""
    confirm_short_phones: int = 4
    """In `confirm_most_contexts`, commands of at most this many phones ("go on", "gone",
    "fine", "again") must be heard more closely the second time (`confirm_short_distance`):
    one phone of four misheard is a quarter of the word, and real people's other words land
    on them ("go" as "go on", "on" as "gone")."""
    confirm_short_distance: float = 0.4
    """Farthest the phones heard may be from a short command's (`confirm_short_phones`);
    tighter than `confirm_distance`, since real people's other words land on short ones."""
    confirm_language_weight: float = 1.0
    """Weight of the phone statistics in the second hearing (`-lw` of its search)."""
    confirm_beam: float = 1e-20
    """Pruning of the second hearing (`-beam`, `-pbeam`)."""
    spot_threshold: float = 1e-18
    """Detection threshold of the keyword spotter (PocketSphinx keyphrase search; larger
    finds less): smaller finds more real "stop"s and takes more other words for one."""
    spot_max_phones: int = 12
    """Longest utterance, in phones heard freely, that the spotter's find is taken from: a
    person saying "stop" is short, but in a sentence it finds "stop" in "straight"."""


ALL_PHONES = ("AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F",
              "G", "HH", "IH", "IY", "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S",
              "SH", "T", "TH", "UH", "UW", "V", "W", "Y", "Z", "ZH")
"""The US-English model's speech phones."""

ACCEPTED_CONFIDENCE = 0.9
"""Confidence of a command that passed every rejection step. PocketSphinx's own scores
(lattice posteriors, acoustic score against a phone loop) were measured on real speech
and did not separate commands from other words, so they are not used."""


@dataclass(frozen=True)
class Decoded:
    """One decode of one utterance, with what the rejection looked at."""

    text: str
    """The command heard ("" when none)."""
    confidence: float
    """0..1."""
    raw: str
    """Everything the decoder output, garbage included (`gb_` prefix)."""
    voiced_s: float
    """Voiced audio in the utterance (seconds)."""
    frames: int
    """Feature frames decoded (100 per second)."""
    reason: str = ""
    """Why the utterance was rejected ("" when accepted): `no speech`, `garbage`,
    `nothing decoded`, `incomplete command`, `own voice` or `not confirmed`."""
    free_form: str = ""
    """The phones the second hearing heard ("" when there was none)."""
    spotted: bool = False
    """Whether the keyword spotter found the command after the grammar heard none."""


def import_pocketsphinx() -> Any:
    """The `pocketsphinx` module; MissingResource when it is not installed."""
    try:
        import pocketsphinx
    except ImportError as exc:
        raise MissingResource(
            "the pocketsphinx speech library is not installed; run `pip install pocketsphinx`"
        ) from exc
    return pocketsphinx


def model_dir() -> Path:
    """Folder of the US-English model inside the `pocketsphinx` package (acoustic model in
    `en-us/`, dictionary `cmudict-en-us.dict`, language model `en-us.lm.bin`)."""
    return Path(import_pocketsphinx().get_model_path()) / "en-us"


VARIANT_VOWELS = {"AA": ("AO", "AH"), "AO": ("AA",), "EH": ("AE",), "OW": ("AO",)}
"""Vowels commonly realised differently across English accents (British LOT as AO ...)."""
_PLOSIVES = frozenset({"P", "T", "K", "B", "D", "G"})


def accent_variants(phones: Phones) -> list[Phones]:
    """Other ways a short word is often said: another accent's vowel, an unreleased final
    plosive ("stop" → S T AO P, S T AH P, S T AA)."""
    out: list[Phones] = []
    for i, phone in enumerate(phones):
        for other in VARIANT_VOWELS.get(phone, ()):
            out.append(phones[:i] + (other,) + phones[i + 1:])
    if len(phones) >= 3 and phones[-1] in _PLOSIVES:
        out.append(phones[:-1])
    return [v for v in dict.fromkeys(out) if v != phones]


@functools.lru_cache(maxsize=4)
def frequent_words(n: int) -> tuple[str, ...]:
    """The `n` most frequent English words (plain letters, in the dictionary), ranked by
    their unigram probability in the language model shipped with the acoustic model."""
    if n <= 0:
        return ()
    ps = import_pocketsphinx()
    model = ps.NGramModel.readfile(str(model_dir() / "en-us.lm.bin"))
    ranked = sorted((w for w in load_dictionary() if w.isalpha()),
                    key=lambda w: (-model.prob([w]), w))
    return tuple(ranked[:n])


@dataclass(frozen=True)
class Words:
    """What an engine needs from the 135,000-word dictionary and the language model: the
    decoder is given only these, and neither file is kept in memory."""

    other_words: tuple[str, ...]
    """The other-words path's words (`SphinxSettings.other_words` of them)."""
    other_phones: Mapping[str, Phones]
    phones: dict[str, Phones]
    """Each grammar word's phones: the dictionary's, or those derived for it."""
    dictionary: str
    """The shipped dictionary's lines for the grammar words (every pronunciation)."""


def words_of(grammars: Mapping[Context, ContextGrammar], settings: SphinxSettings) -> Words:
    """The words the grammars and settings need, with their pronunciations."""
    other_words = frequent_words(settings.other_words)
    dictionary = load_dictionary()
    added: dict[str, Phones] = {}
    for grammar in grammars.values():
        added.update(grammar.added)
    phones: dict[str, Phones] = {}
    for grammar in grammars.values():
        for word in grammar.words:
            found = dictionary.get(word) or added.get(word)
            if found:
                phones[word] = found
    other_phones = {w: dictionary[w] for w in other_words}
    del dictionary
    forget_dictionary()
    with default_dictionary_path().open(encoding="utf-8") as lines:
        kept = "".join(line for line in lines
                       if line.strip() and line.split(maxsplit=1)[0].split("(")[0] in phones)
    return Words(other_words, other_phones, phones, kept)


def voiced_seconds(samples: np.ndarray, voiced_db: float) -> float:
    """Seconds of 10 ms frames at least `voiced_db` above the quietest tenth of the audio."""
    energy = frame_levels_db(samples)
    if energy.size == 0:
        return 0.0
    floor = float(np.percentile(energy, 10))
    loud = energy > max(floor + voiced_db, 30.0)
    return float(np.count_nonzero(loud)) / 100


class PocketSphinxEngine:
    """A streaming PocketSphinx recogniser with one grammar search per listening context."""

    name = "pocketsphinx"

    def __init__(self, grammars: Mapping[Context, ContextGrammar], *,
                 context: Context = Context.IDLE,
                 settings: SphinxSettings = SphinxSettings(),
                 words: Words | None = None) -> None:
        """Build the decoder and one search per context of `grammars` (`words`: what
        `words_of` gives for them, when it was made elsewhere)."""
        if not grammars:
            raise ValueError("PocketSphinxEngine needs at least one context grammar")
        self.settings = settings
        self._grammars = dict(grammars)
        words = words or words_of(grammars, settings)
        self._other_words = words.other_words
        self._added: dict[str, Phones] = {}
        """Words the dictionary lacks, every grammar's, with their derived phones."""
        for grammar in self._grammars.values():
            self._added.update(grammar.added)
        self._phones = words.phones
        """Each grammar word's phones: the dictionary's, or those derived for it."""
        with tempfile.TemporaryDirectory(prefix="cramp-coach-") as folder:
            dictionary = Path(folder) / "words.dict"
            dictionary.write_text(words.dictionary, encoding="utf-8")
            self._decoder = self._new_decoder(dictionary)
        other_phones = words.other_phones
        self._add_words(other_phones)
        self._fsgs: dict[str, Any] = {}
        for ctx, grammar in self._grammars.items():
            self._add_search(ctx, grammar)
            if grammar.spotted:
                self._add_spot_search(ctx, grammar.spotted)
        spotting = any(g.spotted for g in self._grammars.values())
        if spotting or set(settings.confirm_contexts) & set(self._grammars):
            self._add_free_search()  # spotting reads its phone count too
        self._pending = context if context in self._grammars else next(iter(self._grammars))
        self.set_context(self._pending)
        self._context = self._pending
        self._active = False
        self._buffer: list[bytes] = []
        self._last_partial = ""
        self.last: Decoded | None = None
        """What the last `finish` or `decode` saw (for benchmarks and logs)."""

    # ---- setup -------------------------------------------------------------------------

    def _new_decoder(self, dictionary: Path) -> Any:
        ps = import_pocketsphinx()
        folder = model_dir()
        s = self.settings
        decoder = ps.Decoder(hmm=str(folder / "en-us"), dict=str(dictionary),
                             lm=None, lw=s.language_weight, wip=s.word_insertion,
                             silprob=s.silence_prob, beam=s.beam, wbeam=s.word_beam,
                             bestpath=False, loglevel="FATAL")
        return decoder

    def _add_words(self, other_phones: Mapping[str, Phones]) -> None:
        """Derived pronunciations, accent variants of one-word commands, background words
        (`other_phones`: the other-words path's)."""
        for word, phones in self._added.items():
            self._add_word(word, phones)
        if self.settings.short_command_variants:
            for word in sorted(self._short_commands()):
                for phones in accent_variants(self._phones.get(word, ())):
                    self._add_word(word, phones)
        for phone in ALL_PHONES:
            self._add_word(_BG_PREFIX + phone.lower(), (phone,))
        for grammar in self._grammars.values():
            for word, phones in grammar.own_words.items():
                self._add_word(_BG_PREFIX + word, phones)
        for word in self._other_words:
            self._add_word(_BG_PREFIX + word, other_phones[word])
        self._decoder.add_word(_BG_PREFIX + "sil", "SIL", True)  # applies the additions

    def _add_word(self, word: str, phones: Phones) -> None:
        if not phones:
            return
        name, n = word, 1
        while self._decoder.lookup_word(name) is not None:
            if self._decoder.lookup_word(name) == " ".join(phones):
                return
            n += 1
            name = f"{word}({n})"
        self._decoder.add_word(name, " ".join(phones), False)

    def _short_commands(self) -> set[str]:
        """Words that are a whole command on their own in some context ("stop", "yes")."""
        words: set[str] = set()
        for grammar in self._grammars.values():
            words |= set(grammar.single_words)
        return words

    def _garbage(self, context: Context) -> tuple[tuple[str, ...], float]:
        """The garbage path's phones and weight in `context`."""
        s = self.settings
        if context in s.strict_contexts:
            return ALL_PHONES, s.strict_weight
        return s.garbage_phones, s.garbage_weight

    def _jsgf(self, grammar: ContextGrammar) -> str:
        phones, weight = self._garbage(grammar.context)
        if not phones:
            return grammar.jsgf
        text = grammar.jsgf.replace(f"public <{TOP_RULE}> =", f"<{TOP_RULE}> =")
        words = " | ".join(_BG_PREFIX + p.lower() for p in phones)
        more = self.settings.garbage_more
        other = ""
        paths = f"/1/ <{TOP_RULE}> | /{weight:g}/ <{GARBAGE_RULE}>"
        others = [w for w in self._other_words if w not in grammar.words]
        if others and grammar.context in self.settings.other_contexts:
            names = " | ".join(_BG_PREFIX + w for w in others)
            other = f"<{OTHER_RULE}> = ({names})+;\n"
            paths += f" | /{self.settings.other_weight:g}/ <{OTHER_RULE}>"
        if grammar.own_words:
            other += self._own_rule(grammar)
            paths += f" | /{self.settings.own_weight:g}/ <{OWN_RULE}>"
        return (f"{text}<phone> = {words};\n"
                f"<{GARBAGE_RULE}> = /1/ <phone> | /{more:g}/ <phone> <{GARBAGE_RULE}>;\n"
                f"{other}public <utterance> = {paths};\n")

    def _own_rule(self, grammar: ContextGrammar) -> str:
        """The coach's own voice: its count words in any number, or a run of at least
        `own_run` of all its words (a sentence of its own), so that a short command ("stop")
        is not taken for a word of the coach's."""
        said = " | ".join(_BG_PREFIX + w for w in grammar.own_words)
        run = " ".join(["<own_word>"] * max(1, self.settings.own_run)) + "+"
        alone = " | ".join(_BG_PREFIX + w for w in sorted(grammar.own_alone))
        paths = f"({alone})+ | {run}" if alone else run
        return f"<own_word> = {said};\n<{OWN_RULE}> = {paths};\n"

    def _add_free_search(self) -> None:
        """The second hearing's search. A search takes its weight and beams from the
        decoder's settings when it is made, so these are set for it and put back."""
        config = self._decoder.config
        s = self.settings
        kept = {key: config[key] for key in ("lw", "beam", "pbeam")}
        config["lw"] = s.confirm_language_weight
        config["beam"] = config["pbeam"] = s.confirm_beam
        try:
            self._decoder.add_allphone_file(FREE_SEARCH, str(model_dir() / "en-us-phone.lm.bin"))
        finally:
            for key, value in kept.items():
                config[key] = value

    def _add_spot_search(self, context: Context, phrases: Iterable[str]) -> None:
        """A keyword spotter for `phrases` in `context` (PocketSphinx reads its phrases and
        their thresholds from a file, made for it and removed at once)."""
        lines = "".join(f"{p} /{self.settings.spot_threshold:g}/\n" for p in phrases)
        with tempfile.TemporaryDirectory(prefix="cramp-coach-") as folder:
            keyfile = Path(folder) / "spotted.txt"
            keyfile.write_text(lines, encoding="utf-8")
            try:
                self._decoder.add_kws(SPOT_PREFIX + context, str(keyfile))
            except (RuntimeError, ValueError) as exc:
                raise BadInput(f"cannot listen for the spotted phrases of '{context}': "
                               f"{exc}") from exc

    def _add_search(self, context: Context, grammar: ContextGrammar) -> None:
        try:
            self._decoder.add_jsgf_string(str(context), self._jsgf(grammar))
        except ValueError as exc:
            raise BadInput(f"the grammar for context '{context}' does not compile: {exc}") from exc
        self._fsgs[context] = self._decoder.parse_jsgf(grammar.jsgf)

    # ---- SpeechIn ----------------------------------------------------------------------

    @property
    def context(self) -> Context:
        """The context the current (or next) utterance is heard in."""
        return self._context if self._active else self._pending

    @property
    def contexts(self) -> tuple[Context, ...]:
        """Contexts this engine has a grammar for."""
        return tuple(self._grammars)

    def set_context(self, context: Context) -> None:
        """Listen for `context`'s commands from the next utterance on."""
        if context not in self._grammars:
            known = ", ".join(self._grammars)
            raise BadInput(f"unknown listening context '{context}'; expected one of: {known}")
        self._pending = context

    def start(self) -> None:
        """Begin an utterance in the pending context."""
        if self._active:
            self._decoder.end_utt()
        self._context = self._pending
        self._decoder.activate_search(str(self._context))  # the C library takes a plain str
        self._decoder.start_utt()
        self._buffer = []
        self._last_partial = ""
        self._active = True

    def feed(self, pcm: bytes) -> Hypothesis | None:
        """Feed 16 kHz 16-bit mono PCM; returns a partial hypothesis when it changed.

        Partials only drop garbage; only `finish` says no.
        """
        if len(pcm) % 2:
            raise BadInput("audio block has an odd number of bytes; expected 16-bit samples")
        if not self._active:
            self.start()
        if not pcm:
            return None
        self._buffer.append(pcm)
        self._decoder.process_raw(pcm, False, False)
        hyp = self._decoder.hyp()
        text = _command_words(hyp.hypstr if hyp is not None else "")
        if not text or text == self._last_partial:
            return None
        self._last_partial = text
        return Hypothesis(text=text, confidence=0.0, final=False)

    def finish(self) -> Hypothesis:
        """End the utterance; text is "" when it was not a command of the context."""
        if not self._active:
            self.start()
        self._decoder.end_utt()
        self._active = False
        return self.hear_whole(b"".join(self._buffer), self._context)

    # ---- whole utterances --------------------------------------------------------------

    def hear_whole(self, pcm: bytes, context: Context) -> Hypothesis:
        """The final hypothesis of one whole utterance in `context` (one pass, `decode`)."""
        decoded = self.decode(pcm, context)
        return Hypothesis(text=decoded.text, confidence=decoded.confidence, final=True)

    def decode(self, pcm: bytes, context: Context | None = None) -> Decoded:
        """Recognise one whole utterance of 16 kHz 16-bit mono PCM in `context`. An
        utterance being streamed (`start`/`feed`) is abandoned: this is its final word."""
        ctx = self.context if context is None else context
        if ctx not in self._grammars:
            raise BadInput(f"unknown listening context '{ctx}'")
        if self._active:
            self._decoder.end_utt()
            self._active = False
        samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2")
        voiced = voiced_seconds(samples, self.settings.voiced_db)
        if voiced < self.settings.min_voiced_s:
            result = Decoded("", 0.0, "", voiced, 0, reason="no speech")
        else:
            result = self._decode_speech(samples, ctx, voiced)
        self.last = result
        return result

    def _decode_speech(self, samples: np.ndarray, context: Context, voiced: float) -> Decoded:
        raw, frames = self._run(context, samples)
        heard = self._judge(samples, context, raw, voiced, frames)
        if heard.text or not self._grammars[context].spotted:
            return heard
        return self._spot(samples, context, heard)

    def _judge(self, samples: np.ndarray, context: Context, raw: str, voiced: float,
               frames: int) -> Decoded:
        """The grammar's result `raw`, accepted or said no to."""
        words = raw.split()
        if not words:
            return Decoded("", 0.0, raw, voiced, frames, reason="nothing decoded")
        if any(w.startswith(_BG_PREFIX) for w in words):
            own = self._grammars[context].own_words
            mine = any(w[len(_BG_PREFIX):].split("(")[0] in own for w in words)
            return Decoded("", 0.1, raw, voiced, frames, reason="own voice" if mine else "garbage")
        if not self._fsgs[context].accept(raw):
            return Decoded("", 0.2, raw, voiced, frames, reason="incomplete command")
        command = sound_of(raw, self._pronounce)
        if self._heard_twice(context, words, command):
            heard, _ = self._run(FREE_SEARCH, samples)
            gap = sound_distance(command, phones_heard(heard))
            if gap > self._farthest(context, command):
                return Decoded("", 0.3, raw, voiced, frames, reason="not confirmed",
                               free_form=heard)
            return Decoded(raw, ACCEPTED_CONFIDENCE, raw, voiced, frames, free_form=heard)
        return Decoded(raw, ACCEPTED_CONFIDENCE, raw, voiced, frames)

    def _heard_twice(self, context: Context, words: list[str], command: list[str]) -> bool:
        """Whether a command (its words and phones) accepted in `context` is heard a
        second time."""
        s = self.settings
        if context not in s.confirm_contexts:
            return False
        if context in s.strict_contexts:
            return True
        if context in s.confirm_most_contexts:
            plain = [w.split("(")[0] for w in words]
            leading = self._grammars[context].leading
            return not any(tuple(plain[:len(lead)]) == lead for lead in leading)
        return len(command) >= s.confirm_min_phones

    def _farthest(self, context: Context, command: list[str]) -> float:
        """How far the second hearing may be from a command's phones in `context`."""
        s = self.settings
        if context in s.confirm_most_contexts and len(command) <= s.confirm_short_phones:
            return s.confirm_short_distance
        return s.confirm_distance

    def _spot(self, samples: np.ndarray, context: Context, rejected: Decoded) -> Decoded:
        """An utterance the grammar heard no command in: the spotted phrase the keyword
        spotter finds in it, when it is short enough to be a command said alone."""
        found, _ = self._run(SPOT_PREFIX + context, samples)
        phrase = next((p for p in self._grammars[context].spotted if p in found), None)
        if phrase is None:
            return rejected
        heard = rejected.free_form or self._run(FREE_SEARCH, samples)[0]
        if len(phones_heard(heard)) > self.settings.spot_max_phones:
            return replace(rejected, free_form=heard)
        return replace(rejected, text=phrase, confidence=ACCEPTED_CONFIDENCE, reason="",
                       free_form=heard, spotted=True)

    def _run(self, search: str, samples: np.ndarray) -> tuple[str, int]:
        """Decode a whole utterance with one search: its text and its number of frames."""
        decoder = self._decoder
        decoder.reinit_feat()  # fresh noise estimate: no carry-over between utterances
        decoder.activate_search(str(search))  # a plain str, not a Context
        decoder.start_utt()
        decoder.process_raw(samples.tobytes(), False, True)
        decoder.end_utt()
        hyp = decoder.hyp()
        raw = hyp.hypstr if hyp is not None else ""
        frames = int(decoder.n_frames())
        decoder.start_utt()  # an empty utterance frees this search's history of the last
        decoder.end_utt()    # one; kept, each search would hold megabytes all night
        decoder.activate_search(str(self._pending))
        return raw, frames

    def _pronounce(self, word: str) -> Phones | None:
        """A word's phones: the dictionary's, or those derived for a grammar word."""
        return self._phones.get(word)


def _command_words(text: str) -> str:
    """The decoder's output without garbage."""
    return " ".join(w for w in text.split() if not w.startswith(_BG_PREFIX))


def from_matcher(matcher: IntentMatcher, *, context: Context = Context.IDLE,
                 settings: SphinxSettings = SphinxSettings(),
                 contexts: Iterable[Context] | None = None,
                 forked: bool = False) -> PocketSphinxEngine:
    """An engine with a grammar for each listening context of the intent templates. With
    `forked`, the grammars and words are made in a copy of this process (`in_fork`), so
    the memory that takes is not kept here."""
    from voice.hear.engines.grammar import build_grammar
    from voice.memory import in_fork

    names = tuple(contexts) if contexts is not None else tuple(matcher.contexts)

    def prepare() -> tuple[dict[Context, ContextGrammar], Words]:
        grammars = {ctx: build_grammar(matcher, ctx) for ctx in names}
        return grammars, words_of(grammars, settings)

    grammars, words = in_fork(prepare) if forked else prepare()
    return PocketSphinxEngine(grammars, context=context, settings=settings, words=words)
