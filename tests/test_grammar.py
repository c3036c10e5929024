"""Recogniser grammars come from the same templates as the intent matcher."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hassil.intents import Intent
from hassil.sample import sample_intents

from tests.support.core import matcher as shared_matcher
from voice import CONTENT_DIR
from voice.content.loader import check_content, load_content
from voice.errors import BadInput
from voice.hear.engines.grammar import (
    build_grammar,
    load_dictionary,
    pronounce,
    tokens_of,
    vosk_phrases,
)
from voice.understand.matcher import IntentMatcher, heard_blocks
from voice.vocabulary import SAID_FREELY

pocketsphinx = pytest.importorskip("pocketsphinx")


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return shared_matcher()


@pytest.fixture(scope="module")
def grammars(matcher: IntentMatcher) -> dict:
    return {ctx: build_grammar(matcher, ctx) for ctx in matcher.contexts}


@pytest.fixture(scope="module")
def fsgs(grammars: dict) -> dict:
    """Each context's grammar compiled by PocketSphinx itself."""
    decoder = pocketsphinx.Decoder(lm=None, loglevel="FATAL")
    return {ctx: decoder.parse_jsgf(g.jsgf) for ctx, g in grammars.items()}


def test_one_grammar_per_context_with_only_its_intents(matcher: IntentMatcher,
                                                      grammars: dict) -> None:
    assert set(grammars) == set(matcher.contexts)
    for ctx, grammar in grammars.items():
        # The conversational intents are Whisper's alone (SAID_FREELY).
        assert grammar.intents == tuple(n for n in matcher.contexts[ctx]
                                        if n not in SAID_FREELY)
        assert ctx == "question" or set(SAID_FREELY) & set(matcher.contexts[ctx])
        for name in matcher.intents.intents:
            assert (f"<intent_{name}>" in grammar.jsgf) == (name in grammar.intents)


def test_grammar_is_small_although_the_templates_allow_millions(grammars: dict) -> None:
    assert len(grammars["idle"].jsgf) < 100_000


def test_every_word_is_pronounceable(grammars: dict) -> None:
    dictionary = load_dictionary()
    for grammar in grammars.values():
        for word in grammar.words:
            assert word in dictionary or word in grammar.added, word
        assert not grammar.dropped, grammar.dropped


@pytest.mark.parametrize("context", ["idle", "count", "question"])
def test_template_sentences_are_in_the_grammar(matcher: IntentMatcher, fsgs: dict,
                                               context: str) -> None:
    """A sample of what the templates allow (the blocks heard in that context) is accepted
    by the compiled grammar."""
    missing = []
    for name in (n for n in matcher.contexts[context] if n not in SAID_FREELY):
        heard = Intent(name=name, data=heard_blocks(matcher, name, context))
        one = type(matcher.intents)(
            language="en", intents={name: heard},
            slot_lists=matcher.intents.slot_lists,
            expansion_rules=matcher.intents.expansion_rules,
            skip_words=[], settings=matcher.intents.settings)
        for _, text in sample_intents(one, max_sentences_per_intent=150):
            words = " ".join(tokens_of(text))
            if not fsgs[context].accept(words):
                missing.append(words)
    assert not missing, missing[:10]


def test_other_contexts_intents_are_not_in_a_narrow_grammar(fsgs: dict) -> None:
    assert fsgs["count"].accept("stop")
    assert not fsgs["count"].accept("help calf cramp")
    assert fsgs["idle"].accept("help calf cramp")
    assert fsgs["question"].accept("yes please")
    assert not fsgs["count"].accept("yes please")


def test_bare_answers_and_one_word_warnings_are_not_heard_while_idle(fsgs: dict) -> None:
    """A lone "left foot" or "red" while idle is sleep-talk or a misheard word more often
    than a cramp or a warning; it answers "which muscle?" and counts mid-count."""
    for bare in ("left foot", "calf", "the left toe", "red", "numb", "swelling"):
        assert not fsgs["idle"].accept(bare), bare
    for said in ("help left foot", "calf cramp", "my left calf is cramping", "it's red",
                 "my calf is swollen", "swelling in my leg", "i can't feel my foot"):
        assert fsgs["idle"].accept(said), said
    assert fsgs["question"].accept("left foot") and fsgs["question"].accept("calf")
    assert fsgs["count"].accept("red") and fsgs["question"].accept("numb")


def test_typed_text_reads_every_block(matcher: IntentMatcher) -> None:
    for text, intent in (("left foot", "cramp"), ("red", "red_flag"), ("calf", "cramp")):
        assert matcher.parse(text, "idle").name == intent, text


def test_parts_joined_inside_a_word_are_spelt_out(fsgs: dict) -> None:
    """`i('m| am) (short of breath|...)` becomes "i'm short of breath" | "i am ...". """
    assert fsgs["idle"].accept("i'm short of breath")
    assert fsgs["idle"].accept("i am short of breath")
    assert not fsgs["idle"].accept("i 'm short of breath")


def test_missing_words_get_pronunciations_from_known_ones() -> None:
    dictionary = load_dictionary()
    assert pronounce("stop", dictionary) == ("S", "T", "AA", "P")
    assert pronounce("ive", dictionary) == dictionary["i've"]
    assert pronounce("dvt", dictionary) == dictionary["d"] + dictionary["v"] + dictionary["t"]
    assert pronounce("spasming", dictionary) == dictionary["spasm"] + ("IH", "NG")
    assert pronounce("instep", dictionary) == dictionary["in"] + dictionary["step"]
    assert pronounce("qwozzibaxil", dictionary) is None


def test_unpronounceable_words_are_dropped_and_reported(matcher: IntentMatcher) -> None:
    full = load_dictionary()
    words = build_grammar(matcher, "count").words
    dictionary = {w: full[w] for w in words if w in full and w != "quiet"}
    grammar = build_grammar(matcher, "count", dictionary)
    assert "quiet" not in grammar.jsgf.split()
    assert "quiet" in grammar.dropped
    assert "be" in grammar.jsgf.split()  # "be quiet" lost its word, not its neighbours


def test_one_word_commands_are_known(grammars: dict) -> None:
    assert {"stop", "wait", "next"} <= grammars["count"].single_words
    assert {"yes", "no"} <= grammars["question"].single_words
    assert "calf" not in grammars["count"].single_words


def test_vosk_phrases_are_the_context_vocabulary(matcher: IntentMatcher) -> None:
    words = vosk_phrases(matcher, "count")
    assert "stop" in words and "wait" in words
    assert "calf" in words  # "my calf is better"
    assert "hydration" not in words
    sentences = vosk_phrases(matcher, "count", style="sentences", cap=50)
    assert len(sentences) == 50 and sentences == vosk_phrases(matcher, "count",
                                                              style="sentences", cap=50)
    with pytest.raises(ValueError):
        vosk_phrases(matcher, "count", style="nonsense")


def test_spotted_phrases_and_leading_commands_reach_the_grammar(grammars: dict) -> None:
    count = grammars["count"]
    assert count.spotted == ("stop",)
    assert ("stop",) in count.leading and ("hold", "on") in count.leading
    assert grammars["question"].spotted == ("stop",)
    assert grammars["idle"].spotted == ()


def test_a_spotted_phrase_must_be_a_command_of_its_context(tmp_path: Path) -> None:
    """Found by `content check`, with its line, not when a recogniser starts."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    intents = target / "intents.yaml"
    intents.write_text(intents.read_text().replace("  count: [stop]\n", "  count: [snooze]\n"))
    line = next(i + 1 for i, text in enumerate(intents.read_text().splitlines())
                if "[snooze]" in text)
    with pytest.raises(BadInput, match="spotted phrase 'snooze' is no command heard in 'count'"):
        load_content(target)
    assert f"{intents}:{line}: spotted phrase 'snooze'" in "\n".join(check_content(target))
