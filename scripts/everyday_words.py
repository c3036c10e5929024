"""Print content/intents.yaml's `everyday_words` block: the most common English words,
from the word frequencies that ship with pyspellchecker (`pip install pyspellchecker`).

A heard word this common is taken as said: Whisper spells everyday words right, and
correcting them toward the coach's words turns talk into commands ("inside" / "instep").

    python scripts/everyday_words.py    # paste the output over the block in intents.yaml
"""

from __future__ import annotations

import textwrap

from spellchecker import SpellChecker

ZIPF_MIN = 4.5
"""Least Zipf frequency (log10 of uses per thousand million words) of an everyday word:
about 30 uses in every million words, the common core of the language."""


def everyday_words() -> list[str]:
    """The words at or above `ZIPF_MIN`, alphabetically."""
    frequency = SpellChecker(language="en").word_frequency
    least = frequency.total_words * 10 ** ZIPF_MIN / 1e9
    return sorted(w for w, n in frequency.dictionary.items() if n >= least and w.isalpha())


def main() -> None:
    words = ", ".join(f'"{w}"' for w in everyday_words())  # "no", "on" stay words
    print("everyday_words: [\n" + textwrap.fill(words, 88, initial_indent="  ",
                                                subsequent_indent="  ") + "]")


if __name__ == "__main__":
    main()
