"""The microphone as the coach's ears: a sounddevice callback queues blocks (it never
decodes), a worker thread runs them through the listener and reports intents to the live
loop, and the recogniser decodes in a process of its own (`remote.py`), so the audio
threads are never held up. If the input stream fails it is reopened with back-off, and
the coach keeps going.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from voice.content.loader import Content
from voice.errors import BadInput, MissingResource
from voice.hear.early import EarlyHearing
from voice.hear.listener import EngineHearing, Heard, Hearing, UtteranceListener
from voice.hear.settings import HearingSettings
from voice.log import log
from voice.run.live import LiveLoop
from voice.speak.player import LIST_DEVICES, import_sounddevice
from voice.understand.matcher import Intent, IntentMatcher, WaitForMore
from voice.vocabulary import SAMPLE_RATE, Context, IntentName

if TYPE_CHECKING:  # loaded only when the microphone is used
    from voice.hear.remote import RemoteEngine

BLOCK_S = 0.03
"""Audio per callback block (seconds)."""
REOPEN_BACKOFF_S = (0.5, 1.0, 2.0, 5.0, 10.0)
"""Waits before successive attempts to reopen a failed input stream (seconds)."""
QUEUE_BLOCKS = 2000
"""Blocks the queue holds before new ones are dropped (about a minute)."""
STALL_S = 3.0
"""A running input stream that delivers nothing for this long has failed (seconds)."""
OVERFLOW_LOG_S = 60.0
"""Least time between two log lines about lost input audio (seconds)."""
NO_MICROPHONE = ("no microphone found; use --text to type instead, or pick a device with "
                 f"--input (list them with `{LIST_DEVICES}`)")
"""What the user is told when there is no input device."""


class MicrophoneEars:
    """Listens on an input device and reports what it hears to a `LiveLoop`."""

    def __init__(self, hearing: Hearing, device: str | int | None = None,
                 record_dir: Any = None,
                 early: EarlyHearing | None = None,
                 on_close: Callable[[], None] | None = None,
                 wait_for_more: WaitForMore | None = None) -> None:
        self._sd = import_sounddevice()
        self._on_close = on_close
        """Called once the device is released (ends the recogniser's process)."""
        self.device = int(device) if device is not None and str(device).isdigit() else device
        self.hearing = hearing
        self._blocks: queue.Queue[bytes] = queue.Queue(maxsize=QUEUE_BLOCKS)
        self._loop: LiveLoop | None = None
        self.listener = UtteranceListener(hearing, self._on_heard, record_dir=record_dir,
                                          early=early, on_early=self._on_early,
                                          wait_for_more=wait_for_more)
        self.overflows = 0
        """Input overflows reported by the device."""
        self.reopens = 0
        """Times the input stream was reopened after a failure."""
        self._stop = threading.Event()
        self._last_block = time.monotonic()
        self._logged_overflows = 0
        self._overflow_logged_at = 0.0
        self._stream = self._open()

    def _open(self) -> Any:
        sd = self._sd
        info = find_microphone(sd, self.device)
        rate = SAMPLE_RATE
        try:
            sd.check_input_settings(self.device, samplerate=rate, channels=1, dtype="int16")
        except (ValueError, sd.PortAudioError):
            rate = int(info["default_samplerate"])
        self.rate = rate
        stream = sd.InputStream(samplerate=rate, channels=1, dtype="int16", device=self.device,
                                blocksize=int(rate * BLOCK_S), callback=self._callback)
        stream.start()
        return stream

    def _callback(self, indata: np.ndarray, _frames: int, _time: Any, status: Any) -> None:
        if status.input_overflow:
            self.overflows += 1
        try:
            self._blocks.put_nowait(bytes(indata))
        except queue.Full:
            self.overflows += 1

    # -- Ears --
    def start(self, loop: LiveLoop) -> None:
        """Start the worker that decodes queued audio."""
        self._loop = loop
        threading.Thread(target=self._work, daemon=True).start()

    def set_context(self, context: Context) -> None:
        """What the coach expects next."""
        self.listener.context = context

    def close(self) -> None:
        """Stop and release the device."""
        self._stop.set()
        self.listener.close()
        try:
            self._stream.abort()
            self._stream.close()
        except self._sd.PortAudioError:
            pass
        if self._on_close is not None:
            self._on_close()

    # -- worker --
    def _work(self) -> None:
        from voice.wavio import resample

        while not self._stop.is_set():
            try:
                block = self._blocks.get(timeout=0.5)
            except queue.Empty:
                stalled = time.monotonic() - self._last_block > STALL_S
                if (stalled or not self._stream.active) and not self._stop.is_set():
                    self._reopen()
                continue
            self._last_block = time.monotonic()
            if self.rate != SAMPLE_RATE:
                samples = resample(np.frombuffer(block, dtype=np.int16), self.rate, SAMPLE_RATE)
                block = samples.tobytes()
            self.listener.feed(block)
            self._log_overflows()

    def _log_overflows(self) -> None:
        """Say (at most once a minute) that input audio was lost; listening goes on."""
        now = time.monotonic()
        if self.overflows > self._logged_overflows and \
                now - self._overflow_logged_at >= OVERFLOW_LOG_S:
            log.warning(f"the microphone lost some audio ({self.overflows - self._logged_overflows} "
                 "blocks); still listening")
            self._logged_overflows, self._overflow_logged_at = self.overflows, now

    def _reopen(self) -> None:
        log.warning("the microphone stopped; trying to reopen it")
        for wait in (*REOPEN_BACKOFF_S, *([REOPEN_BACKOFF_S[-1]] * 1000)):
            if self._stop.wait(wait):
                return
            try:
                self._stream.close()
            except self._sd.PortAudioError:
                pass
            try:
                self._stream = self._open()
            except (MissingResource, self._sd.PortAudioError):
                continue
            self.reopens += 1
            self._last_block = time.monotonic()
            log.warning("the microphone is back")
            return

    def _on_heard(self, heard: Heard) -> None:
        log.debug(f"heard [{heard.context}] {heard.intent.text!r} -> {heard.intent.name} "
                  f"({heard.intent.confidence:.2f}, {heard.decode_s * 1000:.0f} ms; "
                  f"{heard.waited_s * 1000:.0f} ms after the end)")
        if self._loop is None:
            return
        if heard.intent.name == IntentName.NONE:
            self._loop.heard_nothing()
        else:
            self._loop.heard(heard.intent)

    def _on_early(self, intent: Intent | None) -> None:
        if intent is not None:
            log.debug(f"hearing {intent.text!r} -> {intent.name}: hush")
        if self._loop is None:
            return
        if intent is None:
            self._loop.heard_nothing()
        else:
            self._loop.heard_early(intent)


def find_microphone(sd: Any, device: str | int | None) -> Any:
    """sounddevice's description of the input device; `MissingResource` when there is none."""
    try:
        return sd.query_devices(device, "input")
    except (ValueError, sd.PortAudioError) as exc:
        raise MissingResource(NO_MICROPHONE) from exc


def launch_recogniser(settings: HearingSettings) -> RemoteEngine:
    """Check the microphone and the recording folder, then start the chosen recogniser
    loading in its own process, without waiting for it: the coach gets ready meanwhile.
    A `RemoteEngine`; close it if it is not handed to `open_microphone_ears`."""
    if settings.record_dir is not None and not settings.record_dir.is_dir():
        raise BadInput(f"{settings.record_dir}: --record needs an existing folder")
    device = settings.device
    find_microphone(import_sounddevice(),  # before the recogniser loads: say so at once
                    int(device) if device is not None and str(device).isdigit() else device)
    from voice.hear.remote import RemoteEngine

    return RemoteEngine(settings, wait=False)


def open_microphone_ears(settings: HearingSettings, matcher: IntentMatcher,
                         content: Content, engine: RemoteEngine | None = None) -> MicrophoneEars:
    """The microphone with the chosen recogniser; `engine`: one `launch_recogniser`
    started (else it is started here)."""
    if engine is None:
        engine = launch_recogniser(settings)
    try:
        engine.wait_ready()
        return MicrophoneEars(EngineHearing(engine, matcher), settings.device,
                              settings.record_dir, early=EarlyHearing(engine, matcher),
                              on_close=engine.close, wait_for_more=matcher.wait_for_more)
    except BaseException:
        engine.close()
        raise
