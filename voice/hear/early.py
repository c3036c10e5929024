"""Hearing a command while it is still being said, for the ones that cannot wait.

The endpointer only hands over an utterance once a quarter of a second of silence has
followed it, and the whole-utterance decode comes after that. For "stop" said over the
coach's voice that is too late: the speaker should fall silent as the word ends. So while
the user speaks in a context where the coach talks (`count`), the utterance is streamed
into the recogniser as it arrives, and its running guess is read by the matcher. When the
guess is one of the intents in `hush_early` (content/intents.yaml) and holds one of the
words listed for it, and the audio so far holds human speech (the speech gate, asked again
as more audio comes while the guess stands), that intent is reported. The whole utterance
is still decoded afterwards and has the last word: a running guess only ever hushes.

    early = EarlyHearing(engine, matcher)
    early.begin(Context.COUNT)                      # an utterance has started
    intent = early.feed(new_pcm, so_far_pcm)  # an Intent once the guess is "stop", else None
"""

from __future__ import annotations

from voice.hear.base import SpeechIn
from voice.hear.recognizer import default_gate
from voice.hear.speech_gate import SpeechGate
from voice.understand.matcher import Intent, IntentMatcher
from voice.vocabulary import Context

EARLY_CONTEXTS = (Context.COUNT,)
"""Listening contexts in which the coach is talking while it listens."""


class EarlyHearing:
    """Streams an utterance into a recogniser and reports a hushing intent as soon as the
    running guess is one."""

    def __init__(self, engine: SpeechIn, matcher: IntentMatcher,
                 gate: SpeechGate | None = None,
                 contexts: tuple[Context, ...] = EARLY_CONTEXTS) -> None:
        self.engine = engine
        self.matcher = matcher
        self.contexts = contexts
        self._gate = gate or default_gate()
        self._context = Context.IDLE
        self._guess: Intent | None = None
        """The hushing intent the running guess reads as, until the gate hears speech."""

    def wanted(self, context: Context) -> bool:
        """Whether utterances in `context` are heard early."""
        return context in self.contexts and bool(self.matcher.hush_early)

    def begin(self, context: Context) -> None:
        """An utterance has started in `context`."""
        self._context = context
        self._guess = None
        self.engine.set_context(context)
        self.engine.start()

    def feed(self, pcm: bytes, so_far: bytes) -> Intent | None:
        """Stream `pcm` (the utterance's newest audio; `so_far` is all of it): the hushing
        intent the running guess reads as, or None."""
        guess = self.engine.feed(pcm)
        if guess is not None:  # the guess changed
            intent = self.matcher.parse(guess.text, self._context) if guess.text else None
            hushing = intent is not None and self.matcher.hushes(intent)
            self._guess = intent if hushing else None
        if self._guess is None or not self._gate.is_speech(so_far):
            return None  # a guess the gate does not yet call speech is tried again
        return self._guess
