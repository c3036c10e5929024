"""Helpers shared by the tests and the benchmarks (imported as `tests.support.*`).

- `speech`      synthetic speech (espeak-ng, flite) at 16 kHz, and the Speech Commands clips
- `noise`       brown, pink, fan-like and babble noise; mixing at an SNR or a level
- `audio_sets`  the synthetic command set: every intent, four voices, clean or noisy
- `bedroom`     a simulated bedroom's sound: the fan, snores, speech at a level
- `pulse`       a private PulseAudio server with a virtual microphone and speaker
- `room`        a virtual bedroom on that server: the coach and the user on one clock
- `onsets`      runs of word onsets in a recording (the count's words a second apart)
- `virtual_sink`  a sink on a clock the caller moves
- `core`        the shipped content, matcher, coach and voice, cached; `cli`
- `running`     `cramp-coach` running in the background, watched line by line
- `rates`       the upper confidence bound on a rate seen rarely or never
- `tuning_page` docs/tuning.md from the measured recogniser settings
- `packages`    another release of an installed package, or a package of model files
- `imports`     what a Python file imports, for the tests that keep imports pointing one way
- `spoken_tables` the held-out spoken tables and how a hearing of them is scored
- `diary`       a diary row read back from its JSON line
- `heldout`     the held-out text tables and their scoring
- `long_lines`  long typed lines of everyday talk with the coach's words in them
- `real_speech` the Speech Commands clips by word, for the hearing benchmarks
"""
