"""The cramp diary: one SQLite row per session, kept in the user's data folder.

Nothing in it ever leaves the machine. Writes are short transactions on a WAL database
with a busy timeout, so two coaches writing at once both get their rows in. A file that
is not a sound SQLite database is renamed (never deleted) and a fresh one started. The
schema is versioned with `PRAGMA user_version` and upgraded by `MIGRATIONS`.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from voice.coach.facts import PastSession
from voice.diary.tracker import SessionRecord
from voice.errors import DiaryError

FILE_NAME = "diary.sqlite3"
APP_NAME = "cramp-coach"
BUSY_TIMEOUT_S = 15.0
"""How long a write waits for another coach's transaction to finish (seconds)."""

MIGRATIONS: tuple[str, ...] = (
    # 1: one row per session. Times are UTC ISO 8601; `done` is a comma-separated list.
    """
    CREATE TABLE sessions (
        id       INTEGER PRIMARY KEY,
        kind     TEXT NOT NULL,
        started  TEXT NOT NULL,
        ended    TEXT NOT NULL,
        muscle   TEXT,
        side     TEXT,
        done     TEXT NOT NULL DEFAULT '',
        eased_s  REAL,
        ending   TEXT NOT NULL,
        warning  TEXT,
        gp_said  INTEGER NOT NULL DEFAULT 0,
        holds    INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX sessions_started ON sessions (started);
    """,
)
"""Migration k (1-based) takes the schema from version k-1 to k."""
SCHEMA_VERSION = len(MIGRATIONS)

_COLUMNS = ("kind", "started", "ended", "muscle", "side", "done", "eased_s", "ending",
            "warning", "gp_said", "holds")
_DAMAGED = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})


def default_path() -> Path:
    """The diary in the user's data folder (platformdirs)."""
    import platformdirs

    return platformdirs.user_data_path(APP_NAME, appauthor=False) / FILE_NAME


def _utc(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds")


def _row(values: sqlite3.Row) -> SessionRecord:
    return SessionRecord(
        kind=values["kind"], started=dt.datetime.fromisoformat(values["started"]),
        ended=dt.datetime.fromisoformat(values["ended"]), muscle=values["muscle"],
        side=values["side"], done=tuple(d for d in values["done"].split(",") if d),
        eased_s=values["eased_s"], ending=values["ending"], warning=values["warning"],
        gp_said=bool(values["gp_said"]), holds=values["holds"], row_id=values["id"])


def _damaged(exc: sqlite3.DatabaseError) -> bool:
    """Whether an error says the file itself is bad (not busy, not a permission)."""
    name = getattr(exc, "sqlite_errorname", "")
    return name in _DAMAGED or "malformed" in str(exc) or "not a database" in str(exc)


class Diary:
    """An open diary file."""

    def __init__(self, path: Path, warn: Callable[[str], None]) -> None:
        """Open (or create) the diary at `path`; a damaged file is moved aside, said with
        `warn`, and a fresh one started. Raises `DiaryError` when it cannot be used."""
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DiaryError(f"{path}: cannot create the diary's folder ({exc.strerror})") \
                from None
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            if not _damaged(exc):
                raise DiaryError(f"{path}: cannot open the diary ({exc})") from None
            aside = self._move_aside()
            warn(f"the diary {path} was damaged; moved it to {aside.name} and started a new "
                 "one")
            try:
                self._db = self._open()
            except sqlite3.Error as again:
                raise DiaryError(f"{path}: cannot open the diary ({again})") from None

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            db.row_factory = sqlite3.Row
            self._check_version(db)  # before anything is changed in a newer coach's file
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA secure_delete=ON")  # forgotten rows are overwritten
            with self._write(db):
                version = self._check_version(db)
                for number in range(version + 1, SCHEMA_VERSION + 1):
                    for statement in MIGRATIONS[number - 1].split(";"):
                        if statement.strip():
                            db.execute(statement)
                    db.execute(f"PRAGMA user_version = {number}")
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"database disk image is malformed: {check}")
        except BaseException:
            db.close()
            raise
        return db

    def _check_version(self, db: sqlite3.Connection) -> int:
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise DiaryError(f"{self.path}: written by a newer cramp-coach (diary version "
                             f"{version}, this one reads up to {SCHEMA_VERSION}); update, or "
                             "use --no-diary")
        return version

    def _move_aside(self) -> Path:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        n = 1
        while aside.exists():
            n += 1
            aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}-{n}")
        try:
            self.path.rename(aside)
            for suffix in ("-wal", "-shm"):  # they belong to the damaged file
                extra = self.path.with_name(self.path.name + suffix)
                if extra.exists():
                    extra.rename(aside.with_name(aside.name + suffix))
        except OSError as exc:
            raise DiaryError(f"{self.path}: the diary is damaged and cannot be moved aside "
                             f"({exc.strerror})") from None
        return aside

    @staticmethod
    @contextmanager
    def _write(db: sqlite3.Connection) -> Iterator[None]:
        """One write transaction, taken at once so concurrent writers queue rather than
        deadlock; rolled back on any error."""
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def write(self, record: SessionRecord) -> int:
        """Insert the record, or update its row when it has one; returns the row id."""
        values = (record.kind, _utc(record.started), _utc(record.ended), record.muscle,
                  record.side, ",".join(record.done), record.eased_s, record.ending,
                  record.warning, int(record.gp_said), record.holds)
        with self._write(self._db):
            if record.row_id is not None:
                sets = ", ".join(f"{c} = ?" for c in _COLUMNS)
                cur = self._db.execute(f"UPDATE sessions SET {sets} WHERE id = ?",
                                       (*values, record.row_id))
                if cur.rowcount:
                    return record.row_id
            cur = self._db.execute(
                f"INSERT INTO sessions ({', '.join(_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_COLUMNS))})", values)
            return int(cur.lastrowid or 0)

    def sessions(self, since: dt.datetime | None = None) -> list[SessionRecord]:
        """Rows that started at or after `since` (all when None), oldest first."""
        query = "SELECT * FROM sessions"
        args: tuple[str, ...] = ()
        if since is not None:
            query, args = query + " WHERE started >= ?", (_utc(since),)
        return [_row(r) for r in self._db.execute(query + " ORDER BY started, id", args)]

    def past(self, since: dt.datetime) -> list[PastSession]:
        """What the frequency rule needs of the rows since `since`."""
        return [PastSession(r.started, r.kind, r.gp_said) for r in self.sessions(since)]

    def forget(self) -> int:
        """Delete every row (overwritten on disk, not just unlinked); returns how many.
        Raises `DiaryError` when the file cannot be changed: then nothing is deleted."""
        try:
            with self._write(self._db):
                count = int(self._db.execute("DELETE FROM sessions").rowcount)
            self._db.execute("VACUUM")
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            raise DiaryError(f"{self.path}: the diary cannot be changed ({exc}); nothing "
                             "was deleted") from None
        return count

    def close(self) -> None:
        """Close the file."""
        self._db.close()
