"""`cramp-coach` running as a user runs it, watched line by line while it runs."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from voice import ROOT_DIR


class Running:
    """`python -m voice ARGS` in the background; its output lines are read as they come."""

    def __init__(self, *args: str, env: dict[str, str] | None = None,
                 cwd: Path | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "voice", *args], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd or ROOT_DIR,
            env={**(env or os.environ), "PYTHONPATH": str(ROOT_DIR)})
        self.out: list[str] = []
        """stdout lines so far."""
        self.err: list[str] = []
        """stderr lines so far."""
        self._lines: dict[str, queue.Queue[str | None]] = {"out": queue.Queue(),
                                                            "err": queue.Queue()}
        self._readers = [threading.Thread(target=self._read, args=(stream, name), daemon=True)
                         for stream, name in ((self.proc.stdout, "out"),
                                              (self.proc.stderr, "err"))]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: IO[str] | None, name: str) -> None:
        assert stream is not None
        for line in stream:
            self._lines[name].put(line.rstrip("\n"))
        self._lines[name].put(None)

    def type(self, text: str) -> None:
        """Type a line."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def wait_for(self, text: str, stream: str = "out", timeout: float = 60.0) -> str:
        """Wait until a line of `stream` (`out` or `err`) contains `text`; return it.
        Raises TimeoutError (showing what was seen) when none does in time."""
        seen = self.out if stream == "out" else self.err
        for line in seen:
            if text in line:
                return line
        while True:
            try:
                got = self._lines[stream].get(timeout=timeout)
            except queue.Empty:
                raise TimeoutError(f"no {text!r} in {seen}; stderr: {self.err}") from None
            if got is None:
                raise TimeoutError(f"ended without {text!r}: {seen}; stderr: {self.err}")
            seen.append(got)
            if text in got:
                return got

    def interrupt(self, timeout: float = 30.0) -> int:
        """Ctrl-C; returns the exit code once it has ended."""
        self.proc.send_signal(signal.SIGINT)
        return self.finish(timeout)

    def finish(self, timeout: float = 60.0) -> int:
        """Close its input, wait for it to end and collect the rest of its output."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        code = self.proc.wait(timeout)
        for reader in self._readers:
            reader.join(timeout)
        for name, seen in (("out", self.out), ("err", self.err)):
            lines = self._lines[name]
            while not lines.empty():
                line = lines.get_nowait()
                if line is not None:
                    seen.append(line)
        return code

    def kill(self) -> None:
        """End it if it is still running (test clean-up)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
