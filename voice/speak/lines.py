"""Every line the coach can say that is known before it is needed, by mode (day, night).

The coach's words come from the content: prompts, stretch instructions, session steps,
answers to questions, the bedtime routine (each step on each leg) and the diary's fixed
answers. A wording with a blank the diary fills in (`{cramps}`) is not known in advance
and its sentences that hold one are rendered when said.
"""

from __future__ import annotations

import re

from voice.content.loader import Content
from voice.speak.tts import sentences

_BLANK = re.compile(r"\{[a-z_]+\}")


def fixed_lines(content: Content, night: bool) -> list[str]:
    """The sentences the coach may say in this mode, each once, in content order."""
    routine, diary = content.bedtime, content.diary
    wordings = [*content.prompts.values(), *content.stretches.values(),
                *content.steps.values(), *content.topics.values(), routine.intro,
                routine.again, routine.rest, routine.help, routine.outro,
                diary.see_gp, diary.this_week, diary.none_this_week, diary.no_diary]
    texts = [w.text(night) for w in wordings]
    texts += [routine.step_text(i, night) for i in range(len(routine.steps))]
    said = (s for text in texts for s in sentences(text))
    return list(dict.fromkeys(s for s in said if not _BLANK.search(s)))
