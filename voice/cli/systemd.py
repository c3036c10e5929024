"""Start the coach at login (or boot) and again if it dies: a systemd user unit.

Behind `cramp-coach service install|remove`. The unit runs the `cramp-coach` of the
environment that installs it (an absolute path, so no shell or PATH is involved), with
`Restart=on-failure`. systemd reads user units from `$XDG_CONFIG_HOME/systemd/user/`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from voice.errors import BadInput, MissingResource

UNIT_NAME = "cramp-coach.service"
RESTART_SEC = 5
"""Wait before systemd starts a dead coach again (seconds): soon enough for a night, slow
enough that a missing microphone does not spin."""
SYSTEMCTL_TIMEOUT_S = 30.0
"""Longest a `systemctl --user` call may take (seconds)."""


def unit_dir(environ: dict[str, str] | None = None) -> Path:
    """Where systemd looks for the user's own units."""
    env = os.environ if environ is None else environ
    config = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "systemd" / "user"


def coach_command() -> list[str]:
    """The absolute command that starts this environment's coach."""
    # sys.executable is left unresolved: resolving a venv's python would leave the venv
    script = Path(os.path.abspath(sys.executable)).parent / "cramp-coach"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [os.path.abspath(sys.executable), "-m", "voice"]


def _quoted(word: str) -> str:
    """One word of a systemd command line: quoted when it holds white space, with
    systemd's specifier sign (%) doubled so it stays itself. (A $ is left alone: systemd
    expands variables only in the arguments, and the arguments here hold none.)"""
    if any(c in word for c in "\"'\\") or not word.isprintable():
        raise BadInput(f"systemd cannot run a program whose path holds a quote, a backslash "
                       f"or a control character ({word}); move the virtual environment")
    word = word.replace("%", "%%")
    return f'"{word}"' if any(c.isspace() for c in word) else word


def unit_text(command: list[str]) -> str:
    """The unit file: `command listen`, restarted whenever it stops with an error."""
    exec_start = " ".join(_quoted(word) for word in [*command, "listen"])
    return (
        "[Unit]\n"
        "Description=cramp coach, an offline voice coach for night-time leg cramps\n"
        "After=pulseaudio.service pipewire-pulse.service\n"
        "\n"
        "[Service]\n"
        "Type=simple\n"
        f"ExecStart={exec_start}\n"
        "Restart=on-failure\n"
        f"RestartSec={RESTART_SEC}\n"
        "# print at once, so the journal has each line when it happens\n"
        "Environment=PYTHONUNBUFFERED=1\n"
        "\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )


def _systemctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["systemctl", "--user", *args], capture_output=True, text=True,
                          timeout=SYSTEMCTL_TIMEOUT_S, check=False)


def _require_systemd() -> None:
    if shutil.which("systemctl") is None:
        raise MissingResource("systemd is not available here (no systemctl), so the coach "
                              "cannot start itself at login; start it with scripts/coach.sh, "
                              "or write the unit alone with `service install --no-start`")


def _why(done: subprocess.CompletedProcess[str]) -> str:
    lines = (done.stderr or done.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit code {done.returncode}"


def install(directory: Path, command: list[str], start: bool) -> Path:
    """Write the unit; with `start`, enable it at login and start it now."""
    if start:
        _require_systemd()
    text, path = unit_text(command), directory / UNIT_NAME
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if not start:
        return path
    for args in (("daemon-reload",), ("enable", "--now", UNIT_NAME)):
        done = _systemctl(*args)
        if done.returncode != 0:
            raise MissingResource(
                f"wrote {path}, but systemd's user manager did not take it ({_why(done)}); "
                f"in a login session run `systemctl --user enable --now {UNIT_NAME}`")
    return path


def remove(directory: Path, stop: bool) -> Path | None:
    """Stop and disable the unit (with `stop`) and delete it; the path it had, if any."""
    path = directory / UNIT_NAME
    if stop and path.exists() and shutil.which("systemctl") is not None:
        _systemctl("disable", "--now", UNIT_NAME)  # a manager that is not running has
        # nothing to stop; the files below go all the same
    wanted = directory / "default.target.wants" / UNIT_NAME
    if wanted.is_symlink():
        wanted.unlink()
    if not path.exists():
        return None
    path.unlink()
    if stop and shutil.which("systemctl") is not None:
        _systemctl("daemon-reload")
    return path
