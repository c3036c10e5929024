"""From the coach's actions to sound at exact times.

`Conductor.plan(actions, start)` places every clip on one clock: sentences one after
another, and count word *k* at exactly `t0 + (k - first)` seconds, whatever the length of
the words. The plan is then played by a sink: `WavRenderer` (a file, virtual clock) or
`voice.speak.player.LivePlayer` (the speaker, its own sample clock). Nothing here sleeps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voice.coach.machine import Action, Aside, Count, End, Listen, Say, Silence, Tune
from voice.speak.tts import Clip, SpeechLibrary, sentences

REPLY_DELAY_S = 0.25
"""Gap between the end of what the user said and the coach's first word (seconds)."""
GAIN_STEP = 1.6
""""Louder" multiplies the volume of everything said by this; "quieter" divides it."""
RATE_STEP = 1.25
""""Faster" multiplies the speaking rate of sentences by this; "slower" divides it."""
ASIDE_MARGIN_S = 0.05
"""Silence either side of an aside between two count words (seconds)."""


@dataclass(frozen=True)
class Cue:
    """One clip at one time."""

    start: float
    """When its first sample plays (seconds on the sink's clock)."""
    clip: Clip
    kind: str
    """`say` or `count`."""
    n: int = 0
    """The number spoken, for count cues."""

    @property
    def end(self) -> float:
        """When its last sample has played (seconds)."""
        return self.start + self.clip.duration_s

    def event(self) -> dict[str, object]:
        """The timeline entry for this cue (a `say` or `count` event of docs/cli.md)."""
        entry: dict[str, object] = {"type": self.kind, "start": round(self.start, 6),
                                    "end": round(self.end, 6), "text": self.clip.text}
        if self.kind == "count":
            entry["n"] = self.n
        return entry


@dataclass(frozen=True)
class Plan:
    """What to play for one answer of the coach, and what comes after it."""

    cues: tuple[Cue, ...]
    silence_first: bool
    """Cut off what is playing before these cues."""
    done_at: float
    """When the last cue has finished (seconds)."""
    listen: Listen | None
    """Wait for an answer after `done_at` (None when the session ends or nothing is asked)."""
    end: bool
    """The session is over after `done_at`."""

    def counted_by(self, t: float) -> int:
        """How many count words had started by time `t`."""
        return max((c.n for c in self.cues if c.kind == "count" and c.start <= t), default=0)


class Conductor:
    """Turns actions into a timed plan in one mode (day or night)."""

    def __init__(self, library: SpeechLibrary, night: bool) -> None:
        self.library = library
        self.night = night
        settings = library.settings
        self.pause_s = settings.style(night).pause_s
        self.lead_s = settings.lead_s
        self.gain = 1.0
        """Times the mode's volume, for everything said from now on."""
        self.rate_scale = 1.0
        """Times the mode's speaking rate, for sentences from now on (not the count)."""

    def tune(self, change: str) -> None:
        """Louder, quieter, slower or faster, from the next clip on."""
        if change in ("louder", "quieter"):
            self.gain *= GAIN_STEP if change == "louder" else 1 / GAIN_STEP
        elif change in ("faster", "slower"):
            self.rate_scale *= RATE_STEP if change == "faster" else 1 / RATE_STEP

    def _loud(self, clip: Clip) -> Clip:
        if self.gain == 1.0:
            return clip
        scaled = np.clip(clip.samples.astype(np.float32) * self.gain, -32768, 32767)
        return Clip(clip.text, scaled.astype(np.int16), clip.sample_rate)

    def _sentence(self, text: str) -> Clip:
        return self._loud(self.library.sentence(text, self.night, self.rate_scale))

    def carry_on(self, plan: Plan, cut: float, actions: tuple[Action, ...]) -> Plan:
        """The rest of `plan` after `cut`, changed by `actions` that do not stop it (`Tune`,
        `Aside`): count words keep their times; sentences after the count move with their
        new lengths; an aside goes in the gap after the next count word."""
        for action in actions:
            if isinstance(action, Tune):
                self.tune(action.change)
        cues: list[Cue] = []
        shift = 0.0
        for cue in (c for c in plan.cues if c.start > cut):
            if cue.kind == "count":
                cues.append(Cue(cue.start, self._loud(self.library.count_word(cue.n, self.night)),
                                "count", cue.n))
            else:
                clip = self._sentence(cue.clip.text)
                cues.append(Cue(cue.start + shift, clip, "say"))
                shift += clip.duration_s - cue.clip.duration_s
        counts = [c for c in cues if c.kind == "count"]
        for action in actions:
            if isinstance(action, Aside) and len(counts) >= 2:
                after, before = counts[0], counts[1]
                room = before.start - after.end - 2 * ASIDE_MARGIN_S
                clip = self._loud(self.library.aside(action.text, self.night, room))
                if clip.duration_s <= room:
                    cues.append(Cue(after.end + ASIDE_MARGIN_S, clip, "say"))
        cues.sort(key=lambda c: c.start)
        done_at = max((c.end for c in cues), default=cut)
        return Plan(tuple(cues), False, done_at, plan.listen, plan.end)

    def plan(self, actions: tuple[Action, ...], start: float) -> Plan:
        """Place `actions` on the clock from `start` (seconds)."""
        cues: list[Cue] = []
        t = start
        listen: Listen | None = None
        end = False
        for action in actions:
            if isinstance(action, Say):
                for sentence in sentences(action.text):
                    cues.append(Cue(t, self._sentence(sentence), "say"))
                    t = cues[-1].end + self.pause_s
            elif isinstance(action, Count):
                t0 = t - self.pause_s + self.lead_s if cues else t
                for n in range(action.first, action.last + 1):
                    cues.append(Cue(t0 + (n - action.first), self._loud(self.library.count_word(
                        n, self.night)), "count", n))
                t = t0 + (action.last - action.first) + 1.0 + self.lead_s
            elif isinstance(action, Tune):
                self.tune(action.change)
            elif isinstance(action, Aside):
                cues.append(Cue(t, self._sentence(action.text), "say"))
                t = cues[-1].end + self.pause_s
            elif isinstance(action, Listen):
                listen = action
            elif isinstance(action, End):
                end = True
        done_at = max((c.end for c in cues), default=start)
        return Plan(tuple(cues), any(isinstance(a, Silence) for a in actions), done_at,
                    listen, end)


class WavRenderer:
    """Mixes cues into one buffer at their exact sample positions."""

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self._parts: list[tuple[int, np.ndarray]] = []
        self.duration_s = 0.0

    def add(self, cues: tuple[Cue, ...]) -> None:
        """Schedule cues."""
        for cue in cues:
            self._parts.append((round(cue.start * self.sample_rate), cue.clip.samples))
            self.duration_s = max(self.duration_s, cue.end)

    def extend_to(self, t: float) -> None:
        """Make the render at least `t` seconds long."""
        self.duration_s = max(self.duration_s, t)

    def samples(self) -> np.ndarray:
        """The whole render, mono int16."""
        out = np.zeros(int(np.ceil(self.duration_s * self.sample_rate)) + 1, dtype=np.int32)
        for offset, pcm in self._parts:
            out[offset:offset + len(pcm)] += pcm
        return np.clip(out, -32768, 32767).astype(np.int16)
