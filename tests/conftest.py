"""Shared pytest fixtures. Each block below belongs to one concern; add new ones as new blocks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pulse import PulseServer, missing_tools

# === PulseAudio: a private sound server with virtual devices (tests/pulse.py) ==============


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
