"""What a Python file imports, read from its syntax tree (imports inside functions too)."""

from __future__ import annotations

import ast
from pathlib import Path


def imported_names(path: Path, package: str) -> set[str]:
    """Every module name the file at `path` imports, relative imports resolved against
    `package` (its dotted package); `from a import b` names both `a` and `a.b`, since b may
    be a module."""
    parts = package.split(".") if package else []
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = parts[: len(parts) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found
