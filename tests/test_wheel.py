"""The wheel works on its own: built, installed in a fresh venv outside the checkout, and
run from a folder there, hearing with Whisper with no set-up step (scripts/wheel-check.sh,
which CI also runs)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from voice import ROOT_DIR, running_from_checkout


@pytest.mark.slow
def test_the_wheel_runs_outside_the_checkout() -> None:
    if shutil.which("git") is None:
        pytest.skip("needs git to list the files the wheel is built from")
    done = subprocess.run([str(ROOT_DIR / "scripts" / "wheel-check.sh")], check=False,
                          text=True, capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "content ok:" in done.stdout and "cramp" in done.stdout
    # heard before any `models install`: Whisper's model from inside its pinned package
    assert '"intent": "cramp"' in done.stdout and '"engine": "whisper"' in done.stdout
    assert "wheel-check: ok" in done.stderr


def test_a_checkout_reads_its_own_content_and_models_folders() -> None:
    from voice import CONTENT_DIR, MODELS_DIR

    assert running_from_checkout()
    assert CONTENT_DIR == (ROOT_DIR / "content").resolve()
    assert MODELS_DIR == ROOT_DIR / "models"


def test_an_installed_copy_is_not_taken_for_a_checkout(tmp_path: Path) -> None:
    (tmp_path / "voice").mkdir()
    assert not running_from_checkout(tmp_path)
