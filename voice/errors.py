"""One exception tree. Each error knows its exit code (docs/cli.md)."""

from __future__ import annotations

from typing import Any


class CoachError(Exception):
    """Base of every error the program reports to the user (one plain line, no traceback)."""

    exit_code: int = 1

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (the recogniser's child process sends its errors to the coach) as class,
        # args and attributes, and rebuilt without calling __init__: a subclass whose
        # __init__ takes other arguments (ContentError's list) comes back as it was.
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(cls: type[CoachError], args: tuple[Any, ...], state: dict[str, Any]) -> CoachError:
    """The copy of a pickled `CoachError` (see `CoachError.__reduce__`)."""
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class BadInput(CoachError):
    """Unreadable or wrong-format file, malformed content, unknown name, bad option (exit 2)."""

    exit_code = 2


class ContentError(BadInput):
    """The content files are malformed; carries `file:line: problem` lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class MissingResource(CoachError):
    """No microphone or speaker, model not installed, speech library missing (exit 3)."""

    exit_code = 3


class SpeechFailed(MissingResource):
    """The speech synthesiser ran but gave no audio (exit 3)."""


class DiaryError(BadInput):
    """The diary file cannot be used: unreadable, unwritable, or from a newer coach (exit 2)."""
