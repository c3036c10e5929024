"""From the coach's words to sound: text to speech, the conductor that places every word
on one clock, and the sample-accurate player."""
