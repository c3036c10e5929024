"""The machine a run was measured on, as one line every table and plot can carry."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path


@dataclass(frozen=True)
class Machine:
    """CPU, cores, memory and the versions of what was measured."""

    cpu: str
    cores: int
    memory_gib: float
    system: str
    python: str
    versions: dict[str, str]
    """Package or program → version."""

    def line(self) -> str:
        """`AMD EPYC, 2 cores, 24 GiB, Linux 6.1, Python 3.11`."""
        return (f"{self.cpu}, {self.cores} cores, {self.memory_gib:.0f} GiB, "
                f"{self.system}, Python {self.python}")


def cpu_model() -> str:
    """The CPU's model name as the kernel reports it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> float:
    """Physical memory (GiB)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        return float("nan")


def _package(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def _espeak() -> str:
    if shutil.which("espeak-ng") is None:
        return "absent"
    out = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True,
                         check=False).stdout.split()
    return out[3] if len(out) > 3 else "?"


def describe() -> Machine:
    """This machine."""
    versions = {name: _package(name) for name in
                ("cramp-coach", "pocketsphinx", "vosk", "pyttsx3", "webrtcvad-wheels")}
    versions["espeak-ng"] = _espeak()
    return Machine(cpu=cpu_model(), cores=os.cpu_count() or 1, memory_gib=memory_gib(),
                   system=f"{platform.system()} {platform.release().split('-')[0]}",
                   python=platform.python_version(), versions=versions)
