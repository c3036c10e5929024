"""What people say at night beyond the script (tests/data/night_phrasings.tsv), each row
read in its listening context by the shipped matcher."""

from __future__ import annotations

import csv

from tests.support.heldout import NIGHT, score

ISSUE = [
    "not swollen, just red", "for about an hour", "I coughed up blood", "I feel faint",
    "I've just come off a long flight and my calf hurts",
    "I had surgery last week and now my calf is cramping",
    "it's warm now and it feels better", "my feet are freezing", "I hurt my back",
    "I knocked my toe", "I'm a bit out of breath from walking", "my hamstring's gone",
    "quieter", "louder", "slower", "speak up", "not so fast", "how long left",
    "I can't reach my foot", "what do I do", "what is a cramp", "why do I get cramps",
    "I'm pregnant and get these every night", "cramp in both legs",
    "cramp in my thigh, the front",
]
"""The sentences the night's report quoted: every one must be right."""


def test_the_table_holds_the_reported_sentences_and_sixty_more() -> None:
    texts = [row["text"] for row in csv.DictReader(NIGHT.open(encoding="utf-8"), delimiter="\t")]
    assert set(ISSUE) <= set(texts)
    assert len(texts) >= len(ISSUE) + 60


def test_night_phrasings_are_read_right_in_context() -> None:
    result = score(NIGHT)
    missed = {miss.split("'")[1] if miss.startswith("'") else miss.split('"')[1]
              for miss in result.misses}
    assert not missed & set(ISSUE), result.misses
    assert result.accuracy >= 0.95, result.misses
    assert result.class_accuracy("sign") == 1.0, result.misses
    assert result.class_accuracy("emergency") == 1.0, result.misses
