"""docs/tuning.md as bench/tuning.py has it written: one table per setting, the value in use
marked, stamped with the run's date and commit. (The measuring itself runs in the bench.)"""

from __future__ import annotations

import datetime
from pathlib import Path

from tests.support.tuning_page import Score, Setting, write_page


def test_the_page_has_a_table_per_setting_with_the_value_in_use(tmp_path: Path) -> None:
    settings = [
        Setting("whisper", "WhisperSettings.beam_size", "Hypotheses kept", [
            Score("3", True, 30, 32, 0, 12, 250.0), Score("1", False, 28, 32, 1, 12, 180.0)]),
        Setting("pocketsphinx", "SphinxSettings.other_words", "Other words", [
            Score("300", True, 20, 32, 0, 12, 900.0)]),
    ]
    page = write_page(settings, "quick", 10.0, 90.0, tmp_path / "tuning.md")
    text = page.read_text(encoding="utf-8")
    assert "## whisper: `WhisperSettings.beam_size`" in text
    assert "## pocketsphinx: `SphinxSettings.other_words`" in text
    assert "| 3 | **in use** | 30 / 32 (94%) | 0 / 12 | 250 ms |" in text
    assert "| 1 |  | 28 / 32 (88%) | 1 / 12 | 180 ms |" in text
    assert datetime.date.today().isoformat() in text and "commit " in text
    assert "- **Run:** quick mode," in text and "at 10 dB with brown, pink and babble" in text
    assert "tuning-history.md" in text
