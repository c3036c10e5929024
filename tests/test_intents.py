"""Intent matching: templates, near misses, out-of-domain, contexts and the parse CLI."""

from __future__ import annotations

import pytest

from tests.support.core import cli, json_lines, matcher
from tests.support.heldout import score
from voice import ROOT_DIR

TABLES = ["heldout_final.tsv", "heldout_fresh.tsv", "heldout_utterances.tsv"]


@pytest.mark.parametrize("table", TABLES)
def test_accuracy_on_held_out_tables(table: str) -> None:
    result = score(ROOT_DIR / "tests" / "data" / table)
    assert result.total >= 200
    assert result.accuracy >= 0.95, result.misses
    assert result.none_accuracy >= 0.95, result.misses


@pytest.mark.parametrize("text, intent, slots", [
    ("help, calf cramp", "cramp", {"muscle": "calf"}),
    ("Help! Cramp in my LEFT calf.", "cramp", {"muscle": "calf", "side": "left"}),
    ("my toes are curling up", "cramp", {"muscle": "foot"}),
    ("cramp in the back of my thigh", "cramp", {"muscle": "hamstring"}),
    ("the front of my right thigh is cramping", "cramp",
     {"muscle": "quadriceps", "side": "right"}),
    ("help, leg cramp", "cramp", {}),
    ("calf cramps", "cramp", {"muscle": "calf"}),
    ("help half cramp", "cramp", {"muscle": "calf"}),
    ("hold on", "pause", {}),
    ("keep going", "resume", {}),
    ("one more time", "repeat", {}),
    ("it's gone", "better", {}),
    ("it still hurts", "worse", {}),
    ("should I see a doctor", "doctor", {}),
    ("heat or ice", "heat_ice", {}),
    ("my calf is swollen and red", "red_flag", {}),
    ("cramp in my calf and it's all swollen", "red_flag", {}),
    ("I fell down the stairs", "red_flag", {}),
    ("help", "help", {}),
])
def test_examples(text: str, intent: str, slots: dict) -> None:
    got = matcher().parse(text)
    assert (got.name, dict(got.slots)) == (intent, slots)


@pytest.mark.parametrize("text", ["what's the weather like", "play some music", "go", "left",
                                  "right", "up", "down", "on", "off", "", "my head hurts",
                                  "my stomach is cramping"])
def test_out_of_domain_is_none_with_low_confidence(text: str) -> None:
    got = matcher().parse(text)
    assert got.name == "none"
    assert got.confidence <= 0.3


def test_context_narrows_what_is_understood() -> None:
    assert matcher().parse("help, calf cramp", "count").name == "none"
    assert matcher().parse("stop", "count").name == "stop"
    assert matcher().parse("yes", "question").name == "yes"


@pytest.mark.parametrize("guess, hushes", [
    ("stop", True), ("stop the", True), ("please stop", True), ("be quiet", True),
    ("that's enough", True), ("end", False), ("shush", False), ("no more", False),
    ("wait", False),
])
def test_running_guesses_that_hush_the_coach(guess: str, hushes: bool) -> None:
    """All of these mean stop (but "wait") when said whole; only guesses holding a word
    listed in `hush_early` silence the coach while still being said."""
    intent = matcher().parse(guess, "count")
    assert intent.name == ("pause" if guess == "wait" else "stop"), intent
    assert matcher().hushes(intent) is hushes


def test_exact_matches_are_more_confident_than_repairs() -> None:
    assert matcher().parse("help calf cramp").confidence > \
        matcher().parse("help half cramp").confidence


def test_parse_cli_json_lines_in_order_from_args_and_stdin() -> None:
    out = cli("parse", "help, calf cramp", "stop", "banana", "--json")
    assert out.returncode == 0, out.stderr
    rows = json_lines(out.stdout)
    assert [r["intent"] for r in rows] == ["cramp", "stop", "none"]
    assert rows[0] == {"text": "help, calf cramp", "intent": "cramp",
                       "slots": {"muscle": "calf"}, "confidence": 1.0}
    out = cli("parse", "--json", stdin="it's gone\nwait\n")
    assert [r["intent"] for r in json_lines(out.stdout)] == ["better", "pause"]


def test_parse_cli_for_people() -> None:
    out = cli("parse", "help, calf cramp")
    assert out.returncode == 0
    assert "cramp" in out.stdout and "muscle=calf" in out.stdout and "{" not in out.stdout
