"""Delegates' verdicts on answers (POST /api/feedback), kept in a SQLite file of their own, and their export as
candidate gold-set items for staff to judge (`kb feedback export`).

The file is not part of the index (TIPKB_FEEDBACK_PATH, default var/feedback.sqlite3): builds and re-indexes never
touch it. It is created on the first verdict. Several server workers, or replicas on one machine, write it at once:
WAL journaling lets readers and a writer work together, the busy timeout makes a writer wait its turn instead of
failing, and each insert is one transaction. (SQLite's locking needs a local file system: replicas on several
machines need a file each, or one writer.)
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from kb.api import FeedbackCitation, FeedbackRequest, FeedbackVerdict
from kb.errors import KbError

SCHEMA_VERSION = 1
BUSY_TIMEOUT_SECONDS = 10.0
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('up', 'down')),
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    comment TEXT
)
"""


class FeedbackStoreError(KbError):
    """The feedback file cannot be read or written: not a feedback database, locked too long, or not writable."""


class FeedbackRecord(FeedbackRequest):
    """A stored verdict: the request as received, numbered and timed."""

    id: int
    created_at: str  # UTC, ISO 8601 to the second: "2026-12-03T10:15:00+00:00"


class FeedbackStore:
    """The feedback file. Each call opens its own connection, so one store serves every thread of a worker."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        return db

    def add(self, feedback: FeedbackRequest, now: dt.datetime | None = None) -> int:
        """Store one verdict (creating the file on the first) and return its number."""
        created = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0).isoformat()
        citations = json.dumps([c.model_dump(mode="json") for c in feedback.citations], ensure_ascii=False)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as db:
                if db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:  # new file: its table first
                    self._create(db)
                db.execute("BEGIN IMMEDIATE")  # the write lock first: no upgrade from a read lock to deadlock on
                try:
                    row_id = db.execute(
                        "INSERT INTO feedback (created_at, verdict, question, answer, citations, comment) "
                        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                        (
                            created,
                            feedback.verdict.value,
                            feedback.question,
                            feedback.answer,
                            citations,
                            feedback.comment,
                        ),
                    ).fetchone()[0]
                    db.execute("COMMIT")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
        except (sqlite3.Error, OSError) as exc:
            raise FeedbackStoreError(f"feedback: cannot be stored in {self.path}: {exc}") from exc
        return int(row_id)

    @staticmethod
    def _create(db: sqlite3.Connection) -> None:
        """The table, then WAL; idempotent, so two workers creating the file at once both succeed.

        The table comes first because `BEGIN IMMEDIATE` waits through the busy timeout; switching a new file to WAL
        does not (SQLite answers "database is locked" at once while another worker holds the file), so the switch is
        retried until it takes or the busy timeout passes. A file left in rollback mode still serialises writers.
        """
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(_SCHEMA)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
        while True:
            try:
                if db.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal":
                    return
            except sqlite3.OperationalError:
                pass  # another worker holds the file: try again shortly
            if time.monotonic() > deadline:
                return
            time.sleep(0.02)

    def exists(self) -> bool:
        return self.path.is_file()

    def records(self, verdict: FeedbackVerdict | None = None) -> list[FeedbackRecord]:
        """Every stored verdict (or those of one kind), oldest first; none when the file does not exist yet."""
        if not self.exists():
            return []
        query = "SELECT id, created_at, verdict, question, answer, citations, comment FROM feedback"
        params: tuple[str, ...] = ()
        if verdict is not None:
            query, params = query + " WHERE verdict = ?", (verdict.value,)
        try:
            with closing(self._connect()) as db:
                if (
                    db.execute("PRAGMA user_version").fetchone()[0] == 0
                    and not db.execute("SELECT 1 FROM sqlite_master").fetchone()
                ):
                    return []  # created by a first write that stopped before its table: nothing stored yet
                rows = db.execute(query + " ORDER BY id", params).fetchall()
        except sqlite3.Error as exc:
            raise FeedbackStoreError(f"{self.path}: not a readable feedback database ({exc})") from exc
        return [
            FeedbackRecord(
                id=row_id,
                created_at=created_at,
                verdict=FeedbackVerdict(kind),
                question=question,
                answer=answer,
                citations=[FeedbackCitation.model_validate(c) for c in json.loads(citations)],
                comment=comment,
            )
            for row_id, created_at, kind, question, answer, citations, comment in rows
        ]


class GoldCandidate(BaseModel):
    """A verdict shaped as a gold-set item (eval/records.py `GoldItem`) for staff to judge.

    The fields a judge decides are left null: `split`, `kind`, `answerable` and the grades in `relevant` (whose keys
    propose the passages the answer cited). Once judged, `judged` and `feedback` are removed and the line pasted into
    eval/gold/gold.jsonl; the gold loader refuses a line that still has a null or either of them, so an unjudged
    candidate cannot slip into the evaluation.
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    split: str | None = None
    kind: str | None = None
    question: str
    answerable: bool | None = None
    relevant: dict[str, int | None]
    articles: list[str]
    projects: list[str] | None = None
    notes: str
    tags: list[str] = []  # round-2 fields of a gold item (fact, list, followup, …), for the judge to fill in
    expected: list[str] = []
    previous: list[str] = []
    judged: bool = False
    feedback: FeedbackRecord


def gold_candidate(record: FeedbackRecord) -> GoldCandidate:
    notes = f"from feedback {record.id} ({record.verdict.value})" + (f": {record.comment}" if record.comment else "")
    return GoldCandidate(
        id=f"feedback-{record.id}",
        question=record.question,
        relevant=dict.fromkeys((c.chunk_id for c in record.citations), None),
        articles=list(dict.fromkeys(a for c in record.citations for a in c.articles)),
        notes=notes,
        feedback=record,
    )
