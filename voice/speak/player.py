"""Playing a plan through the speaker on the output stream's own sample clock.

The sounddevice callback mixes whatever cues overlap the block it is asked for, so a cue
scheduled for sample N starts at sample N exactly, and `clear()` silences the speaker
from the next block (a few milliseconds). Times are seconds on this clock: `now()`.
"""

from __future__ import annotations

import atexit
import itertools
import shlex
import sys
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from voice.errors import MissingResource
from voice.log import log
from voice.speak.conductor import Cue

BLOCK_FRAMES = 256
"""Frames per output block (256 at 22 050 Hz ≈ 12 ms): a `clear()` takes effect from the
next block, and is heard once the audio already queued (`OUTPUT_LATENCY_S`) has played."""
OUTPUT_LATENCY_S = 0.15
"""Audio kept queued ahead of the speaker (seconds). A busy machine may leave the callback
late; what is queued covers that, so the device never runs dry and slips the count.
It is also how late a `clear()` can be heard."""
START_LEAD_S = 0.05
"""Cues are never scheduled closer than this to `now()` (seconds)."""
REOPEN_BACKOFF_S = (0.2, 0.5, 1.0, 2.0)
"""Waits before successive attempts to reopen a failed output stream (seconds); the last
one repeats."""
REOPEN_TRIES = 43200
"""Further attempts at the last wait before giving up (2 s each: a whole day)."""
START_TIMEOUT_S = 5.0
"""How long opening the speaker may take before it counts as not there (seconds)."""
SUPERVISE_S = 0.5
"""How often the watcher thread looks for a failed stream (seconds)."""
REPLAY_S = 0.3
"""Audio the device may still have held, unplayed, when it failed: cues that ended this
little before the failure are played again too (seconds)."""


class Sink(Protocol):
    """Where planned cues are played."""

    sample_rate: int

    def now(self) -> float:
        """Current time on the sink's clock (seconds)."""

    def play(self, cues: tuple[Cue, ...]) -> None:
        """Schedule cues (their `start` is on this clock)."""

    def clear(self) -> None:
        """Silence now: drop every cue not yet finished (a hold ends too)."""

    def hold(self) -> None:
        """Silence now and stop the clock, keeping what is planned (the user may be saying
        stop; `resume` if they were not)."""

    def resume(self) -> None:
        """After `hold`: the clock runs again from the start of the cue that was cut off."""

    def close(self) -> None:
        """Release the device."""


@dataclass(frozen=True, eq=False)
class _Scheduled:
    """A cue placed on the stream's frame clock."""

    start: int
    """First frame (on the stream clock)."""
    pcm: np.ndarray
    """Mono int16 samples."""

    @property
    def end(self) -> int:
        """The frame after its last."""
        return self.start + len(self.pcm)


class LivePlayer:
    """A sounddevice output stream playing scheduled cues.

    If the stream fails (the device vanishes, the sound server restarts), the clock stands
    still while the speaker is gone, the stream is reopened with back-off, and playing
    resumes from the start of the cue that was cut off: the session and its count go on.
    """

    def __init__(self, sample_rate: int, device: str | int | None = None) -> None:
        self._sd = import_sounddevice()
        self.sample_rate = sample_rate
        self.device = _device(device)
        self._lock = threading.Lock()
        self._cues: list[_Scheduled] = []
        self._recent: list[_Scheduled] = []
        """Cues handed to the device whole within the last REPLAY_S."""
        self._frames = 0
        self._held = False
        """While held the callback plays silence and the clock stands still."""
        self._generation = 0
        """Which stream is the current one; the finished callbacks of old ones are ignored."""
        self.errors = 0
        """Output underflows or callback problems seen (for the log)."""
        self.reopens = 0
        """Times the output stream was reopened after it failed."""
        self._failed = threading.Event()
        self._closing = threading.Event()
        self._device_lock = threading.Lock()
        self._stream = self._open()
        self._watch = threading.Thread(target=self._supervise, daemon=True)
        self._watch.start()

    def _open(self) -> Any:
        """A started output stream, or `MissingResource` saying why not."""
        sd = self._sd
        self._generation += 1
        generation = self._generation
        try:
            stream = sd.OutputStream(samplerate=self.sample_rate, channels=1, dtype="int16",
                                     blocksize=BLOCK_FRAMES, device=self.device,
                                     latency=OUTPUT_LATENCY_S, callback=self._callback,
                                     finished_callback=lambda: self._on_finished(generation))
        except (sd.PortAudioError, ValueError) as exc:
            raise _no_speaker(exc) from exc
        self._failed.clear()
        try:
            _start_within(stream, START_TIMEOUT_S)
        except sd.PortAudioError as exc:
            stream.close()
            raise _no_speaker(exc) from exc
        except TimeoutError as exc:
            _leave_stuck_driver(sd)
            raise _no_speaker(exc) from exc
        return stream

    def _callback(self, out: np.ndarray, frames: int, _time: Any, status: Any) -> None:
        if status.output_underflow:
            self.errors += 1
        block = np.zeros(frames, dtype=np.int32)
        with self._lock:
            if self._held:
                out.fill(0)
                return
            start = self._frames
            keep: list[_Scheduled] = []
            done: list[_Scheduled] = []
            for cue in self._cues:
                lo = max(cue.start, start)
                hi = min(cue.start + len(cue.pcm), start + frames)
                if hi > lo:
                    block[lo - start:hi - start] += cue.pcm[lo - cue.start:hi - cue.start]
                (keep if cue.end > start + frames else done).append(cue)
            self._cues = keep
            self._frames = start + frames
            if done or self._recent:
                horizon = self._frames - round(REPLAY_S * self.sample_rate)
                self._recent = [c for c in (*self._recent, *done) if c.end > horizon]
        out[:, 0] = np.clip(block, -32768, 32767)

    def _on_finished(self, generation: int) -> None:
        """PortAudio: a stream has stopped. Unless we closed it, or it is an old one, that
        is a failure."""
        if not self._closing.is_set() and generation == self._generation:
            self._failed.set()

    # -- recovering from a failed stream --
    def _supervise(self) -> None:
        while not self._closing.is_set():
            if self._failed.wait(SUPERVISE_S) and not self._closing.is_set():
                self._recover()

    def _recover(self) -> None:
        log.warning("the speaker stopped; the count waits until it is back (still listening)")
        self._release()
        self._rewind()
        waits = itertools.chain(REOPEN_BACKOFF_S,
                                itertools.repeat(REOPEN_BACKOFF_S[-1], REOPEN_TRIES))
        for wait in waits:
            if self._closing.wait(wait):
                return
            with self._device_lock:
                if self._closing.is_set():
                    return
                try:
                    self._stream = self._open()
                except MissingResource:
                    continue
            self.reopens += 1
            log.warning("the speaker is back")
            return
        log.warning("the speaker did not come back; the coach goes on in text only")

    def _rewind(self) -> None:
        """Go back to the start of the cue that was cut off (or may still have been in the
        device's buffer), so it is heard whole."""
        with self._lock:
            self._cues = [*self._recent, *self._cues]
            self._recent = []
            self._back_to_cut_cue()

    def _back_to_cut_cue(self) -> None:
        """With the lock held: the clock goes back to the start of a cue begun but not
        finished."""
        started = [c.start for c in self._cues if c.start < self._frames]
        if started:
            self._frames = min(started)

    def _release(self) -> None:
        with self._device_lock:
            try:
                self._stream.abort()
                self._stream.close()
            except self._sd.PortAudioError:
                pass

    def now(self) -> float:
        """Seconds of audio handed to the device so far. It stands still while the device is
        gone, and steps back to the start of the cue cut off when it returns."""
        with self._lock:
            return self._frames / self.sample_rate

    def play(self, cues: tuple[Cue, ...]) -> None:
        """Schedule cues at their exact frames."""
        with self._lock:
            for cue in cues:
                self._cues.append(_Scheduled(round(cue.start * self.sample_rate),
                                             cue.clip.samples))

    def clear(self) -> None:
        """Silence from the next block on (and the end of a hold)."""
        with self._lock:
            self._cues = []
            self._recent = []
            self._held = False

    def hold(self) -> None:
        """Silence from the next block on, with the clock standing still; what the device
        has queued (`OUTPUT_LATENCY_S`) still plays."""
        with self._lock:
            self._held = True

    def resume(self) -> None:
        """End a hold: play on from the start of the cue it cut off."""
        with self._lock:
            if self._held:
                self._held = False
                self._back_to_cut_cue()

    def close(self) -> None:
        """Stop and release the device."""
        self._closing.set()
        self._release()
        self._watch.join(timeout=2.0)


class PrintSink:
    """Stands in for the speaker when there is none: count words are printed at their
    exact times instead of spoken (sentences are printed by the caller when planned)."""

    def __init__(self, sample_rate: int) -> None:
        import time

        self.sample_rate = sample_rate
        self._clock = time.monotonic
        self._t0 = self._clock()
        self._held_at: float | None = None
        """Clock reading when a hold began (the sink's time stands still until `resume`)."""
        self._pending: list[tuple[Cue, threading.Timer]] = []
        self._lock = threading.Lock()

    def now(self) -> float:
        """Seconds since the sink was opened, less the time spent held."""
        return (self._held_at if self._held_at is not None else self._clock()) - self._t0

    def play(self, cues: tuple[Cue, ...]) -> None:
        """Print each count word when it is due."""
        with self._lock:
            for cue in cues:
                if cue.kind == "count":
                    self._pending.append((cue, self._timer(cue)))

    def _timer(self, cue: Cue) -> threading.Timer:
        timer = threading.Timer(max(0.0, cue.start - self.now()), _print_count,
                                args=(cue.clip.text,))
        timer.daemon = True
        if self._held_at is None:
            timer.start()
        return timer

    def clear(self) -> None:
        """Cancel every count word not yet printed (and end a hold)."""
        with self._lock:
            for _, timer in self._pending:
                timer.cancel()
            self._pending = []
            self._run_again()

    def hold(self) -> None:
        """Stop the clock; no count word is printed until `resume`."""
        with self._lock:
            if self._held_at is None:
                self._held_at = self._clock()
                for _, timer in self._pending:
                    timer.cancel()
                now = self.now()
                self._pending = [(cue, timer) for cue, timer in self._pending if cue.start > now]

    def resume(self) -> None:
        """Run the clock again from where it stood and print what is still due."""
        with self._lock:
            if self._held_at is not None:
                self._run_again()
                self._pending = [(cue, self._timer(cue)) for cue, _ in self._pending]

    def _run_again(self) -> None:
        """With the lock held: the clock runs on from where a hold stopped it."""
        if self._held_at is not None:
            self._t0 += self._clock() - self._held_at
            self._held_at = None

    def close(self) -> None:
        """Cancel what is pending."""
        self.clear()


def _print_count(word: str) -> None:
    print(f"  {word}", flush=True)


def import_sounddevice() -> Any:
    """The `sounddevice` module; a missing PortAudio library is `MissingResource`."""
    try:
        import sounddevice
    except OSError as exc:
        raise MissingResource(f"no sound system ({exc}); install PortAudio "
                              "(apt-get install libportaudio2), or use --text") from None
    return sounddevice


def _start_within(stream: Any, timeout: float) -> None:
    """Start `stream`, or TimeoutError if the driver has not returned within `timeout`.

    With a sound server that has no speaker, ALSA's pulse plugin fails to create the
    stream and PortAudio then waits forever while cleaning up inside `start()`.
    """
    outcome: list[BaseException | None] = []

    def start() -> None:
        try:
            stream.start()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            outcome.append(exc)

    worker = threading.Thread(target=start, name="speaker-start", daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        raise TimeoutError(f"the sound system did not start playing within {timeout:g} s")
    if outcome[0] is not None:
        raise outcome[0]


def _leave_stuck_driver(sd: Any) -> None:
    """PortAudio is stuck inside a stream's start: closing that stream or shutting
    PortAudio down at exit would wait forever too, so neither is done."""
    handler = getattr(sd, "_exit_handler", None)
    if handler is not None:
        atexit.unregister(handler)


LIST_DEVICES = f"{shlex.quote(sys.executable)} -m sounddevice"
"""The command that lists the sound devices: this interpreter's own, so it has sounddevice
(a bare `python` outside the venv does not)."""


def _no_speaker(exc: Exception) -> MissingResource:
    return MissingResource(f"cannot open the speaker ({exc}); list devices with "
                           f"`{LIST_DEVICES}`, pick one with --output")


def _device(device: str | int | None) -> str | int | None:
    if device is None:
        return None
    return int(device) if str(device).isdigit() else device


