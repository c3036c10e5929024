"""Loading and checking the content files: everything the coach knows and says.

`load_content(dir)` returns a validated, typed `Content`; `check_content(dir)` returns the
problems as `file:line: problem` lines. Both read every file once, check every key (an
unknown key is a problem too) and build the frozen values of `voice.content.schema`.
`read_catalogue(path)` does the same for the model catalogue (models.yaml).
"""

from __future__ import annotations

import re
from pathlib import Path

from voice.content.intents import WAIT_FOR_MORE_MAX_S, read_intents
from voice.content.reader import LineMap, YamlFile, is_words
from voice.content.schema import (
    COUNT_PROMPTS,
    PROMPTS,
    REMEDY_STEPS,
    CatalogueEntry,
    Content,
    DiaryWords,
    FrequencyRule,
    IntentsFile,
    Routine,
    RoutineStretch,
    VoiceSettings,
    VoiceStyle,
    Wording,
)
from voice.errors import ContentError
from voice.vocabulary import EXPLAIN_TOPICS, MUSCLES, OTHER_MUSCLE, TOPICS

__all__ = [
    "COUNT_PROMPTS", "PROMPTS", "REMEDY_STEPS", "WAIT_FOR_MORE_MAX_S", "CatalogueEntry", "Content", "DiaryWords",
    "FrequencyRule", "IntentsFile", "Routine", "RoutineStretch", "VoiceSettings", "VoiceStyle", "Wording",
    "check_content", "diary_words_of", "load_content", "read_catalogue", "routine_of",
]

_URL = re.compile(r"^https?://\S+$")
_WORDING_KEYS = ("day", "night", "sources")


class _Folder:
    """The content folder being read: its files share one list of problems."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.problems: list[str] = []
        self.sources: dict[str, str] = {}
        self.files: dict[str, YamlFile] = {}

    def file(self, name: str) -> YamlFile:
        """The file `name`, the same each time (what it read stays in `YamlFile.top`)."""
        return self.files.setdefault(name, YamlFile(self.directory, name, self.problems))

    def wording(self, file: YamlFile, parent: LineMap, key: str, need_sources: bool,
                allowed: tuple[str, ...] = (), where: str = "") -> Wording | None:
        """`parent[key]` as a wording: `day`, optional `night` and `sources`; `allowed`
        are the keys `parent` may hold (to name a misspelling of a missing `key`)."""
        entry = parent.get(key)
        line = parent.line_of(key)
        if key not in parent:
            file.missing(parent, key, allowed)
            return None
        day = entry.get("day") if isinstance(entry, LineMap) else None
        if not isinstance(entry, LineMap) or not isinstance(day, str) or not day.strip():
            file.add(line, f"'{key}' needs a non-empty 'day' wording")
            return None
        file.only(entry, _WORDING_KEYS, where or f"'{key}'")
        night = entry.get("night", day)
        if not isinstance(night, str) or not night.strip():
            file.add(entry.line_of("night"), f"'{key}': 'night' must be non-empty text")
            night = day
        urls = self.urls(file, entry, "sources", f"'{key}'")
        if need_sources and not urls and "sources" not in entry:
            file.add(line, f"'{key}' has no source")
        return Wording(day=day.strip(), night=night.strip(), sources=urls or ())

    def urls(self, file: YamlFile, parent: LineMap, key: str, what: str) -> tuple[str, ...] | None:
        """`parent[key]`, a list of keys of sources.yaml, as URLs (None if absent)."""
        if key not in parent:
            return None
        keys = parent.get(key)
        if not is_words(keys) or not keys:
            file.add(parent.line_of(key), f"{what} has no source" if keys in (None, [])
                     else f"{what}: 'sources' must be a list of keys of sources.yaml")
            return ()
        assert isinstance(keys, list)
        for src in keys:
            if src not in self.sources:
                file.add(parent.line_of(key), f"{what}: unknown source '{src}'")
        return tuple(self.sources[s] for s in keys if s in self.sources)


# ----- sources.yaml, remedies.yaml, prompts.yaml, voice.yaml ---------------------------------


def _read_sources(folder: _Folder) -> None:
    file = folder.file("sources.yaml")
    data = file.load()
    for key, url in data.items():
        if not isinstance(url, str) or not _URL.match(url):
            file.add(data.line_of(key), f"source '{key}' is not a URL")
        else:
            folder.sources[key] = url


Remedies = tuple[dict[str, Wording], dict[str, str], dict[str, Wording], dict[str, Wording],
                 dict[str, Wording], dict[str, Wording]]
"""Stretches, muscle names, steps, topics, easier stretches and explanations."""


def _read_remedies(folder: _Folder) -> Remedies:
    file = folder.file("remedies.yaml")
    data = file.load()
    remedy_keys = ("muscles", *REMEDY_STEPS, "topics", "alternatives", "explain")
    file.only(data, remedy_keys, required=remedy_keys)
    stretches: dict[str, Wording] = {}
    names: dict[str, str] = {}
    muscles = file.mapping(data, "muscles", "'muscles' must map muscles to their stretch") \
        if data else None
    if muscles is not None:
        file.only(muscles, MUSCLES, "'muscles'")
        for muscle in MUSCLES:
            entry = muscles.get(muscle)
            if not isinstance(entry, LineMap):
                file.add(muscles.line_of(muscle), f"muscle '{muscle}' is missing")
                continue
            muscle_keys = ("name", "stretch", "sources")
            file.only(entry, muscle_keys, f"muscle '{muscle}'", required=("stretch",))
            wording = folder.wording(file, entry, "stretch", False, muscle_keys)
            urls = folder.urls(file, entry, "sources", f"muscle '{muscle}'")
            if not urls and "sources" not in entry:
                file.add(muscles.line_of(muscle), f"muscle '{muscle}' has no source")
            if wording is not None:
                stretches[muscle] = Wording(wording.day, wording.night, urls or ())
            name = entry.get("name", muscle)
            if not isinstance(name, str) or not name.strip():
                file.add(entry.line_of("name"), f"muscle '{muscle}': 'name' must be text")
            else:
                names[muscle] = name
    steps = {k: w for k in REMEDY_STEPS
             if (w := folder.wording(file, data, k, True, remedy_keys)) is not None} \
        if data else {}
    topics: dict[str, Wording] = {}
    topic_map = file.mapping(data, "topics", "'topics' must map questions to answers") \
        if data else None
    if topic_map is not None:
        file.only(topic_map, TOPICS, "'topics'", required=TOPICS)
        topics = {k: w for k in TOPICS
                  if (w := folder.wording(file, topic_map, k, True, TOPICS)) is not None}
    alternatives = _sourced(folder, file, data, "alternatives", MUSCLES)
    explanations = _sourced(folder, file, data, "explain", EXPLAIN_TOPICS)
    return stretches, names, steps, topics, alternatives, explanations


def _sourced(folder: _Folder, file: YamlFile, data: LineMap | None, key: str,
             names: tuple[str, ...]) -> dict[str, Wording]:
    """`data[key]`: one wording for each of `names`, each with its sources."""
    found = file.mapping(data, key, f"'{key}' must map {', '.join(names)} to answers") \
        if data else None
    if found is None:
        return {}
    file.only(found, names, f"'{key}'", required=names)
    return {k: w for k in names if (w := folder.wording(file, found, k, True, names)) is not None}


def _read_prompts(folder: _Folder) -> dict[str, Wording]:
    file = folder.file("prompts.yaml")
    data = file.load()
    if not data:
        return {}
    file.only(data, PROMPTS, required=PROMPTS)
    return {k: w for k in PROMPTS
            if (w := folder.wording(file, data, k, False, PROMPTS)) is not None}


_MOST_SECONDS = 3600.0
"""Longest wait, pause or rest the content may set: an hour (seconds). A clock given a wait
beyond what it can hold stops the live loop."""
_SECONDS = "'{}' must be a number of seconds, up to an hour"
_MOST_RATE = 450
"""Fastest speaking rate the content may set (espeak-ng's fastest, words per minute)."""


def _read_voice(folder: _Folder) -> VoiceSettings | None:
    file = folder.file("voice.yaml")
    data = file.load()
    if not data:
        return None
    before = len(file.problems)
    file.only(data, ("day", "night", "count", "listen"))
    count = file.mapping(data, "count", "'count' must give the count's settings")
    listen = file.mapping(data, "listen", "'listen' must give the listening settings")
    if count is None or listen is None:
        return None
    file.only(count, ("hold_s", "lead_s", "rate_day", "rate_night", "max_word_s", "words"),
              "'count'")
    file.only(listen, ("answer_timeout_s", "paused_timeout_s", "warmth_s"), "'listen'")
    styles: dict[str, VoiceStyle] = {}
    for mode in ("day", "night"):
        style = file.mapping(data, mode, f"'{mode}' must give 'rate', 'volume' and 'pause_s'")
        if style is None:
            continue
        file.only(style, ("rate", "volume", "pause_s"), f"'{mode}'")
        rate = file.number(style, "rate", "'rate' must be a positive whole number, up to "
                           f"{_MOST_RATE}", whole=True, high=_MOST_RATE)
        volume = file.number(style, "volume", "volume must be between 0 and 1", high=1.0)
        pause = file.number(style, "pause_s", _SECONDS.format("pause_s"), high=_MOST_SECONDS,
                            low_open=False)
        count_rate = file.number(count, f"rate_{mode}", f"'rate_{mode}' must be a positive "
                                 f"whole number, up to {_MOST_RATE}", whole=True, high=_MOST_RATE)
        if None not in (rate, volume, pause, count_rate):
            styles[mode] = VoiceStyle(int(rate or 0), float(volume or 0), float(pause or 0),
                                      int(count_rate or 0))
    hold = file.number(count, "hold_s", "'hold_s' must be a positive whole number", whole=True)
    seconds = {key: file.number(parent, key, _SECONDS.format(key), high=_MOST_SECONDS,
                                low_open=key != "lead_s")
               for parent, keys in ((count, ("lead_s", "max_word_s")),
                                    (listen, ("answer_timeout_s", "paused_timeout_s")))
               for key in keys}
    warmth = file.number(listen, "warmth_s", _SECONDS.format("warmth_s"), high=_MOST_SECONDS) \
        if "warmth_s" in listen else 60.0
    words = file.words(count, "words", "'words' must be a list of count words")
    if words is not None and hold is not None and len(words) < hold:
        file.add(count.line_of("words"), f"{len(words)} count words for a {hold:g}-second hold")
    if len(file.problems) > before or len(styles) < 2 or hold is None or words is None \
            or warmth is None or None in seconds.values():
        return None
    return VoiceSettings(
        day=styles["day"], night=styles["night"], hold_s=int(hold),
        lead_s=float(seconds["lead_s"] or 0), count_words=words,
        max_word_s=float(seconds["max_word_s"] or 0),
        answer_timeout_s=float(seconds["answer_timeout_s"] or 0),
        paused_timeout_s=float(seconds["paused_timeout_s"] or 0), warmth_s=float(warmth))


# ----- bedtime.yaml, diary.yaml ----------------------------------------------------------------


def _read_bedtime(folder: _Folder) -> Routine | None:
    file = folder.file("bedtime.yaml")
    data = file.load()
    if not data:
        return None
    before = len(file.problems)
    keys = ("hold_s", "holds", "rest_s", "legs", "protocol_sources", "intro", "stretches",
            "again", "rest", "help", "outro")
    file.only(data, keys, required=keys)
    hold_s = file.number(data, "hold_s", "'hold_s' must be a positive whole number", whole=True)
    holds = file.number(data, "holds", "'holds' must be a positive whole number", whole=True)
    rest_s = file.number(data, "rest_s", "'rest_s' must be a positive number of seconds, up "
                         "to an hour", high=_MOST_SECONDS)
    legs = file.words(data, "legs", "'legs' must be a list of leg names")
    protocol = folder.urls(file, data, "protocol_sources", "the timings")
    if protocol is None:
        file.add(data.line_of("protocol_sources"), "the timings need 'protocol_sources'")
    words = {key: folder.wording(file, data, key, key != "help", keys)
             for key in ("intro", "again", "rest", "help", "outro")}
    raw = data.get("stretches")
    stretches: list[RoutineStretch] = []
    if not isinstance(raw, LineMap) or not raw:
        file.add(data.line_of("stretches"), "'stretches' must name at least one stretch")
    else:
        for key, entry in raw.items():
            name = entry.get("name") if isinstance(entry, LineMap) else None
            if isinstance(entry, LineMap):
                file.only(entry, ("name", *_WORDING_KEYS), f"stretch '{key}'")
                entry = LineMap({k: v for k, v in entry.items() if k != "name"}, entry.line,
                                entry.key_lines)
            wording = folder.wording(file, LineMap({key: entry}, raw.line, raw.key_lines),
                                     key, True, where=f"stretch '{key}'")
            if not isinstance(name, str) or not name.strip():
                file.add(raw.line_of(key), f"stretch '{key}' needs a 'name'")
            elif wording is not None:
                stretches.append(RoutineStretch(key, name.strip(), wording))
    said = {k: w for k, w in words.items() if w is not None}
    if len(file.problems) > before or hold_s is None or holds is None or rest_s is None \
            or not legs or not stretches or len(said) < len(words):
        return None
    return Routine(hold_s=int(hold_s), holds=int(holds), rest_s=float(rest_s), legs=legs,
                   stretches=tuple(stretches), intro=said["intro"], again=said["again"],
                   rest=said["rest"], help=said["help"], outro=said["outro"],
                   sources=protocol or ())


_MOST_DAYS = 366
"""Longest frequency window or reminder gap: the diary is read that far back (days)."""
_FILLED: dict[str, dict[str, object]] = {
    "see_gp": {"nights": 3, "days": 7},
    "this_week": {"cramps": "3 cramps", "nights": "2 nights"},
}
"""Diary wordings the coach fills in, with values of the kinds it fills them with."""


def _check_fills(file: YamlFile, data: LineMap, key: str, wording: Wording,
                 sample: dict[str, object]) -> None:
    """Each form of `wording` fills in with `sample`'s names alone, as the coach fills it."""
    names = ", ".join(f"{{{n}}}" for n in sample)
    for form in dict.fromkeys((wording.day, wording.night)):
        try:
            form.format(**sample)
        except (KeyError, IndexError, ValueError, AttributeError, TypeError) as exc:
            file.add(data.line_of(key), f"'{key}' can fill in only {names} "
                     f"({type(exc).__name__}: {exc})")


def _read_diary(folder: _Folder) -> DiaryWords | None:
    file = folder.file("diary.yaml")
    data = file.load()
    if not data:
        return None
    before = len(file.problems)
    keys = ("frequent", "see_gp", "this_week", "none_this_week", "no_diary")
    file.only(data, keys, required=keys)
    frequent = file.mapping(data, "frequent", "'frequent' must give 'rules' and a reminder gap")
    if frequent is None:
        return None
    file.only(frequent, ("rules", "remind_every_days", "sources"), "'frequent'")
    rules: list[FrequencyRule] = []
    raw_rules = frequent.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        file.add(frequent.line_of("rules"), "'rules' must list at least one rule")
    for rule in raw_rules if isinstance(raw_rules, list) else []:
        if not isinstance(rule, LineMap):
            file.add(frequent.line_of("rules"), "each rule needs 'nights' and 'within_days'")
            continue
        file.only(rule, ("nights", "within_days"), "a rule")
        nights = file.number(rule, "nights", "'nights' must be a positive whole number",
                             whole=True)
        days = file.number(rule, "within_days", "'within_days' must be a positive whole "
                           f"number of days, up to {_MOST_DAYS}", whole=True, high=_MOST_DAYS)
        if nights is not None and days is not None:
            if nights > days:
                file.add(rule.line_of("nights"), f"{nights} nights within {days} days")
            else:
                rules.append(FrequencyRule(int(nights), int(days)))
    every = file.number(frequent, "remind_every_days", "'remind_every_days' must be a "
                        f"positive whole number of days, up to {_MOST_DAYS}", whole=True,
                        high=_MOST_DAYS)
    if folder.urls(file, frequent, "sources", "'frequent'") is None:
        file.add(data.line_of("frequent"), "'frequent' has no source")
    words = {key: folder.wording(file, data, key, key == "see_gp", keys)
             for key in ("see_gp", "this_week", "none_this_week", "no_diary")}
    for key, sample in _FILLED.items():
        wording = words[key]
        if wording is not None:
            _check_fills(file, data, key, wording, sample)
    said = {k: w for k, w in words.items() if w is not None}
    if len(file.problems) > before or not rules or every is None or len(said) < len(words):
        return None
    return DiaryWords(tuple(rules), int(every), said["see_gp"], said["this_week"],
                      said["none_this_week"], said["no_diary"])


# ----- across files ----------------------------------------------------------------------------
# What one file takes from another, checked on what each file holds (not on what its reader
# accepted), so that a problem here is found together with every other one.


def _check_across(folder: _Folder) -> None:
    """The numbers and names one content file takes from another."""
    _check_hold(folder)
    _check_muscles(folder)


def _check_hold(folder: _Folder) -> None:
    """The bedtime hold is counted with voice.yaml's count words: one word a second."""
    voice, bedtime = folder.file("voice.yaml"), folder.file("bedtime.yaml")
    count = voice.top.get("count")
    words = count.get("words") if isinstance(count, LineMap) else None
    hold = bedtime.top.get("hold_s")
    if is_words(words) and isinstance(words, list) and isinstance(hold, int) \
            and not isinstance(hold, bool) and hold > len(words):
        bedtime.add(bedtime.top.line_of("hold_s"), f"a {hold}-second hold needs {hold} count "
                    f"words, and voice.yaml's 'count' has {len(words)}")


def _check_muscles(folder: _Folder) -> None:
    """Every `muscle` slot value intents.yaml gives is one remedies.yaml gives a stretch for
    (or `other`, for the general first aid), and every muscle with a stretch can be said."""
    intents, remedies = folder.file("intents.yaml"), folder.file("remedies.yaml")
    muscles = remedies.top.get("muscles")
    if not isinstance(muscles, LineMap) or not intents.top:
        return  # a problem of either file is noted already
    given: set[str] = set()

    def value(parent: LineMap, key: str, where: str) -> None:
        muscle = parent.get(key)
        if not isinstance(muscle, str):
            return  # not text: intents.yaml's own problem
        given.add(muscle)
        # remedies.yaml gives a stretch for each of MUSCLES and no other muscle; one of
        # them it lacks is its own problem, noted there.
        if muscle not in MUSCLES and muscle != OTHER_MUSCLE:
            intents.add(parent.line_of(key), f"{where} gives muscle '{muscle}', which has no "
                        "stretch in remedies.yaml")

    lists = intents.top.get("lists")
    muscle_list = lists.get("muscle") if isinstance(lists, LineMap) else None
    values = muscle_list.get("values") if isinstance(muscle_list, LineMap) else None
    for entry in values if isinstance(values, list) else ():
        if isinstance(entry, LineMap):
            value(entry, "out", "list 'muscle'")
    blocks = intents.top.get("intents")
    for name, body in blocks.items() if isinstance(blocks, LineMap) else ():
        data = body.get("data") if isinstance(body, LineMap) else None
        for block in data if isinstance(data, list) else ():
            slots = block.get("slots") if isinstance(block, LineMap) else None
            if isinstance(slots, LineMap) and "muscle" in slots:
                value(slots, "muscle", f"intent '{name}'")
    hints = intents.top.get("muscle_hints")
    if isinstance(hints, LineMap):  # their values are checked with intents.yaml
        given |= {m for m in hints.values() if isinstance(m, str)}
    line = lists.line_of("muscle") if isinstance(lists, LineMap) else intents.top.line_of("lists")
    for muscle in sorted(set(muscles) & set(MUSCLES) - given):
        intents.add(line, f"no sentence gives muscle '{muscle}', which remedies.yaml has a "
                    "stretch for")


# ----- models.yaml -------------------------------------------------------------------------------

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_ARCHIVE_KEYS = ("engine", "language", "url", "sha256", "folder")
_FILES_KEYS = ("engine", "language", "folder", "package", "package_folder", "files")
_OPTIONAL_KEYS = ("size_mb", "description")


def _catalogue(file: YamlFile) -> dict[str, CatalogueEntry]:
    """The entries of models.yaml that are well-formed; problems noted in `file`."""
    data = file.load()
    if not data:
        return {}
    file.only(data, ("models",))
    models = file.mapping(data, "models", "expected a `models:` mapping of name -> fields")
    entries: dict[str, CatalogueEntry] = {}
    for name, fields in (models or {}).items():
        assert models is not None
        line = models.line_of(name)
        by_files = isinstance(fields, LineMap) and "files" in fields
        required = _FILES_KEYS if by_files else _ARCHIVE_KEYS
        if not isinstance(fields, LineMap) or any(
                not isinstance(fields.get(k), (str, LineMap)) or not fields.get(k)
                for k in required):
            file.add(line, f"model {name!r} needs {', '.join(required)}")
            continue
        file.only(fields, (*required, *_OPTIONAL_KEYS), f"model {name!r}")
        size = fields.get("size_mb", 0)
        description = fields.get("description", "")
        if not isinstance(size, (int, float)) or isinstance(size, bool) or size < 0 \
                or not isinstance(description, str):
            file.add(line, f"model {name!r}: 'size_mb' must be a number and 'description' text")
            continue
        folder = str(fields["folder"])
        if by_files:
            files = fields["files"]
            hashes = {str(k): str(v).lower() for k, v in files.items()} \
                if isinstance(files, LineMap) else {}
            package = str(fields["package"])
            if not hashes or not all(_NAME.fullmatch(k) and _SHA256.fullmatch(v)
                                     for k, v in hashes.items()) \
                    or "==" not in package or not _NAME.fullmatch(folder):
                file.add(line, f"model {name!r} has a malformed file name, sha256, folder or "
                         "package pin (name==version)")
                continue
            entries[name] = CatalogueEntry(
                name=name, engine=str(fields["engine"]), language=str(fields["language"]),
                url="", sha256="", folder=folder, size_mb=float(size), description=description,
                files=hashes, package=package, package_folder=str(fields["package_folder"]))
            continue
        sha256 = str(fields["sha256"]).lower()
        if not _SHA256.fullmatch(sha256) or not _NAME.fullmatch(folder):
            file.add(line, f"model {name!r} has a malformed sha256 or folder")
            continue
        entries[name] = CatalogueEntry(
            name=name, engine=str(fields["engine"]), language=str(fields["language"]),
            url=str(fields["url"]), sha256=sha256, folder=folder, size_mb=float(size),
            description=description)
    return entries


def read_catalogue(path: Path) -> dict[str, CatalogueEntry]:
    """The model catalogue (models.yaml) by name; raises `ContentError` listing problems."""
    problems: list[str] = []
    entries = _catalogue(YamlFile(path.parent, path.name, problems))
    if problems:
        raise ContentError(problems)
    return entries


# ----- the whole folder ----------------------------------------------------------------------------


def _read(directory: Path) -> tuple[Content | None, list[str]]:
    folder = _Folder(directory)
    if not directory.is_dir():
        folder.file("").add(1, "content folder not found")
        return None, folder.problems
    _read_sources(folder)
    intents = read_intents(folder.file("intents.yaml"))
    stretches, names, steps, topics, alternatives, explanations = _read_remedies(folder)
    prompts = _read_prompts(folder)
    voice = _read_voice(folder)
    bedtime, diary = _read_bedtime(folder), _read_diary(folder)
    _check_across(folder)
    if (directory / "models.yaml").exists():
        _catalogue(folder.file("models.yaml"))
    if folder.problems or intents is None or voice is None or bedtime is None or diary is None:
        if not folder.problems:  # every reader notes why it gives nothing
            folder.file("").add(1, "content incomplete")
        return None, folder.problems
    return Content(directory=directory, intents=intents, stretches=stretches,
                   muscle_names=names, steps=steps, topics=topics, alternatives=alternatives,
                   explanations=explanations, prompts=prompts,
                   voice=voice, bedtime=bedtime, diary=diary), []


def check_content(directory: Path) -> list[str]:
    """Every problem in the content folder, as `file:line: problem` lines."""
    return _read(directory)[1]


def load_content(directory: Path) -> Content:
    """Load and validate the content folder; raises `ContentError` listing the problems."""
    content, problems = _read(directory)
    if content is None:
        raise ContentError(problems)
    return content


def routine_of(content: Content) -> Routine:
    """The bedtime routine."""
    return content.bedtime


def diary_words_of(content: Content) -> DiaryWords:
    """What the coach says from the diary."""
    return content.diary
