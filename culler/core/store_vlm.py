"""The vision-language model's answers in the album's session database, cached by content.

Two tables on the session's own connection, created when first needed (an older culler opening
the database simply ignores them, so no schema migration):
- vlm_hashes: each photo's SHA-256 for the (size, mtime_ns) it was computed at, so a file is
  hashed once and a changed file is hashed again;
- vlm_answers: one answer per (kind, key, model, prompt version). kind 'photo' is keyed by the
  file's hash, kind 'group' by the hash of its frames' hashes in culler's order. status 'ok' holds
  the parsed answer; 'malformed' keeps what the model said (cut short) so it is not asked again.
Neither table holds the endpoint or its key.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

_TABLES = (
    "CREATE TABLE IF NOT EXISTS vlm_hashes (photo_id INTEGER PRIMARY KEY, size INTEGER NOT NULL, "
    "mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS vlm_answers (kind TEXT NOT NULL, key TEXT NOT NULL, model TEXT NOT NULL, "
    "prompt_version TEXT NOT NULL, status TEXT NOT NULL, answer TEXT, raw TEXT, created REAL NOT NULL, "
    "PRIMARY KEY (kind, key, model, prompt_version)) WITHOUT ROWID",
)
RAW_KEPT = 2000  # characters of a malformed answer kept for the user to read


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def group_key(hashes: list[str]) -> str:
    return hashlib.sha256("\n".join(hashes).encode()).hexdigest()


class VlmAnswers:
    """The cache of answers for one open `Store` (uses its connection and its write lock)."""

    def __init__(self, store) -> None:
        self._store = store
        present = store._read("SELECT COUNT(*) FROM sqlite_master WHERE name IN ('vlm_hashes', 'vlm_answers')")
        if present[0][0] < len(_TABLES):  # a write (and its fsync) only the first time, not per read
            with store._write() as conn:
                for statement in _TABLES:
                    conn.execute(statement)

    def content_hash(self, photo, album_root: Path) -> str:
        """The photo file's SHA-256, hashed again only when its size or mtime changed."""
        rows = self._store._read("SELECT size, mtime_ns, sha256 FROM vlm_hashes WHERE photo_id = ?", (photo.id,))
        if rows and (rows[0][0], rows[0][1]) == (photo.size, photo.mtime_ns):
            return rows[0][2]
        digest = file_sha256(Path(album_root) / photo.path)
        with self._store._write() as conn:
            conn.execute("INSERT OR REPLACE INTO vlm_hashes VALUES (?, ?, ?, ?)",
                         (photo.id, photo.size, photo.mtime_ns, digest))
        return digest

    def get(self, kind: str, key: str, model: str, prompt_version: str) -> dict | None:
        """{"status", "answer", "raw"} or None when never asked."""
        rows = self._store._read("SELECT status, answer, raw FROM vlm_answers WHERE kind = ? AND key = ? "
                                 "AND model = ? AND prompt_version = ?", (kind, key, model, prompt_version))
        if not rows:
            return None
        status, answer, raw = rows[0]
        return {"status": status, "answer": json.loads(answer) if answer else None, "raw": raw}

    def put(self, kind: str, key: str, model: str, prompt_version: str, status: str,
            answer: dict | None, raw: str | None = None) -> None:
        with self._store._write() as conn:
            conn.execute("INSERT OR REPLACE INTO vlm_answers VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (kind, key, model, prompt_version, status,
                          json.dumps(answer, ensure_ascii=False) if answer is not None else None,
                          (raw or "")[:RAW_KEPT] if status != "ok" else None, time.time()))

    def photo_critiques(self, model: str | None = None) -> dict[int, dict]:
        """Present photo id -> its newest readable critique, {"model", "verdict", "score",
        "issues", "critique"}, for photos whose file is unchanged since it was hashed."""
        sql = ("SELECT p.id, a.model, a.answer FROM photos p "
               "JOIN vlm_hashes h ON h.photo_id = p.id AND h.size = p.size AND h.mtime_ns = p.mtime_ns "
               "JOIN vlm_answers a ON a.kind = 'photo' AND a.key = h.sha256 AND a.status = 'ok' "
               "WHERE p.missing = 0" + (" AND a.model = ?" if model else "") + " ORDER BY a.created")
        out = {}
        for pid, m, answer in self._store._read(sql, (model,) if model else ()):
            out[pid] = {"model": m, **json.loads(answer)}
        return out

    def malformed_count(self) -> int:
        return self._store._read("SELECT COUNT(*) FROM vlm_answers WHERE status = 'malformed'")[0][0]
