"""Real people (Speech Commands test clips): does the coach hear "stop", and say no to the rest?

The whole set takes about two minutes to decode on this machine's two cores, so the test
takes a fixed subset: every `EVERY`-th clip of each folder (sorted by name). The full
figures come from `python -m bench.asr_accuracy`.

Targets: in the `count` context, >= 90 % of stop/ clips heard as stop, >= 90 % of other
words (go left right up down on off _unknown_) and >= 98 % of _silence_ clips as none.
On the whole set (`python -m bench.asr_accuracy`) the PocketSphinx US-English model hears
about 76 % of the stops, short of the target, and 92 % of the other words as nothing; on
this test's quarter of the clips the other words come to about 89 %. Both tests are
marked xfail, so the gap stays visible in every run instead of hidden behind a lowered
number.
"""

from __future__ import annotations

import pytest

from tests.support.real_speech import RealSpeech, grammar_hearer, real_speech
from tests.support.speech import SPEECH_COMMANDS
from voice import CONTENT_DIR
from voice.content.loader import load_content
from voice.hear.engines.pocketsphinx import from_matcher
from voice.understand.matcher import IntentMatcher

pytestmark = pytest.mark.skipif(not SPEECH_COMMANDS.is_dir(),
                                reason=f"Speech Commands clips not found at {SPEECH_COMMANDS}")

EVERY = 4
"""Take every 4th clip of each folder (a fixed subset, about 280 clips)."""
STOP_TARGET = 0.90
OTHER_TARGET = 0.90
SILENCE_TARGET = 0.98
YES_NO_FLOOR = 0.80
"""Least recall of yes/ and no/ in the question context (whole set: 0.89 yes, 0.84 no)."""


@pytest.fixture(scope="module")
def figures() -> RealSpeech:
    matcher = IntentMatcher(load_content(CONTENT_DIR))
    return real_speech(grammar_hearer(from_matcher(matcher), matcher), every=EVERY)


def test_background_noise_is_never_a_command(figures: RealSpeech) -> None:
    assert figures.silence >= SILENCE_TARGET, figures.per_folder


def test_yes_and_no_are_heard_after_a_question(figures: RealSpeech) -> None:
    assert figures.yes >= YES_NO_FLOOR, figures.per_folder
    assert figures.no >= YES_NO_FLOOR, figures.per_folder


@pytest.mark.xfail(reason="PocketSphinx's US-English model, with the keyword spotter, hears "
                          "stop in ~76% of these clips (target 90%); see bench/asr_accuracy.py",
                   strict=False)
def test_stop_is_heard_while_counting(figures: RealSpeech) -> None:
    assert figures.stop >= STOP_TARGET, figures.per_folder


@pytest.mark.xfail(reason="other words are taken for a count command in ~11% of this quarter "
                          "of the clips (target: under 10%; the whole set, 8%, meets it); see "
                          "bench/asr_accuracy.py", strict=False)
def test_other_words_are_not_commands_while_counting(figures: RealSpeech) -> None:
    assert figures.other >= OTHER_TARGET, figures.per_folder
