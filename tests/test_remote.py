"""The recogniser in a process of its own: it hears as it does in-process, its errors reach
the coach as they are, it ignores Ctrl-C, and a new one starts when it dies."""

from __future__ import annotations

import os
import pickle
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import core
from tests.support.speech import VOICES, load_16k, render, tools_missing
from voice import CONTENT_DIR, MODELS_DIR
from voice.errors import BadInput, ContentError, MissingResource
from voice.hear.engines.pocketsphinx import from_matcher
from voice.hear.recognizer import hear_utterance, recognise
from voice.hear.remote import RemoteEngine
from voice.hear.settings import HearingSettings

pytestmark = pytest.mark.skipif(bool(tools_missing()), reason="needs espeak-ng and flite")


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteEngine]:
    engine = RemoteEngine(HearingSettings("pocketsphinx", None, MODELS_DIR, CONTENT_DIR))
    yield engine
    engine.close()


def said(text: str) -> bytes:
    return load_16k(render(text, VOICES[2])).tobytes()


def test_it_hears_what_the_engine_in_this_process_hears(remote: RemoteEngine) -> None:
    local = from_matcher(core.matcher())
    for text, context in [("help, calf cramp", "idle"), ("stop", "count"), ("yes", "question"),
                          ("the weather is lovely today", "idle")]:
        audio = said(text)
        assert hear_utterance(remote, audio, context) == hear_utterance(local, audio, context)
    heard = recognise(remote, core.matcher(), said("help, calf cramp"), "idle").intent
    assert (heard.name, heard.slots) == ("cramp", {"muscle": "calf"})
    assert remote.name == "pocketsphinx"


def test_it_streams_as_a_speech_in(remote: RemoteEngine) -> None:
    audio = said("stop")
    remote.set_context("count")
    remote.start()
    partials = [remote.feed(audio[i:i + 960]) for i in range(0, len(audio), 960)]
    assert any(p is not None and p.text.startswith("stop") for p in partials)
    assert remote.finish().text == "stop"


def test_its_errors_reach_the_coach_as_they_are(remote: RemoteEngine) -> None:
    with pytest.raises(BadInput, match="unknown listening context 'nowhere'"):
        remote.set_context("nowhere")
    assert hear_utterance(remote, said("stop"), "count").text == "stop"  # still there


def test_a_content_error_in_the_child_keeps_its_lines(tmp_path: Path) -> None:
    broken = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, broken)
    with (broken / "sources.yaml").open("a", encoding="utf-8") as file:
        file.write("X1: not a link\nX2: nor this\n")
    with pytest.raises(ContentError) as caught:
        RemoteEngine(HearingSettings("pocketsphinx", None, MODELS_DIR, broken))
    lines = str(caught.value).splitlines()
    assert caught.value.problems == lines and len(lines) == 2, lines  # not one char a line
    assert all(line.startswith(f"{broken / 'sources.yaml'}:") for line in lines)
    assert caught.value.exit_code == 2


def test_every_error_survives_the_pipe_as_it_was() -> None:
    errors = [ContentError(["a.yaml:1: one", "b.yaml:2: two"]), BadInput("bad"),
              MissingResource("no speaker")]
    for error in errors:
        copy = pickle.loads(pickle.dumps(error))
        assert (type(copy), str(copy), copy.args, vars(copy)) == (
            type(error), str(error), error.args, vars(error))


def test_it_ignores_ctrl_c_and_a_new_one_starts_when_it_dies(remote: RemoteEngine) -> None:
    child = remote._process
    assert child is not None and child.is_alive()
    os.kill(child.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
    assert hear_utterance(remote, said("stop"), "count").text == "stop"
    assert child.is_alive() and remote.restarts == 0
    child.kill()
    child.join()
    assert hear_utterance(remote, said("stop"), "count").text == "stop"
    assert remote.restarts == 1 and remote._process is not child


def test_a_missing_model_in_the_child_is_said_plainly(tmp_path: Path) -> None:
    with pytest.raises(MissingResource, match="no English Vosk model installed"):
        RemoteEngine(HearingSettings("vosk", None, tmp_path, CONTENT_DIR))


def test_closing_ends_the_child() -> None:
    engine = RemoteEngine(HearingSettings("pocketsphinx", None, MODELS_DIR, CONTENT_DIR))
    child = engine._process
    engine.close()
    assert child is not None and not child.is_alive()
    with pytest.raises(MissingResource, match="closed"):
        engine.start()
