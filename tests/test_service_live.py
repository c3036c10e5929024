"""The systemd user unit for real: `cramp-coach service install` starts the coach under a
user manager, the coach listens on the (virtual) microphone, a killed coach is started
again, and `service remove` stops it and leaves nothing behind.

The container has no systemd as PID 1, so a user manager runs in a private mount
namespace in which /run/systemd/system exists (how a user manager tells that systemd
booted); nothing outside that namespace changes. Needs root for the namespace."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.pulse import PulseServer
from voice import ROOT_DIR

pytestmark = [pytest.mark.pulse, pytest.mark.slow]

MANAGER = "/lib/systemd/systemd"
BOOTED = """set -e
if [ -d /run/systemd ]; then mount -t tmpfs tmpfs /run/systemd; else mount -t tmpfs tmpfs /run; fi
mkdir -p /run/systemd/system
exec {manager} --user
"""


def _wait(what: str, done: Callable[[], bool], timeout_s: float = 30.0) -> None:
    limit = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > limit:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def user_manager(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A systemd user manager with its own runtime and config folders; yields the
    environment that reaches it (for systemctl --user and cramp-coach service)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None or not Path(MANAGER).exists():
        pytest.skip("needs root, unshare and systemd to run a user manager")
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    manager = subprocess.Popen(
        ["unshare", "-m", "--propagation", "private", "sh", "-c",
         BOOTED.format(manager=MANAGER)],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait("the user manager", lambda: manager.poll() is not None
              or (runtime / "systemd" / "private").exists())
        if manager.poll() is not None:
            pytest.skip(f"no user manager here: {manager.stderr.read().decode()[-300:]}"
                        if manager.stderr else "no user manager here")
        yield env
    finally:
        manager.terminate()
        try:
            manager.wait(timeout=20)
        except subprocess.TimeoutExpired:
            manager.kill()
            manager.wait()


def systemctl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["systemctl", "--user", *args], env=env, capture_output=True,
                          text=True, timeout=30, check=False)


def unit(env: dict[str, str]) -> dict[str, str]:
    shown = systemctl(env, "show", "cramp-coach.service",
                      "-p", "ActiveState,SubState,MainPID,NRestarts,LoadState").stdout
    return dict(line.split("=", 1) for line in shown.splitlines() if "=" in line)


def coach_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROOT_DIR / ".venv" / "bin" / "cramp-coach"), *args], env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def listening(pulse: PulseServer, pid: int) -> bool:
    """Whether process `pid` records from the sound server (the coach's microphone)."""
    outputs = json.loads(pulse.pactl("--format=json", "list", "source-outputs") or "[]")
    return any(o.get("properties", {}).get("application.process.id") == str(pid)
               for o in outputs)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_unit_starts_restarts_after_a_kill_and_removes_cleanly(
        user_manager: dict[str, str], pulse_server: PulseServer) -> None:
    if not (ROOT_DIR / ".venv" / "bin" / "cramp-coach").exists():
        pytest.skip("needs the checkout's .venv (scripts/setup.sh)")
    env = user_manager
    # the coach started by the manager finds the test's sound server
    assert systemctl(env, "set-environment",
                     f"PULSE_SERVER={pulse_server.env['PULSE_SERVER']}").returncode == 0

    # and the lines the tests' voice has already rendered
    cache = os.environ.get("CRAMP_COACH_SPEECH_CACHE")
    if cache:
        assert systemctl(env, "set-environment",
                         f"CRAMP_COACH_SPEECH_CACHE={cache}").returncode == 0

    installed = coach_cli(env, "service", "install")
    assert installed.returncode == 0, installed.stderr
    _wait("the coach to run", lambda: unit(env).get("SubState") == "running")
    first = int(unit(env)["MainPID"])
    # A first start renders every line the coach says before it listens (about half a
    # minute on a quiet two-core machine; more on a busy one).
    _wait("the coach to listen", lambda: listening(pulse_server, first), timeout_s=180)

    os.kill(first, 9)  # dies as a crash would
    _wait("a new coach", lambda: unit(env).get("SubState") == "running"
          and int(unit(env).get("MainPID", "0")) not in (0, first), timeout_s=60)
    assert unit(env)["NRestarts"] == "1"
    second = int(unit(env)["MainPID"])
    _wait("the new coach to listen", lambda: listening(pulse_server, second), timeout_s=60)

    removed = coach_cli(env, "service", "remove")
    assert removed.returncode == 0, removed.stderr
    _wait("the coach to stop", lambda: not alive(second))
    assert unit(env).get("LoadState") == "not-found"
    assert not list((Path(env["XDG_CONFIG_HOME"]) / "systemd" / "user").rglob("cramp-coach*"))
    assert not listening(pulse_server, second)
