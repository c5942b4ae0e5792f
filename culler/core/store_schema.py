"""The session database's tables and how an older database is brought up to date.

`PRAGMA user_version` holds the schema version. MIGRATIONS[i] turns version i into i + 1 and
runs in one transaction together with the version bump, so a crash mid-migration leaves the
old version intact. Before migrating a database that already holds a session, a copy is kept
next to it (`session.sqlite.v<old>-backup`).

Layout (version 1):
- photos: one row per file ever seen, keyed by relative path; `missing` = not in the last scan
  (kept so its decision comes back with the file). Metadata in plain columns for fast sorting.
- decisions: one row per photo the user (or an imported sidecar, or a recovery) has touched.
- steps / step_changes: the undo log; `undone` marks the redo tail.
- analysis (+ embeddings): signals as JSON, the (size, mtime_ns) they were computed for,
  tiny grey images and errors; scores; photo_groups; settings; review_summaries.
Version 2 adds sidecar_seen: the XMP sidecar decision the last scan saw per photo, so a sidecar
edited in another program afterwards is noticed (store_sidecars.py).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from culler.core.records import FLAGS, LABELS
from culler.core.store_files import CorruptStoreError, StoreError

_V1 = """
CREATE TABLE photos (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL DEFAULT 'other',
    size INTEGER NOT NULL DEFAULT 0,
    mtime_ns INTEGER NOT NULL DEFAULT 0,
    companions TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'ok',
    error TEXT,
    missing INTEGER NOT NULL DEFAULT 0,
    captured_at TEXT,
    orientation INTEGER NOT NULL DEFAULT 1,
    width INTEGER, height INTEGER, camera TEXT, lens TEXT,
    exposure_time REAL, f_number REAL, iso INTEGER, focal_length REAL, exposure_bias REAL
);
CREATE INDEX photos_present_order ON photos (missing, captured_at, path);
CREATE TABLE decisions (
    photo_id INTEGER PRIMARY KEY,
    flag TEXT NOT NULL DEFAULT 'none',
    rating INTEGER NOT NULL DEFAULT 0,
    label TEXT,
    updated REAL
);
CREATE TABLE steps (
    id INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    created REAL NOT NULL,
    undone INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX steps_by_state ON steps (undone, id);
CREATE TABLE step_changes (
    step_id INTEGER NOT NULL,
    photo_id INTEGER NOT NULL,
    before_flag TEXT NOT NULL, before_rating INTEGER NOT NULL, before_label TEXT,
    after_flag TEXT NOT NULL, after_rating INTEGER NOT NULL, after_label TEXT,
    PRIMARY KEY (step_id, photo_id)
) WITHOUT ROWID;
CREATE TABLE analysis (
    photo_id INTEGER PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    signals TEXT NOT NULL,
    error TEXT,
    tiny BLOB, tiny_height INTEGER, tiny_width INTEGER,
    updated REAL
);
CREATE TABLE embeddings (
    photo_id INTEGER NOT NULL,
    model TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (photo_id, model)
) WITHOUT ROWID;
CREATE INDEX embeddings_by_model ON embeddings (model);
CREATE TABLE scores (photo_id INTEGER PRIMARY KEY, score REAL, confidence REAL);
CREATE TABLE photo_groups (
    photo_id INTEGER PRIMARY KEY,
    group_id TEXT NOT NULL,
    group_size INTEGER NOT NULL,
    group_rank INTEGER NOT NULL,
    suggestion TEXT,
    reasons TEXT NOT NULL,
    kind TEXT NOT NULL
);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE review_summaries (id INTEGER PRIMARY KEY, created REAL NOT NULL, summary TEXT NOT NULL);
"""


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _to_v1(conn: sqlite3.Connection) -> None:
    for statement in _statements(_V1):
        conn.execute(statement)


def _to_v2(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE sidecar_seen (photo_id INTEGER PRIMARY KEY, flag TEXT NOT NULL, "
                 "rating INTEGER NOT NULL, label TEXT)")


Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = [_to_v1, _to_v2]


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, db_path: Path, migrations: list[Migration] | None = None) -> int:
    """Bring the database to the newest version; returns the version it had before.

    `conn` must be in autocommit mode (isolation_level=None): each step is its own transaction.
    """
    steps = MIGRATIONS if migrations is None else migrations
    old = schema_version(conn)
    if old > len(steps):
        raise StoreError(f"{db_path} was written by a newer culler (session format {old}; this "
                         f"version reads up to {len(steps)}). Update culler to open this album.")
    if 0 < old < len(steps):
        _keep_backup(conn, db_path.with_name(f"{db_path.name}.v{old}-backup"))
    for version in range(old, len(steps)):
        conn.execute("BEGIN IMMEDIATE")
        try:
            steps[version](conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return old


def _keep_backup(conn: sqlite3.Connection, target: Path) -> None:
    if target.exists():
        return
    backup = sqlite3.connect(str(target))
    try:
        conn.backup(backup)
    finally:
        backup.close()


# Text columns read back into Python (a byte flipped on disk can make one undecodable) ...
_TEXT_COLUMNS = {
    "photos": ("path", "kind", "companions", "status", "error", "captured_at", "camera", "lens"),
    "decisions": ("flag", "label"),
    "steps": ("description",),
    "step_changes": ("before_flag", "before_label", "after_flag", "after_label"),
    "analysis": ("signals", "error"),
    "embeddings": ("model",),
    "photo_groups": ("group_id", "suggestion", "reasons", "kind"),
    "settings": ("key", "value"),
    "review_summaries": ("summary",),
    "sidecar_seen": ("flag", "label"),
}


def _valid(flag: str, rating: str, label: str) -> str:
    """SQL that is true for a valid (flag, rating, label) triple of columns."""
    flags = ", ".join(f"'{f}'" for f in FLAGS)
    labels = ", ".join(f"'{lab}'" for lab in LABELS)
    return (f"{flag} IN ({flags}) AND typeof({rating}) = 'integer' AND {rating} BETWEEN 0 AND 5 "
            f"AND ({label} IS NULL OR {label} IN ({labels}))")


# ... and the values that must hold for the session to be read without an error (a group's
# reasons are not here: groups() reads a damaged one as no reasons).
_INVALID_ROWS = {
    "decisions": f"NOT ({_valid('flag', 'rating', 'label')})",
    "step_changes": f"NOT ({_valid('before_flag', 'before_rating', 'before_label')}) "
                    f"OR NOT ({_valid('after_flag', 'after_rating', 'after_label')})",
    "sidecar_seen": f"NOT ({_valid('flag', 'rating', 'label')})",
    "photos": "typeof(path) != 'text'",
}
# JSON read back with Python's json (which also reads NaN, unlike SQLite's json_valid):
# (table, column, the Python type every value must decode to, or None for any).
_JSON_COLUMNS = (("photos", "companions", list), ("analysis", "signals", dict), ("settings", "value", None),
                 ("review_summaries", "summary", None))


def check_rows(conn: sqlite3.Connection, db_path: Path) -> None:
    """Raise CorruptStoreError when a row cannot be read back (undecodable text, a value outside
    its domain such as a flag 'rejecx', JSON that does not parse): PRAGMA quick_check sees only
    the file's structure, and such a row would otherwise fail later, in the middle of a command."""
    old_factory = conn.text_factory
    conn.text_factory = bytes
    try:
        for table, columns in _TEXT_COLUMNS.items():
            for row in conn.execute(f"SELECT {', '.join(columns)} FROM {table}"):
                for value in row:
                    if isinstance(value, bytes):
                        value.decode("utf-8")
        conn.text_factory = str
        table = "photos"
        for (when,) in conn.execute("SELECT captured_at FROM photos WHERE captured_at IS NOT NULL"):
            datetime.fromisoformat(when)  # SQLite's datetime() refuses some EXIF dates Python reads
        for table, column, kind in _JSON_COLUMNS:
            texts = [t for (t,) in conn.execute(f"SELECT {column} FROM {table} WHERE {column} != ''")]
            values = json.loads("[" + ",".join(texts) + "]")  # one parse for all: fast at open
            if len(values) != len(texts) or kind and not all(isinstance(v, kind) for v in values):
                raise ValueError(column)
        for table, condition in _INVALID_ROWS.items():
            bad = conn.execute(f"SELECT count(*) FROM {table} WHERE {condition}").fetchone()[0]
            if bad:
                raise CorruptStoreError(f"{db_path} is damaged: {bad} row(s) of {table} hold values "
                                        "culler never writes")
    except UnicodeDecodeError:
        raise CorruptStoreError(f"{db_path} is damaged: {table} holds text that is not UTF-8") from None
    except (ValueError, TypeError):
        raise CorruptStoreError(f"{db_path} is damaged: {table} holds a value that does not parse") from None
    except sqlite3.DatabaseError as exc:
        raise CorruptStoreError(f"{db_path} is damaged: {exc}") from exc
    finally:
        conn.text_factory = old_factory
