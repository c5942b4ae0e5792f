"""The album session: photos, decisions with undo/redo, analysis results, groups and settings.

One SQLite database per album (see store_files.py for where it lives and how a locked or damaged
file is handled, store_schema.py for the tables). Every decision is committed (WAL,
synchronous=FULL) and written to the fsync'd decision log before `decide()` returns, so a
killed process or a power cut loses nothing, and a damaged database is rebuilt from the log.
A decision the database refuses (full disk, lock) is taken back out of the log too.

Thread-safety: one connection behind a re-entrant lock. Every write is a short transaction
(the analysis writes one photo at a time), so a decision from the GUI thread waits at most one
such transaction. Observers are called after the commit, outside the lock, on the caller's thread.
"""

from __future__ import annotations

import json
import logging
import operator
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path

from culler.core.decision_log import DecisionLog
from culler.core.records import Decision, Photo, PhotoMeta
from culler.core.store_analysis import AnalysisTables
from culler.core.store_files import (
    LOG_NAME,
    CorruptStoreError,
    StoreError,
    StoreLockedError,
    connect,
    is_lock_error,
    locate_session,
    move_aside,
)
from culler.core.store_keywords import KeywordStore
from culler.core.store_schema import check_rows, migrate
from culler.core.store_sidecars import SidecarClash, merge_sidecars

__all__ = ["Store", "StoreError", "StoreLockedError", "UNSET"]

log = logging.getLogger(__name__)


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()  # "leave the label as it is" (label=None clears it)

_PHOTO_COLUMNS = ("path, kind, size, mtime_ns, companions, status, error, captured_at, orientation, "
                  "width, height, camera, lens, exposure_time, f_number, iso, focal_length, exposure_bias")
_CHUNK = 900  # stays under SQLite's host-parameter limit
MAX_UNDO_STEPS = 10_000  # older steps are forgotten (checked every 500 steps)
_FLAG_WORDS = {"pick": "Pick", "reject": "Reject", "none": "Unflag"}
_LOG_SEQ_KEY = "decision_log_seq"  # settings: the last decision-log seq this database committed


@cache
def _decision(flag: str, rating: int, label: str | None) -> Decision:
    """Decisions are immutable and few distinct ones exist: share them (fast bulk reads)."""
    return Decision(flag, rating, label)


_NO_DECISION = _decision("none", 0, None)


def _chunks(items: list, size: int = _CHUNK) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


class Store(AnalysisTables):
    """An album's session store. Open with `Store.open(album_root, data_dir)`."""

    def __init__(self, conn: sqlite3.Connection, path: Path, album_root: Path, album_writable: bool,
                 decision_log: DecisionLog, lock_timeout: float):
        self._conn = conn
        self._lock = threading.RLock()
        self._log = decision_log
        self._log_mark: int | None = None  # where the open transaction's log lines begin
        self._observers: list[Callable[[list[int]], None]] = []
        self._lock_timeout = lock_timeout
        self.path = path
        self.album_root = album_root
        self.album_writable = album_writable
        self.log_path = decision_log.path
        self.recovered_from: Path | None = None  # the damaged database set aside at open, if any
        self.recovered_decisions = 0  # decisions restored from the log at open
        self.notices: list[str] = []  # what opening did that the user should be told (plain text)
        self.data_dir: Path | None = None  # the user data folder it was opened with (the taste profile's)
        self.sidecar_clashes: list[SidecarClash] = []  # from the last sync_photos
        self.keywords: KeywordStore | None = None  # accepted keywords (made by `open`)

    # ----------------------------------------------------------------- opening and closing
    @classmethod
    def open(cls, album_root: Path, data_dir: Path, *, lock_timeout: float = 5.0,
             writable_probe: Callable[[Path], bool] | None = None) -> Store:
        """Open (or create) the album's session.

        Raises StoreLockedError when another program holds the database for `lock_timeout`
        seconds, StoreError when the album folder is missing or the session needs a newer culler.
        A damaged database (structure, or a row that cannot be read back) is moved aside
        (`recovered_from`) and rebuilt from the decision log. Then the log is the ground truth:
        whatever it holds beyond what the database committed is replayed, and the album's session
        in the other place (album folder / data folder) is merged in; `notices` says what happened.
        """
        album_root = Path(album_root).absolute()
        if not album_root.is_dir():
            raise StoreError(f"The album folder {album_root} does not exist or is not a folder.")
        where = locate_session(album_root, Path(data_dir), writable_probe)
        recovered_from = None
        try:
            conn = _connect_checked(where.db_path, lock_timeout)
        except CorruptStoreError as exc:
            log.warning("%s; rebuilding it from %s", exc, where.log_path)
            recovered_from = move_aside(where.db_path)
            conn = _connect_checked(where.db_path, lock_timeout)
        store = cls(conn, where.db_path, album_root, where.album_writable, DecisionLog(where.log_path),
                    lock_timeout)
        store.notices = list(where.notices)
        store.data_dir = Path(data_dir)
        store.recovered_from = recovered_from
        if recovered_from:
            store.notices.append(f"The session database was damaged; it was set aside as {recovered_from} "
                                 f"and rebuilt from the decision log {where.log_path}.")
        store._catch_up_with_log()
        if where.other is not None:
            store._merge_session(where.other)
        store.keywords = KeywordStore(store)
        restored = store.keywords.catch_up()
        if restored:
            store.notices.append(f"The keywords of {restored} photo(s) the session database did not hold were "
                                 f"restored from {store.keywords.log_path}.")
        return store

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            self._log.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _catch_up_with_log(self) -> None:
        """Replay the log lines the database never committed (it records the last `seq` it did):
        a database copied without its WAL, a WAL damaged or cut, a rebuilt database. Photos not
        known yet are added as missing placeholders keyed by path; sync_photos revives them."""
        done = self.get(_LOG_SEQ_KEY)
        last = self._log.last_seq()
        if done is not None and last <= done or done is None and not self._log.has_entries():
            return
        fresh = [e for e in self._log.entries() if done is None or e.seq > done]
        restored = self._take(fresh, "replay", newer_only=False, seq=max(last, done or 0))
        self.recovered_decisions = restored
        if restored:
            log.warning("Restored %d decision(s) for %s from %s", restored, self.album_root, self.log_path)
            self.notices.append(f"{restored} decision(s) the session database did not hold were restored "
                                f"from the decision log {self.log_path}.")

    def _merge_session(self, other: Path) -> None:
        """Take the decisions of the album's session in the other place (the data folder while the
        card was read-only, or the album folder) that are newer than this session's for the same
        photo. The other log's last merged `seq` is remembered, so each line is looked at once."""
        theirs = DecisionLog(other / LOG_NAME)
        key = f"merged:{theirs.path}"
        done = self.get(key, 0)
        last = theirs.last_seq()
        if not theirs.has_entries() or last and last <= done:
            return
        fresh = [e for e in theirs.entries() if e.seq > done or not done]
        merged = self._take(fresh, "merge", newer_only=True)
        self.set(key, last)
        if merged:
            log.warning("Merged %d decision(s) for %s from %s", merged, self.album_root, theirs.path)
            self.notices.append(f"{merged} decision(s) made in this album's other session ({other}) were "
                                "merged in; where both sessions decided a photo, the newer decision was kept.")

    def _take(self, entries: list, op: str, newer_only: bool, seq: int | None = None) -> int:
        """Apply the last of `entries` (LogEntry) per path where it differs from the database
        (and, with newer_only, is newer than this session's own last line for that path).
        Returns how many photos changed. `seq` is recorded as committed (replay); a merge logs
        what it takes, so the log stays the ground truth."""
        latest = {e.path: e for e in entries}
        if newer_only and latest:
            mine = {e.path: e.t for e in self._log.entries()}
            latest = {p: e for p, e in latest.items() if e.t > mine.get(p, float("-inf"))}
        current = {path: (flag, rating, label) for path, flag, rating, label in self._read(
            "SELECT p.path, d.flag, d.rating, d.label FROM photos p JOIN decisions d ON d.photo_id = p.id")}
        take = {p: e.decision for p, e in latest.items()
                if current.get(p, ("none", 0, None)) != (e.decision.flag, e.decision.rating, e.decision.label)}
        if not take and seq is None:
            return 0
        with self._write() as conn:
            if take:
                conn.executemany("INSERT OR IGNORE INTO photos (path, missing) VALUES (?, 1)",
                                 [(p,) for p in take])
                ids = dict(conn.execute("SELECT path, id FROM photos"))
                self._apply(conn, {ids[p]: d for p, d in take.items()})
                if op == "merge":
                    self._log_in_transaction(op, None, list(take.items()))
            if seq is not None:
                self._set_log_seq(conn, seq)
        return len(take)

    def _set_log_seq(self, conn: sqlite3.Connection, seq: int) -> None:
        conn.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (_LOG_SEQ_KEY, str(seq)))

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction under the lock; a lock held too long elsewhere becomes
        StoreLockedError, anything else rolls back and propagates, taking the transaction's
        decision-log lines back with it."""
        with self._lock:
            conn = self._conn
            if conn is None:
                raise StoreError(f"The session {self.path} is closed.")
            self._log_mark = None
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                if self._log_mark is not None:  # still under SQLite's write lock: no one else appended
                    self._log.retract(self._log_mark)
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if is_lock_error(exc):
                    raise StoreLockedError(self.path, self._lock_timeout) from exc
                raise

    def _log_in_transaction(self, op: str, step: int | None, entries: list[tuple[str, Decision]]) -> None:
        """Log decisions inside `_write`, just before its COMMIT.

        Why log first and commit second: at every instant the log then holds at least what the
        database holds, so a kill -9 or power cut anywhere leaves no committed decision missing
        from the log (committing first would leave a window where a decision the user saw saved
        exists only in the database, lost if that database is later damaged). The price is the
        other direction: when the commit fails, the log holds a step that never happened, so
        `_write` retracts it (truncates the log back to `_log_mark`). Only a crash between
        the log write and the failed commit can leave such a line, for a key press that was never
        answered."""
        mark = self._log.append(op, step, entries)
        if mark is not None:
            self._set_log_seq(self._conn, self._log.last_written)
            if self._log_mark is None:
                self._log_mark = mark

    def _read(self, sql: str, params: Iterable = ()) -> list[tuple]:
        with self._lock:
            if self._conn is None:
                raise StoreError(f"The session {self.path} is closed.")
            try:
                return self._conn.execute(sql, tuple(params)).fetchall()
            except sqlite3.DatabaseError as exc:
                if is_lock_error(exc):
                    raise StoreLockedError(self.path, self._lock_timeout) from exc
                raise CorruptStoreError(
                    f"The session {self.path} was damaged while open ({exc}); open the album again "
                    "to rebuild it from the decision log.") from exc

    # ----------------------------------------------------------------- photos
    def sync_photos(self, photos: list[Photo]) -> list[Photo]:
        """Record the latest scan: upsert by path (ids stay stable), mark the rest missing,
        import sidecar decisions for photos that have none yet, or whose sidecar was edited in
        another program while their decision here was left alone (store_sidecars.py; clashes
        end up in `sidecar_clashes`). Sets `.id` on each photo."""
        rows = [_photo_row(p) for p in photos]
        with self._write() as conn:
            conn.execute("UPDATE photos SET missing = 1 WHERE missing = 0")
            conn.executemany(
                f"INSERT INTO photos ({_PHOTO_COLUMNS}, missing) VALUES ({', '.join('?' * 18)}, 0) "
                "ON CONFLICT (path) DO UPDATE SET kind = excluded.kind, size = excluded.size, "
                "mtime_ns = excluded.mtime_ns, companions = excluded.companions, "
                "status = excluded.status, error = excluded.error, "
                "captured_at = excluded.captured_at, orientation = excluded.orientation, "
                "width = excluded.width, height = excluded.height, camera = excluded.camera, "
                "lens = excluded.lens, exposure_time = excluded.exposure_time, "
                "f_number = excluded.f_number, iso = excluded.iso, "
                "focal_length = excluded.focal_length, exposure_bias = excluded.exposure_bias, "
                "missing = 0", rows)
            ids = dict(conn.execute("SELECT path, id FROM photos WHERE missing = 0"))
            for p in photos:
                p.id = ids[p.path]
            taken, clashes = merge_sidecars(conn, photos, self._log_in_transaction, self._apply)
        self.sidecar_clashes = clashes
        self._notify(taken)  # a window already showing these photos (a rescan) must repaint them
        return photos

    def photos(self) -> list[Photo]:
        """Photos present in the last scan, by capture time (unknown times last), then path."""
        rows = self._read(f"SELECT id, {_PHOTO_COLUMNS} FROM photos WHERE missing = 0 "
                          "ORDER BY captured_at IS NULL, captured_at, path")
        return [_photo_from_row(r) for r in rows]

    def photo(self, photo_id: int) -> Photo:
        rows = self._read(f"SELECT id, {_PHOTO_COLUMNS} FROM photos WHERE id = ?", (photo_id,))
        if not rows:
            raise KeyError(f"no photo with id {photo_id} in {self.path}")
        return _photo_from_row(rows[0])

    # ----------------------------------------------------------------- decisions
    def decision(self, photo_id: int) -> Decision:
        rows = self._read("SELECT d.flag, d.rating, d.label FROM photos p LEFT JOIN decisions d "
                          "ON d.photo_id = p.id WHERE p.id = ?", (photo_id,))
        if not rows:
            raise KeyError(f"no photo with id {photo_id} in {self.path}")
        flag, rating, label = rows[0]
        return _NO_DECISION if flag is None else _decision(flag, rating, label)

    def decisions(self) -> dict[int, Decision]:
        """Every present photo's decision (an empty Decision when never decided)."""
        rows = self._read("SELECT p.id, d.flag, d.rating, d.label FROM photos p "
                          "LEFT JOIN decisions d ON d.photo_id = p.id WHERE p.missing = 0")
        return {pid: _NO_DECISION if flag is None else _decision(flag, rating, label)
                for pid, flag, rating, label in rows}

    def decision_order(self) -> list[int]:
        """Ids of the photos with a decision, oldest decision first (the taste holds back the newest)."""
        return [pid for (pid,) in self._read("SELECT photo_id FROM decisions ORDER BY updated, photo_id")]

    def decide(self, ids: list[int], *, flag: str | None = None, rating: int | None = None,
               label=UNSET, description: str = "") -> list[int]:
        """Change the given fields of every photo in `ids` as one undoable step, committed
        before returning. Returns the ids whose decision actually changed."""
        if flag is None and rating is None and label is UNSET:
            return []
        if rating is not None:
            rating = operator.index(rating)  # numpy ints are fine, 3.5 stars is not
        Decision(flag or "none", 0 if rating is None else rating,
                 None if label is UNSET else label)  # validates the values before touching anything
        fields = {}
        if flag is not None:
            fields["flag"] = flag
        if rating is not None:
            fields["rating"] = rating
        if label is not UNSET:
            fields["label"] = label
        unique = list(dict.fromkeys(ids))
        with self._lock:
            current = self._current(unique)
            changes = {}
            for pid in unique:
                path, before = current[pid]
                after = _decision(fields.get("flag", before.flag), fields.get("rating", before.rating),
                                  fields.get("label", before.label))
                if after != before:
                    changes[pid] = (path, before, after)
            changed = self._record_step(description or _describe(fields, len(unique)), changes)
        self._notify(changed)
        return changed

    def set_decisions(self, changes: dict[int, Decision], description: str) -> list[int]:
        """Replace whole decisions (e.g. "accept suggestions") as one undoable step."""
        with self._lock:
            current = self._current(list(changes))
            diff = {pid: (current[pid][0], current[pid][1], _decision(d.flag, d.rating, d.label))
                    for pid, d in changes.items() if current[pid][1] != d}
            changed = self._record_step(description, diff)
        self._notify(changed)
        return changed

    def _current(self, ids: list[int]) -> dict[int, tuple[str, Decision]]:
        found: dict[int, tuple[str, Decision]] = {}
        for chunk in _chunks(ids):
            rows = self._read(
                "SELECT p.id, p.path, d.flag, d.rating, d.label FROM photos p LEFT JOIN decisions d "
                f"ON d.photo_id = p.id WHERE p.id IN ({', '.join('?' * len(chunk))})", chunk)
            for pid, path, flag, rating, label in rows:
                found[pid] = (path, _NO_DECISION if flag is None else _decision(flag, rating, label))
        unknown = [i for i in ids if i not in found]
        if unknown:
            raise KeyError(f"no photo with id {unknown[0]} in {self.path}")
        return found

    def _record_step(self, description: str,
                     changes: dict[int, tuple[str, Decision, Decision]]) -> list[int]:
        if not changes:
            return []
        with self._write() as conn:
            step = self._new_step(conn, description)
            conn.executemany(
                "INSERT INTO step_changes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(step, pid, b.flag, b.rating, b.label, a.flag, a.rating, a.label)
                 for pid, (_path, b, a) in changes.items()])
            self._apply(conn, {pid: a for pid, (_path, _b, a) in changes.items()})
            self._log_in_transaction("decide", step, [(path, a) for path, _b, a in changes.values()])
        return list(changes)

    def _new_step(self, conn: sqlite3.Connection, description: str) -> int:
        """A new undo step (of decisions or keywords): drops the redo tail, forgets the oldest."""
        self._drop_redo_tail(conn)
        step = conn.execute("INSERT INTO steps (description, created) VALUES (?, ?)",
                            (description, time.time())).lastrowid
        if step % 500 == 0:
            self._forget_steps_before(conn, step - MAX_UNDO_STEPS + 1)
        return step

    @staticmethod
    def _drop_redo_tail(conn: sqlite3.Connection) -> None:
        tail = conn.execute("SELECT id FROM steps WHERE undone = 1").fetchall()
        if tail:
            for table in ("step_changes", "keyword_changes"):
                conn.executemany(f"DELETE FROM {table} WHERE step_id = ?", tail)
            conn.executemany("DELETE FROM steps WHERE id = ?", tail)

    @staticmethod
    def _forget_steps_before(conn: sqlite3.Connection, oldest_kept: int) -> None:
        for table in ("step_changes", "keyword_changes"):
            conn.execute(f"DELETE FROM {table} WHERE step_id < ?", (oldest_kept,))
        conn.execute("DELETE FROM steps WHERE id < ?", (oldest_kept,))

    @staticmethod
    def _apply(conn: sqlite3.Connection, decisions: dict[int, Decision]) -> None:
        now = time.time()
        conn.executemany(
            "INSERT INTO decisions (photo_id, flag, rating, label, updated) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (photo_id) DO UPDATE SET flag = excluded.flag, rating = excluded.rating, "
            "label = excluded.label, updated = excluded.updated",
            [(pid, d.flag, d.rating, d.label, now) for pid, d in decisions.items()])

    # ----------------------------------------------------------------- undo / redo
    def undo(self) -> list[int]:
        """Revert the newest step, of decisions or of keywords; returns the photo ids it touched
        ([] when nothing to undo)."""
        return self._travel(undo=True)

    def redo(self) -> list[int]:
        return self._travel(undo=False)

    def _travel(self, undo: bool) -> list[int]:
        with self.keywords.logged() as keyword_log, self._write() as conn:
            row = conn.execute(
                "SELECT id FROM steps WHERE undone = 0 ORDER BY id DESC LIMIT 1" if undo else
                "SELECT id FROM steps WHERE undone = 1 ORDER BY id LIMIT 1").fetchone()
            if row is None:
                return []
            step = row[0]
            side = "before" if undo else "after"
            rows = conn.execute(
                f"SELECT c.photo_id, p.path, c.{side}_flag, c.{side}_rating, c.{side}_label "
                "FROM step_changes c JOIN photos p ON p.id = c.photo_id WHERE c.step_id = ?",
                (step,)).fetchall()
            target = {pid: _decision(f, r, lab) for pid, _path, f, r, lab in rows}
            self._apply(conn, target)
            conn.execute("UPDATE steps SET undone = ? WHERE id = ?", (1 if undo else 0, step))
            self._log_in_transaction("undo" if undo else "redo", step,
                                     [(path, target[pid]) for pid, path, *_ in rows])
            keywords = self.keywords.travel(conn, step, undo, keyword_log)
        changed = list(dict.fromkeys([*target, *keywords]))
        self._notify(changed)
        return changed

    def can_undo(self) -> bool:
        return bool(self._read("SELECT 1 FROM steps WHERE undone = 0 LIMIT 1"))

    def can_redo(self) -> bool:
        return bool(self._read("SELECT 1 FROM steps WHERE undone = 1 LIMIT 1"))

    def undo_description(self) -> str | None:
        rows = self._read("SELECT description FROM steps WHERE undone = 0 ORDER BY id DESC LIMIT 1")
        return rows[0][0] if rows else None

    def redo_description(self) -> str | None:
        rows = self._read("SELECT description FROM steps WHERE undone = 1 ORDER BY id LIMIT 1")
        return rows[0][0] if rows else None

    # ----------------------------------------------------------------- observers
    def add_observer(self, fn: Callable[[list[int]], None]) -> None:
        """fn(ids) runs after every decision change (decide, set_decisions, undo, redo)."""
        self._observers.append(fn)

    def remove_observer(self, fn: Callable[[list[int]], None]) -> None:
        if fn in self._observers:
            self._observers.remove(fn)

    def _notify(self, ids: list[int]) -> None:
        if not ids:
            return
        for fn in list(self._observers):
            try:
                fn(list(ids))
            except Exception:  # the decision is saved; one broken view must not hide it from others
                log.exception("decision observer %r failed", fn)

    # ----------------------------------------------------------------- settings and reviews
    def get(self, key: str, default=None):
        rows = self._read("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else default

    def set(self, key: str, value) -> None:
        text = json.dumps(value, ensure_ascii=False)
        with self._write() as conn:
            conn.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, text))

    def add_review_summary(self, summary: dict) -> None:
        text = json.dumps(summary, ensure_ascii=False)
        with self._write() as conn:
            conn.execute("INSERT INTO review_summaries (created, summary) VALUES (?, ?)",
                         (time.time(), text))

    def review_summaries(self) -> list[dict]:
        return [json.loads(t) for (t,) in self._read(
            "SELECT summary FROM review_summaries ORDER BY created, id")]


def _connect_checked(db_path: Path, lock_timeout: float) -> sqlite3.Connection:
    """connect + migrate + check_rows; a lock becomes StoreLockedError, damage CorruptStoreError."""
    conn = connect(db_path, lock_timeout)
    try:
        migrate(conn, db_path)
        check_rows(conn, db_path)
    except BaseException as exc:
        conn.close()
        if is_lock_error(exc):
            raise StoreLockedError(db_path, lock_timeout) from exc
        if isinstance(exc, sqlite3.DatabaseError):
            raise CorruptStoreError(f"{db_path} is damaged: {exc}") from exc
        raise
    return conn


# --------------------------------------------------------------------- row conversions
def _photo_row(p: Photo) -> tuple:
    m = p.meta
    return (p.path, p.kind, int(p.size), int(p.mtime_ns),
            json.dumps(list(p.companions), ensure_ascii=False) if p.companions else "",
            p.status, p.error,
            m.captured_at.isoformat(timespec="microseconds") if m.captured_at else None,
            m.orientation, m.width, m.height, m.camera, m.lens, m.exposure_time, m.f_number, m.iso,
            m.focal_length, m.exposure_bias)


def _photo_from_row(r: tuple) -> Photo:
    (pid, path, kind, size, mtime_ns, companions, status, error, captured_at, orientation, width,
     height, camera, lens, exposure_time, f_number, iso, focal_length, exposure_bias) = r
    meta = PhotoMeta(datetime.fromisoformat(captured_at) if captured_at else None, orientation,
                     width, height, camera, lens, exposure_time, f_number, iso, focal_length,
                     exposure_bias)
    return Photo(path, kind, size, mtime_ns, json.loads(companions) if companions else [], meta,
                 status, error, None, pid)


def _describe(fields: dict, count: int) -> str:
    parts = []
    if "flag" in fields:
        parts.append(_FLAG_WORDS[fields["flag"]])
    if "rating" in fields:
        parts.append(f"Rate {fields['rating']} star{'s' if fields['rating'] != 1 else ''}"
                     if fields["rating"] else "Clear rating")
    if "label" in fields:
        parts.append(f"Label {fields['label']}" if fields["label"] else "Clear label")
    text = ", ".join(parts)
    return f"{text} ({count} photos)" if count > 1 else text
