"""The append-only decision log: a second, plain-text record of every decision.

One JSON object per line, one line per changed photo per step, written and fsync'd before the
database commits the step (so the log always holds at least what the database holds), and taken
back (`retract`: the file truncated to where the step's lines began) when the database refuses
the step, e.g. on a full disk, so a rebuild never brings back a decision the user was told failed:

    {"seq": 41, "t": 1718000000.25, "op": "decide", "step": 12, "path": "day1/IMG_0001.CR3",
     "flag": "pick", "rating": 3, "label": null}

`seq` rises by one per line (the next one is read from the file's tail, so two programs taking
turns under the database's write lock continue one sequence); the database records the last
`seq` it committed, so at open a cheap look at the tail says whether the database is behind the
log (a copy made without its WAL, a damaged WAL) and which lines to replay. Lines written by
older versions have no `seq` (they count as 0: replayed only into a database that records none).
`op` is decide | undo | redo | import (from an XMP sidecar) | merge (taken from the album's
other session). Replaying in order, the last line per path is that photo's current decision.
A line torn by a crash mid-write is skipped on reading and fenced off by a newline on the next
append.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from culler.core.records import Decision

log = logging.getLogger(__name__)
_TAIL = 4096  # bytes read from the end to find the last sequence number (lines are ~130 bytes)


@dataclass(frozen=True)
class LogEntry:
    seq: int  # 0 for lines of older versions
    t: float
    path: str
    decision: Decision


class DecisionLog:
    """Appends decision lines to one file; not thread-safe on its own (the store serialises)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._file = None
        self.last_written = 0  # seq of the last line `append` wrote

    def append(self, op: str, step: int | None, entries: list[tuple[str, Decision]]) -> int | None:
        """Write one line per (path, decision) and make them durable before returning.

        Returns the file size before the lines (pass it to `retract` to take them back), None
        when there was nothing to write. A failed write takes back whatever part of it landed.
        """
        if not entries:
            return None
        now = round(time.time(), 3)
        f = self._open()
        mark = os.fstat(f.fileno()).st_size
        first = _last_seq(f.fileno(), mark) + 1
        data = "".join(
            json.dumps({"seq": first + i, "t": now, "op": op, "step": step, "path": path,
                        "flag": d.flag, "rating": d.rating, "label": d.label}, ensure_ascii=False,
                       separators=(",", ":")) + "\n"
            for i, (path, d) in enumerate(entries)).encode("utf-8")
        try:
            view = memoryview(data)
            while view:  # unbuffered: a failed write must not linger in a buffer and land later
                view = view[f.write(view):]
            os.fsync(f.fileno())
        except BaseException:
            self.retract(mark)
            raise
        self.last_written = first + len(entries) - 1
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

    def last_seq(self) -> int:
        """The sequence number of the last readable line (0: none), from the file's tail only."""
        try:
            with open(self.path, "rb") as f:
                return _last_seq(f.fileno(), os.fstat(f.fileno()).st_size)
        except OSError:
            return 0

    def entries(self) -> list[LogEntry]:
        """Every readable line, in file order (unreadable ones are skipped with a warning)."""
        try:
            data = self.path.read_bytes()
        except OSError:
            return []
        result, skipped = [], 0
        for line in data.splitlines():
            if not line.strip():
                continue
            entry = _parse(line)
            if entry is None:
                skipped += 1
            else:
                result.append(entry)
        if skipped:
            log.warning("%s: skipped %d unreadable line(s)", self.path, skipped)
        return result

    def latest(self) -> dict[str, Decision]:
        """Each path's last logged decision (what the database held when the log was written)."""
        return {e.path: e.decision for e in self.entries()}

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _open(self):
        if self._file is None:
            existed = self.path.exists()
            f = open(self.path, "a+b", buffering=0)  # read too: the tail holds the last seq
            if existed and f.tell() > 0 and not _ends_with_newline(self.path):
                f.write(b"\n")  # a crash tore the last line; keep the next one separate
            elif not existed:
                fsync_folder(self.path.parent)
            self._file = f
        return self._file


def _parse(line: bytes) -> LogEntry | None:
    try:
        e = json.loads(line)
        seq = e.get("seq", 0)
        if not isinstance(seq, int) or isinstance(seq, bool):
            return None
        return LogEntry(seq, float(e.get("t", 0)), str(e["path"]),
                        Decision(e.get("flag", "none"), int(e.get("rating", 0)), e.get("label")))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _last_seq(fd: int, size: int) -> int:
    """The seq of the last line that has one (0 when none), reading back from the end."""
    window = _TAIL
    while True:
        start = max(0, size - window)
        lines = os.pread(fd, size - start, start).splitlines()
        if start:
            lines = lines[1:]  # probably cut
        for line in reversed(lines):
            entry = _parse(line) if line.strip() else None
            if entry is not None and entry.seq:
                return entry.seq
        if not start:
            return 0
        window *= 8


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
