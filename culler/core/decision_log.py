"""The append-only decision log: a second, plain-text record of every decision.

One JSON object per line, one line per changed photo per step, written and fsync'd before the
database commits the step (so the log always holds at least what the database holds), and taken
back (`retract`: the file truncated to where the step's lines began) when the database refuses
the step, e.g. on a full disk, so a rebuild never brings back a decision the user was told failed:

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

    def append(self, op: str, step: int | None, entries: list[tuple[str, Decision]]) -> int | None:
        """Write one line per (path, decision) and make them durable before returning.

        Returns the file size before the lines (pass it to `retract` to take them back), None
        when there was nothing to write. A failed write takes back whatever part of it landed.
        """
        if not entries:
            return None
        now = round(time.time(), 3)
        data = "".join(
            json.dumps({"t": now, "op": op, "step": step, "path": path, "flag": d.flag,
                        "rating": d.rating, "label": d.label}, ensure_ascii=False,
                       separators=(",", ":")) + "\n"
            for path, d in entries).encode("utf-8")
        f = self._open()
        mark = os.fstat(f.fileno()).st_size
        try:
            view = memoryview(data)
            while view:  # unbuffered: a failed write must not linger in a buffer and land later
                view = view[f.write(view):]
            os.fsync(f.fileno())
        except BaseException:
            self.retract(mark)
            raise
        return mark

    def retract(self, mark: int) -> None:
        """Take back every line written since `mark` (a value `append` returned): the database
        refused the step they describe. Truncating needs no free space, unlike a compensating
        line, so it works on the full disk that usually causes the refusal."""
        if self._file is None:
            return
        try:
            os.ftruncate(self._file.fileno(), mark)
            os.fsync(self._file.fileno())
        except OSError:
            log.exception("%s: could not take back the lines of a refused decision; a rebuild "
                          "from this log may bring that decision back", self.path)

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
            f = open(self.path, "ab", buffering=0)
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
