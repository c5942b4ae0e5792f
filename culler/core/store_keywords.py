"""Accepted keywords in the album's session database: saved at once, undoable, logged.

Two tables on the session's own connection, created when the store opens (an older culler ignores
them, so no schema migration): photo_keywords (photo id, keyword path such as "Nature|beach") and
keyword_changes (each touched photo's keyword set before and after a step, as JSON lists). A
keyword step is a row of the store's `steps` table, like a decision step: one undo history, so
Ctrl+Z takes back whichever came last (culler.core.store undoes both kinds).

Every step is also appended, fsync'd before the commit, to `keywords-log.jsonl` next to the
decision log (one JSON line per photo with its whole keyword set after the step; op is
accept | remove | undo | redo), and taken back when the commit fails: the same discipline
as decision_log.py, in a file of its own so that the decision log's readers are not confused by
lines of another kind. The database records how far into the log it committed
(`keywords_log_size`); at open, whatever the log holds beyond that is replayed (a database rebuilt
after damage, copied without its WAL), the last line per path being that photo's keywords.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

from culler.core.keywords import normalise

log = logging.getLogger(__name__)
_TABLES = (
    "CREATE TABLE IF NOT EXISTS photo_keywords (photo_id INTEGER NOT NULL, keyword TEXT NOT NULL, "
    "PRIMARY KEY (photo_id, keyword)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS keyword_changes (step_id INTEGER NOT NULL, photo_id INTEGER NOT NULL, "
    "before TEXT NOT NULL, after TEXT NOT NULL, PRIMARY KEY (step_id, photo_id)) WITHOUT ROWID",
)
LOG_NAME = "keywords-log.jsonl"
_LOG_SIZE_KEY = "keywords_log_size"  # settings: bytes of the keyword log this database committed


class KeywordStore:
    """Accepted keywords of one open `Store` (uses its connection, write lock, steps and observers).
    The store makes one at open (`store.keywords`)."""

    def __init__(self, store) -> None:
        self._store = store
        self.log_path = Path(store.log_path).with_name(LOG_NAME)
        with store._write() as conn:
            for statement in _TABLES:
                conn.execute(statement)

    def keywords(self) -> dict[int, list[str]]:
        """Present photo id -> its accepted keywords (sorted); photos without any are left out."""
        out: dict[int, list[str]] = {}
        for pid, keyword in self._store._read(
                "SELECT k.photo_id, k.keyword FROM photo_keywords k JOIN photos p ON p.id = k.photo_id "
                "WHERE p.missing = 0 ORDER BY k.photo_id, k.keyword"):
            out.setdefault(pid, []).append(keyword)
        return out

    def of(self, photo_id: int) -> list[str]:
        return [k for (k,) in self._store._read(
            "SELECT keyword FROM photo_keywords WHERE photo_id = ? ORDER BY keyword", (photo_id,))]

    def taken_back(self) -> dict[int, list[str]]:
        """Photo id -> keywords it had in culler at some step still in the history but no longer
        has (a live sidecar drops these, and keeps every other app's keywords)."""
        held: dict[int, set[str]] = {}
        for pid, before, after in self._store._read("SELECT photo_id, before, after FROM keyword_changes"):
            held.setdefault(pid, set()).update(json.loads(before), json.loads(after))
        now = self.keywords()
        return {pid: sorted(kws - set(now.get(pid, ()))) for pid, kws in held.items() if kws - set(now.get(pid, ()))}

    def accept(self, ids: list[int], keywords: list[str], description: str = "") -> list[int]:
        """Add keywords to photos as one undoable step; returns the ids that changed."""
        wanted = [normalise(k) for k in keywords]
        return self._change(ids, lambda have: have | set(wanted), "accept",
                            description or f"Keywords: {', '.join(wanted)}")

    def remove(self, ids: list[int], keywords: list[str], description: str = "") -> list[int]:
        gone = {normalise(k) for k in keywords}
        return self._change(ids, lambda have: have - gone, "remove",
                            description or f"Remove keywords: {', '.join(sorted(gone))}")

    # ------------------------------------------------------------------------------------------
    def _change(self, ids: list[int], edit, op: str, description: str) -> list[int]:
        ids = sorted(set(ids))
        with self.logged() as log_lines:
            with self._store._write() as conn:
                changes = {}
                for pid in ids:
                    before = {k for (k,) in conn.execute(
                        "SELECT keyword FROM photo_keywords WHERE photo_id = ?", (pid,))}
                    after = edit(before)
                    if after != before:
                        changes[pid] = (sorted(before), sorted(after))
                if not changes:
                    return []
                step = self._store._new_step(conn, description)
                conn.executemany("INSERT INTO keyword_changes VALUES (?, ?, ?, ?)",
                                 [(step, pid, json.dumps(b), json.dumps(a)) for pid, (b, a) in changes.items()])
                self._apply(conn, {pid: a for pid, (_b, a) in changes.items()})
                log_lines(conn, op, step, {pid: a for pid, (_b, a) in changes.items()})
        self._store._notify(list(changes))
        return list(changes)

    def travel(self, conn, step: int, undo: bool, log_lines) -> dict[int, list[str]]:
        """Inside the store's undo/redo transaction: put the step's keyword sets back (before or
        after it) and log them; returns {photo id: keywords now} ({} for a decision-only step)."""
        side = "before" if undo else "after"
        target = {pid: json.loads(v) for pid, v in conn.execute(
            f"SELECT photo_id, {side} FROM keyword_changes WHERE step_id = ?", (step,))}
        if target:
            self._apply(conn, target)
            log_lines(conn, "undo" if undo else "redo", step, target)
        return target

    def catch_up(self) -> int:
        """Replay the log beyond what the database committed; returns how many photos changed."""
        try:
            size = self.log_path.stat().st_size
        except OSError:
            return 0
        done = self._store.get(_LOG_SIZE_KEY)
        if done is not None and size <= done:
            return 0
        latest: dict[str, list[str]] = {}
        with open(self.log_path, "rb") as f:
            f.seek(done or 0)
            for line in f:
                try:
                    entry = json.loads(line)
                    latest[str(entry["path"])] = [normalise(k) for k in entry["keywords"]]
                except (ValueError, KeyError, TypeError):
                    continue  # a line torn by a crash mid-write
        with self._store._write() as conn:
            conn.executemany("INSERT OR IGNORE INTO photos (path, missing) VALUES (?, 1)", [(p,) for p in latest])
            ids = dict(conn.execute("SELECT path, id FROM photos"))
            current: dict[int, set[str]] = {}
            for pid, keyword in conn.execute("SELECT photo_id, keyword FROM photo_keywords"):
                current.setdefault(pid, set()).add(keyword)
            take = {ids[p]: sorted(set(k)) for p, k in latest.items() if current.get(ids[p], set()) != set(k)}
            self._apply(conn, take)
            conn.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (_LOG_SIZE_KEY, str(size)))
        if take:
            log.warning("Restored the keywords of %d photo(s) from %s", len(take), self.log_path)
        return len(take)

    @staticmethod
    def _apply(conn, target: dict[int, list[str]]) -> None:
        for pid, keywords in target.items():
            conn.execute("DELETE FROM photo_keywords WHERE photo_id = ?", (pid,))
            conn.executemany("INSERT INTO photo_keywords VALUES (?, ?)", [(pid, k) for k in keywords])

    def logged(self):
        """Context for one step's log lines (enter it before the store's write transaction)."""
        return _LogLines(self.log_path)


class _LogLines:
    """Context for one step: `log(conn, op, step, {id: keywords})` appends and fsyncs the lines
    (called last inside the write transaction) and records the log's new size in that
    transaction; if the transaction then fails, the lines are cut off again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.mark: int | None = None

    def __enter__(self):
        return self._append

    def _append(self, conn, op: str, step: int, target: dict[int, list[str]]) -> None:
        paths = dict(conn.execute(f"SELECT id, path FROM photos WHERE id IN ({','.join('?' * len(target))})",
                                  list(target)))
        now = round(time.time(), 3)
        data = "".join(json.dumps({"t": now, "op": op, "step": step, "path": paths.get(pid), "keywords": kws},
                                  ensure_ascii=False, separators=(",", ":")) + "\n"
                       for pid, kws in target.items()).encode("utf-8")
        with open(self.path, "ab") as f:
            self.mark = f.tell()
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            end = f.tell()
        conn.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (_LOG_SIZE_KEY, str(end)))

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and self.mark is not None:
            with open(self.path, "r+b") as f:
                f.truncate(self.mark)
                os.fsync(f.fileno())
