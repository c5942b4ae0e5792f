"""Accepted keywords in the album's session database: saved at once, undoable, logged.

Three tables on the session's own connection, created when first needed (an older culler
ignores them, so no schema migration): photo_keywords (photo id, keyword path such as
"Nature|beach"), keyword_steps and keyword_step_changes (each step keeps every touched photo's
keyword set before and after, as JSON lists, for undo and redo; `undone` marks the redo tail).
Keyword steps have an undo history of their own, next to the decisions' one.

Every step is also appended, fsync'd before the commit, to `keywords-log.jsonl` next to the
decision log (one JSON line per photo with its whole keyword set after the step; op is
accept | remove | undo | redo), and taken back when the commit fails: the same discipline as
decision_log.py, in a file of its own so that the decision log's readers are not confused by
lines of another kind.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from culler.core.keywords import normalise

_TABLES = (
    "CREATE TABLE IF NOT EXISTS photo_keywords (photo_id INTEGER NOT NULL, keyword TEXT NOT NULL, "
    "PRIMARY KEY (photo_id, keyword)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS keyword_steps (id INTEGER PRIMARY KEY, description TEXT NOT NULL, "
    "created REAL NOT NULL, undone INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS keyword_step_changes (step_id INTEGER NOT NULL, photo_id INTEGER NOT NULL, "
    "before TEXT NOT NULL, after TEXT NOT NULL, PRIMARY KEY (step_id, photo_id)) WITHOUT ROWID",
)
LOG_NAME = "keywords-log.jsonl"


class KeywordStore:
    """Accepted keywords of one open `Store` (uses its connection, write lock and observers)."""

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

    def accept(self, ids: list[int], keywords: list[str]) -> list[int]:
        """Add keywords to photos as one undoable step; returns the ids that changed."""
        wanted = [normalise(k) for k in keywords]
        return self._change(ids, lambda have: have | set(wanted), "accept", f"keywords: {', '.join(wanted)}")

    def remove(self, ids: list[int], keywords: list[str]) -> list[int]:
        gone = {normalise(k) for k in keywords}
        return self._change(ids, lambda have: have - gone, "remove", f"remove keywords: {', '.join(sorted(gone))}")

    def undo(self) -> list[int]:
        return self._travel(undo=True)

    def redo(self) -> list[int]:
        return self._travel(undo=False)

    def can_undo(self) -> bool:
        return bool(self._store._read("SELECT 1 FROM keyword_steps WHERE undone = 0 LIMIT 1"))

    # ------------------------------------------------------------------------------------------
    def _change(self, ids: list[int], edit, op: str, description: str) -> list[int]:
        ids = sorted(set(ids))
        with self._logged() as log:
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
                conn.execute("DELETE FROM keyword_step_changes WHERE step_id IN "
                             "(SELECT id FROM keyword_steps WHERE undone = 1)")
                conn.execute("DELETE FROM keyword_steps WHERE undone = 1")  # a new step drops the redo tail
                step = conn.execute("INSERT INTO keyword_steps (description, created) VALUES (?, ?)",
                                    (description, time.time())).lastrowid
                conn.executemany("INSERT INTO keyword_step_changes VALUES (?, ?, ?, ?)",
                                 [(step, pid, json.dumps(b), json.dumps(a)) for pid, (b, a) in changes.items()])
                self._apply(conn, {pid: a for pid, (_b, a) in changes.items()})
                log(conn, op, step, {pid: a for pid, (_b, a) in changes.items()})
        self._store._notify(list(changes))
        return list(changes)

    def _travel(self, undo: bool) -> list[int]:
        with self._logged() as log:
            with self._store._write() as conn:
                row = conn.execute(
                    "SELECT id FROM keyword_steps WHERE undone = 0 ORDER BY id DESC LIMIT 1" if undo else
                    "SELECT id FROM keyword_steps WHERE undone = 1 ORDER BY id LIMIT 1").fetchone()
                if row is None:
                    return []
                side = "before" if undo else "after"
                target = {pid: json.loads(v) for pid, v in conn.execute(
                    f"SELECT photo_id, {side} FROM keyword_step_changes WHERE step_id = ?", (row[0],))}
                self._apply(conn, target)
                conn.execute("UPDATE keyword_steps SET undone = ? WHERE id = ?", (1 if undo else 0, row[0]))
                log(conn, "undo" if undo else "redo", row[0], target)
        self._store._notify(list(target))
        return list(target)

    @staticmethod
    def _apply(conn, target: dict[int, list[str]]) -> None:
        for pid, keywords in target.items():
            conn.execute("DELETE FROM photo_keywords WHERE photo_id = ?", (pid,))
            conn.executemany("INSERT INTO photo_keywords VALUES (?, ?)", [(pid, k) for k in keywords])

    def _logged(self):
        return _LogLines(self.log_path)


class _LogLines:
    """Context for one step: `log(conn, op, step, {id: keywords})` appends and fsyncs the lines
    (called last inside the write transaction); if the transaction then fails, they are cut off."""

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

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and self.mark is not None:
            with open(self.path, "r+b") as f:
                f.truncate(self.mark)
                os.fsync(f.fileno())
