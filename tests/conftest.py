"""Shared pytest fixtures. Each block below belongs to one concern; add new ones as new blocks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

# === PulseAudio: a private sound server with virtual devices (tests/pulse.py) ==============

from pulse import PulseServer, missing_tools  # noqa: E402


@pytest.fixture(scope="session")
def pulse_server() -> Iterator[PulseServer]:
    """One private PulseAudio server for the session: `speaker`, `micfeed` -> `mic`; see pulse.py."""
    missing = missing_tools()
    if missing:
        pytest.skip(
            f"PulseAudio not installed ({', '.join(missing)} missing); "
            "apt-get install pulseaudio pulseaudio-utils libasound2-plugins libportaudio2"
        )
    with PulseServer() as server:
        yield server


# === end PulseAudio ========================================================================
