"""Python packages as a user's environment may hold them: another release of an installed
package, or a small package of model files, put first on the import path."""

from __future__ import annotations

import os
from pathlib import Path

from voice import ROOT_DIR


def package_on_path(folder: Path, name: str, version: str,
                    files: dict[str, bytes] | None = None) -> Path:
    """`folder` holding the metadata of package `name` at `version` (found by
    importlib.metadata before an installed release when `folder` comes first on the path),
    and `files` (relative path: contents) beside it. Returns `folder`."""
    dist = folder / f"{name.replace('-', '_')}-{version}.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
                                   encoding="utf-8")
    for relative, data in (files or {}).items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)
    return folder


def env_with_first_on_path(folder: Path) -> dict[str, str]:
    """The environment for `python -m voice` with `folder` first on its import path."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT_DIR)])}
