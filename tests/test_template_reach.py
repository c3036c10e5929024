"""Which texts the matcher tries against the templates: never one a template matches is
passed over, however it is said, and a text longer than every sentence is not tried."""

from __future__ import annotations

import itertools
import random

from hassil import Intents, recognize_all
from hassil.sample import sample_expression

from tests.support.core import content, matcher
from tests.support.long_lines import everyday_talk
from voice.understand.matcher import normalize
from voice.understand.reach import TemplateReach


def reach() -> TemplateReach:
    return TemplateReach(matcher().intents, list(content().intents.skip_words))


def test_every_sentence_of_every_template_might_match() -> None:
    intents, found = matcher().intents, reach()
    for intent in intents.intents.values():
        for data in intent.data:
            for sentence in data.sentences:
                for text in itertools.islice(sample_expression(
                        sentence.expression, intents.slot_lists, intents.expansion_rules), 2000):
                    assert found.could_match(text.split()), text


def test_what_hassil_matches_is_never_passed_over() -> None:
    """Sentences with skip words or other words put in or a word swapped, and template words
    said at random: each one hassil matches is one that might match."""
    intents, found = matcher().intents, reach()
    skip = list(content().intents.skip_words)
    sentences = matcher().sentences()
    known = sorted({w for s in sentences for w in s.split()})
    talk = normalize(" ".join(everyday_talk())).split()
    rng = random.Random(7)
    matched = 0
    for n in range(600):
        words = rng.choice(sentences).split()
        if n % 4 == 0:
            words.insert(rng.randrange(len(words) + 1), rng.choice(skip))
        elif n % 4 == 1:
            words[rng.randrange(len(words))] = rng.choice(known)
        elif n % 4 == 2:
            words.insert(rng.randrange(len(words) + 1), rng.choice(talk))
        else:
            words = [rng.choice(known) for _ in range(rng.randint(1, 3))]
        text = " ".join(words)
        if any(True for _ in recognize_all(text, intents, skip_words=skip)):
            matched += 1
            assert found.could_match(words), text
    assert matched > 100, "enough of them matched to tell"


def test_a_text_longer_than_every_sentence_or_with_a_word_none_has_is_not_tried() -> None:
    found = reach()
    assert found.longest is not None
    sentence = "my left calf is cramping"
    assert found.could_match(sentence.split())
    assert not found.could_match(f"{sentence} coffee".split())
    long = (sentence.split() * found.longest)[:found.longest + 1]
    assert not found.could_match(long)
    assert list(found.spans(long * 3, len(long * 3) // 2)) == []


def test_templates_with_a_wildcard_have_every_text_tried() -> None:
    intents = Intents.from_dict({"language": "en", "intents": {"note": {"data": [
        {"sentences": ["remember {thing}"]}]}}, "lists": {"thing": {"wildcard": True}}})
    found = TemplateReach(intents, [])
    assert found.longest is None
    said = "remember to buy coffee and a great many other things"
    assert found.could_match(said.split())
