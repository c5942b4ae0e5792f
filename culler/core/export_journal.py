"""The export journal (JSON lines) and undoing from it.

Every file operation is journalled twice: an intent before it (`{"kind": "intent", "op": "move",
"source", "target", "link"}`), made durable (fsync) with the intents of the photo's other files
before the first of them is touched, and its result after it (`{"kind": "move", "source",
"target", "size", "mtime_ns", "link"}`; `link`: the text of a symbolic link that was moved),
fsync'd when the photo is done. A process killed anywhere leaves intents without results for one
photo at most, and undo finds each of those files wherever the kill left it: still at its source,
half-copied (`part_path`, removed), copied but not yet removed from the source (the copy
removed), or already moved (moved back).

An export or a reject move is ONE undoable operation: `undo_export(journal)` walks the records
newest first, moves files back, removes copies, links, folders and sidecars the export created
(a copy changed since is left in place, with a note), and restores sidecars it merged into.
The journal is marked undone only when everything was put back; otherwise (a destination disk
unplugged) the same undo can be run again later and does only what is left.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from culler.core.decision_log import fsync_folder
from culler.core.export_files import DestinationProblem, SourceProblem, move_file, part_path, same_content

FINISHED = ("undone", "rolled back")  # statuses after which a journal has nothing left to undo


class Journal:
    """Append-only record of steps (JSON lines, each fsync'd); kept in memory when no folder is given."""

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
            self.sync()
            fsync_folder(folder)  # the journal's name must survive a power cut too

    def _write(self, record: dict) -> None:
        if self._file is not None:
            self._file.write(json.dumps(record) + "\n")

    def sync(self) -> None:
        """Make every line written so far durable."""
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())

    def intend(self, op: str, source: Path, target: Path, link: str | None = None) -> None:
        """Say what is about to happen to a file (`link`: the text of the symbolic link `source`
        is); `sync` before doing it."""
        self.add({"kind": "intent", "op": op, "source": str(source), "target": str(target), "link": link})

    def add(self, record: dict, sync: bool = False) -> None:
        _append(self.records, record)
        self._write(record)
        if sync:
            self.sync()

    def revert_since(self, mark: int) -> None:
        """Forget the steps after `mark` (they were just undone); the file says how many."""
        self._write({"kind": "reverted", "steps": len(self.records) - mark})
        del self.records[mark:]

    def close(self, status: str) -> None:
        self._write({"status": status, "at": datetime.now().isoformat(timespec="seconds")})
        if self._file is not None:
            self.sync()
            self._file.close()
            self._file = None


def _append(records: list[dict], record: dict, window: int = 64) -> None:
    """Add a record; a result replaces its intent (same target, among the photo's last records)."""
    if record.get("kind") not in ("intent", "mkdir", "xmp"):
        for i in range(len(records) - 1, max(-1, len(records) - 1 - window), -1):
            r = records[i]
            if r.get("kind") == "intent" and r.get("target") == record.get("target"):
                records[i] = record
                return
    records.append(record)


def _copy_back(target: Path, source: Path, problems: list[str]) -> bool:
    """Put back a file whose copy at `target` may or may not have reached `source` (or still be
    its only copy). True when `source` holds it afterwards and `target` is gone."""
    part_path(source).unlink(missing_ok=True)  # an undo killed while copying back
    there, here = os.path.lexists(target), os.path.lexists(source)
    if here and there:
        if not same_content(source, target):
            problems.append(f"{source} exists again; {target} was left where it is")
            return False
        target.unlink()
        return True
    if here:
        return True  # put back by an earlier, interrupted undo
    if not there:
        problems.append(f"{target} is not there (is the destination disk connected?); "
                        f"run the undo again once it is, to put it back at {source}")
        return False
    source.parent.mkdir(parents=True, exist_ok=True)
    move_file(target, source)
    return True


def _remove_copy(r: dict, target: Path, problems: list[str]) -> bool:
    if not os.path.lexists(target):
        return False
    st = target.stat()
    if st.st_size != r["size"] or st.st_mtime_ns != r["mtime_ns"]:
        problems.append(f"{target} changed since the export; left in place")
        return False
    target.unlink()
    return True


def _reverse_intent(r: dict, target: Path, problems: list[str]) -> bool:
    """An operation that was started and never reported done (the process was killed)."""
    part_path(target).unlink(missing_ok=True)
    source = Path(r["source"])
    if not os.path.lexists(target):
        return False  # it never got there: the source is untouched
    if r.get("op") == "move" and not os.path.lexists(source):
        if r.get("link") is None:
            return _copy_back(target, source, problems)
        os.symlink(r["link"], source)  # the link was removed after its file was copied
    if same_content(source, target):  # a finished copy or link whose result line never landed
        target.unlink()
        return r.get("op") == "move"
    problems.append(f"{target} was being written when the export stopped and differs from {source}; "
                    "left in place")
    return False


def reverse_records(records: list[dict], problems: list[str]) -> list[str]:
    """Undo journal records, newest first. Returns the restored paths; problems get messages."""
    restored = []
    for r in reversed(records):
        kind = r.get("kind")
        target = Path(r["target"]) if "target" in r else None
        try:
            if kind == "intent":
                if _reverse_intent(r, target, problems):
                    restored.append(r["source"])
            elif kind == "move":
                source = Path(r["source"])
                if r.get("link") is not None:  # a symbolic link: put the link back, drop the copy
                    if not os.path.lexists(source):
                        os.symlink(r["link"], source)
                    _remove_copy(r, target, problems)
                    restored.append(str(source))
                elif _copy_back(target, source, problems):
                    restored.append(str(source))
            elif kind in ("copy", "link"):
                if _remove_copy(r, target, problems):
                    restored.append(str(target))
            elif kind == "xmp":
                if r.get("backup") is None:
                    target.unlink(missing_ok=True)
                else:
                    # short: see export_files
                    tmp = target.with_name(f".{target.name[:40]}.{secrets.token_hex(4)}.culler-part")
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
            _append(records, r)
    return header, records, status


def clean_leftovers(journal_dir: Path) -> None:
    """Remove the half-written copies of exports that were killed (journals without a status)."""
    for path in Path(journal_dir).glob("export-*.jsonl"):
        try:
            with open(path, "rb") as f:  # a finished journal ends with its status: look there first
                f.seek(max(0, f.seek(0, os.SEEK_END) - 200))
                if b'"status"' in f.read().rstrip().rsplit(b"\n", 1)[-1]:
                    continue
            _header, records, status = read_journal(path)
        except (OSError, UnicodeDecodeError):
            continue
        if status is None:
            for r in records:
                if r.get("kind") == "intent":
                    try:
                        part_path(Path(r["target"])).unlink(missing_ok=True)
                    except OSError:
                        pass


def undo_export(journal_path: Path) -> UndoResult:
    """Undo a whole export (or reject move): files moved back, created files and folders removed.
    Marked undone only when nothing is left to put back; otherwise it can be run again."""
    journal_path = Path(journal_path)
    header, records, status = read_journal(journal_path)
    if status in FINISHED:
        return UndoResult(False, [], [f"{journal_path.name} was already undone"])
    problems: list[str] = []
    restored = reverse_records(records, problems)
    now = datetime.now().isoformat(timespec="seconds")
    with open(journal_path, "a", encoding="utf-8") as f:
        f.write(json.dumps({"status": "undone" if not problems else "partly undone", "at": now}) + "\n")
        f.flush()
        os.fsync(f.fileno())
    return UndoResult(not problems, restored, problems)
