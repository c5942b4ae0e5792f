"""The append-only decision log: a second, plain-text record of every decision.

One JSON object per line, one line per changed photo per step, written and fsync'd before the
database commits the step (so the log always holds at least what the database holds):

    {"t": 1718000000.25, "op": "decide", "step": 12, "path": "day1/IMG_0001.CR3",
     "flag": "pick", "rating": 3, "label": null}

`op` is decide | undo | redo | import (from an XMP sidecar). Replaying the log in order, the
last line per path is that photo's current decision; that is how a damaged database is rebuilt.
A line torn by a crash mid-write is skipped on reading and fenced off by a newline on the next
append.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

from culler.core.records import Decision

log = logging.getLogger(__name__)


class DecisionLog:
    """Appends decision lines to one file; not thread-safe on its own (the store serialises)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._file = None

    def append(self, op: str, step: int | None, entries: list[tuple[str, Decision]]) -> None:
        """Write one line per (path, decision) and make them durable before returning."""
        if not entries:
            return
        now = round(time.time(), 3)
        text = "".join(
            json.dumps({"t": now, "op": op, "step": step, "path": path, "flag": d.flag,
                        "rating": d.rating, "label": d.label}, ensure_ascii=False,
                       separators=(",", ":")) + "\n"
            for path, d in entries)
        f = self._open()
        f.write(text.encode("utf-8"))
        f.flush()
        os.fsync(f.fileno())

    def has_entries(self) -> bool:
        try:
            return self.path.stat().st_size > 0
        except OSError:
            return False

    def latest(self) -> dict[str, Decision]:
        """Each path's last logged decision (what the database held when the log was written)."""
        result: dict[str, Decision] = {}
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return result
        skipped = 0
        for line in data.splitlines():
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                result[entry["path"]] = Decision(entry.get("flag", "none"), int(entry.get("rating", 0)),
                                                 entry.get("label"))
            except (ValueError, KeyError, TypeError, AttributeError):
                skipped += 1
        if skipped:
            log.warning("%s: skipped %d unreadable line(s)", self.path, skipped)
        return result

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _open(self):
        if self._file is None:
            existed = self.path.exists()
            f = open(self.path, "ab")
            if existed and f.tell() > 0 and not _ends_with_newline(self.path):
                f.write(b"\n")  # a crash tore the last line; keep the next one separate
            elif not existed:
                fsync_folder(self.path.parent)
            self._file = f
        return self._file


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


def fsync_folder(folder: Path) -> None:
    """Make a new file's directory entry durable too (POSIX; not possible on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
