"""docs/cli.md keeps up with the code: every command and long option the parser defines,
every intent and listening context of the content, and every exit code are in it."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator

import pytest

from tests.support.core import content
from voice import ROOT_DIR
from voice.cli import diary
from voice.cli.main import build_parser
from voice.errors import CoachError
from voice.vocabulary import CONTEXTS, INTENT_NAMES

DOC = ROOT_DIR / "docs" / "cli.md"


def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
             ) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """(command words, parser) of the program and of every sub-command, nested."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, (*path, name))


EVERY = list(commands(build_parser()))


@pytest.mark.parametrize("words", [w for w, _ in EVERY if w], ids=" ".join)
def test_every_command_is_documented(words: tuple[str, ...]) -> None:
    assert re.search(rf"`cramp-coach {re.escape(words[0])}\b", doc()), words[0]
    if len(words) > 1:  # `models install NAME`, `diary forget`: under their command
        assert re.search(rf"\b{re.escape(words[-2])} [^`\n]*\b{re.escape(words[-1])}\b",
                         doc()), words


@pytest.mark.parametrize("option", sorted({o for _, p in EVERY for a in p._actions
                                           for o in a.option_strings if o.startswith("--")}))
def test_every_long_option_is_documented(option: str) -> None:
    assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", doc()), option


def test_every_intent_and_listening_context_is_documented() -> None:
    names = set(content().intents.templates.intents) | {n for names in content().contexts.values()
                                                         for n in names}
    text = doc()
    assert names and not [n for n in sorted(names | {"none"}) if f"`{n}`" not in text]
    for context in CONTEXTS:
        assert f"| `{context}` |" in text, context
        listed = re.search(rf"^\| `{context}` \|[^|]*\|(.*)\|$", text, re.MULTILINE)
        assert listed is not None
        said = set(re.findall(r"`(\w+)`", listed.group(1)))
        if "every intent except" in listed.group(1):
            said = set(INTENT_NAMES) - said
        assert said == set(content().contexts[context]), context


def test_every_exit_code_is_documented() -> None:
    def subclasses(cls: type[CoachError]) -> Iterator[type[CoachError]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    assert diary.NotConfirmed in set(subclasses(CoachError))
    codes = {0, 130} | {cls.exit_code for cls in (CoachError, *subclasses(CoachError))}
    table = doc().split("## Exit codes", 1)[1]
    assert not [c for c in sorted(codes) if f"| {c} |" not in table]
