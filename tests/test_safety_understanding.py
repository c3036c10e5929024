"""What matters for safety: warning signs and emergencies however they are said, negation,
medicine questions, answers outside the script; the coach's path for each; the sources."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.core import cli, coach, content, drive, heard, keys, matcher
from tests.support.heldout import score
from voice import CONTENT_DIR, ROOT_DIR
from voice.coach.machine import Count, End, Finished, Heard, Listen, Phase, Say, Silence, Timeout
from voice.content.loader import check_content

HOLD = content().voice.hold_s
DATA = ROOT_DIR / "tests" / "data"
NOT_URGENT = "anything but a warning sign or an emergency"




# ----- hearing ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, intent", [
    # the issue's defects, one by one
    ("it's gone red", "red_flag"),
    ("my chest hurts", "emergency"),
    ("it's been cramping for fifteen minutes", "red_flag"),
    ("it's not swollen, just tight", NOT_URGENT),
    ("no numbness", NOT_URGENT),
    ("I'm not numb", NOT_URGENT),
    ("I fell asleep and woke up with a calf cramp", "cramp"),
    ("should I take magnesium", "medicine"),
    ("can I take quinine", "medicine"),
    ("should I take ibuprofen", "medicine"),
    ("thank you", "thanks"),
    ("it's back", "cramp"),
    ("it's gone", "better"),
    ("the room is warm", "none"),
    # durations, however said
    ("twenty minutes and the cramp is still there", "red_flag"),
    ("it's lasted half an hour", "red_flag"),
    ("the cramp has gone on for over an hour", "red_flag"),
    ("it's been 15 mins", "red_flag"),
    ("it's been twenty five minutes", "red_flag"),
    ("it's been a quarter of an hour", "red_flag"),
    ("the cramp's gone on for a couple of minutes", NOT_URGENT),
    ("it's only been five minutes", "none"),
    ("it lasted less than ten minutes", "none"),
])
def test_the_issues_sentences(text: str, intent: str) -> None:
    got = matcher().parse(text).name
    if intent == NOT_URGENT:
        assert got not in ("red_flag", "emergency"), text
    else:
        assert got == intent, text


@pytest.mark.parametrize("context", ["idle", "count", "question"])
def test_emergencies_signs_and_medicine_are_heard_in_every_context(context: str) -> None:
    for name in ("emergency", "red_flag", "medicine"):
        assert name in matcher().contexts[context], (context, name)
    assert matcher().parse("I can't breathe", context).name == "emergency"
    assert matcher().parse("my calf has gone purple", context).name == "red_flag"
    assert matcher().parse("can I take a painkiller", context).name == "medicine"


def test_negation_is_one_rule_for_every_sign() -> None:
    """The same negative words, before any sign, cancel it; a new subject or clause ends
    their reach."""
    signs = ["swollen", "red", "numb", "weak", "cold"]
    for sign in signs:
        assert matcher().parse(f"my leg is {sign}").name == "red_flag", sign
        for neg in ("isn't", "is not", "doesn't feel", "never gets"):
            said = f"my leg {neg} {sign}"
            assert matcher().parse(said).name != "red_flag", said
    assert matcher().parse("no, my leg is swollen").name == "red_flag"
    assert matcher().parse("it isn't red but it is swollen").name == "red_flag"
    assert matcher().parse("I didn't fall").name != "red_flag"
    assert matcher().parse("I don't have any chest pain").name != "emergency"


def test_a_sign_found_only_inside_part_of_a_sentence_is_not_one() -> None:
    assert matcher().parse("I fell asleep reading").name == "none"
    assert matcher().parse("it's blue light from the phone").name == "none"
    assert matcher().parse("the heating's on and it's warm").name == "none"


def test_a_medicine_question_about_a_doctor_gets_the_doctor_answer() -> None:
    assert matcher().parse("could it be my statins, should I ask the doctor").name == "doctor"


def test_answers_outside_the_script_have_their_own_slots() -> None:
    for text in ("groin", "the whole leg", "I don't know", "my stomach"):
        got = matcher().parse(text, "question")
        assert (got.name, got.slots.get("muscle")) == ("cramp", "other"), text
    assert matcher().parse("my stomach is cramping").name == "none"  # not the coach's
    assert matcher().parse("it's back").slots.get("again") == "yes"


def test_held_out_safety_table_per_class() -> None:
    result = score(DATA / "heldout_safety.tsv")
    assert result.total >= 80
    assert result.class_accuracy("emergency") == 1.0, result.misses
    assert result.class_accuracy("sign") == 1.0, result.misses
    assert result.accuracy >= 0.97, result.misses
    assert set(result.per_class) == {"sign", "emergency", "negated", "benign", "medicine",
                                     "offscript"}


@pytest.mark.parametrize("table", ["heldout_final.tsv", "heldout_fresh.tsv",
                                   "heldout_utterances.tsv"])
def test_the_other_held_out_tables_stay_at_97_percent(table: str) -> None:
    assert score(DATA / table).accuracy >= 0.97


# ----- the coach ---------------------------------------------------------------------------

MOMENTS = [
    (),                                                           # idle
    (heard("cramp", muscle="calf"),),                             # mid-count
    (heard("cramp", muscle="calf"), heard("pause", 5)),          # paused
    (heard("cramp", muscle="calf"), Finished()),                  # asked if easing
    (heard("cramp"),),                                            # asked which muscle
    (heard("massage"),),                                          # answered a question
]


def test_an_emergency_at_any_moment_is_an_ambulance_and_nothing_else() -> None:
    for before in MOMENTS:
        s, steps = drive(*before, heard("emergency", 9))
        assert steps[-1][0] == Silence()
        assert keys(steps[-1]) == ["remedy.emergency"]
        assert isinstance(steps[-1][-1], End) and s.phase is Phase.IDLE
    line = content().steps["emergency"].day.lower()
    assert "ambulance" in line and "999" in line and "stretch" not in line


def test_a_medicine_question_mid_count_is_answered_and_the_count_goes_on() -> None:
    s, (_, answer) = drive(heard("cramp", muscle="calf"), heard("medicine", 10))
    assert answer[0] == Silence()
    assert keys(answer) == ["topic.medicine", "prompt.continuing", "prompt.ask_easing"]
    assert Count(11, HOLD) in answer and s.phase is Phase.STRETCH


def test_a_medicine_question_while_idle_is_answered() -> None:
    s, (answer,) = drive(heard("medicine"))
    assert keys(answer) == ["topic.medicine"] and s.phase is Phase.ANSWERED


def test_the_medicine_line_advises_no_medicine_and_says_who_can() -> None:
    line = content().topics["medicine"]
    for words in (line.day.lower(), line.night.lower()):
        assert "pharmacist" in words and "doctor" in words
        named = [w for w in matcher()._medicine if f" {w} " in f" {words} "]
        assert not named, named
        assert len(words.split()) <= 14


def test_a_muscle_without_a_stretch_gets_general_first_aid_and_the_count() -> None:
    s, (_, first_aid) = drive(heard("cramp"), heard("cramp", muscle="other"))
    assert keys(first_aid) == ["remedy.general_stretch", "prompt.ask_easing"]
    assert Count(1, HOLD) in first_aid and s.phase is Phase.STRETCH
    words = content().steps["general_stretch"].day.lower()
    assert "stretch" in words and "rub" in words


def test_no_muscle_twice_gets_general_first_aid_not_silence() -> None:
    _, steps = drive(heard("cramp"), heard("none"), heard("none"))
    assert keys(steps[1]) == ["prompt.ask_muscle_again"]
    assert keys(steps[2])[0] == "remedy.general_stretch" and Count(1, HOLD) in steps[2]


def test_an_uncoached_muscle_is_never_glad_it_eased() -> None:
    for text in ("groin", "the whole leg", "I don't know", "stomach", "hand"):
        got = matcher().parse(text, "question")
        _, steps = drive(heard("cramp"), Heard(got.name, got.slots))
        assert "prompt.glad" not in keys(steps[-1]), text
        assert any(isinstance(a, Count) for a in steps[-1]), text


def test_its_back_after_the_session_restarts_the_last_stretch() -> None:
    s, _ = drive(heard("cramp", muscle="hamstring"), Finished(), heard("better"), heard("no"))
    assert s.phase is Phase.IDLE
    s, (back,) = drive(heard("cramp", again="yes"), state=s)
    assert keys(back)[0] == "stretch.hamstring" and Count(1, HOLD) in back
    # With no stretch yet this night, it asks which muscle.
    _, (ask,) = drive(heard("cramp", again="yes"))
    assert keys(ask) == ["prompt.ask_muscle"]


def test_thank_you_closes_politely() -> None:
    for before in [(heard("cramp", muscle="calf"), Finished(), heard("better")),
                   (heard("massage"),), (heard("cramp"),)]:
        s, steps = drive(*before, heard("thanks"))
        assert keys(steps[-1]) == ["prompt.thanks"] and isinstance(steps[-1][-1], End)
        assert s.phase is Phase.IDLE
    _, (counting,) = drive(heard("thanks"), state=drive(heard("cramp", muscle="calf"))[0])
    assert counting == ()  # mid-count, the count goes on


def test_continue_after_a_stop_resumes_where_the_count_stopped() -> None:
    s, steps = drive(heard("cramp", muscle="calf"), heard("stop", 14), heard("resume"))
    assert steps[1][0] == Silence() and keys(steps[1]) == ["prompt.stopped"]
    assert not any(isinstance(a, Count) for a in steps[1])
    assert keys(steps[2])[0] == "prompt.continuing" and Count(15, HOLD) in steps[2]
    assert s.phase is Phase.STRETCH


def test_a_second_stop_ends_quietly_without_a_second_acknowledgement() -> None:
    s, steps = drive(heard("cramp", muscle="calf"), heard("stop", 14), heard("stop"))
    assert steps[-1] == (Silence(), End()) and s.phase is Phase.IDLE


def test_a_stop_mid_count_left_alone_ends_quietly() -> None:
    s, steps = drive(heard("cramp", muscle="calf"), heard("stop", 14), Timeout())
    assert steps[-1] == (End(),) and s.phase is Phase.IDLE


def test_a_stop_when_not_counting_is_acknowledged_and_ends() -> None:
    for before in MOMENTS[3:]:
        s, steps = drive(*before, heard("stop"))
        assert steps[-1][0] == Silence() and keys(steps[-1]) == ["prompt.stopped"]
        assert isinstance(steps[-1][-1], End) and s.phase is Phase.IDLE


def test_massage_is_counted_and_warmth_given_time_with_fitting_words() -> None:
    s, steps = drive(heard("cramp", muscle="calf"), Finished(), heard("worse"), Finished(),
                     heard("worse"))
    massage = steps[-1]
    assert keys(massage) == ["remedy.massage", "remedy.warmth"]
    assert Count(1, HOLD) in massage
    assert massage[-1] == Listen("question", content().voice.warmth_s)
    assert content().voice.warmth_s >= 30
    said = " ".join(a.text for a in massage if isinstance(a, Say)).lower()
    assert "relax" not in said and "rub" in said and "warm" in said
    s, _ = drive(Finished(), state=s)
    assert s.phase is Phase.WARMTH
    s, (ask,) = drive(Timeout(), state=s)
    assert keys(ask) == ["prompt.ask_easing_after"] and s.phase is Phase.ASK_EASING
    # "it's easing" while the warmth is on is taken at once.
    _, steps = drive(heard("cramp", muscle="calf"), Finished(), heard("worse"), Finished(),
                     heard("worse"), Finished(), heard("better"))
    assert keys(steps[-1])[0] == "remedy.aftercare"


def test_skipping_a_massage_asks_without_relax() -> None:
    _, steps = drive(heard("cramp", muscle="calf"), Finished(), heard("worse"), Finished(),
                     heard("worse"), heard("next", 5))
    assert keys(steps[-1]) == ["prompt.ask_easing_after"]


# ----- words and sources -------------------------------------------------------------------

def test_night_stretches_name_the_muscle() -> None:
    names = {"calf": "calf", "hamstring": "back of thigh", "quadriceps": "front of thigh",
             "foot": "foot"}
    for muscle, name in names.items():
        assert content().stretches[muscle].night.lower().startswith(name), muscle


def test_hamstring_keeps_a_straight_leg_and_gains_the_standing_lean() -> None:
    day = content().stretches["hamstring"].day.lower()
    assert "straight" in day and "lean forward" in day and "chair" in day
    assert "buttock" not in day and "bend the knee" not in day.replace("don't bend the knee", "")


def test_night_ready_line_is_the_night_wording() -> None:
    assert content().prompt("ready", True) != content().prompt("ready", False)


def test_every_new_piece_of_advice_names_its_sources() -> None:
    for key in ("emergency", "general_stretch", "massage", "warmth", "red_flag"):
        assert content().steps[key].sources, key
    assert content().topics["medicine"].sources
    assert content().stretches["hamstring"].sources


@pytest.mark.parametrize("key", ["emergency", "general_stretch", "warmth"])
def test_a_remedy_without_a_source_fails_the_check(tmp_path: Path, key: str) -> None:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy)
    remedies = copy / "remedies.yaml"
    lines = remedies.read_text().splitlines(keepends=True)
    start = lines.index(f"{key}:\n")
    src = next(i for i in range(start, len(lines)) if lines[i].startswith("  sources:"))
    del lines[src]
    remedies.write_text("".join(lines))
    problems = check_content(copy)
    assert any(f"'{key}' has no source" in p for p in problems), problems
    out = cli("content", "check", str(copy))
    assert out.returncode == 2 and "no source" in out.stderr


def test_the_safety_rules_are_checked(tmp_path: Path) -> None:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy)
    intents = copy / "intents.yaml"
    intents.write_text(intents.read_text().replace("    window: 3\n", "    window: three\n", 1))
    problems = check_content(copy)
    assert any("safety" in p for p in problems), problems


# ----- rendered sessions -------------------------------------------------------------------

def render(tmp_path: Path, *args: str) -> dict:
    wav, timeline = tmp_path / "s.wav", tmp_path / "s.json"
    out = cli("session", *args, "--render", str(wav), "--timeline", str(timeline), "--day")
    assert out.returncode == 0, out.stderr
    return json.loads(timeline.read_text())


def events(timeline: dict, kind: str) -> list[dict]:
    return [e for e in timeline["events"] if e["type"] == kind]


@pytest.mark.parametrize("said, words", [("my chest hurts", "ambulance"),
                                         ("my calf has gone red and hot", "doctor")])
def test_a_rendered_sign_or_emergency_mid_count_stops_the_count(tmp_path: Path, said: str,
                                                                words: str) -> None:
    timeline = render(tmp_path, "--say", "help, calf cramp", "--say-at", "12", said)
    user = events(timeline, "user")[-1]
    assert user["intent"] in ("emergency", "red_flag")
    assert [e["n"] for e in events(timeline, "count")] == list(range(1, 13))
    assert not [e for e in events(timeline, "count") if e["start"] > user["start"]]
    after = [e["text"] for e in events(timeline, "say") if e["start"] > user["start"]]
    assert any(words in t.lower() for t in after), after
    assert timeline["events"][-1]["type"] == "end"


def test_a_rendered_medicine_question_mid_count_goes_back_to_the_count(tmp_path: Path) -> None:
    timeline = render(tmp_path, "--say", "help, calf cramp", "--say-at", "10",
                      "should I take magnesium", "--say", "it's gone")
    user = events(timeline, "user")[1]
    assert user["intent"] == "medicine"
    counts = [e["n"] for e in events(timeline, "count")]
    assert counts == list(range(1, 11)) + list(range(11, HOLD + 1))
    said = [e for e in events(timeline, "say") if e["start"] > user["start"]]
    assert "pharmacist" in said[0]["text"].lower() or "pharmacist" in said[1]["text"].lower()
    resumed = next(e for e in events(timeline, "count") if e["start"] > user["start"])
    assert resumed["n"] == 11 and resumed["start"] > said[0]["end"]


def test_a_bad_say_at_is_one_line(tmp_path: Path) -> None:
    out = cli("session", "--say", "help, calf cramp", "--say-at", "x", "stop")
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert "Traceback" not in out.stderr


# ----- typed mode ----------------------------------------------------------------------------

def test_typed_mode_shows_each_line_when_it_is_spoken() -> None:
    from tests.support.core import library
    from tests.support.virtual_sink import VirtualSink
    from voice.run.live import LiveLoop
    from voice.speak.conductor import Conductor

    shown: list[str] = []
    sink = VirtualSink(library().sample_rate)
    loop = LiveLoop(coach(), Conductor(library(), night=False), sink, night=False,
                    show=shown.append)
    loop.heard(matcher().parse("help, calf cramp"))
    loop.pump()
    assert shown == [content().stretches["calf"].day], "the first line at once, no more"
    one = next(c for c in sink.cues if c.kind == "count" and c.n == 1)
    while sink.t < one.start + 1.0:
        sink.t = round(sink.t + 0.05, 6)
        loop.pump()
    assert shown[-1].startswith("(counting 1 to")
    assert content().prompt("ask_easing", False) not in shown, "not before 'one'"
    end = max(c.end for c in sink.cues)
    while sink.t < end:
        sink.t = round(sink.t + 0.05, 6)
        loop.pump()
    assert shown[-1] == content().prompt("ask_easing", False)


def test_typed_mode_at_night_says_the_night_ready_line_and_an_emergency() -> None:
    from tests.test_bad_input import run

    out = run("listen", "--text", "--night", "--once", stdin="help, calf cramp\nmy chest hurts\n")
    assert out.returncode == 0, out.stderr
    assert content().prompt("ready", True) in out.stderr
    assert content().prompt("ready", False) not in out.stderr
    assert content().steps["emergency"].night in out.stdout
