"""From the coach's words to sound: the voice (Piper's by default, espeak-ng as the
fallback) with its render cache, the conductor that places every word on one clock, and
the sample-accurate player."""
