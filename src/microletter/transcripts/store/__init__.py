"""Transcripts' facade, on the one database (built in app.py), and the index that deletes
a recalled message's transcripts in the recall's transaction (`index`, for `add_index`)."""

from __future__ import annotations

from microletter.ports import Database
from microletter.storage import Facade, reads, writes_value
from microletter.transcripts.store import queries as _queries

__all__ = ["TranscriptsStore"]


class TranscriptsStore(Facade):
    find = reads(_queries.find)
    keep = writes_value(_queries.keep)
    count = reads(_queries.count)

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.index = _queries.TranscriptIndex()
