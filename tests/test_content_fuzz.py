"""Any YAML at all in a content file, however malformed, gives `file:line: problem` lines and
never a traceback: seeded random mutations of each shipped file, a few hundred each, are
either loaded or refused with a `ContentError` whose every line names file and line. Content
that loads is then coached with (a bedtime routine, cramp sessions, the diary's answers, every
plan timed with its count words) and must never fail there: load is the check."""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from voice import CONTENT_DIR
from voice.coach.facts import DiaryFacts, GpNote
from voice.coach.machine import (
    Action,
    Coach,
    Event,
    Finished,
    Heard,
    Listen,
    State,
    Timeout,
)
from voice.content.loader import Content, check_content, load_content, read_catalogue
from voice.content.reader import parse_yaml
from voice.diary.keeper import DiaryKeeper
from voice.errors import ContentError
from voice.speak.conductor import Conductor
from voice.speak.tts import SilentVoice, SpeechLibrary
from voice.vocabulary import OTHER_MUSCLE

FILES = sorted(p.name for p in CONTENT_DIR.glob("*.yaml"))
CASES = 250
"""Mutations of each file."""

JUNK = ["[", "]", "{", "}", ": :", "- -", "&a", "*nope", "? ", "!!python/object:os.system",
        "!!binary zz", "%YAML 2.0", "---\n---", "\t", "\x00", "\x1b", "2020-13-45", "0x",
        "key: [unclosed", "'", '"', "|", ">", "\ufeff", "#", "@", "`", ".inf", ".nan",
        "9" * 400, "<<: *a"]
"""Text that YAML reads as syntax, odd values, or cannot read at all."""

VALUES: list[object] = [None, True, False, 0, -1, 3, 2.5, -0.5, math.inf, 10**30, "", " ",
                        "word", "x" * 300, [], [1, 2], ["a", None], {}, {"a": 1},
                        {"nested": {"deeper": [1, {"b": None}]}}, [[["deep"]]]]
"""Values a mutation puts in place of another, or under a new key."""


# ----- mutations of the YAML tree -----------------------------------------------------------------

def plain(node: object) -> object:
    """The tree with `LineMap`s as plain dicts (for `yaml.safe_dump`)."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node


def places(node: object) -> list[tuple[object, object]]:
    """(container, key or index) of every value in the tree."""
    found: list[tuple[object, object]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((node, key))
            found.extend(places(value))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.append((node, i))
            found.extend(places(value))
    return found


def containers(node: object) -> list[object]:
    return [node] * isinstance(node, (dict, list)) + [
        c for _, value in ((None, v) for v in (node.values() if isinstance(node, dict)
                                               else node if isinstance(node, list) else ()))
        for c in containers(value)]


def drop_key(tree: object, rng: random.Random) -> object:
    spots = [(c, k) for c, k in places(tree) if isinstance(c, dict)]
    if spots:
        container, key = rng.choice(spots)
        del container[key]  # type: ignore[attr-defined]
    return tree


def add_key(tree: object, rng: random.Random) -> object:
    maps = [c for c in containers(tree) if isinstance(c, dict)]
    if maps:
        rng.choice(maps)[rng.choice(["extra", "stop", "idle", "day", "zz"])] = rng.choice(VALUES)
    return tree


def swap_value(tree: object, rng: random.Random) -> object:
    spots = places(tree)
    if spots:
        container, key = rng.choice(spots)
        container[key] = rng.choice(VALUES)  # type: ignore[index]
    return tree


def cut_text(tree: object, rng: random.Random) -> object:
    spots = [(c, k) for c, k in places(tree) if isinstance(c[k], str)]  # type: ignore[index]
    if spots:
        container, key = rng.choice(spots)
        text = container[key]  # type: ignore[index]
        container[key] = text[: rng.randrange(len(text) + 1)]  # type: ignore[index]
    return tree


def empty_list(tree: object, rng: random.Random) -> object:
    spots = [(c, k) for c, k in places(tree) if isinstance(c[k], list)]  # type: ignore[index]
    if spots:
        container, key = rng.choice(spots)
        container[key] = []  # type: ignore[index]
    return tree


def change_number(tree: object, rng: random.Random) -> object:
    """A number (a hold, a rest, a window, a rate) set to another a person might write."""
    spots = [(c, k) for c, k in places(tree)
             if isinstance(c[k], (int, float))  # type: ignore[index]
             and not isinstance(c[k], bool)]  # type: ignore[index]
    if spots:
        container, key = rng.choice(spots)
        old = container[key]  # type: ignore[index]
        new = rng.choice([0, 1, rng.randint(2, 60), old * rng.randint(2, 5),
                          old + rng.choice([-1, 1]), 1000, 10**6, 0.5])
        container[key] = new  # type: ignore[index]
    return tree


def other_word(tree: object, rng: random.Random) -> object:
    """A word (a muscle, an intent, a source key) set to another word of the same file."""
    spots = [(c, k) for c, k in places(tree) if isinstance(c[k], str)]  # type: ignore[index]
    if spots:
        container, key = rng.choice(spots)
        other, at = rng.choice(spots)
        container[key] = other[at]  # type: ignore[index]
    return tree


def whole_file(tree: object, rng: random.Random) -> object:
    return rng.choice([[], ["a", "b"], "text", 42, None, {}, [tree], {"models": tree}])


TREE_MUTATIONS: list[Callable[[object, random.Random], object]] = [
    drop_key, add_key, swap_value, cut_text, empty_list, whole_file, change_number, change_number,
    other_word]


# ----- mutations of the text ------------------------------------------------------------------------

def text_mutation(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    kind = rng.randrange(8)
    if kind == 0:
        return data[: rng.randrange(len(data) + 1)]
    if kind == 1:
        at = rng.randrange(len(data) + 1)
        return data[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 8))) + data[at:]
    if kind == 2:
        at = rng.randrange(len(data) + 1)
        return data[:at] + rng.choice(JUNK).encode() + data[at:]
    i = rng.randrange(len(lines))
    if kind == 3:
        del lines[i]
    elif kind == 4:
        lines.insert(i, lines[rng.randrange(len(lines))])
    elif kind == 5:
        lines[i] = b" " * rng.randint(1, 5) + lines[i]
    elif kind == 6:
        lines[i] = lines[i].lstrip()
    else:
        lines[i] = rng.choice(JUNK).encode() + b": " + lines[i]
    return b"\n".join(lines)


def mutated(original: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One random mutation of a file: (what was done, the new bytes)."""
    if rng.random() < 0.45:
        return "text", text_mutation(original, rng)
    tree = plain(parse_yaml(original.decode("utf-8")))
    for _ in range(rng.randint(1, 3)):
        mutation = rng.choice(TREE_MUTATIONS)
        tree = mutation(tree, rng)
    return mutation.__name__, yaml.safe_dump(tree, allow_unicode=True, sort_keys=False).encode()


# ----- coaching with content that loaded ---------------------------------------------------------

MOST_STEPS = 100
"""Waits run out at most this often in one walk (the shipped routine has 18 holds)."""


def coach_with(content: Content, night: bool, diary: Path) -> None:
    """Coach as the live loop does with `content`: the bedtime routine with no one speaking,
    a cramp session for each muscle (paused mid-count, not easing twice, then easing, with
    the GP sentence due), "how many cramps", each answer timed with its count words, and
    the diary's facts read from a real diary."""
    coach = Coach(content)
    conductor = Conductor(SpeechLibrary(SilentVoice(), content.voice), night)
    now = dt.datetime.now().astimezone()
    keeper = DiaryKeeper.open(diary, content.diary, lambda _: None)
    try:
        kept = keeper.facts(now)
    finally:
        keeper.close(now)
    facts = DiaryFacts(kept=True, cramps_week=3, nights_week=2, gp_due=GpNote(3, 7))
    half = content.voice.hold_s // 2
    sessions: list[tuple[State, list[Event]]] = [
        (State(night=night, diary=kept), [Heard("bedtime")]),
        (State(night=night, diary=facts), [Heard("cramp_count"), Heard("bedtime"),
                                           Heard("pause", counted=half), Heard("resume")])]
    for muscle in (*content.stretches, OTHER_MUSCLE):
        sessions.append((State(night=night, diary=facts), [
            Heard("cramp", {"muscle": muscle}), Heard("pause", counted=half), Heard("resume"),
            Finished(), Heard("worse"), Finished(), Heard("worse"), Finished(), Timeout(),
            Heard("better"), Heard("yes")]))
    for state, events in sessions:
        actions: tuple[Action, ...] = ()
        for event in events:
            state, actions = coach.step(state, event)
            conductor.plan(actions, 0.0)
        for _ in range(MOST_STEPS):  # then no one speaks: each wait runs out
            if not any(isinstance(a, Listen) for a in actions):
                break
            state, _ = coach.step(state, Finished())
            state, actions = coach.step(state, Timeout())
            conductor.plan(actions, 0.0)


def assert_problem_lines(problems: list[str], folder: Path) -> None:
    assert problems
    line = re.compile(rf"^{re.escape(str(folder))}/[\w.]+:\d+: \S")
    for problem in problems:
        assert line.match(problem), problem
        assert "\n" not in problem, problem


@pytest.mark.parametrize("name", FILES)
def test_any_mutation_loads_or_gives_file_and_line(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, folder)
    original = (CONTENT_DIR / name).read_bytes()
    rng = random.Random(f"fuzz {name}")
    refused = 0
    for case in range(CASES):
        kind, data = mutated(original, rng)
        (folder / name).write_bytes(data)
        try:
            loaded = load_content(folder)
            if name == "models.yaml":
                read_catalogue(folder / name)
            coach_with(loaded, night=case % 2 == 1, diary=tmp_path / "diary.sqlite3")
        except ContentError as exc:
            refused += 1
            assert_problem_lines(exc.problems, folder)
        except Exception as exc:  # noqa: BLE001 - anything else is the bug looked for
            pytest.fail(f"{name} case {case} ({kind}) raised {exc!r}; the file:\n"
                        f"{data[:2000]!r}")
    assert refused > CASES // 4, "the mutations should break the file often"
    (folder / name).write_bytes(original)
    assert check_content(folder) == []


def at_line(path: Path, start: str) -> int:
    """The line of `path` whose text starts with `start`, after its indent."""
    return next(i + 1 for i, t in enumerate(path.read_text().splitlines())
                if t.lstrip().startswith(start))


def test_numbers_one_file_takes_from_another_load_or_give_file_and_line(tmp_path: Path) -> None:
    """The bedtime hold and the voice's own hold against the count words voice.yaml gives,
    and the diary's windows, set at random: content that loads is coached with, and content
    is refused exactly when a hold is longer than the count words or a window longer than
    a year, each time naming the line to change."""
    folder = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, folder)
    texts = {name: (CONTENT_DIR / name).read_text() for name in ("bedtime.yaml", "voice.yaml",
                                                                  "diary.yaml")}
    content_words = load_content(CONTENT_DIR).voice.count_words
    rng = random.Random("numbers across files")
    refused = 0
    for case in range(40):
        bedtime_hold, voice_hold = rng.randint(1, 35), rng.randint(1, 35)
        words = content_words[:rng.choice([len(content_words), rng.randint(1, 30)])]
        within = rng.choice([8, 14, 366, 367, 10**6])
        (folder / "bedtime.yaml").write_text(re.sub(
            r"(?m)^hold_s: 10\b", f"hold_s: {bedtime_hold}", texts["bedtime.yaml"]))
        voice = re.sub(r"(?m)^  hold_s: 30\b", f"  hold_s: {voice_hold}", texts["voice.yaml"])
        (folder / "voice.yaml").write_text(re.sub(
            r"words: \[.*?\]", f"words: [{', '.join(words)}]", voice, flags=re.DOTALL))
        (folder / "diary.yaml").write_text(texts["diary.yaml"].replace(
            "within_days: 14", f"within_days: {within}"))
        wrong = {"bedtime.yaml": "hold_s:" * (bedtime_hold > len(words)),
                 "voice.yaml": "words:" * (voice_hold > len(words)),
                 "diary.yaml": f"within_days: {within}" * (within > 366)}
        try:
            loaded = load_content(folder)
        except ContentError as exc:
            refused += 1
            assert_problem_lines(exc.problems, folder)
            named = {p.split(": ")[0] for p in exc.problems}
            assert named == {f"{folder / name}:{at_line(folder / name, key)}"
                             for name, key in wrong.items() if key}, (case, exc.problems)
            continue
        assert not any(wrong.values()), case
        coach_with(loaded, night=case % 2 == 1, diary=tmp_path / "diary.sqlite3")
    assert 5 < refused < 35, refused
