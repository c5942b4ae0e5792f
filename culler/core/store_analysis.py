"""The analysis side of the session store: signals, embeddings, tiny images, errors, scores, groups.

A mixin of `Store` (store.py), which provides `_read(sql, params)` and the `_write()`
transaction. Bulk readers return rows of present photos only (not of files gone missing).
Each `put_analysis` is its own short transaction so a decision never waits behind a batch.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from culler.core.records import GroupRow

if TYPE_CHECKING:  # numpy is imported where it is used: not needed to open the window
    import numpy as np


class AnalysisTables:
    """Analysis results per photo, keyed by the (size, mtime_ns) they were computed for."""

    def _read(self, sql: str, params: Iterable = ()) -> list[tuple]:  # provided by Store
        raise NotImplementedError

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:  # provided by Store
        raise NotImplementedError

    def put_analysis(self, photo_id: int, key: tuple[int, int], signals: dict[str, float | None],
                     embeddings: dict[str, np.ndarray] | None = None, tiny: np.ndarray | None = None,
                     error: str | None = None) -> None:
        """Replace everything stored from analysing this photo (one short transaction)."""
        import numpy as np

        size, mtime_ns = key
        clean = {name: _finite_or_none(v) for name, v in (signals or {}).items()}
        tiny_blob = tiny_h = tiny_w = None
        if tiny is not None:
            grey = np.ascontiguousarray(tiny, dtype=np.float32)
            if grey.ndim != 2:
                raise ValueError(f"tiny image must be 2-D grey, got shape {grey.shape}")
            tiny_blob, (tiny_h, tiny_w) = grey.tobytes(), grey.shape
        vectors = [(photo_id, model, np.ascontiguousarray(v, dtype=np.float32).reshape(-1).tobytes())
                   for model, v in (embeddings or {}).items()]
        with self._write() as conn:
            conn.execute("INSERT OR REPLACE INTO analysis VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (photo_id, int(size), int(mtime_ns), json.dumps(clean), error,
                          tiny_blob, tiny_h, tiny_w, time.time()))
            conn.execute("DELETE FROM embeddings WHERE photo_id = ?", (photo_id,))
            conn.executemany("INSERT INTO embeddings VALUES (?, ?, ?)", vectors)

    def analysed_keys(self) -> dict[int, tuple[int, int]]:
        """Present photo id -> the (size, mtime_ns) its stored analysis was computed for."""
        rows = self._read("SELECT a.photo_id, a.size, a.mtime_ns FROM analysis a "
                          "JOIN photos p ON p.id = a.photo_id WHERE p.missing = 0")
        return {pid: (size, mtime) for pid, size, mtime in rows}

    def all_signals(self) -> dict[int, dict[str, float | None]]:
        rows = self._read("SELECT a.photo_id, a.signals FROM analysis a "
                          "JOIN photos p ON p.id = a.photo_id WHERE p.missing = 0")
        return {pid: json.loads(text) for pid, text in rows}

    def signals(self, photo_id: int) -> dict[str, float | None]:
        """The photo's stored signals ({} when not analysed yet)."""
        rows = self._read("SELECT signals FROM analysis WHERE photo_id = ?", (photo_id,))
        return json.loads(rows[0][0]) if rows else {}

    def embeddings(self, model: str) -> dict[int, np.ndarray]:
        import numpy as np

        rows = self._read("SELECT e.photo_id, e.vector FROM embeddings e JOIN photos p "
                          "ON p.id = e.photo_id WHERE e.model = ? AND p.missing = 0", (model,))
        return {pid: np.frombuffer(blob, dtype=np.float32).copy() for pid, blob in rows}

    def tiny_images(self) -> dict[int, np.ndarray]:
        import numpy as np

        rows = self._read("SELECT a.photo_id, a.tiny, a.tiny_height, a.tiny_width FROM analysis a "
                          "JOIN photos p ON p.id = a.photo_id WHERE p.missing = 0 AND a.tiny IS NOT NULL")
        return {pid: np.frombuffer(blob, dtype=np.float32).reshape(h, w).copy()
                for pid, blob, h, w in rows}

    def analysis_errors(self) -> dict[int, str]:
        rows = self._read("SELECT a.photo_id, a.error FROM analysis a JOIN photos p "
                          "ON p.id = a.photo_id WHERE p.missing = 0 AND a.error IS NOT NULL")
        return dict(rows)


    def put_scores(self, scores: dict[int, tuple[float | None, float | None]]) -> None:
        """Upsert (score, confidence) per photo; photos not given keep theirs."""
        with self._write() as conn:
            conn.executemany("INSERT OR REPLACE INTO scores VALUES (?, ?, ?)",
                             [(pid, _finite_or_none(s), _finite_or_none(c))
                              for pid, (s, c) in scores.items()])

    def scores(self) -> dict[int, tuple[float | None, float | None]]:
        rows = self._read("SELECT s.photo_id, s.score, s.confidence FROM scores s "
                          "JOIN photos p ON p.id = s.photo_id WHERE p.missing = 0")
        return {pid: (s, c) for pid, s, c in rows}

    def put_groups(self, rows: list[GroupRow]) -> None:
        """Upsert each photo's group row (a regrouping writes every present photo)."""
        with self._write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO photo_groups VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(r.photo_id, r.group, r.group_size, r.group_rank, r.suggestion,
                  json.dumps(list(r.reasons), ensure_ascii=False), r.kind) for r in rows])

    def groups(self) -> dict[int, GroupRow]:
        rows = self._read("SELECT g.photo_id, g.group_id, g.group_size, g.group_rank, g.suggestion, "
                          "g.reasons, g.kind FROM photo_groups g JOIN photos p ON p.id = g.photo_id "
                          "WHERE p.missing = 0")
        try:  # one decode for every row: 2,000 json.loads calls cost ~30 ms at each album open
            reasons = json.loads("[" + ",".join(row[5] for row in rows) + "]")
        except (TypeError, ValueError):
            reasons = [_reasons(row[5]) for row in rows]
        return {pid: GroupRow(pid, gid, size, rank, suggestion, why, kind)
                for (pid, gid, size, rank, suggestion, _, kind), why in zip(rows, reasons)}


def _reasons(text) -> list[str]:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return []
    return value if isinstance(value, list) else []


def _finite_or_none(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
