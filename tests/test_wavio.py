"""voice.wavio: what it accepts, what it refuses and how it says so."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.support.core import write_wav_frames
from voice import ROOT_DIR
from voice.errors import BadInput
from voice.wavio import Audio, read_wav, read_wav_16k, write_wav_atomic

needs_sox = pytest.mark.skipif(shutil.which("sox") is None, reason="sox is not installed")


def tone(seconds: float, rate: int, freq: float = 440.0, amp: int = 10000) -> np.ndarray:
    """A sine tone as np.int16."""
    t = np.arange(int(seconds * rate)) / rate
    return np.rint(amp * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def sox(*args: str) -> None:
    """Run sox, failing the test on error."""
    subprocess.run(["sox", *args], check=True, capture_output=True)


def bad_input(path: Path, **kwargs: float | None) -> str:
    """The message read_wav raises for `path`."""
    with pytest.raises(BadInput) as err:
        read_wav(path, **kwargs)  # type: ignore[arg-type]
    message = str(err.value)
    assert "\n" not in message
    assert str(path) in message
    return message


def run_python(code: str, *, obey_permissions: bool = False) -> str:
    """Run Python `code` in a child (as root: without root's power to ignore permissions)."""
    prefix: list[str] = []
    if obey_permissions and os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root and setpriv is missing: permissions cannot be tested")
        prefix = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]
    done = subprocess.run(
        [*prefix, sys.executable, "-c", code],
        check=False,
        cwd=ROOT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


# --- reading what is accepted -------------------------------------------------------------


def test_mono_16bit_round_trip(tmp_path: Path) -> None:
    x = tone(0.5, 22050)
    audio = read_wav(write_wav_frames(tmp_path / "a.wav", x, 22050))
    assert isinstance(audio, Audio)
    assert audio.sample_rate == 22050
    assert audio.samples.dtype == np.int16
    np.testing.assert_array_equal(audio.samples, x)
    assert audio.duration == pytest.approx(0.5)


def test_stereo_is_averaged_to_mono(tmp_path: Path) -> None:
    left = np.array([1000, -2000, 32767, -32768, 3], dtype=np.int16)
    right = np.array([3000, 2000, 32767, -32768, 0], dtype=np.int16)
    audio = read_wav(write_wav_frames(tmp_path / "s.wav", np.stack([left, right], axis=1), 8000))
    np.testing.assert_array_equal(audio.samples, [2000, 0, 32767, -32768, 2])


def test_samples_cannot_be_changed(tmp_path: Path) -> None:
    audio = read_wav(write_wav_frames(tmp_path / "a.wav", tone(0.1, 8000), 8000))
    with pytest.raises(ValueError):
        audio.samples[0] = 1


@needs_sox
def test_sox_stereo_48k_reads(tmp_path: Path) -> None:
    path = tmp_path / "sox.wav"
    sox("-n", "-r", "48000", "-c", "2", "-b", "16", str(path), "synth", "1.5", "sine", "300")
    audio = read_wav(path)
    assert audio.sample_rate == 48000
    assert len(audio.samples) == 72000
    assert np.abs(audio.samples).max() > 20000


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100, 48000])
def test_read_16k_resamples_and_keeps_the_tone(tmp_path: Path, rate: int) -> None:
    x = read_wav_16k(write_wav_frames(tmp_path / "t.wav", tone(1.0, rate, freq=1000.0), rate))
    assert x.dtype == np.int16
    assert abs(len(x) - 16000) <= 1
    spectrum = np.abs(np.fft.rfft(x.astype(np.float64)))
    assert np.argmax(spectrum) == pytest.approx(1000, abs=2)  # bins are 1 Hz wide
    assert np.abs(x[1000:-1000]).max() == pytest.approx(10000, rel=0.03)


def test_length_cap(tmp_path: Path) -> None:
    path = write_wav_frames(tmp_path / "long.wav", np.zeros(8000 * 5, np.int16), 8000)
    assert "too long" in bad_input(path, max_seconds=4.0)
    assert len(read_wav(path, max_seconds=6.0).samples) == 40000
    assert len(read_wav(path, max_seconds=None).samples) == 40000


def test_cut_off_data_reads_what_is_there(tmp_path: Path) -> None:
    path = write_wav_frames(tmp_path / "cut.wav", tone(1.0, 8000), 8000)
    path.write_bytes(path.read_bytes()[: 44 + 2 * 1000 + 1])
    assert len(read_wav(path).samples) == 1000


# --- refusing what is not -----------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    assert "no such file" in bad_input(tmp_path / "nope.wav")


def test_directory(tmp_path: Path) -> None:
    assert "directory" in bad_input(tmp_path)


def test_zero_bytes(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.touch()
    assert "empty" in bad_input(path)


def test_zero_frames(tmp_path: Path) -> None:
    path = write_wav_frames(tmp_path / "none.wav", np.zeros(0, np.int16), 16000)
    assert "0 frames" in bad_input(path)


def test_header_only_claiming_data(tmp_path: Path) -> None:
    path = write_wav_frames(tmp_path / "h.wav", tone(1.0, 8000), 8000)
    path.write_bytes(path.read_bytes()[:44])
    assert "0 frames" in bad_input(path)


def test_not_a_wav(tmp_path: Path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("help, calf cramp\n")
    assert "not a WAV" in bad_input(path)


@pytest.mark.parametrize("keep", [3, 11, 20, 30])
def test_truncated_header(tmp_path: Path, keep: int) -> None:
    path = write_wav_frames(tmp_path / "t.wav", tone(0.1, 8000), 8000)
    path.write_bytes(path.read_bytes()[:keep])
    assert "truncated" in bad_input(path)


def test_8bit(tmp_path: Path) -> None:
    path = write_wav_frames(tmp_path / "u8.wav", np.full(800, 128, np.uint8), 8000, width=1)
    message = bad_input(path)
    assert "8-bit" in message
    assert "16-bit PCM WAV needed; convert with: sox" in message


@needs_sox
@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["-b", "8"], "8-bit integer"),
        (["-b", "24"], "24-bit integer"),
        (["-b", "32"], "32-bit integer"),
        (["-b", "32", "-e", "floating-point"], "32-bit float"),
        (["-b", "64", "-e", "floating-point"], "64-bit float"),
        (["-e", "a-law"], "compressed"),
        (["-e", "u-law"], "compressed"),
    ],
)
def test_other_encodings_name_the_fix(tmp_path: Path, args: list[str], said: str) -> None:
    path = tmp_path / "x.wav"
    sox("-n", "-r", "16000", *args, str(path), "synth", "0.2", "sine", "440")
    message = bad_input(path)
    assert said in message
    assert "16-bit PCM WAV needed; convert with: sox" in message
    assert str(path) in message


@needs_sox
def test_suggested_command_fixes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "deep.wav"
    sox("-n", "-r", "44100", "-b", "24", "-c", "2", str(path), "synth", "0.2", "sine", "440")
    command = bad_input(path).split("convert with: ")[1]
    subprocess.run(command, shell=True, check=True, capture_output=True)
    assert read_wav(tmp_path / "deep-16bit.wav").sample_rate == 44100


@needs_sox
def test_more_than_two_channels(tmp_path: Path) -> None:
    path = tmp_path / "c4.wav"
    sox("-n", "-c", "4", "-b", "16", str(path), "synth", "0.1", "sine", "440")
    with pytest.raises(BadInput):
        read_wav(path)


def test_unreadable(tmp_path: Path) -> None:
    path = write_wav_frames(tmp_path / "locked.wav", tone(0.1, 8000), 8000)
    path.chmod(0)
    said = run_python(
        "from voice.wavio import read_wav\n"
        "from voice.errors import BadInput\n"
        f"try:\n    read_wav({str(path)!r})\nexcept BadInput as e:\n    print(e)\n",
        obey_permissions=True,
    )
    assert said == f"{path}: cannot read (permission denied)"


# --- writing ------------------------------------------------------------------------------


def test_write_then_read(tmp_path: Path) -> None:
    x = tone(0.3, 16000)
    path = tmp_path / "out.wav"
    write_wav_atomic(path, x, 16000)
    audio = read_wav(path)
    np.testing.assert_array_equal(audio.samples, x)
    assert audio.sample_rate == 16000
    assert [p.name for p in tmp_path.iterdir()] == ["out.wav"]


def test_write_stereo(tmp_path: Path) -> None:
    x = np.stack([tone(0.1, 8000), np.zeros(800, np.int16)], axis=1)
    write_wav_atomic(tmp_path / "st.wav", x, 8000)
    with wave.open(str(tmp_path / "st.wav")) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getnframes()) == (2, 2, 800)


def test_write_replaces_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "out.wav"
    write_wav_atomic(path, tone(2.0, 16000), 16000)
    write_wav_atomic(path, tone(0.1, 16000), 16000)
    assert len(read_wav(path).samples) == 1600


def test_write_gives_an_ordinary_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "out.wav"
    write_wav_atomic(path, tone(0.1, 8000), 8000)
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_write_failure_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "out.wav"
    write_wav_atomic(path, tone(0.1, 8000), 8000)
    before = path.read_bytes()
    said = run_python(  # a file-size limit makes the disk "fill up" half way through
        "import resource\n"
        "import numpy as np\n"
        "from voice.wavio import write_wav_atomic\n"
        "from voice.errors import BadInput\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (10000, resource.RLIM_INFINITY))\n"
        "try:\n"
        f"    write_wav_atomic({str(path)!r}, np.ones(16000, np.int16), 8000)\n"
        "except BadInput as e:\n    print(e)\n"
    )
    assert said == f"{path}: cannot write (File too large)"
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.wav"]


def test_write_rejects_bad_rate(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_wav_atomic(tmp_path / "r.wav", np.zeros(10, np.int16), 0)
    assert list(tmp_path.iterdir()) == []


def test_write_rejects_wrong_sample_type(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_wav_atomic(tmp_path / "f.wav", np.zeros(10, np.float32), 8000)
    assert list(tmp_path.iterdir()) == []


def test_write_into_missing_folder(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "out.wav"
    with pytest.raises(BadInput, match=r"cannot write \(No such file or directory\)"):
        write_wav_atomic(path, tone(0.1, 8000), 8000)


def test_write_onto_a_directory(tmp_path: Path) -> None:
    (tmp_path / "out.wav").mkdir()
    with pytest.raises(BadInput, match="cannot write"):
        write_wav_atomic(tmp_path / "out.wav", tone(0.1, 8000), 8000)
    assert [p.name for p in tmp_path.iterdir()] == ["out.wav"]


def test_write_into_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    said = run_python(
        "import numpy as np\n"
        "from voice.wavio import write_wav_atomic\n"
        "from voice.errors import BadInput\n"
        "try:\n"
        f"    write_wav_atomic({str(folder / 'o.wav')!r}, np.zeros(8, np.int16), 8000)\n"
        "except BadInput as e:\n    print(e)\n",
        obey_permissions=True,
    )
    assert said == f"{folder / 'o.wav'}: cannot write (Permission denied)"
    assert list(folder.iterdir()) == []
