"""Diary rows read back from what `cramp-coach diary --json` prints."""

from __future__ import annotations

import datetime as dt

from voice.diary.tracker import SessionRecord


def from_json(obj: dict[str, object]) -> SessionRecord:
    """The row a `diary --json` object describes (the inverse of `to_json`)."""
    row_id, eased, holds, done = obj.get("id"), obj.get("eased_s"), obj["holds"], obj["done"]
    return SessionRecord(
        kind=str(obj["kind"]), started=dt.datetime.fromisoformat(str(obj["started"])),
        ended=dt.datetime.fromisoformat(str(obj["ended"])),
        muscle=None if obj["muscle"] is None else str(obj["muscle"]),
        side=None if obj["side"] is None else str(obj["side"]),
        done=tuple(str(d) for d in done) if isinstance(done, list) else (),
        eased_s=float(eased) if isinstance(eased, (int, float)) else None,
        ending=str(obj["ending"]),
        warning=None if obj["warning"] is None else str(obj["warning"]),
        gp_said=bool(obj["gp_said"]), holds=int(holds) if isinstance(holds, int) else 0,
        row_id=int(row_id) if isinstance(row_id, int) else None)
