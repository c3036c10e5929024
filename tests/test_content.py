"""`content check` passes on the shipped content and names file:line on broken copies."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.support.core import broken_content, cli, content
from voice import CONTENT_DIR
from voice.content.loader import check_content
from voice.vocabulary import MUSCLES

DRUGS = re.compile(r"\b(quinine|magnesium|ibuprofen|paracetamol|acetaminophen|aspirin|tonic water|"
                   r"salt tablets?|supplements?|potassium|calcium|vitamin|mg|milligrams?|"
                   r"tablets?|pills?|dose|dosage)\b", re.IGNORECASE)


def test_shipped_content_is_valid() -> None:
    assert check_content(CONTENT_DIR) == []
    out = cli("content", "check")
    assert out.returncode == 0 and "content ok" in out.stdout


@pytest.mark.parametrize("file, old, new, problem", [
    ("intents.yaml", "  stop:\n    data:", "  stop:\n    data: [\n", "YAML syntax error"),
    ("intents.yaml", "count: [stop,", "count: [stopp,", "unknown intent 'stopp'"),
    ("intents.yaml", '          - "(wait|hold on|hang on|pause|', '          - "(wait|hold on|hang on|pause|<nosuchrule>|',
     "undefined <nosuchrule>"),
    ("remedies.yaml", "    stretch:\n      day: \"Foot cramp.", "    stretched:\n      day: \"Foot cramp.",
     "'stretch' is missing"),
    ("remedies.yaml", "    sources: [C1, M2, M1]\n", "\n", "'massage' has no source"),
    ("remedies.yaml", "sources: [M4, C1]", "sources: [M4, NOPE]", "unknown source 'NOPE'"),
    ("prompts.yaml", "ask_easing:\n", "ask_easingg:\n", "'ask_easing' is missing"),
    ("sources.yaml", "N1: https://", "N1: ftp-ish ", "not a URL"),
    ("intents.yaml", "heard_in: [question]", "heard_in: [questions]",
     "heard_in names unknown context 'questions'"),
    ("intents.yaml", "  stop: [stop, quiet, enough]", "  stop: [stop]\n  massage: [rub]",
     "'hush_early' names 'massage', which is not heard while counting"),
    ("intents.yaml", "  stop: [stop, quiet, enough]", "  stop: [stop, halt]",
     "'hush_early' word 'halt' is in no sentence of 'stop'"),
    ("intents.yaml", "  stop: [stop, quiet, enough]", "  stop: stop",
     "'hush_early' for 'stop' must be a list of words"),
    ("intents.yaml", "hush_early:\n  stop: [stop, quiet, enough]", "hush_early: [stop]",
     "'hush_early' must map intents to lists of words"),
    ("intents.yaml", "  intents: [help]\n", "  intents: [helpp]\n",
     "'wait_for_more' names unknown intent 'helpp'"),
    ("intents.yaml", "  seconds: 1.0\n", "  seconds: 30\n",
     "'wait_for_more' seconds must be a number from 0 to 3"),
    ("intents.yaml", "  seconds: 1.0\n", "  seconds: soon\n",
     "'wait_for_more' seconds must be a number from 0 to 3"),
    ("intents.yaml", "  count: [stop]\n", "  counting: [stop]\n",
     "'spotted' names unknown listening context 'counting'"),
    ("intents.yaml", "  count: [stop]\n", "  count: stop\n",
     "'spotted' for 'count' must be a list of phrases"),
])
def test_broken_copy_reports_file_and_line(tmp_path: Path, file: str, old: str, new: str,
                                           problem: str) -> None:
    target = broken_content(tmp_path, file, old, new)
    problems = check_content(target)
    hits = [p for p in problems if problem in p]
    assert hits, problems
    assert re.match(rf"^{re.escape(str(target / file))}:\d+: ", hits[0]), hits[0]
    out = cli("content", "check", str(target))
    assert out.returncode == 2
    assert problem in out.stderr and "Traceback" not in out.stderr


def test_problem_line_points_at_the_broken_line(tmp_path: Path) -> None:
    target = broken_content(tmp_path, "remedies.yaml", "sources: [M4, C1]", "sources: [M4, NOPE]")
    line = next(i + 1 for i, text in enumerate((target / "remedies.yaml").read_text().splitlines())
                if "NOPE" in text)
    assert any(f"remedies.yaml:{line}:" in p for p in check_content(target))


def test_other_commands_refuse_malformed_content_in_one_line(tmp_path: Path) -> None:
    target = broken_content(tmp_path, "intents.yaml", "  stop:\n    data:", "  stop:\n    data: [\n")
    out = cli("--content", str(target), "parse", "stop")
    assert out.returncode == 2 and "YAML syntax error" in out.stderr
    assert "Traceback" not in out.stderr


def test_every_muscle_has_a_stretch_with_sources() -> None:
    for muscle in MUSCLES:
        stretch = content().stretches[muscle]
        assert stretch.day and stretch.night and stretch.sources
        assert all(url.startswith("http") for url in stretch.sources)


def test_hamstring_and_quadriceps_stretches_are_the_right_ones() -> None:
    ham = content().stretches["hamstring"]
    quad = content().stretches["quadriceps"]
    for text in (ham.day, ham.night):
        assert "straight" in text.lower()
        assert "buttock" not in text.lower()
    for text in (quad.day, quad.night):
        assert "bend the knee" in text.lower() and "buttock" in text.lower()


def test_stretch_instructions_are_two_or_three_sentences() -> None:
    for muscle in MUSCLES:
        for text in (content().stretches[muscle].day, content().stretches[muscle].night):
            assert 2 <= len(re.findall(r"[.!?](\s|$)", text)) <= 3, text


def test_no_medicine_or_supplement_advice_anywhere() -> None:
    for path in CONTENT_DIR.glob("*.yaml"):
        if path.name in ("intents.yaml", "models.yaml", "sources.yaml"):
            continue
        found = DRUGS.findall(path.read_text())
        assert not found, f"{path.name}: {found}"


def test_every_remedy_and_topic_has_a_source_from_the_brief() -> None:
    brief = CONTENT_DIR.parent.parent / "shared" / "content-brief.md"
    if not brief.is_file():
        pytest.skip("the content brief is not beside this checkout")
    brief_urls = set(re.findall(r"https?://[^\s)]+", brief.read_text()))
    wordings = [*content().stretches.values(), *content().steps.values(),
                *content().topics.values(), *content().alternatives.values(),
                *content().explanations.values()]
    for wording in wordings:
        assert wording.sources
        for url in wording.sources:
            assert url in brief_urls, url


@pytest.mark.parametrize("file", sorted(p.name for p in CONTENT_DIR.glob("*.yaml")))
def test_an_unknown_top_level_key_holding_a_list_is_a_problem(tmp_path: Path, file: str) -> None:
    """Once a crash (`'_LineMap' object has no attribute 'key_lines'`); an unknown key is
    never silently ignored."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    path = target / file
    text = path.read_text()
    path.write_text(text + "\nextra_things: [a, {b: 1}]\n")
    line = len((text + "\n").splitlines()) + 1
    problem = ("source 'extra_things' is not a URL" if file == "sources.yaml"  # any key is a name
               else "unknown key 'extra_things'")
    assert check_content(target) == [f"{path}:{line}: {problem}"]


def test_content_check_names_an_unknown_key_without_a_traceback(tmp_path: Path) -> None:
    target = broken_content(tmp_path, "voice.yaml", "listen:\n", "listen:\n  naps: [1, 2]\n")
    out = cli("content", "check", str(target))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert f"{target / 'voice.yaml'}:" in out.stderr
    assert "unknown key 'naps' in 'listen'" in out.stderr


@pytest.mark.parametrize("file, old, new, problem", [
    ("intents.yaml", "hush_early:\n", "hush_earli:\n", "unknown key 'hush_earli'"),
    ("intents.yaml", "  seconds: 1.0\n", "  second: 1.0\n",
     "unknown key 'second' in 'wait_for_more'"),
    ("intents.yaml", "muscle_hints:\n  charley horse: calf", "muscle_hints:\n  charley horse: leg",
     "'muscle_hints' for 'charley horse' must be one of"),
    ("intents.yaml", "  doctor: [doctor, gp,", "  doctorr: [doctor, gp,",
     "'keywords' names unknown intent 'doctorr'"),
    ("intents.yaml", "skip_words: [please,", "skip_words: [7, please,",
     "'skip_words' must be a list of words"),
    ("intents.yaml", "  flips: {yes: no, better: worse}", "  flip: {yes: no, better: worse}",
     "unknown key 'flip' in 'negation'"),
    ("intents.yaml", '  help: "(help|help me|ow help|somebody help)"', '  help: "(help|help me"',
     "expansion rule 'help': bad template"),
    ("remedies.yaml", "    name: back of the thigh\n", "    nam: back of the thigh\n",
     "unknown key 'nam' in muscle 'hamstring'"),
    ("prompts.yaml", "ask_easing:\n", "ask_easingg:\n",
     "'ask_easing' is missing ('ask_easingg' is no key here)"),
    ("models.yaml", "    size_mb: 40\n", "    size_mb: 40\n    colour: blue\n",
     "unknown key 'colour' in model 'vosk-small-en-us'"),
])
def test_every_key_is_checked(tmp_path: Path, file: str, old: str, new: str,
                              problem: str) -> None:
    target = broken_content(tmp_path, file, old, new)
    hits = [p for p in check_content(target) if problem in p]
    assert hits, check_content(target)
    assert re.match(rf"^{re.escape(str(target / file))}:\d+: ", hits[0]), hits[0]


# ----- what one content file takes from another --------------------------------------------

@pytest.mark.parametrize("file, old, new, at, problem", [
    ("bedtime.yaml", "hold_s: 10 ", "hold_s: 31 ", "hold_s: 31",
     "a 31-second hold needs 31 count words, and voice.yaml's 'count' has 30"),
    ("intents.yaml", "        out: foot\n", "        out: feet\n", "out: feet",
     "list 'muscle' gives muscle 'feet', which has no stretch in remedies.yaml"),
    ("intents.yaml", "        slots:\n          muscle: foot",
     "        slots:\n          muscle: toes", "muscle: toes", "intent 'cramp' gives muscle 'toes', which has no stretch in remedies.yaml"),
    ("intents.yaml", "        out: quadriceps\n", "        out: hamstring\n", "  muscle:",
     "no sentence gives muscle 'quadriceps', which remedies.yaml has a stretch for"),
    ("diary.yaml", "{cramps} on {nights}.", "{cramps} on {nights} in {weeks}.", "this_week:",
     "'this_week' can fill in only {cramps}, {nights} (KeyError: 'weeks')"),
    ("diary.yaml", "on {nights} of the last", "on {nights of the last", "see_gp:",
     "'see_gp' can fill in only {nights}, {days}"),
    ("diary.yaml", "within_days: 14", "within_days: 1000000", "within_days: 1000000",
     "'within_days' must be a positive whole number of days, up to 366"),
    ("voice.yaml", "  answer_timeout_s: 10 ", "  answer_timeout_s: 1.0e+30 ", "answer_timeout_s",
     "'answer_timeout_s' must be a number of seconds, up to an hour"),
    ("bedtime.yaml", "rest_s: 10 ", "rest_s: 7200 ", "rest_s: 7200",
     "'rest_s' must be a positive number of seconds, up to an hour"),
    ("voice.yaml", "  rate: 135\n", "  rate: 100000\n", "rate: 100000",
     "'rate' must be a positive whole number, up to 450"),
])
def test_what_one_file_takes_from_another_is_checked(tmp_path: Path, file: str, old: str,
                                                     new: str, at: str, problem: str) -> None:
    """Each problem names the line to change: the count words a hold needs, the muscles
    intents.yaml gives and remedies.yaml stretches, what the coach fills into a wording."""
    target = broken_content(tmp_path, file, old, new)
    text = (target / file).read_text().splitlines()
    line = next(i + 1 for i, t in enumerate(text) if at in t)
    problems = check_content(target)
    assert any(p.startswith(f"{target / file}:{line}: ") and problem in p
               for p in problems), problems


def test_a_hold_the_count_words_cannot_count_is_refused_by_check_and_by_the_coach(
        tmp_path: Path) -> None:
    """Once a crash: with a 45-second bedtime hold and 30 count words, `content check`
    passed and the routine died of an IndexError at the 31st second. The check and every
    command that loads the content give the same one line and exit 2."""
    target = broken_content(tmp_path, "bedtime.yaml", "hold_s: 10 ", "hold_s: 45 ")
    line = next(i + 1 for i, t in enumerate((target / "bedtime.yaml").read_text().splitlines())
                if t.startswith("hold_s: 45"))
    problem = (f"{target / 'bedtime.yaml'}:{line}: a 45-second hold needs 45 count words, "
               "and voice.yaml's 'count' has 30")
    assert check_content(target) == [problem]
    out = cli("content", "check", str(target))
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.splitlines() == [problem, f"1 problem(s) in {target}"]
    for command in (["bedtime", "--text", "--no-diary"], ["listen", "--text", "--no-diary"],
                    ["session", "--say", "bedtime stretches", "--day"]):
        out = cli("--content", str(target), *command, stdin="")
        assert out.returncode == 2, (command, out.stderr)
        assert out.stderr.splitlines() == [f"cramp-coach: {problem}"], (command, out.stderr)


def test_fewer_count_words_are_a_problem_of_each_hold_they_cannot_count(
        tmp_path: Path) -> None:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    voice = target / "voice.yaml"
    voice.write_text(re.sub(r"words: \[.*?\]", "words: [one, two, three, four, five, six, "
                            "seven, eight]", voice.read_text(), flags=re.DOTALL))
    lines = {name: next(i + 1 for i, t in enumerate((target / name).read_text().splitlines())
                        if t.lstrip().startswith(key))
             for name, key in (("voice.yaml", "words:"), ("bedtime.yaml", "hold_s:"))}
    assert check_content(target) == [
        f"{voice}:{lines['voice.yaml']}: 8 count words for a 30-second hold",
        (f"{target / 'bedtime.yaml'}:{lines['bedtime.yaml']}: a 10-second hold needs 10 "
         "count words, and voice.yaml's 'count' has 8")]


def test_a_hold_of_exactly_the_count_words_is_sound(tmp_path: Path) -> None:
    target = broken_content(tmp_path, "bedtime.yaml", "hold_s: 10 ", "hold_s: 30 ")
    assert check_content(target) == []


@pytest.mark.parametrize(("old", "at"), [
    ("    sources: [N2, N1]\n  causes:", "  what:"),
    ("    sources: [M2, M4, C1]\n  hamstring:", "  calf:"),
])
def test_an_easier_stretch_or_an_explanation_without_a_source_is_a_problem(
        tmp_path: Path, old: str, at: str) -> None:
    new = old.split("\n", 1)[1]
    target = broken_content(tmp_path, "remedies.yaml", old, new)
    problems = check_content(target)
    lines = (target / "remedies.yaml").read_text().splitlines()
    line = max(i + 1 for i, t in enumerate(lines) if t.startswith(at))  # the new section's
    assert any(p.startswith(f"{target / 'remedies.yaml'}:{line}: ") and "has no source" in p
               for p in problems), problems
