"""Every dialogue path of the pure coach, driven event by event."""

from __future__ import annotations

from tests.support.core import coach, content, drive, heard, keys
from voice.coach.machine import (
    Count,
    End,
    Finished,
    Happened,
    Listen,
    Phase,
    Silence,
    State,
    Timeout,
)

HOLD = content().voice.hold_s




def test_cramp_with_muscle_gives_stretch_then_30_second_count_then_asks() -> None:
    s, (actions,) = drive(heard("cramp", muscle="calf"))
    assert s.phase is Phase.STRETCH
    assert keys(actions) == ["stretch.calf", "prompt.ask_easing"]
    assert Count(1, HOLD) in actions and HOLD == 30
    assert isinstance(actions[-1], Listen) and actions[-1].context == "question"


def test_each_muscle_gets_its_own_stretch() -> None:
    for muscle in ("calf", "hamstring", "quadriceps", "foot"):
        _, (actions,) = drive(heard("cramp", muscle=muscle))
        assert keys(actions)[0] == f"stretch.{muscle}"


def test_cramp_without_muscle_asks_which_then_stretches() -> None:
    s, (ask, stretch) = drive(heard("cramp"), heard("cramp", muscle="hamstring"))
    assert keys(ask) == ["prompt.ask_muscle"]
    assert keys(stretch)[0] == "stretch.hamstring" and s.phase is Phase.STRETCH


def test_unclear_muscle_answer_asks_again() -> None:
    s, (_, again) = drive(heard("cramp"), heard("none"))
    assert keys(again) == ["prompt.ask_muscle_again"] and s.phase is Phase.ASK_MUSCLE


def test_better_after_count_gives_aftercare_and_offers_tip() -> None:
    s, steps = drive(heard("cramp", muscle="calf"), Finished(), heard("better"),
                     heard("yes"))
    assert keys(steps[2]) == ["remedy.aftercare", "prompt.offer_tips"]
    assert keys(steps[3]) == ["topic.prevention", "prompt.goodbye"]
    assert isinstance(steps[3][-1], End) and s.phase is Phase.IDLE


def test_yes_to_is_it_easing_is_better_and_no_tip_ends() -> None:
    _, steps = drive(heard("cramp", muscle="foot"), Finished(), heard("yes"), heard("no"))
    assert keys(steps[2])[0] == "remedy.aftercare"
    assert keys(steps[3]) == ["prompt.goodbye"] and isinstance(steps[3][-1], End)


def test_worse_stretches_again_then_massage_heat_then_doctor() -> None:
    s, steps = drive(heard("cramp", muscle="calf"), Finished(), heard("worse"), Finished(),
                     heard("worse"), Finished(), Timeout(), heard("no"))
    assert keys(steps[2]) == ["remedy.stretch_again", "stretch.calf", "prompt.ask_easing"]
    assert Count(1, HOLD) in steps[2]
    # The massage is counted, then warmth gets its time before the question.
    assert keys(steps[4]) == ["remedy.massage", "remedy.warmth"]
    assert Count(1, HOLD) in steps[4]
    assert steps[4][-1] == Listen("question", content().voice.warmth_s)
    assert "medical" in content().steps["warmth"].day.lower()
    assert keys(steps[6]) == ["prompt.ask_easing_after"]
    assert "relax" not in content().prompt("ask_easing_after", False).lower()
    assert keys(steps[7]) == ["remedy.not_easing"] and isinstance(steps[7][-1], End)
    assert s.phase is Phase.IDLE


def test_red_flag_at_any_moment_stops_coaching_with_urgent_advice() -> None:
    starts = [
        (),                                                          # idle
        (heard("cramp", muscle="calf"),),                            # mid-count
        (heard("cramp", muscle="calf"), heard("pause", 5)),         # paused
        (heard("cramp", muscle="calf"), Finished(), heard("worse")),  # after "worse"
        (heard("cramp"),),                                           # asked which muscle
    ]
    for before in starts:
        s, steps = drive(*before, heard("red_flag", 3))
        assert steps[-1][0] == Silence()
        assert keys(steps[-1]) == ["remedy.red_flag"]
        assert isinstance(steps[-1][-1], End) and s.phase is Phase.IDLE
        assert not any(isinstance(a, Count) for a in steps[-1])


def test_stop_at_any_moment_is_silence_at_once_then_a_word_or_two() -> None:
    s, steps = drive(heard("stop", 7))
    assert steps[-1] == (Silence(),) and s.phase is Phase.IDLE  # nothing to acknowledge
    for before in [(heard("cramp", muscle="calf"),), (heard("cramp"),)]:
        s, steps = drive(*before, heard("stop", 7))
        assert steps[-1][0] == Silence()
        assert keys(steps[-1]) == ["prompt.stopped"]
        assert len(content().prompt("stopped", False).split()) <= 2
        assert not any(isinstance(a, Count) for a in steps[-1])


def test_pause_mid_count_then_resume_continues_from_where_it_paused() -> None:
    s, steps = drive(heard("cramp", muscle="calf"), heard("pause", 12), heard("resume"))
    assert steps[1][0] == Silence() and keys(steps[1]) == ["prompt.paused"]
    assert steps[1][-1] == Listen("count", content().voice.paused_timeout_s)
    assert Count(13, HOLD) in steps[2] and s.phase is Phase.STRETCH


def test_repeat_mid_count_restarts_the_stretch() -> None:
    _, steps = drive(heard("cramp", muscle="quadriceps"), heard("repeat", 9))
    assert steps[1][0] == Silence()
    assert keys(steps[1])[0] == "stretch.quadriceps" and Count(1, HOLD) in steps[1]


def test_repeat_after_an_answer_says_it_again() -> None:
    _, steps = drive(heard("massage"), heard("repeat"))
    assert keys(steps[1]) == keys(steps[0]) == ["topic.massage"]


def test_again_when_asked_if_easing_means_stretch_again() -> None:
    _, steps = drive(heard("cramp", muscle="calf"), Finished(), heard("repeat"))
    assert keys(steps[2])[0] == "stretch.calf" and Count(1, HOLD) in steps[2]


def test_next_mid_count_skips_to_the_question_and_next_there_moves_on() -> None:
    s, (_, skip) = drive(heard("cramp", muscle="calf"), heard("next", 4))
    assert skip[0] == Silence() and keys(skip) == ["prompt.ask_easing"]
    assert s.phase is Phase.ASK_EASING
    s, (moved,) = drive(heard("next"), state=s)
    assert keys(moved) == ["remedy.stretch_again", "stretch.calf", "prompt.ask_easing"]


def test_better_mid_count_ends_the_count_with_aftercare() -> None:
    _, steps = drive(heard("cramp", muscle="calf"), heard("better", 20))
    assert steps[1][0] == Silence() and keys(steps[1])[0] == "remedy.aftercare"


def test_help_is_answered_and_the_question_is_asked_again() -> None:
    s, steps = drive(heard("cramp", muscle="calf"), Finished(), heard("help"))
    assert keys(steps[2]) == ["prompt.help", "prompt.ask_easing_again"]
    assert s.phase is Phase.ASK_EASING


def test_questions_on_any_topic_any_time() -> None:
    for topic in ("massage", "heat_ice", "hydration", "exercise", "footwear", "prevention",
                  "doctor"):
        _, (idle,) = drive(heard(topic))
        assert keys(idle) == [f"topic.{topic}"]
        _, steps = drive(heard("cramp", muscle="calf"), heard(topic, 10))
        assert keys(steps[1])[0] == f"topic.{topic}"
        assert Count(11, HOLD) in steps[1], "the count continues after the answer"


def test_timeout_reprompts_once_then_goes_back_to_idle() -> None:
    s, steps = drive(heard("cramp", muscle="calf"), Finished(), Timeout(), Timeout())
    assert keys(steps[2]) == ["prompt.ask_easing_again"] and s.phase is Phase.IDLE
    assert isinstance(steps[3][-1], End) and keys(steps[3]) == ["prompt.standing_by"]


def test_paused_too_long_reminds_then_gives_up() -> None:
    s, steps = drive(heard("cramp", muscle="calf"), heard("pause", 3), Timeout(), Timeout())
    assert keys(steps[2]) == ["prompt.paused_again"]
    assert isinstance(steps[3][-1], End) and s.phase is Phase.IDLE


def test_idle_chatter_gets_no_answer() -> None:
    for intent in ("none", "yes", "no", "resume", "pause", "next", "better"):
        s, (actions,) = drive(heard(intent))
        assert actions == () and s.phase is Phase.IDLE


def test_night_mode_uses_the_shorter_wording() -> None:
    _, (day,) = drive(heard("cramp", muscle="calf"))
    _, (night,) = drive(heard("cramp", muscle="calf"), state=State(night=True))
    assert len(night[0].text) < len(day[0].text)
    assert night[0].text == content().stretches["calf"].night


def test_steps_are_pure() -> None:
    s = State()
    first = coach().step(s, heard("cramp", muscle="calf"))
    second = coach().step(s, heard("cramp", muscle="calf"))
    assert first == second and s == State()


def test_what_happened_stands_beside_the_words_and_again_does_not_repeat_it() -> None:
    s, steps = drive(heard("cramp", muscle="calf", side="left"), Finished(), heard("better"),
                     heard("repeat"))
    notes = [[a for a in step if isinstance(a, Happened)] for step in steps]
    assert notes[0] == [Happened(did="stretch", muscle="calf"), Happened(side="left")]
    assert notes[1] == []
    assert notes[2] == [Happened(outcome="better", eased=True)]
    assert keys(steps[3]) == keys(steps[2]) and notes[3] == []  # the words, nothing more
    _, (worse,) = drive(heard("worse"), state=State(phase=Phase.ASK_EASING, muscle="calf",
                                                     worse=1))
    assert [a for a in worse if isinstance(a, Happened)] == [Happened(did="massage"),
                                                             Happened(did="heat")]
    _, (sign,) = drive(heard("red_flag"), state=s)
    assert Happened(outcome="warning_sign", warning="red_flag") in sign


def test_a_plan_is_the_same_with_or_without_what_happened() -> None:
    from tests.support.core import library
    from voice.speak.conductor import Conductor

    _, (actions,) = drive(heard("cramp", muscle="calf", side="right"))
    assert any(isinstance(a, Happened) for a in actions)
    conductor = Conductor(library(), night=False)
    assert conductor.plan(actions, 1.0) == conductor.plan(
        tuple(a for a in actions if not isinstance(a, Happened)), 1.0)
