"""`cramp-coach service install|remove`: the systemd user unit is valid, names this
environment's coach by absolute path, restarts it when it dies, and comes and goes cleanly.

No real user manager is touched here: systemctl is a stand-in on PATH that records its
calls, and `systemd-analyze verify` checks the unit as systemd would load it. The unit
under a real user manager is in test_service_live.py."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from voice.cli import systemd as service
from voice.cli.main import main
from voice.errors import BadInput

FAKE_SYSTEMCTL = """#!/bin/sh
echo "$*" >> "{log}"
[ "$2" = "{fail}" ] && {{ echo "Failed to connect to bus: No medium found" >&2; exit 1; }}
exit 0
"""


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tmp XDG_CONFIG_HOME, and a PATH whose systemctl is the stand-in (succeeding)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    fake_systemctl(tmp_path, monkeypatch, fail="")
    return tmp_path


def fake_systemctl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail: str) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    log = tmp_path / "systemctl.log"
    script = bin_dir / "systemctl"
    script.write_text(FAKE_SYSTEMCTL.format(log=log, fail=fail or "-"), encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/usr/bin:/bin")
    return log


def calls(home: Path) -> list[str]:
    log = home / "systemctl.log"
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def unit_file(home: Path) -> Path:
    return home / "config" / "systemd" / "user" / "cramp-coach.service"


def test_install_enables_and_starts_it_and_remove_undoes_everything(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["service", "install"]) == 0
    text = unit_file(home).read_text(encoding="utf-8")
    command = service.coach_command()
    assert f"ExecStart={command[0]}" in text and Path(command[0]).is_absolute()
    assert "\nRestart=on-failure\n" in text and f"\nRestartSec={service.RESTART_SEC}\n" in text
    assert calls(home) == ["--user daemon-reload", "--user enable --now cramp-coach.service"]
    assert "cramp coach is running" in capsys.readouterr().out

    wants = unit_file(home).parent / "default.target.wants"  # what a real enable leaves
    wants.mkdir()
    (wants / "cramp-coach.service").symlink_to(unit_file(home))
    assert main(["service", "remove"]) == 0
    assert calls(home)[2:] == ["--user disable --now cramp-coach.service",
                               "--user daemon-reload"]
    assert not unit_file(home).exists() and not (wants / "cramp-coach.service").is_symlink()
    assert main(["service", "remove"]) == 0
    assert "was not installed" in capsys.readouterr().out


def test_no_start_only_writes_and_deletes_the_file(home: Path) -> None:
    assert main(["service", "install", "--no-start"]) == 0
    assert unit_file(home).is_file()
    assert main(["service", "remove", "--no-start"]) == 0
    assert not unit_file(home).exists() and calls(home) == []


def test_without_systemd_it_says_so_in_one_line_and_exits_3(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no systemctl anywhere
    assert main(["service", "install"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "systemd is not available here" in err
    assert not unit_file(tmp_path).exists()


def test_a_user_manager_that_is_not_running_is_said_plainly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    fake_systemctl(tmp_path, monkeypatch, fail="daemon-reload")
    assert main(["service", "install"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No medium found" in err
    assert "systemctl --user enable --now cramp-coach.service" in err


@pytest.mark.parametrize("folder", ["bin", "my coach bin", "100% $HOME"])
def test_systemd_accepts_the_unit(tmp_path: Path, folder: str) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    exe = tmp_path / folder / "cramp-coach"  # verify checks that ExecStart can be run
    exe.parent.mkdir()
    exe.write_text("#!/bin/sh\n", encoding="utf-8")
    exe.chmod(0o755)
    units = tmp_path / "units"
    path = service.install(units, [str(exe)], start=False)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    done = subprocess.run([analyze, "verify", "--user", str(path)], capture_output=True,
                          text=True, timeout=60, check=False,
                          env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)})
    assert done.returncode == 0 and done.stdout + done.stderr == "", done.stderr


def test_a_path_systemd_cannot_run_is_refused_plainly(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="holds a quote"):
        service.install(tmp_path, ["/home/o'neil/.venv/bin/cramp-coach"], start=False)
    assert not (tmp_path / service.UNIT_NAME).exists()
