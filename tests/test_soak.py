"""A short soak in CI: ten minutes of bedroom audio (fan, snoring, chatter, cramp episodes)
through the real endpointer, the real PocketSphinx recogniser and the live loop on a
virtual clock. `python -m bench.soak --hours 8` runs the whole night (docs/soak.md)."""

from __future__ import annotations

import shutil

import pytest

from bench.soak import SoakResult, report, run_night

# Alone, after the parallel tests: beside another worker's benchmark it once missed commands.
pytestmark = [pytest.mark.slow, pytest.mark.serial]

MINUTES = 10

@pytest.fixture(scope="module")
def night() -> SoakResult:
    missing = [tool for tool in ("espeak-ng", "flite") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed")
    return run_night(MINUTES / 60, seed=1)


def test_the_night_was_eventful(night: SoakResult) -> None:
    assert night.audio_s == MINUTES * 60
    assert night.commands >= 20 and night.chatter >= 6 and night.snores >= 40
    assert night.utterances >= night.commands + night.chatter
    assert night.rejected >= night.chatter  # talk and snores reached the recogniser


def test_every_command_is_answered(night: SoakResult) -> None:
    assert night.answered == night.commands, night.missed


def test_no_session_starts_without_a_request(night: SoakResult) -> None:
    assert night.false_starts == ()


def test_nothing_else_is_taken_for_a_command(night: SoakResult) -> None:
    assert night.stray == ()


def test_memory_threads_and_files_do_not_grow(night: SoakResult) -> None:
    assert night.end.rss_mb - night.start.rss_mb <= 10.0, (night.start, night.end)
    assert night.end.threads <= night.start.threads
    assert night.end.files <= night.start.files


def test_the_report_bounds_the_false_start_rate_by_the_hours_soaked(night: SoakResult) -> None:
    page = report(night, MINUTES / 60, seed=1, code="test")
    row = next(line for line in page.splitlines() if line.startswith("| false session starts"))
    # none in ten minutes: the rate is below 3.0 per sixth of an hour at 95% confidence
    assert row == "| false session starts | 0 (95% upper bound on the rate: 17.97 per hour) |"
