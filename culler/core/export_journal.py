"""The export journal (JSON lines, one record per completed step) and undoing from it.

An export or a reject move is ONE undoable operation: `undo_export(journal)` walks the records
newest first, moves files back, removes copies, links, folders and sidecars the export created
(a copy changed since is left in place, with a note), and restores sidecars it merged into.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from culler.core.export_files import DestinationProblem, SourceProblem, move_file


class Journal:
    """Append-only record of completed steps (JSON lines); kept in memory when no folder is given."""

    def __init__(self, folder: Path | None, header: dict):
        self.records: list[dict] = []
        self.path: Path | None = None
        self._file = None
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            self.path = folder / f"export-{stamp}-{secrets.token_hex(3)}.jsonl"
            self._file = open(self.path, "x", encoding="utf-8")
            self._write({"header": header})

    def _write(self, record: dict) -> None:
        if self._file is not None:
            self._file.write(json.dumps(record) + "\n")

    def add(self, record: dict) -> None:
        self.records.append(record)
        self._write(record)

    def revert_since(self, mark: int) -> None:
        """Forget the steps after `mark` (they were just undone); the file says how many."""
        self._write({"kind": "reverted", "steps": len(self.records) - mark})
        del self.records[mark:]

    def sync(self) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())

    def close(self, status: str) -> None:
        self._write({"status": status, "at": datetime.now().isoformat(timespec="seconds")})
        if self._file is not None:
            self.sync()
            self._file.close()
            self._file = None


def reverse_records(records: list[dict], problems: list[str]) -> list[str]:
    """Undo journal records, newest first. Returns the restored paths; problems get messages."""
    restored = []
    for r in reversed(records):
        kind = r.get("kind")
        target = Path(r["target"]) if "target" in r else None
        try:
            if kind == "move":
                source = Path(r["source"])
                if os.path.lexists(source):
                    problems.append(f"{source} exists again; {target} was left where it is")
                    continue
                source.parent.mkdir(parents=True, exist_ok=True)
                move_file(target, source)
                restored.append(str(source))
            elif kind in ("copy", "link"):
                if not target.exists():
                    continue
                st = target.stat()
                if st.st_size != r["size"] or st.st_mtime_ns != r["mtime_ns"]:
                    problems.append(f"{target} changed since the export; left in place")
                    continue
                target.unlink()
                restored.append(str(target))
            elif kind == "xmp":
                if r.get("backup") is None:
                    target.unlink(missing_ok=True)
                else:
                    tmp = target.with_name(f".{target.name[:40]}.{secrets.token_hex(4)}.culler-part")  # short: see export_files
                    tmp.write_bytes(base64.b64decode(r["backup"]))
                    os.replace(tmp, target)
                restored.append(str(target))
            elif kind == "mkdir":
                try:
                    target.rmdir()
                except OSError:
                    pass  # not empty: something else lives there now
        except (OSError, SourceProblem, DestinationProblem) as e:
            problems.append(f"could not undo {kind} of {target}: {e}")
    return restored


@dataclass
class UndoResult:
    ok: bool
    restored: list[str]
    problems: list[str]


def read_journal(path: Path) -> tuple[dict, list[dict], str | None]:
    """(header, step records, last status) of a journal file."""
    header, records, status = {}, [], None
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError:
            continue  # a torn last line after a crash: the steps before it are still good
        if "header" in r:
            header = r["header"]
        elif "status" in r:
            status = r["status"]
        elif r.get("kind") == "reverted":
            del records[len(records) - int(r.get("steps", 0)):]
        else:
            records.append(r)
    return header, records, status


def undo_export(journal_path: Path) -> UndoResult:
    """Undo a whole export (or reject move): files moved back, created files and folders removed."""
    journal_path = Path(journal_path)
    header, records, status = read_journal(journal_path)
    if status in ("undone", "rolled back"):
        return UndoResult(False, [], [f"{journal_path.name} was already undone"])
    problems: list[str] = []
    restored = reverse_records(records, problems)
    with open(journal_path, "a", encoding="utf-8") as f:
        f.write(json.dumps({"status": "undone", "at": datetime.now().isoformat(timespec="seconds")}) + "\n")
    return UndoResult(not problems, restored, problems)
