"""The benchmark's arithmetic: the upper bound it reports on a rate seen rarely or never, a
count's drift, and what the idle coach makes of talk it hears."""

from __future__ import annotations

import math

import pytest

from tests.support.core import idle_coach_speaks, session_starts
from tests.support.onsets import Count, drifts_ms
from tests.support.rates import rate_upper_bound


@pytest.mark.parametrize(("events", "upper"), [(0, 2.996), (1, 4.744), (2, 6.296), (5, 10.513),
                                               (10, 16.962)])
def test_the_rate_bound_matches_the_exact_poisson_table(events: int, upper: float) -> None:
    assert rate_upper_bound(events, 1.0) == pytest.approx(upper, abs=1e-3)


def test_at_the_bound_the_events_seen_are_a_five_percent_chance() -> None:
    mu = rate_upper_bound(3, 1.0)
    seen_or_fewer = sum(math.exp(-mu) * mu**k / math.factorial(k) for k in range(4))
    assert seen_or_fewer == pytest.approx(0.05, abs=1e-6)


def test_no_event_in_thirty_hours_bounds_the_rate_at_a_tenth_per_hour() -> None:
    assert rate_upper_bound(0, 30.0) == pytest.approx(0.0999, abs=1e-4)
    assert rate_upper_bound(0, 8.0) > rate_upper_bound(0, 30.0)


def test_no_exposure_is_refused() -> None:
    with pytest.raises(ValueError, match="exposure"):
        rate_upper_bound(0, 0.0)


def test_counts_with_one_word_found_have_no_drift() -> None:
    assert math.isnan(Count((0.5,), 3).drift_ms())
    assert Count((0.0, 1.0, 2.001), 3).drift_ms() == pytest.approx(1.0)
    assert drifts_ms([Count((0.5,), 3), Count((0.0, 1.2, 2.4), 3)]) == [pytest.approx(400.0)]
    assert drifts_ms([Count((0.5,), 3)]) == []


def test_everyday_talk_counts_as_answered_only_what_the_idle_coach_answers() -> None:
    # "start again" is a command, but the idle coach has nothing to repeat
    assert not idle_coach_speaks("repeat") and not session_starts("repeat")
    assert idle_coach_speaks("cramp", {"muscle": "calf"}) and session_starts("cramp")
    assert idle_coach_speaks("hydration") and not session_starts("hydration")
    assert not idle_coach_speaks("none") and not session_starts("none")
