"""Spoken equals typed: a transcript is read as typed text is, in the same context.

Every row of every text table in tests/data, fed through the path Whisper's transcripts
take (`HeardReader.read`, as if the recogniser had written the row exactly), must give
the same intent and slots as `IntentMatcher.parse` in the same listening context. The
tables say nothing of a context, so every row is read in each of the three: a command
said in the wrong context must be nothing (or the same other thing) both ways too.

No row is an exception. Hearing adds the correction of misspelt words, which could make
a heard row say more than the typed one; it takes a corrected reading only when it is a
whole sentence of the coach's where the words as heard meant nothing, or the same intent
with a slot more, and no row of these tables is corrected into either.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from voice import CONTENT_DIR
from voice.content.loader import load_content
from voice.hear.base import Hypothesis
from voice.hear.recognizer import to_intent
from voice.understand.matcher import IntentMatcher
from voice.understand.reading import HeardReader
from voice.vocabulary import CONTEXTS, Context

DATA = Path(__file__).parent / "data"
TABLES = sorted(p.name for p in DATA.glob("*.tsv")) + ["everyday_talk.txt"]


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher(load_content(CONTENT_DIR))


@pytest.fixture(scope="module")
def reader(matcher: IntentMatcher) -> HeardReader:
    return HeardReader(matcher)


def rows(table: str) -> list[str]:
    """The sentences of a table (its `text` column, or every line of a text file)."""
    path = DATA / table
    if path.suffix == ".tsv":
        with path.open(encoding="utf-8", newline="") as f:
            return [row["text"] for row in csv.DictReader(f, delimiter="\t")]
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def test_every_table_is_read() -> None:
    assert len(TABLES) >= 5 and all(len(rows(t)) > 100 for t in TABLES)


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("table", TABLES)
def test_spoken_equals_typed(matcher: IntentMatcher, reader: HeardReader, table: str,
                             context: Context) -> None:
    differ = []
    for text in rows(table):
        typed = matcher.parse(text, context)
        heard = to_intent(Hypothesis(reader.read(text, context).text, 1.0, True, text), matcher,
                          context)
        if (heard.name, dict(heard.slots)) != (typed.name, dict(typed.slots)):
            differ.append((text, typed.name, dict(typed.slots), heard.name,
                           dict(heard.slots)))
    assert differ == []


@pytest.mark.parametrize(("text", "context", "intent", "slots"), [
    ("I woke up with a calf cramp", "idle", "cramp", {"muscle": "calf"}),
    ("It has gone away", "count", "better", {}),
    ("I stepped on a rusty nail last week and now my jaw and leg are cramping", "idle",
     "red_flag", {}),
    ("One leg is much bigger than the other", "idle", "red_flag", {}),
    ("Can I use a foam roller", "idle", "massage", {}),
    ("Much better, thanks", "question", "better", {}),
    ("nope", "question", "no", {}),
])
def test_the_issues_sentences_heard_exactly_keep_what_they_said(
        reader: HeardReader, text: str, context: Context, intent: str,
        slots: dict[str, str]) -> None:
    reading = reader.read(text, context)
    assert (reading.intent.name, dict(reading.intent.slots)) == (intent, slots), reading


def test_a_warning_sign_said_negated_is_no_sign_either_way(matcher: IntentMatcher,
                                                           reader: HeardReader) -> None:
    for context in CONTEXTS:
        assert matcher.parse("It isn't red", context).name not in ("red_flag", "emergency")
        assert reader.read("It isn't red", context).intent.name not in ("red_flag",
                                                                         "emergency")


@pytest.mark.parametrize(("text", "context", "intent"), [
    ("calf", "question", "cramp"),  # an answer to "which muscle?"
    ("calf", "idle", "none"),  # the same word while idle: sleep-talk, typed or heard
    ("red", "count", "red_flag"),
    ("red", "idle", "none"),
    ("Do you want a coffee before we head out?", "idle", "none"),
    ("Does coffee make cramps worse?", "idle", "hydration"),
    ("The river was swollen after all the rain.", "idle", "none"),
    ("I fell down the stairs and now my calf is cramping", "idle", "red_flag"),
    ("The waiting room at the vet was tiny and cramped.", "idle", "none"),
    ("I cramped up in the middle of my match", "idle", "exercise"),
    ("My laces keep curling", "idle", "none"),
    ("I woke up with a bad cramp", "idle", "cramp"),
    # A sign while idle says whose it is in its own clause.
    ("The vase fell off the shelf when the cat jumped up", "idle", "none"),
    ("I'd love to see the leaves start to fall", "idle", "none"),
    ("I slipped on the stairs", "idle", "red_flag"),
    ("Prices fell sharply in the sales", "count", "none"),  # a fall is only the speaker's
    ("They fall over every winter", "idle", "none"),
    ("Numbness in my toes", "idle", "red_flag"),
    # In a session a sign is the leg's, unless its clause names another thing first.
    ("Not swollen, just red", "count", "red_flag"),
    ("The bins fell over in the wind", "count", "none"),
    ("The back of my knee is swollen", "count", "red_flag"),
    # A topic while idle is asked, or said by the speaker of themself.
    ("Don't run with scissors", "idle", "none"),
    ("My aunt is a doctor of philosophy", "idle", "none"),
    ("I get cramps when I run", "idle", "exercise"),
    ("Should I drink more water", "idle", "hydration"),
])
def test_one_rule_decides_what_is_the_coachs_business(
        matcher: IntentMatcher, reader: HeardReader, text: str, context: Context,
        intent: str) -> None:
    assert matcher.parse(text, context).name == intent
    assert reader.read(text, context).intent.name == intent


def test_a_garbled_sentence_heard_unclearly_starts_nothing_while_idle(
        reader: HeardReader) -> None:
    garbled = "The new bar is tough help, fully remembered by calf cramp"
    assert reader.read(garbled, Context.IDLE).intent.name == "cramp"  # as typed
    assert reader.read(garbled, Context.IDLE, clarity=0.5).text == ""
    assert reader.read(garbled, Context.COUNT, clarity=0.5).text == ""  # no command there
    # A whole sentence of the coach's is taken however unclearly it was heard.
    assert reader.read("Help, calf cramp", Context.IDLE, clarity=0.3).intent.name == "cramp"
    assert reader.read("Stop", Context.COUNT, clarity=0.3).intent.name == "stop"


def test_everyday_words_are_taken_as_said(reader: HeardReader) -> None:
    corrector = reader.corrector
    assert corrector is not None
    for heard in ("the inside of my thigh is cramping", "it's nearly gone"):
        assert corrector.correct(heard) == heard
    # A rarer word is still put right, and an everyday one is when another reading has it.
    assert corrector.correct("my tools are curling") == "my toes are curling"
    assert corrector.correct("my inside hurts", ["my instep hurts"]) == "my instep hurts"
