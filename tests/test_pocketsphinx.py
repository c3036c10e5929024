"""The PocketSphinx recogniser on synthesized speech: streaming, contexts, saying no, accuracy."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support import core
from tests.support.audio_sets import COMMANDS, build_set, subset
from tests.support.core import matcher as shared_matcher
from tests.support.noise import mix, noise
from tests.support.speech import SPEECH_COMMANDS, VOICES, load_16k, render, tools_missing
from voice.errors import BadInput
from voice.hear.base import SpeechIn
from voice.hear.engines.confirm import phones_heard, sound_distance, sound_of
from voice.hear.engines.grammar import load_dictionary
from voice.hear.engines.pocketsphinx import (
    PocketSphinxEngine,
    SphinxSettings,
    accent_variants,
    from_matcher,
    voiced_seconds,
)
from voice.hear.recognizer import recognise
from voice.memory import _glibc
from voice.speak.tts import Clip
from voice.understand.matcher import IntentMatcher
from voice.wavio import read_wav_16k, resample

pytestmark = pytest.mark.skipif(bool(tools_missing()), reason="needs espeak-ng and flite")

SUBSET_EVERY = 3
"""Every third command of the synthetic set (15 commands x 4 voices)."""
CLEAN_FLOOR = 0.5
"""Least intent accuracy on the clean subset (measured 0.55; target 0.95, not reached:
see bench/asr_accuracy.py). It was 0.72 before the count grammar's own-voice path, which
takes a few espeak-ng count commands ("stop counting", "continue") for the coach's own
words and turns away 93 more of 380 real other words said while counting; and 0.62 before
the second hearing of idle commands, which turns away a few commands whose free-form
reading is far off (espeak-ng's "charley horse" as "the arts") and ten times as many
everyday sentences."""
NOISY_FLOOR = 0.45
"""Least intent accuracy on the subset at 10 dB SNR (measured 0.48; target 0.90). It was
0.60 before the second hearing of idle commands: in noise the free run of phones strays
further from the command."""
CHATTER_FLOOR = 0.35
"""Least share of everyday sentences heard as nothing while idle (measured about 0.45)."""


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return shared_matcher()


@pytest.fixture(scope="module")
def engine(matcher: IntentMatcher) -> PocketSphinxEngine:
    return from_matcher(matcher)


def pcm(text: str, voice: int = 0, snr_db: float | None = None) -> bytes:
    return mix(load_16k(render(text, VOICES[voice])), snr_db, seed=7).tobytes()


def test_it_is_a_speech_in(engine: PocketSphinxEngine) -> None:
    recogniser: SpeechIn = engine
    assert recogniser.name == "pocketsphinx"
    assert set(engine.contexts) == {"idle", "count", "question"}


def test_streaming_blocks_give_partials_then_a_final(engine: PocketSphinxEngine) -> None:
    audio = pcm("stop counting", voice=2)
    engine.set_context("count")
    engine.start()
    partials = []
    for i in range(0, len(audio), 3200):  # 100 ms blocks, as from a microphone
        hyp = engine.feed(audio[i:i + 3200])
        if hyp is not None:
            assert not hyp.final
            partials.append(hyp.text)
    final = engine.finish()
    assert final.final and final.text.startswith("stop")
    assert final.confidence > 0.5
    assert partials and partials[-1].startswith("stop")


def test_a_file_and_the_same_audio_streamed_agree(engine: PocketSphinxEngine) -> None:
    audio = pcm("it's getting worse", voice=1)
    whole = engine.decode(audio, "count")
    engine.set_context("count")
    engine.start()
    for i in range(0, len(audio), 1600):
        engine.feed(audio[i:i + 1600])
    assert engine.finish().text == whole.text == "its getting worse"


def test_the_context_changes_at_the_next_utterance(engine: PocketSphinxEngine) -> None:
    audio = pcm("yes", voice=2)
    engine.set_context("question")
    engine.start()
    engine.set_context("count")  # takes effect at the next start
    engine.feed(audio)
    assert engine.finish().text == "yes"
    engine.start()
    engine.feed(audio)
    assert engine.finish().text != "yes"  # "yes" is no command while counting
    engine.set_context("idle")


def test_unknown_context_and_odd_blocks_are_bad_input(engine: PocketSphinxEngine) -> None:
    with pytest.raises(BadInput):
        engine.set_context("bedtime")
    engine.start()
    with pytest.raises(BadInput):
        engine.feed(b"\x00\x01\x02")
    engine.finish()


@pytest.mark.parametrize("kind", ["silence", "brown", "pink", "white"])
def test_silence_and_noise_are_nothing(engine: PocketSphinxEngine, kind: str) -> None:
    n = 2 * 16000
    if kind == "silence":
        audio = np.zeros(n, dtype=np.int16)
    else:
        audio = np.round(noise(kind, n, seed=3) * 2000).astype(np.int16)
    for context in ("idle", "count", "question"):
        assert engine.decode(audio.tobytes(), context).text == "", (kind, context)


def test_noise_bursts_are_nothing(engine: PocketSphinxEngine) -> None:
    """A door, a cough-like burst: loud but not speech."""
    rng = np.random.default_rng(5)
    audio = np.zeros(32000)
    for start in (4000, 16000):
        burst = rng.standard_normal(2400) * np.hanning(2400) * 8000
        audio[start:start + 2400] += burst
    heard = engine.decode(np.round(audio).astype(np.int16).tobytes(), "count")
    assert heard.text == ""


def test_everyday_speech_while_idle_is_often_nothing(engine: PocketSphinxEngine,
                                                     matcher: IntentMatcher) -> None:
    """While idle a false command would start a session at night: the strict garbage path
    says no to a good part of ordinary speech."""
    chatter = ["the weather is lovely today", "turn left at the station",
               "I bought seven apples", "what time does the film start",
               "can you pass the salt", "my brother lives in london"]
    heard = [recognise(engine, matcher, pcm(text, voice=v), "idle").intent.name
             for text in chatter for v in range(len(VOICES))]
    assert heard.count("none") / len(heard) >= CHATTER_FLOOR, heard


def test_voiced_seconds_measures_speech_not_quiet() -> None:
    audio = np.frombuffer(pcm("help, calf cramp"), dtype=np.int16)
    assert 0.5 < voiced_seconds(audio, 12.0) < len(audio) / 16000
    assert voiced_seconds(np.zeros(16000, dtype=np.int16), 12.0) == 0.0


def test_accent_variants_of_short_words() -> None:
    variants = accent_variants(("S", "T", "AA", "P"))
    assert ("S", "T", "AO", "P") in variants and ("S", "T", "AA") in variants
    assert ("S", "T", "AA", "P") not in variants


def _accuracy(engine: PocketSphinxEngine, matcher: IntentMatcher,
              snr_db: float | None) -> tuple[float, list[str]]:
    items = build_set(subset(COMMANDS, SUBSET_EVERY), VOICES, snr_db=snr_db)
    misses = []
    for item in items:
        intent = recognise(engine, matcher, item.samples.tobytes(), item.command.context).intent
        if intent.name != item.command.intent or dict(intent.slots) != dict(item.command.slots):
            misses.append(f"{item.voice.name}: {item.command.text!r} -> {intent.name} "
                          f"{dict(intent.slots)} ({intent.text!r})")
    return 1 - len(misses) / len(items), misses


def test_intent_accuracy_on_clean_synthetic_speech(engine: PocketSphinxEngine,
                                                   matcher: IntentMatcher) -> None:
    accuracy, misses = _accuracy(engine, matcher, None)
    assert accuracy >= CLEAN_FLOOR, misses


def test_intent_accuracy_at_10_db_snr(engine: PocketSphinxEngine,
                                      matcher: IntentMatcher) -> None:
    accuracy, misses = _accuracy(engine, matcher, 10.0)
    assert accuracy >= NOISY_FLOOR, misses


def test_engine_needs_a_grammar() -> None:
    with pytest.raises(ValueError):
        PocketSphinxEngine({})


def _heap_in_use() -> int:
    """Bytes glibc's allocator has handed out and not had back."""
    import ctypes

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost")]

    libc = _glibc()
    libc.mallinfo2.restype = MallInfo2
    info = libc.mallinfo2()
    return int(info.uordblks + info.hblkhd)


@pytest.mark.skipif(_glibc() is None, reason="reads glibc's allocator")
def test_what_the_decoder_holds_does_not_depend_on_the_last_utterance(
        engine: PocketSphinxEngine) -> None:
    """All night, each context's last utterance differs; the memory held must not."""
    long_talk = pcm("it is too warm in here, open the window a little, and the forecast "
                    "says it will rain all day tomorrow")
    short = pcm("stop")
    for context in engine.contexts:  # buffers reach their working size
        engine.decode(long_talk, context)
        engine.decode(short, context)
    held = []
    for audio in (short, long_talk, short, long_talk):
        for context in engine.contexts:
            engine.decode(audio, context)
            held.append(_heap_in_use())
    spread = (max(held) - min(held)) / 1e6
    assert spread < 1.5, f"held memory varied by {spread:.1f} MB with the last utterance"


OWN_COUNT_FLOOR = 0.7
"""Share of the coach's own count words (its real voice) that must be heard as nothing
while counting; 0.5 without the own-voice path, 0.78 with it."""


def from_the_speaker(clip: Clip) -> bytes:
    """A clip the coach plays, as 16 kHz PCM with a little silence around it."""
    pad = np.zeros(4800, dtype=np.int16)
    return np.concatenate([pad, resample(clip.samples, clip.sample_rate, 16000), pad]).tobytes()


def test_the_coachs_own_count_is_not_a_command(engine: PocketSphinxEngine,
                                               matcher: IntentMatcher) -> None:
    """A microphone hears the speaker too: the coach counting "one … thirty" (day and night
    voices, real pyttsx3 output) must not stop, pause or end its own count."""
    library = core.library()
    heard, reasons = [], []
    for night in (False, True):
        for n in range(1, 31):
            audio = from_the_speaker(library.count_word(n, night))
            heard.append(recognise(engine, matcher, audio, "count").intent.name)
            reasons.append(engine.last.reason if engine.last is not None else "")
    assert heard.count("none") / len(heard) >= OWN_COUNT_FLOOR, heard
    assert "own voice" in reasons


def test_only_the_count_context_has_the_coachs_own_words(matcher: IntentMatcher) -> None:
    from voice.hear.engines.grammar import build_grammar

    own = build_grammar(matcher, "count").own_words
    assert {"one", "twenty", "thirty"} <= set(own) and own["thirty"] == ("TH", "ER", "D", "IY")
    assert not build_grammar(matcher, "idle").own_words


def test_no_own_word_is_a_command_with_its_soft_first_sound_lost(
        matcher: IntentMatcher) -> None:
    """The coach says "the top of your foot"; a user's "stop" whose "s" the microphone lost
    must still be the user's (and "swelling" not the coach's "when")."""
    from voice.hear.engines.grammar import build_grammar

    own = build_grammar(matcher, "count").own_words
    assert "top" not in own and "when" not in own
    assert "toward" in own, "other words of the instructions stay the coach's"


def test_the_coachs_own_instructions_are_mostly_not_commands(engine: PocketSphinxEngine,
                                                             matcher: IntentMatcher) -> None:
    """What the coach says while it listens for the count's commands: the stretch
    instructions and pause prompts (its real voice, sentence by sentence), heard from the
    speaker. Without the own-voice path 13 of 34 were nothing and 6 were red flags."""
    from voice.speak.tts import sentences

    library = core.library()
    said = [s for line in core.content().own_speech["count"] for s in sentences(line)
            if len(s.split()) > 1]
    heard = []
    for text in said:
        audio = from_the_speaker(library.sentence(text, False))
        heard.append(recognise(engine, matcher, audio, "count").intent.name)
    assert len(said) >= 20
    assert heard.count("none") / len(heard) >= OWN_COUNT_FLOOR, list(zip(said, heard))
    assert heard.count("red_flag") <= 2, list(zip(said, heard))


def test_no_command_is_made_of_the_coachs_own_words(matcher: IntentMatcher) -> None:
    """A user saying a command the coach also says ("carry on") is heard as the user."""
    from voice.hear.engines.grammar import build_grammar

    own = set(build_grammar(matcher, "count").own_words)
    assert not [s for s in matcher.sentences("count") if set(s.split()) <= own]


def test_sound_distance_compares_phones_with_vowels_merged() -> None:
    pronounce = load_dictionary().get
    command = sound_of("help calf cramp", pronounce)
    assert command == sound_of("help(2) calf cramp", pronounce)
    assert sound_distance(command, phones_heard("SIL HH EH L P K AE F K R AE M P SIL")) == 0.0
    assert sound_distance(command, phones_heard("SIL HH EH L P K AA F K R AH M P +NSN+")) == 0.0
    assert sound_distance(command, phones_heard("HH EH L P K AE F T R AE M P")) < 0.1
    chatter = phones_heard("SIL G UH D N AY T SIL S L IY P W EH L SIL")
    assert sound_distance(sound_of("could my shoes help", pronounce), chatter) > 0.65


FORCED_CHATTER = [
    ("I have to be at work early tomorrow.", 2),
    ("My phone needs charging, where is the cable?", 3),
    ("Nobody in the town could remember when the bridge had last been mended.", 2),
    ("Nobody in the town could remember when the bridge had last been mended.", 3),
    ("Good night, sleep well.", 3),
    ("He counted the steps to the top of the tower and stopped to catch his breath.", 2),
]
"""Everyday sentences (text, voice) that the idle grammar alone takes for commands."""


def test_chatter_forced_into_a_command_is_not_confirmed(engine: PocketSphinxEngine,
                                                        matcher: IntentMatcher) -> None:
    """While idle, a command the free-form second hearing does not confirm is nothing;
    without the second hearing, each of these would have made the coach speak."""
    unconfirmed = from_matcher(matcher, settings=SphinxSettings(confirm_contexts=()))
    for text, voice in FORCED_CHATTER:
        audio = pcm(text, voice)
        alone = recognise(unconfirmed, matcher, audio, "idle").intent
        assert alone.name != "none", (text, voice)
        heard = recognise(engine, matcher, audio, "idle").intent
        assert heard.name == "none", (text, voice, heard)
        assert engine.last is not None and engine.last.reason == "not confirmed"
        assert engine.last.free_form and engine.last.raw == alone.text


def test_commands_are_confirmed_by_the_second_hearing(engine: PocketSphinxEngine,
                                                      matcher: IntentMatcher) -> None:
    for text, muscle in [("help, calf cramp", "calf"), ("I have a hamstring cramp",
                                                        "hamstring")]:
        for voice in (2, 3):
            heard = recognise(engine, matcher, pcm(text, voice), "idle").intent
            assert (heard.name, heard.slots.get("muscle")) == ("cramp", muscle), (text, voice)
            assert engine.last is not None and engine.last.free_form


FORCED_WARNINGS = [
    ("I think the heating comes on at six tomorrow.", 2, "count"),
    ("I think the heating comes on at six tomorrow.", 3, "question"),
    ("should I drink water", 1, "question"),
    ("The kids have swimming after school on Thursday.", 3, "count"),
    ("The dog was barking at the fox again.", 1, "count"),
    ("I can't find my glasses anywhere.", 2, "question"),
]
"""Talk (text, voice, context) that the count and question grammars alone take for a
warning sign: the coach would stop and tell the user to get medical help. ("We need to buy
milk and bread tomorrow." left the list when the stretch wording changed: the count
grammar now takes it for the coach's own voice, which is nothing too.)"""


def test_talk_forced_into_a_warning_sign_is_not_confirmed(engine: PocketSphinxEngine,
                                                          matcher: IntentMatcher) -> None:
    once = from_matcher(matcher, settings=SphinxSettings(confirm_contexts=("idle",)))
    for text, voice, context in FORCED_WARNINGS:
        audio = pcm(text, voice)
        alone = recognise(once, matcher, audio, context).intent
        assert alone.name == "red_flag", (text, voice, context, alone)
        heard = recognise(engine, matcher, audio, context).intent
        assert heard.name == "none", (text, voice, context, heard)
        assert engine.last is not None and engine.last.reason == "not confirmed"


def test_long_commands_are_heard_twice_while_counting_or_asking(
        engine: PocketSphinxEngine, matcher: IntentMatcher) -> None:
    for text, intent, context in [("it's getting worse", "worse", "count"),
                                  ("my calf is swollen", "red_flag", "count"),
                                  ("my calf is swollen", "red_flag", "question")]:
        for voice in (2, 3):
            heard = recognise(engine, matcher, pcm(text, voice), context).intent
            assert heard.name == intent, (text, voice, context, heard)
            assert engine.last is not None and engine.last.free_form, (text, voice)


def test_leading_and_short_commands_are_heard_once_while_counting_or_asking(
        engine: PocketSphinxEngine) -> None:
    for text, context in [("stop", "count"), ("wait", "count"), ("yes", "question")]:
        engine.decode(pcm(text, 2), context)
        assert engine.last is not None and engine.last.text and engine.last.free_form == "", text
    engine.decode(pcm("stop", 2), "idle")
    assert engine.last is not None and engine.last.text and engine.last.free_form
    engine.decode(pcm("continue", 1), "count")
    assert engine.last is not None and engine.last.text == "continue" and engine.last.free_form


def speech_command(folder: str, name: str) -> bytes:
    """One real person's clip of Speech Commands (16 kHz mono 16-bit)."""
    path = SPEECH_COMMANDS / folder / name
    if not path.is_file():
        pytest.skip(f"Speech Commands clip not found: {path}")
    return read_wav_16k(path).tobytes()


FORCED_GO = ["28497c5b_nohash_0.wav", "b83c1acf_nohash_4.wav", "5170b77f_nohash_4.wav"]
"""Real people saying "go", which the count grammar alone takes for "go on" or "gone"."""


def test_other_words_forced_into_a_count_command_are_not_confirmed(
        engine: PocketSphinxEngine, matcher: IntentMatcher) -> None:
    """While counting, every command but a leading one ("stop", "wait") is heard twice;
    heard once, each of these would have resumed the count or ended the stretch."""
    once = from_matcher(matcher, settings=SphinxSettings(confirm_most_contexts=()))
    for name in FORCED_GO:
        audio = speech_command("go", name)
        alone = recognise(once, matcher, audio, "count").intent
        assert alone.name in ("resume", "better"), (name, alone)
        heard = recognise(engine, matcher, audio, "count").intent
        assert heard.name == "none", (name, heard)
        assert engine.last is not None and engine.last.reason == "not confirmed"


CLOSE_OTHER_WORDS = [("go", "43fc47a7_nohash_0.wav"), ("go", "97f4c236_nohash_0.wav"),
                     ("on", "80c45ed6_nohash_0.wav"), ("on", "bb31b82b_nohash_1.wav"),
                     ("down", "283d7a53_nohash_1.wav")]
"""Real people's other words that the count grammar takes for a short command ("go on",
"gone", "fine", "again") and that a free hearing finds half a word away from it."""


def test_a_short_command_must_be_heard_closely_the_second_time(
        engine: PocketSphinxEngine, matcher: IntentMatcher) -> None:
    """While counting, a command of four phones or fewer is kept only when the second
    hearing is within `confirm_short_distance` of it, not the looser distance of longer
    ones; with the looser distance each of these would have resumed the count or ended
    the stretch."""
    loose = SphinxSettings(confirm_short_distance=SphinxSettings().confirm_distance)
    lenient = from_matcher(matcher, settings=loose)
    for folder, name in CLOSE_OTHER_WORDS:
        audio = speech_command(folder, name)
        alone = recognise(lenient, matcher, audio, "count").intent
        assert alone.name in ("resume", "better", "repeat"), (name, alone)
        heard = recognise(engine, matcher, audio, "count").intent
        assert heard.name == "none", (name, heard)
        assert engine.last is not None and engine.last.reason == "not confirmed"
    assert recognise(engine, matcher, pcm("continue", 1), "count").intent.name == "resume"


SPOTTED_STOPS = ["1acc97de_nohash_0.wav", "4290ca61_nohash_0.wav", "8769c34c_nohash_0.wav",
                 "91b03183_nohash_0.wav"]
"""Real people saying "stop" that the count grammar takes for noise or the coach's voice."""


def test_a_stop_the_grammar_misses_is_found_by_the_keyword_spotter(
        engine: PocketSphinxEngine, matcher: IntentMatcher) -> None:
    unspotted = from_matcher(matcher, settings=SphinxSettings(spot_max_phones=0))
    for name in SPOTTED_STOPS:
        audio = speech_command("stop", name)
        alone = recognise(unspotted, matcher, audio, "count").intent
        assert alone.name == "none", (name, alone)
        assert unspotted.last is not None and unspotted.last.reason in ("garbage", "own voice")
        heard = recognise(engine, matcher, audio, "count").intent
        assert heard.name == "stop", (name, heard)
        assert engine.last is not None and engine.last.spotted and engine.last.free_form


def test_the_keyword_spotter_takes_no_stop_from_a_sentence(engine: PocketSphinxEngine,
                                                           matcher: IntentMatcher) -> None:
    """The coach's own instructions, heard from the speaker: the spotter finds "stop" in
    "straight" and "stretch", but a sentence is too long to be a command said alone."""
    line = core.content().own_speech["count"][0]
    assert "Straighten" in line
    audio = from_the_speaker(core.library().sentence(line, False))
    unlimited = from_matcher(matcher, settings=SphinxSettings(spot_max_phones=10_000))
    assert recognise(unlimited, matcher, audio, "count").intent.name == "stop"
    assert unlimited.last is not None and unlimited.last.spotted
    assert recognise(engine, matcher, audio, "count").intent.name == "none"
    assert engine.last is not None and not engine.last.spotted
