"""Diagnostics for the person at the terminal: warnings, what the coach is doing, and with
`--verbose` what it hears, as `cramp-coach: MESSAGE` lines on stderr.

The command line calls `setup` once; the rest of the program logs to `log`. The coach's
own output (what it says, tables, lists of problems) is printed, not logged.
"""

from __future__ import annotations

import logging
import sys

FORMAT = "cramp-coach: %(message)s"
log = logging.getLogger("cramp_coach")


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]  # generic only in typeshed
    """Writes to `sys.stderr` as it is at each line (tests and callers may swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def setup(verbose: bool = False, *, level: int | None = None) -> None:
    """One handler with `FORMAT` on stderr; debug lines too when `verbose`, or exactly
    the lines of `level` and above when it is given (a child process takes its parent's)."""
    for handler in list(log.handlers):
        log.removeHandler(handler)
    handler = _Stderr()
    handler.setFormatter(logging.Formatter(FORMAT))
    log.addHandler(handler)
    log.setLevel(level if level is not None else logging.DEBUG if verbose else logging.INFO)
    log.propagate = False
