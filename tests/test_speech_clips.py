"""The Speech Commands clips as the tests and the soak read them: a missing data set or a
word with no clips is named in the error, never a division by zero."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.support import speech
from tests.support.core import write_wav_frames


def test_a_missing_data_set_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(speech, "SPEECH_COMMANDS", tmp_path / "speech-commands")
    assert speech.clips_missing() == (f"Speech Commands clips not found: no folder "
                                      f"{tmp_path / 'speech-commands'}")
    with pytest.raises(FileNotFoundError, match="no folder .*speech-commands"):
        speech.real_clip("stop", 0)
    with pytest.raises(FileNotFoundError, match="no folder .*speech-commands"):
        speech.clips("stop")


def test_a_word_with_no_clips_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(speech, "SPEECH_COMMANDS", tmp_path)
    (tmp_path / "stop").mkdir()
    assert speech.clips_missing() is None and speech.clips("stop") == []
    with pytest.raises(FileNotFoundError, match="no Speech Commands clips of 'stop'"):
        speech.real_clip("stop", 3)


def test_the_clips_of_a_word_are_taken_in_turn(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    monkeypatch.setattr(speech, "SPEECH_COMMANDS", tmp_path)
    (tmp_path / "yes").mkdir()
    for n in range(2):
        write_wav_frames(tmp_path / "yes" / f"{n}.wav",
                         np.full(1600, 100 * (n + 1), dtype=np.int16), speech.RATE)
    assert [int(speech.real_clip("yes", i)[0]) for i in range(3)] == [100, 200, 100]
