"""The listening contexts: what the coach listens for depends on what it is doing.

A `Context` is a `str`, so it prints, compares and serialises as the plain
names of docs/cli.md (`idle`, `count`, `question`).
"""

from __future__ import annotations

from enum import StrEnum


class Context(StrEnum):
    """A listening context (docs/cli.md)."""

    IDLE = "idle"
    """Waiting for someone to ask for help: every intent."""
    COUNT = "count"
    """During a counted stretch: the count's commands and the warning signs."""
    QUESTION = "question"
    """After the coach has asked a question: answers."""


CONTEXTS: tuple[Context, ...] = tuple(Context)
"""Every listening context, in the order docs/cli.md gives them."""
