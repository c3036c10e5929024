"""The device hint in the no-microphone and no-speaker messages is a command that works
as given, from anywhere (a bare `python -m sounddevice` fails outside the venv)."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

from voice.run.microphone import NO_MICROPHONE
from voice.speak.player import LIST_DEVICES


def test_the_device_hint_runs_from_any_folder_with_a_bare_path(tmp_path: Path) -> None:
    assert f"`{LIST_DEVICES}`" in NO_MICROPHONE
    done = subprocess.run(shlex.split(LIST_DEVICES), cwd=tmp_path, env={"PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert Path(shlex.split(LIST_DEVICES)[0]).is_absolute()
