"""The pipeline's rooms import one way, and nothing imports itself back.

Each stage of `voice` is a package (a room); a room may import only rooms below it, and
the top-level modules (errors, log, files, the vocabulary ...) import no room at all.
Imports inside functions count too: a dependency hidden in a function is still one."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.support.imports import imported_names
from voice import ROOT_DIR

PACKAGE = ROOT_DIR / "voice"

LAYERS: tuple[frozenset[str], ...] = (
    frozenset({""}),  # the top-level modules: errors, log, files, vocabulary ...
    frozenset({"content"}),
    frozenset({"coach", "understand", "models"}),
    frozenset({"hear", "speak", "diary"}),
    frozenset({"run"}),
    frozenset({"cli"}),
)
"""The rooms from the bottom up: a room imports only from itself and the layers below."""
ENTRY = "voice.__main__"
"""`python -m voice`: above every room, it only starts the command line."""
MAX_TOP_MODULES = 8
"""Modules allowed at the top of `voice`, beside its rooms."""


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """The modules of `known` that the module at `path` imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return {m for m in imported_names(path, package) if m in known and m != name}


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports."""
    paths = {module_name(p, root): p for p in root.rglob("*.py")}
    known = set(paths)
    return {name: imports_of(path, name, known) for name, path in paths.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def room_of(module: str) -> str:
    """`voice.hear.engines.whisper` -> `hear`; a top-level module (or `voice`) -> ""."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in _ROOMS) else ""


_ROOMS = frozenset().union(*LAYERS) - {""}


def layer_of(room: str) -> int:
    return next(i for i, rooms in enumerate(LAYERS) if room in rooms)


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(importer, imported) for every import that does not point down the layers: into a
    sibling room, a higher room, or from a top-level module into any room."""
    bad = []
    for name, imported in sorted(graph.items()):
        if name == ENTRY:
            continue
        room = room_of(name)
        for other in sorted(imported):
            there = room_of(other)
            if there != room and layer_of(there) >= layer_of(room):
                bad.append((name, other))
    return bad


def test_rooms_import_only_downwards() -> None:
    assert upward_imports(import_graph(PACKAGE)) == []


def test_every_package_is_a_known_room() -> None:
    rooms = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert rooms == set(_ROOMS)
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, top


def test_an_upward_import_is_found(tmp_path: Path) -> None:
    package = tmp_path / "voice"
    for room in ("coach", "hear", "run"):
        (package / room).mkdir(parents=True)
        (package / room / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "errors.py").write_text("")
    (package / "run" / "live.py").write_text("from voice.hear import listener\n")
    (package / "hear" / "listener.py").write_text("from voice.coach.machine import Heard\n")
    (package / "coach" / "machine.py").write_text(
        "from voice.errors import CoachError\n"
        "def f():\n    from voice.run.live import LiveLoop\n")
    (package / "errors.py").write_text("import voice.hear.listener\n")
    assert upward_imports(import_graph(package)) == [
        ("voice.coach.machine", "voice.run.live"), ("voice.errors", "voice.hear.listener")]


def test_voice_has_no_import_cycles() -> None:
    assert cycles(import_graph(PACKAGE)) == []


def test_a_cycle_is_found(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.b import thing\n")
    (package / "b.py").write_text("def f():\n    from . import c\n")
    (package / "c.py").write_text("import pkg.a\n")
    (package / "d.py").write_text("from pkg import a\n")
    assert cycles(import_graph(package)) == [["pkg.a", "pkg.b", "pkg.c"]]


def test_content_and_the_matcher_do_not_import_each_other() -> None:
    graph = import_graph(PACKAGE)
    assert "voice.understand.matcher" not in graph["voice.content.loader"]
    assert "voice.content.loader" not in graph["voice.understand.matcher"]


def _nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of `tree`, and of the annotations written as strings in it."""
    for node in ast.walk(tree):
        yield node
        annotation = getattr(node, "annotation", None) or getattr(node, "returns", None)
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            yield from ast.walk(ast.parse(annotation.value, mode="eval"))


def option_readers(root: Path) -> list[str]:
    """Modules outside the command line (`cli`) that import `argparse` or name its
    `Namespace`: below the command line, options travel as typed settings."""
    found = []
    for path in sorted(root.rglob("*.py")):
        name = module_name(path, root)
        if room_of(name) == "cli":
            continue
        for node in _nodes(ast.parse(path.read_text(encoding="utf-8"))):
            imported = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                        else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            named = (node.attr if isinstance(node, ast.Attribute)
                     else node.id if isinstance(node, ast.Name) else "")
            if "argparse" in imported or named == "Namespace":
                found.append(name)
                break
    return found


def test_no_options_namespace_below_the_command_line() -> None:
    assert option_readers(PACKAGE) == []


def test_an_options_namespace_below_the_command_line_is_found(tmp_path: Path) -> None:
    package = tmp_path / "voice"
    for room in ("cli", "hear", "run"):
        (package / room).mkdir(parents=True)
        (package / room / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "cli" / "main.py").write_text("import argparse\n")
    (package / "hear" / "select.py").write_text(
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from argparse import Namespace\n"
        "def open_engine(args: Namespace) -> None: ...\n")
    (package / "run" / "microphone.py").write_text(
        "def launch(args: 'argparse.Namespace') -> None: ...\n"
        "def ok(settings: object) -> None: ...\n")
    (package / "run" / "live.py").write_text("def run(namespace: dict[str, int]) -> None: ...\n")
    assert option_readers(package) == ["voice.hear.select", "voice.run.microphone"]
