"""Bad input at the command line, as a user meets it: every case gives a clear one- or
two-line message, the contract's exit code and no traceback, and leaves nothing
half-written. docs/bad-input.md is the catalogue: one row per test here (or elsewhere).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from test_content import broken_copy
from test_models import MODEL_FILES, Server, escaping_zip, fake_model_zip, sha256

from voice import ROOT_DIR

# --- running the program ---------------------------------------------------------------------

def no_sound_server_env() -> dict[str, str]:
    """The environment with no sound server to find: no devices at all on this machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSE_")}
    env["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="no-pulse-")
    env["PYTHONPATH"] = str(ROOT_DIR)
    return env


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
        prefix: tuple[str, ...] = (), cwd: Path | None = None,
        timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """`python -m voice ARGS` as a user runs it, without a sound server unless `env` says."""
    return subprocess.run([*prefix, sys.executable, "-m", "voice", *args], input=stdin,
                          text=True, capture_output=True, cwd=cwd or ROOT_DIR,
                          env=env or no_sound_server_env(), timeout=timeout, check=False)


def failure(out: subprocess.CompletedProcess[str], code: int) -> str:
    """Check a plain failure with exit `code`; return the program's message (its last line).
    ALSA may print its own noise to stderr before; the last lines must be ours."""
    assert out.returncode == code, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr, out.stderr
    lines = out.stderr.strip().splitlines()
    ours = [line for line in lines if line.startswith("cramp-coach: ")]
    assert ours and lines[-1] == ours[-1], out.stderr
    assert len(ours) <= 2, out.stderr
    return lines[-1]


def without_permissions() -> tuple[str, ...]:
    """A command prefix that makes even root obey file permissions."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("setpriv") is None:
        pytest.skip("running as root and setpriv is missing: permissions cannot be tested")
    return ("setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--")


# --- content files -----------------------------------------------------------------------------

CONTENT_BREAKS = {
    "yaml-syntax": ("intents.yaml", "  stop:\n    data:", "  stop:\n    data: [\n",
                    "YAML syntax error"),
    "unknown-intent": ("intents.yaml", "count: [stop,", "count: [stopp,",
                       "names unknown intent 'stopp'"),
    "muscle-without-stretch": ("remedies.yaml", "    stretch:\n      day: \"Foot cramp.",
                               "    stretched:\n      day: \"Foot cramp.", "'stretch' is missing"),
    "remedy-without-source": ("remedies.yaml", "    sources: [C1, M2, M1]\n", "\n",
                              "'massage' has no source"),
}
"""Name → (file, text replaced, replacement, what the message says)."""


@pytest.mark.parametrize("name", list(CONTENT_BREAKS))
def test_malformed_content_is_named_by_file_and_line(tmp_path: Path, name: str) -> None:
    file, old, new, problem = CONTENT_BREAKS[name]
    folder = broken_copy(tmp_path, file, old, new)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    checked = run("content", "check", str(folder))
    assert checked.returncode == 2 and "Traceback" not in checked.stderr
    assert any(line.startswith(f"{folder / file}:") and problem in line
               for line in checked.stderr.splitlines()), checked.stderr
    coached = run("--content", str(folder), "listen", "--text", "--once", stdin="stop\n")
    assert problem in failure(coached, 2)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


# --- models --------------------------------------------------------------------------------------

def models_run(models_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = no_sound_server_env()
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                 "ALL_PROXY"):
        env.pop(name, None)
    return run("--models-dir", str(models_dir), "models", *args, env=env)


def left_in(models_dir: Path) -> list[str]:
    return sorted(p.name for p in models_dir.iterdir()) if models_dir.exists() else []


def test_unknown_model_name(tmp_path: Path) -> None:
    models = tmp_path / "models"
    message = failure(models_run(models, "install", "vosk-tiny-klingon"), 2)
    assert "unknown model 'vosk-tiny-klingon'" in message
    assert "unknown model 'vosk-tiny-klingon'" in failure(
        models_run(models, "verify", "vosk-tiny-klingon"), 2)
    assert left_in(models) == []


def test_model_folder_missing_files(tmp_path: Path) -> None:
    models = tmp_path / "models"
    (models / "half-model" / "am").mkdir(parents=True)
    (models / "half-model" / "am" / "final.mdl").write_bytes(b"x")
    out = models_run(models, "verify", "half-model")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "half-model: missing conf/mfcc.conf" in out.stderr


def test_corrupt_model_folder(tmp_path: Path) -> None:
    pytest.importorskip("vosk")
    models = tmp_path / "models"
    with zipfile.ZipFile(fake_model_zip(tmp_path / "fake.zip")) as zipped:
        zipped.extractall(models)
    model = models / "vosk-model-fake-en-0.1"
    out = models_run(models, "verify", model.name)
    assert out.returncode == 2 and "Vosk cannot load it" in out.stderr


def test_model_archive_with_a_bad_checksum(tmp_path: Path) -> None:
    models = tmp_path / "models"
    archive = fake_model_zip(tmp_path / "fake.zip")
    message = failure(models_run(models, "install", "mine", "--from", str(archive),
                                 "--sha256", "0" * 64), 2)
    assert "checksum mismatch" in message
    assert left_in(models) == []


def test_model_archive_cut_short(tmp_path: Path) -> None:
    models = tmp_path / "models"
    archive = fake_model_zip(tmp_path / "fake.zip")
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    message = failure(models_run(models, "install", "mine", "--from", str(archive)), 2)
    assert "cut short" in message and "download it again" in message
    assert left_in(models) == []


def test_model_archive_with_paths_escaping_the_folder(tmp_path: Path) -> None:
    models = tmp_path / "models"
    archive = escaping_zip(tmp_path / "evil.zip", "m/../../evil")
    message = failure(models_run(models, "install", "mine", "--from", str(archive)), 2)
    assert "refused" in message
    assert left_in(models) == [] and not (tmp_path / "evil").exists()


def test_download_interrupted_midway_leaves_nothing_and_a_retry_works(tmp_path: Path) -> None:
    models = tmp_path / "models"
    archive = fake_model_zip(tmp_path / "fake.zip")
    with Server(archive.read_bytes(), cuts=1) as server:
        cut = models_run(models, "install", "mine", "--from", server.url,
                         "--sha256", sha256(archive))
        assert "cut off" in failure(cut, 3)
        assert left_in(models) == []
        again = models_run(models, "install", "mine", "--from", server.url,
                           "--sha256", sha256(archive))
    assert again.returncode == 0, again.stderr
    assert left_in(models) == ["mine"]
    assert (models / "mine" / "am" / "final.mdl").read_bytes() == MODEL_FILES["am/final.mdl"]


# --- devices -------------------------------------------------------------------------------------

def test_listen_without_a_microphone_suggests_typing() -> None:
    message = failure(run("listen", "--day", stdin=""), 3)
    assert "no microphone" in message and "--text" in message


def test_listen_without_a_speaker_prints_what_it_would_say() -> None:
    out = run("listen", "--text", "--day", "--once", stdin="help, calf cramp\nstop\n")
    assert out.returncode == 0 and "Traceback" not in out.stderr
    assert out.stderr.count("cannot open the speaker") == 1
    assert "coach: Calf cramp." in out.stdout


@pytest.mark.pulse
def test_ctrl_c_mid_count_stops_cleanly_and_releases_the_speaker(pulse_server) -> None:
    env = {**pulse_server.env, "PYTHONPATH": str(ROOT_DIR)}
    coach = subprocess.Popen([sys.executable, "-m", "voice", "listen", "--text", "--day"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT_DIR)
    assert coach.stdin is not None
    coach.stdin.write("help, calf cramp\n")
    coach.stdin.flush()
    time.sleep(12.0)  # the instructions (~7 s), then counting
    assert pulse_server.pactl("list", "short", "sink-inputs").strip(), "it is playing"
    coach.send_signal(signal.SIGINT)
    out, err = coach.communicate(timeout=20)
    assert coach.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == "cramp-coach: stopped."
    assert "(counting 1 to 30" in out
    assert pulse_server.pactl("list", "short", "sink-inputs").strip() == ""


def test_no_portaudio_library() -> None:
    env = {**no_sound_server_env(),
           "PYTHONPATH": os.pathsep.join([str(ROOT_DIR / "tests" / "fake_no_portaudio"),
                                          str(ROOT_DIR)])}
    message = failure(run("listen", "--day", stdin="", env=env), 3)
    assert "PortAudio library not found" in message and "--text" in message
    typed = run("listen", "--text", "--day", "--once", stdin="help, calf cramp\nstop\n",
                env=env)
    assert typed.returncode == 0 and "coach: Calf cramp." in typed.stdout
