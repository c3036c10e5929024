"""cramp coach: an offline voice coach for leg cramps."""

from pathlib import Path

__version__ = "0.1.0"

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT_DIR = PACKAGE_DIR.parent
CONTENT_DIR = ROOT_DIR / "content"
MODELS_DIR = ROOT_DIR / "models"
