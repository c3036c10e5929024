"""Shared pytest fixtures. Each block below belongs to one concern; add new ones as new blocks."""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.pulse import PulseServer, missing_tools
from voice.speak.cache import FOLDER_ENV

# === Ctrl-C: the tests send it to the coach ===============================================


def pytest_configure() -> None:
    """Started in the background (`cmd &`), a shell sets Ctrl-C to ignored and children
    inherit that, so a coach the tests interrupt would never hear it. A handler is not
    inherited: with one here, every program the tests start gets Ctrl-C as in a terminal."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    _private_data_folder()


# === The diary: never the real user's ======================================================


def _private_data_folder() -> None:
    """Every coach the tests start keeps its diary (platformdirs' user data folder) and
    its cache (the checks of packaged models, rendered speech) in folders of the test
    run's own, never in the real user's."""
    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="cramp-coach-test-data-")
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="cramp-coach-test-cache-")
    # The coach's rendered lines: one folder for every test process of this user, so the
    # voice renders each line once, not once per process (entries are checked and
    # written whole, so processes may share it).
    os.environ.setdefault(FOLDER_ENV, str(Path(tempfile.gettempdir())
                                          / f"cramp-coach-test-speech-{os.getuid()}"))


# === PulseAudio: a private sound server with virtual devices (tests/support/pulse.py) ==============


@pytest.fixture(scope="session")
def pulse_server() -> Iterator[PulseServer]:
    """One private PulseAudio server for the session (`speaker`, `micfeed` -> `mic`)."""
    missing = missing_tools()
    if missing:
        pytest.skip(
            f"PulseAudio not installed ({', '.join(missing)} missing); "
            "apt-get install pulseaudio pulseaudio-utils libasound2-plugins libportaudio2"
        )
    with PulseServer() as server:
        yield server


# === end PulseAudio ========================================================================
