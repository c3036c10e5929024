"""Reading one YAML content file into checked values, with the line of every problem.

`YamlFile.load()` parses a file whatever it holds (a syntax error, a list at the top,
bytes that are not UTF-8 all become problems, never exceptions); its getters check one
key each and return the value, or None after noting `file:line: problem`.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection
from pathlib import Path

import yaml


class LineMap(dict[str, object]):
    """A YAML mapping (keys as text) that remembers its own line and each key's."""

    def __init__(self, items: dict[str, object] | None = None, line: int = 1,
                 key_lines: dict[str, int] | None = None) -> None:
        super().__init__(items or {})
        self.line = line
        self.key_lines: dict[str, int] = key_lines or {}

    def line_of(self, key: str) -> int:
        """The line of `key`, or of the mapping itself when the key is absent."""
        return self.key_lines.get(key, self.line)


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser, when built with it


class _LineLoader(_Base):  # type: ignore[valid-type,misc]
    """SafeLoader whose mappings are `LineMap`s."""


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> LineMap:
    pairs = loader.construct_mapping(node, deep=True)
    lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
    return LineMap({str(k): v for k, v in pairs.items()}, node.start_mark.line + 1, lines)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
# YAML 1.2 booleans only: "yes", "no", "on" and "off" are words the coach hears, not booleans.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))


def parse_yaml(text: str) -> object:
    """`text` read as the content files are (mappings as `LineMap`s, YAML 1.2 booleans);
    raises what the YAML library raises."""
    return yaml.load(text, Loader=_LineLoader)


def misspelt(mapping: LineMap, key: str, required: Collection[str]) -> str | None:
    """The missing `required` key that `key` (not an allowed key) looks like a misspelling
    of, or None."""
    absent = [k for k in required if k not in mapping]
    close = difflib.get_close_matches(key, absent, n=1, cutoff=0.75)
    return close[0] if close else None


def is_number(value: object) -> bool:
    """An int or float, not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_words(value: object) -> bool:
    """A list of non-empty strings."""
    return isinstance(value, list) and all(isinstance(w, str) and w.strip() for w in value)


class YamlFile:
    """One content file being read; its problems go to a shared list."""

    def __init__(self, directory: Path, name: str, problems: list[str]) -> None:
        self.directory = directory
        self.name = name
        self.problems = problems
        self.top = LineMap()
        """What `load()` read (empty until then, or when it read nothing usable)."""

    @property
    def path(self) -> Path:
        return self.directory / self.name

    def add(self, line: int, problem: str) -> None:
        """Note a problem at `line`, as one line of text."""
        self.problems.append(f"{self.path}:{line}: {' '.join(problem.split())}")

    def load(self) -> LineMap:
        """The top-level mapping; empty (and a problem noted) when there is none."""
        try:
            data = parse_yaml(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self.add(1, "file is missing")
            return LineMap()
        except (OSError, UnicodeDecodeError) as exc:
            self.add(1, f"cannot read: {exc}")
            return LineMap()
        except yaml.reader.ReaderError as exc:
            self.add(self._line_at(exc.position), f"YAML syntax error: {exc.reason} "
                     f"(character {exc.character!r})")
            return LineMap()
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 1
            self.add(line, f"YAML syntax error: {getattr(exc, 'problem', None) or exc}")
            return LineMap()
        except (ValueError, TypeError, OverflowError, RecursionError) as exc:
            # The YAML library raises these on some values it resolves (a date 2020-13-45).
            self.add(1, f"YAML value error: {exc}")
            return LineMap()
        if not isinstance(data, LineMap) or not data:
            self.add(1, "expected a mapping with entries at the top level")
            return LineMap()
        self.top = data
        return data

    def _line_at(self, position: int) -> int:
        """The line of character `position` of the file."""
        try:
            return self.path.read_text(encoding="utf-8")[:position].count("\n") + 1
        except (OSError, UnicodeDecodeError):
            return 1

    # ----- one key each ------------------------------------------------------------------

    def only(self, mapping: LineMap, allowed: Collection[str], where: str = "",
             required: Collection[str] = ()) -> None:
        """Note every key of `mapping` not in `allowed`, except a misspelling of a missing
        `required` key: that key's own problem names it (see `misspelt`)."""
        for key in mapping:
            if key not in allowed and misspelt(mapping, key, required) is None:
                place = f" in {where}" if where else ""
                self.add(mapping.line_of(key), f"unknown key '{key}'{place}")

    def missing(self, parent: LineMap, key: str, allowed: Collection[str]) -> None:
        """Note that `key` is missing, naming the key that looks like a misspelling of it."""
        typo = next((k for k in parent if k not in allowed
                     and misspelt(parent, k, (key,)) == key), None)
        hint = f" ('{typo}' is no key here)" if typo else ""
        self.add(parent.line_of(typo or key), f"'{key}' is missing{hint}")

    def mapping(self, parent: LineMap, key: str, problem: str,
                required: bool = True) -> LineMap | None:
        """`parent[key]` when it is a mapping; an absent optional key gives an empty one."""
        value = parent.get(key)
        if value is None and not required and key not in parent:
            return LineMap(line=parent.line)
        if isinstance(value, LineMap):
            return value
        self.add(parent.line_of(key), problem)
        return None

    def words(self, parent: LineMap, key: str, problem: str, required: bool = True,
              empty: bool = False) -> tuple[str, ...] | None:
        """`parent[key]` when it is a list of non-empty strings (an empty list if `empty`);
        an absent optional key gives ()."""
        if key not in parent and not required:
            return ()
        value = parent.get(key)
        if is_words(value) and (empty or value):
            assert isinstance(value, list)
            return tuple(str(w) for w in value)
        self.add(parent.line_of(key), problem)
        return None

    def text(self, parent: LineMap, key: str, problem: str) -> str | None:
        """`parent[key]` when it is non-empty text."""
        value = parent.get(key)
        if isinstance(value, str) and value.strip():
            return value
        self.add(parent.line_of(key), problem)
        return None

    def number(self, parent: LineMap, key: str, problem: str, whole: bool = False,
               low: float = 0.0, high: float | None = None, low_open: bool = True
               ) -> float | None:
        """`parent[key]` when it is a number in range (above `low`, or from it when not
        `low_open`; up to `high`), and whole when `whole`."""
        value = parent.get(key)
        if not is_number(value):
            self.add(parent.line_of(key), problem)
            return None
        assert isinstance(value, (int, float))
        if (whole and not isinstance(value, int)) \
                or (isinstance(value, float) and not math.isfinite(value)) \
                or (value <= low if low_open else value < low) \
                or (high is not None and value > high):
            self.add(parent.line_of(key), problem)
            return None
        return value
