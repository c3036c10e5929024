"""A sink on a clock the caller moves, for the live loop without sound or wall-clock time."""

from __future__ import annotations

from voice.speak.conductor import Cue


class VirtualSink:
    """A sink on a clock the caller moves: nothing is played; the cues of the current answer
    are kept so the soak can see when the coach counts and when it is quiet.

    `t` is the night's time (the audio's). The sink's own clock (`now`) is `t` less the time
    spent held: it stands still while the coach is hushed, and steps back to the start of
    the cue a hush cut off when it resumes, as the live player's does.
    """

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self.t = 0.0
        """The night's time (seconds); the caller moves it."""
        self.cues: list[Cue] = []
        """The current answer's cues."""
        self._silent_from = 0.0
        self._lag = 0.0
        """How far the sink's clock is behind the night's (seconds)."""
        self._held_at: float | None = None
        self.said = 0
        """Cues planned so far."""

    def now(self) -> float:
        """The sink's clock (seconds)."""
        return (self._held_at if self._held_at is not None else self.t) - self._lag

    def play(self, cues: tuple[Cue, ...]) -> None:
        """Keep the cues of an answer."""
        self.cues.extend(cues)
        self.said += len(cues)

    def clear(self) -> None:
        """Silence now: forget the current answer (what had played stops here)."""
        self._stop_playing()
        self.cues = []
        self._run_again()

    def hold(self) -> None:
        """Silence now, with the clock standing still."""
        if self._held_at is None:
            self._stop_playing()
            self._held_at = self.t

    def resume(self) -> None:
        """End a hold: on from the start of the cue it cut off."""
        if self._held_at is None:
            return
        self._run_again()
        now = self.now()
        cut = [c.start for c in self.cues if c.start < now < c.end]
        if cut:
            self._lag += now - min(cut)

    def _stop_playing(self) -> None:
        """What had played stops here."""
        now = self.now()
        heard = [min(c.end, now) for c in self.cues if c.start <= now]
        self._silent_from = max([self._silent_from, *heard])

    def _run_again(self) -> None:
        if self._held_at is not None:
            self._lag += self.t - self._held_at
            self._held_at = None

    def close(self) -> None:
        """Nothing to release."""

    def counted(self) -> int:
        """Count words of the current answer started so far."""
        now = self.now()
        return sum(1 for c in self.cues if c.kind == "count" and c.start <= now)

    def quiet_for(self) -> float:
        """How long nothing has been playing (seconds; 0 while something plays or is due)."""
        if self._held_at is not None:
            return self.t - self._held_at
        last = max([self._silent_from, *(c.end for c in self.cues)])
        return max(0.0, self.now() - last)
