"""cramp coach: an offline voice coach for leg cramps."""

from importlib import resources
from pathlib import Path

__version__ = "0.1.0"

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT_DIR = PACKAGE_DIR.parent
"""The checkout's root when running from one (site-packages when installed from a wheel)."""


def _content_dir() -> Path:
    """The content files, shipped as package data in `voice/_content` (in a checkout that
    is a link to the top-level `content/`, so both read the same files)."""
    folder = resources.files(__name__) / "_content"
    if isinstance(folder, Path):
        return folder.resolve()
    # only a zipped install gives anything else, and the content must be real files
    raise ImportError(f"cramp coach must be installed unzipped (content at {folder})")


def running_from_checkout(root: Path = ROOT_DIR) -> bool:
    """Whether this `voice` package is a source checkout's (editable or on PYTHONPATH)."""
    return (root / "pyproject.toml").is_file() and (root / "models").is_dir()


def _models_dir() -> Path:
    """`models/` in a checkout, else the user's data folder (docs/cli.md, models)."""
    if running_from_checkout():
        return ROOT_DIR / "models"
    import platformdirs  # only installed copies need it; keeps a checkout's start lean

    return platformdirs.user_data_path("cramp-coach") / "models"


CONTENT_DIR = _content_dir()
MODELS_DIR = _models_dir()
