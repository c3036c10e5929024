"""The recogniser in a process of its own, so that decoding never holds up the audio.

PocketSphinx keeps Python's global lock for the whole of a decode (a quarter of a second
to a second and a half for an utterance). In the coach's own process that stops the
speaker's callback and the microphone's: the output runs dry, the count slips, and input
is lost. So `listen` runs the recogniser in a child process and talks to it over a pipe;
waiting on the pipe frees the lock, and the audio threads run on.

    engine = RemoteEngine(HearingSettings("auto"))
    engine.hear_whole(pcm, Context.IDLE)          # one whole utterance -> Hypothesis
    engine.set_context(Context.COUNT); engine.start(); engine.feed(block)   # streaming, as SpeechIn
    engine.close()

The child ignores Ctrl-C (the parent decides when to stop) and ends when the pipe closes.
If it dies, the next call starts a new one. It is a plain `python -m` of this module
talking over a socket pair, not a multiprocessing child, which would bring a resource
tracker process along. With `wait=False` the child loads while the coach does other
work; the first call (or `wait_ready`) waits for it. The child logs as the coach does (same
lines, same stderr), at the level the coach's log had when the child was started.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection
from typing import Any

from voice.errors import CoachError, MissingResource
from voice.hear.base import Hypothesis
from voice.hear.settings import HearingSettings
from voice.log import log, setup
from voice.vocabulary import Context

START_TIMEOUT_S = 120.0
"""Longest the child may take to load its recogniser (seconds)."""
CLOSE_TIMEOUT_S = 5.0
"""Longest the child may take to end once asked (seconds)."""
RESTARTS = 3
"""New children tried, one after another, when the child has died, before giving up."""


def _serve(conn: Connection, settings: HearingSettings) -> None:
    """The child: open the recogniser, then answer calls until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from voice.content.loader import load_content
    from voice.hear.recognizer import hear_utterance
    from voice.hear.select import open_engine
    from voice.memory import release_free_memory
    from voice.understand.matcher import IntentMatcher

    try:
        matcher = IntentMatcher(load_content(settings.content_dir))
        engine = open_engine(settings.engine, settings.model, settings.models_dir, matcher,
                             forked=True)
    except CoachError as exc:
        conn.send(("error", exc))
        return
    conn.send(("ready", engine.name))
    calls: dict[str, Callable[..., Any]] = {
        "set_context": engine.set_context, "start": engine.start, "feed": engine.feed,
        "finish": engine.finish,
        "hear_whole": lambda pcm, context: hear_utterance(engine, pcm, context)}
    while True:
        try:
            method, args = conn.recv()
        except (EOFError, OSError):
            return
        if method == "close":
            return
        try:
            conn.send(("ok", calls[method](*args)))
        except CoachError as exc:
            conn.send(("error", exc))  # pickled whole: the parent raises the same error
        if method in ("hear_whole", "finish"):
            release_free_memory()  # the decode's buffers, so a night of listening stays small


class _Child:
    """The recogniser's process."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.pid = process.pid

    def is_alive(self) -> bool:
        """Whether it is still running."""
        return self.process.poll() is None

    def join(self, timeout: float | None = None) -> None:
        """Wait (up to `timeout` seconds) for it to end."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout)

    def kill(self) -> None:
        """End it at once."""
        with contextlib.suppress(OSError):
            self.process.kill()

    @property
    def exitcode(self) -> int | None:
        """Its exit code (None while it runs)."""
        return self.process.poll()


class RemoteEngine:
    """A `SpeechIn` whose recogniser runs in a child process."""

    def __init__(self, settings: HearingSettings, wait: bool = True) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._process: Any = None
        self._conn: Connection | None = None
        self._starting: tuple[_Child, Connection] | None = self._launch()
        self.name = ""
        """The engine's name, once its child is ready."""
        self.restarts = 0
        """Children started again after one died."""
        if wait:
            self.wait_ready()

    def wait_ready(self) -> str:
        """Wait until the child's recogniser is loaded; its engine name. Raises what the
        child raised while loading."""
        with self._lock:
            if self._starting is not None:
                starting, self._starting = self._starting, None
                self.name = self._await(*starting)
            return self.name

    def _launch(self) -> tuple[_Child, Connection]:
        """Start a child loading the recogniser."""
        ours, theirs = socket.socketpair()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(_import_path())}
        with _ctrl_c_ignored(), theirs:  # the child inherits it: Ctrl-C is the parent's
            process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(theirs.fileno()),
                 str(log.getEffectiveLevel())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env)
        conn = Connection(ours.detach())
        conn.send(self.settings)
        return _Child(process), conn

    def _await(self, process: _Child, parent: Connection) -> str:
        """Wait for a launched child's recogniser; its engine name."""
        if not parent.poll(START_TIMEOUT_S):
            process.kill()
            parent.close()
            raise MissingResource("the speech recogniser did not start")
        try:
            reply = parent.recv()
        except (EOFError, OSError):
            parent.close()
            process.join(CLOSE_TIMEOUT_S)
            raise MissingResource("the speech recogniser stopped while starting "
                                  f"(exit code {process.exitcode})") from None
        if reply[0] == "error":
            parent.close()
            process.join(CLOSE_TIMEOUT_S)
            raise reply[1]
        self._process, self._conn = process, parent
        return str(reply[1])

    def _spawn(self) -> str:
        """Start a child and wait until its recogniser is loaded; returns the engine name."""
        return self._await(*self._launch())

    def _call(self, method: str, *args: Any) -> Any:
        self.wait_ready()
        with self._lock:
            for attempt in range(RESTARTS + 1):
                if self._conn is None:
                    raise MissingResource("the speech recogniser is closed")
                try:
                    self._conn.send((method, args))
                    reply = self._conn.recv()
                except (EOFError, OSError):
                    if attempt == RESTARTS:
                        raise MissingResource("the speech recogniser keeps stopping") from None
                    log.warning("the speech recogniser stopped; starting it again")
                    self._reap()
                    self._spawn()
                    self.restarts += 1
                    continue
                if reply[0] == "error":
                    raise reply[1]
                return reply[1]
        raise AssertionError("unreachable")

    # -- SpeechIn --
    def set_context(self, context: Context) -> None:
        """Listen for `context`'s commands from the next utterance on."""
        self._call("set_context", context)

    def start(self) -> None:
        """Begin an utterance."""
        self._call("start")

    def feed(self, pcm: bytes) -> Hypothesis | None:
        """Stream 16 kHz 16-bit mono PCM; a partial hypothesis when it changed."""
        result: Hypothesis | None = self._call("feed", pcm)
        return result

    def finish(self) -> Hypothesis:
        """End the utterance; its final hypothesis."""
        result: Hypothesis = self._call("finish")
        return result

    def hear_whole(self, pcm: bytes, context: Context) -> Hypothesis:
        """The final hypothesis of one whole utterance in `context`."""
        result: Hypothesis = self._call("hear_whole", pcm, context)
        return result

    def close(self) -> None:
        """End the child."""
        with self._lock:
            if self._starting is not None:  # still loading: nothing to end cleanly
                process, conn = self._starting
                self._starting = None
                process.kill()
                self._process, self._conn = process, conn
            if self._conn is not None:
                try:
                    self._conn.send(("close", ()))
                except OSError:
                    pass
            self._reap()

    def _reap(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._process is not None:
            self._process.join(CLOSE_TIMEOUT_S)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
            self._process = None


def _import_path() -> list[str]:
    """Where this process imports from, for the child to import the same `voice`."""
    return [entry or os.getcwd() for entry in sys.path]


def main(argv: Sequence[str] | None = None) -> None:
    """The child: `python -m voice.hear.remote FD [LEVEL]`, FD a socket to the parent,
    LEVEL the parent's log level as a number (`logging.DEBUG` ...; INFO when left out)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fd, *level = argv or sys.argv[1:]
    setup(level=int(level[0]) if level and level[0].isdigit() else logging.INFO)
    conn = Connection(int(fd))
    try:
        settings = conn.recv()
    except (EOFError, OSError, pickle.UnpicklingError):
        return
    with contextlib.suppress(OSError):  # the parent went away
        _serve(conn, settings)


@contextlib.contextmanager
def _ctrl_c_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while a child starts (only the main thread can change that)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    kept = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, kept)


if __name__ == "__main__":
    main()
