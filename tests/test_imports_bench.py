"""Tests and benchmarks share helpers only through `tests/support/`: no test imports a
`bench` module (a benchmark is run as a program), and no benchmark imports a test module
or the tests' conftest. Imports inside functions count too."""

from __future__ import annotations

from pathlib import Path

from tests.support.imports import imported_names
from voice import ROOT_DIR


def imported(path: Path, root: Path) -> set[str]:
    """Every module the file at `path` imports, named from `root`."""
    return imported_names(path, ".".join(path.relative_to(root).parts[:-1]))


def _is_bench(module: str) -> bool:
    return module == "bench" or module.startswith("bench.")


def _is_test_module(module: str) -> bool:
    parts = module.split(".")
    return (len(parts) >= 2 and parts[0] == "tests"
            and (parts[1] == "conftest" or parts[1].startswith("test_")))


def crossings(root: Path) -> list[str]:
    """`file: module` for each import across the line between tests and benchmarks."""
    found = []
    for folder, crosses in (("tests", _is_bench), ("bench", _is_test_module)):
        for path in sorted((root / folder).rglob("*.py")):
            found += [f"{path.relative_to(root)}: {module}"
                      for module in sorted(imported(path, root)) if crosses(module)]
    return found


def test_tests_and_benchmarks_do_not_import_each_other() -> None:
    assert crossings(ROOT_DIR) == []


def test_an_import_across_is_found(tmp_path: Path) -> None:
    for folder in ("tests/support", "bench"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "tests" / "test_a.py").write_text(
        "from tests.support.speech import clips\ndef f():\n    from bench.figures import x\n")
    (tmp_path / "tests" / "test_b.py").write_text("import bench\n")
    (tmp_path / "tests" / "support" / "c.py").write_text("from bench import run\n")
    (tmp_path / "bench" / "ok.py").write_text("from tests.support import speech\n")
    (tmp_path / "bench" / "d.py").write_text("from tests import conftest\n")
    (tmp_path / "bench" / "e.py").write_text("import tests.test_soak\n")
    (tmp_path / "tests" / "support" / "g.py").write_text("from . import speech\n")
    assert crossings(tmp_path) == [
        "tests/support/c.py: bench", "tests/support/c.py: bench.run",
        "tests/test_a.py: bench.figures", "tests/test_a.py: bench.figures.x",
        "tests/test_b.py: bench",
        "bench/d.py: tests.conftest", "bench/e.py: tests.test_soak",
    ]
