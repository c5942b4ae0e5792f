"""Export execution: carry out a plan safely, journal it, undo it.

- copy: into a temp file next to the target, fsync, then link/rename into place (never over an
  existing file), modification time kept, size and SHA-256 verified;
- move: a same-disk move is a hard link plus unlink (atomic, never overwrites); across disks it is
  a verified copy, and the source is removed only after the copy's size and SHA-256 match;
- link: a hard link; across disks (or on file systems without links) a copy, with a note saying so.

Every completed step goes to a journal (JSON lines, fsynced per photo) so the whole export is ONE
undoable operation: `undo_export(journal)` moves files back and removes what the export created.
A photo's files are a unit: if its source cannot be read, that photo is skipped (its partial
files removed) and the export goes on. A destination problem (disk full, not writable) stops the
export with a message naming the file and rolls back everything this export created.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import json
import os
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from culler.core.export_plan import Operation

CHUNK = 1 << 20
_NO_LINK = {errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS}


class SourceProblem(Exception):
    """A photo's own file cannot be read or removed: skip that photo, go on with the others."""


class DestinationProblem(Exception):
    """The destination cannot take the file: stop and roll back the whole export."""


@dataclass
class ExportResult:
    ok: bool = True
    done: list[Operation] = field(default_factory=list)  # operations completed and kept
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason) of skipped photos
    notes: list[str] = field(default_factory=list)  # e.g. "copied instead of linked"
    error: str | None = None  # why the export stopped (then everything was rolled back)
    journal: Path | None = None  # pass to undo_export; None when nothing was kept
    cancelled: bool = False
    rolled_back: bool = False
    photos: int = 0  # photos fully exported
    bytes_copied: int = 0


def _default_write(fd: int, data: memoryview) -> int:
    return os.write(fd, data)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _dest_message(path: Path, e: OSError) -> str:
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"The destination is full: no space left while writing {path}"
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"The destination cannot be written: {path} ({e.strerror or e})"
    return f"Could not write {path}: {e.strerror or e}"


def _fsync_dir(folder: Path) -> None:
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


def _place(tmp: Path, target: Path) -> None:
    """Put tmp at target without ever replacing an existing file."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise DestinationProblem(f"{target} appeared during the export; not overwritten") from None
    except OSError as e:
        if e.errno not in _NO_LINK:
            raise
        if os.path.lexists(target):  # no hard links here (e.g. exFAT): check, then rename
            raise DestinationProblem(f"{target} appeared during the export; not overwritten") from None
        os.rename(tmp, target)
        return
    os.unlink(tmp)


def copy_file(source: Path, target: Path, write=_default_write, verify: bool = True) -> tuple[int, str]:
    """Copy via temp file + fsync + no-overwrite placement. Returns (size, sha256)."""
    try:
        src = open(source, "rb")
        st = os.fstat(src.fileno())
    except OSError as e:
        raise SourceProblem(f"cannot read {source}: {e.strerror or e}") from None
    tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.culler-part"
    h = hashlib.sha256()
    size = 0
    try:
        with src:
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except OSError as e:
                raise DestinationProblem(_dest_message(target, e)) from None
            try:
                while True:
                    try:
                        chunk = src.read(CHUNK)
                    except OSError as e:
                        raise SourceProblem(f"cannot read {source}: {e.strerror or e}") from None
                    if not chunk:
                        break
                    h.update(chunk)
                    view = memoryview(chunk)
                    while view:
                        view = view[write(fd, view):]
                    size += len(chunk)
                os.fsync(fd)
            finally:
                os.close(fd)
        os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
        digest = h.hexdigest()
        if verify and (os.path.getsize(tmp) != size or size != st.st_size or _sha256(tmp) != digest):
            raise DestinationProblem(f"the copy of {source} at {target} does not match the original")
        _place(tmp, target)
        _fsync_dir(target.parent)
        return size, digest
    except OSError as e:
        raise DestinationProblem(_dest_message(target, e)) from None
    finally:
        if os.path.lexists(tmp):
            try:
                os.unlink(tmp)
            except OSError:
                pass


def move_file(source: Path, target: Path, write=_default_write) -> None:
    """Move without overwriting: a hard link then unlink on one disk; across disks (or where
    links are impossible) a verified copy, and only then is the source removed."""
    try:
        os.link(source, target)
    except FileExistsError:
        raise DestinationProblem(f"{target} appeared during the export; not overwritten") from None
    except FileNotFoundError:
        if not os.path.lexists(source):
            raise SourceProblem(f"{source} is missing") from None
        raise DestinationProblem(f"The destination folder of {target} is missing") from None
    except OSError as e:
        if e.errno not in _NO_LINK:
            raise DestinationProblem(_dest_message(target, e)) from None
        copy_file(source, target, write=write, verify=True)
        try:
            os.unlink(source)
        except OSError as e2:
            os.unlink(target)
            raise SourceProblem(f"cannot remove {source} after copying it: {e2.strerror or e2}") from None
        return
    try:
        os.unlink(source)
    except OSError as e:
        os.unlink(target)
        raise SourceProblem(f"cannot move {source}: {e.strerror or e}") from None


def link_file(source: Path, target: Path, write=_default_write) -> str | None:
    """Hard link; a copy (with a note) where links are impossible."""
    try:
        os.link(source, target)
        return None
    except FileExistsError:
        raise DestinationProblem(f"{target} appeared during the export; not overwritten") from None
    except FileNotFoundError:
        raise SourceProblem(f"{source} is missing") from None
    except OSError as e:
        if e.errno not in _NO_LINK:
            raise DestinationProblem(_dest_message(target, e)) from None
        copy_file(source, target, write=write)
        why = "across devices" if e.errno == errno.EXDEV else "on this file system"
        return f"{source.name}: a hard link is impossible {why}, so it was copied instead"


# ---- journal ---------------------------------------------------------------------------------

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


def _mkdirs(folder: Path, journal: Journal) -> None:
    missing = []
    p = folder
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir()
        except FileExistsError:
            continue
        except OSError as e:
            raise DestinationProblem(_dest_message(d, e)) from None
        journal.add({"kind": "mkdir", "target": str(d)})


def _write_xmp(op: Operation, journal: Journal, result: ExportResult) -> None:
    from culler.core import xmp  # the album helper's module

    backup = op.target.read_bytes() if op.target.exists() else None
    try:
        xmp.write_sidecar(op.target, op.decision)
    except OSError as e:
        raise DestinationProblem(_dest_message(op.target, e)) from None
    except Exception as e:  # an existing sidecar culler must not merge into: left as it is
        result.notes.append(f"{op.target} was not updated: {e}")
        return
    journal.add({"kind": "xmp", "target": str(op.target),
                 "backup": None if backup is None else base64.b64encode(backup).decode("ascii")})


def _run_one(op: Operation, journal: Journal, write, verify: bool, result: ExportResult) -> None:
    _mkdirs(op.target.parent, journal)
    if op.kind == "xmp":
        _write_xmp(op, journal, result)
        return
    note = None
    if op.kind == "copy":
        size, _ = copy_file(op.source, op.target, write=write, verify=verify)
        result.bytes_copied += size
    elif op.kind == "move":
        move_file(op.source, op.target, write=write)
    elif op.kind == "link":
        note = link_file(op.source, op.target, write=write)
    else:
        raise ValueError(f"unknown operation {op.kind!r}")
    if note:
        result.notes.append(note)
    st = op.target.stat()
    journal.add({"kind": op.kind, "source": str(op.source), "target": str(op.target),
                 "size": st.st_size, "mtime_ns": st.st_mtime_ns})


def _is_cancelled(cancel) -> bool:
    if cancel is None:
        return False
    if hasattr(cancel, "is_set"):
        return cancel.is_set()
    return bool(cancel() if callable(cancel) else cancel)


def _by_photo(plan: list[Operation]) -> list[list[Operation]]:
    units: list[list[Operation]] = []
    for op in plan:
        if units and op.photo_id is not None and units[-1][0].photo_id == op.photo_id:
            units[-1].append(op)
        else:
            units.append([op])
    return units


def check_space(plan: list[Operation]) -> str | None:
    """A message when the destination obviously cannot hold the copies, else None."""
    need: dict[int, int] = {}
    free: dict[int, int] = {}
    for op in plan:
        if op.kind not in ("copy", "move", "link") or op.source is None:
            continue
        existing = op.target.parent
        while not existing.exists() and existing.parent != existing:
            existing = existing.parent
        try:
            dev = os.stat(existing).st_dev
            src_dev = os.stat(op.source).st_dev
            if op.kind != "copy" and dev == src_dev:
                continue  # a same-disk move or link takes no space
            free.setdefault(dev, shutil.disk_usage(existing).free)
            need[dev] = need.get(dev, 0) + os.path.getsize(op.source)
        except OSError:
            continue
    for dev, n in need.items():
        if n > free[dev]:
            return (f"The destination is too small: the export needs {n / 1e6:.1f} MB, "
                    f"{free[dev] / 1e6:.1f} MB are free. Nothing was exported.")
    return None


def execute(plan: list[Operation], progress=None, cancel=None, journal_dir: Path | None = None,
            write=_default_write, verify: bool = True, preflight: bool = True,
            description: str = "export") -> ExportResult:
    """Carry out `plan`. progress(done, total, path) after each file; `cancel` (Event, callable
    or bool) is checked between photos, so a cancelled export leaves whole photos only."""
    result = ExportResult()
    if preflight and (msg := check_space(plan)):
        return ExportResult(ok=False, error=msg)
    try:
        journal = Journal(journal_dir, {"description": description,
                                        "created": datetime.now().isoformat(timespec="seconds")})
    except OSError as e:
        return ExportResult(ok=False, error=f"Cannot record the export in {journal_dir}: {e.strerror or e}")
    done = 0
    total = len(plan)
    for unit in _by_photo(plan):
        if _is_cancelled(cancel):
            result.cancelled = True
            break
        mark = len(journal.records)
        unit_start = done
        try:
            for op in unit:
                try:
                    _run_one(op, journal, write, verify, result)
                except OSError as e:  # anything unforeseen on the destination side
                    raise DestinationProblem(_dest_message(op.target, e)) from None
                done += 1
                if progress:
                    progress(done, total, str(op.target))
        except SourceProblem as e:
            _reverse(journal.records[mark:], result.notes)
            journal.revert_since(mark)
            result.skipped.append((str(unit[0].source or unit[0].target), str(e)))
            done = unit_start + len(unit)
            if progress:
                progress(done, total, str(unit[-1].target))
            continue
        except DestinationProblem as e:
            problems: list[str] = []
            _reverse(journal.records, problems)
            journal.close("rolled back")
            return ExportResult(ok=False, error=f"{e}. The export stopped and the files it had "
                                f"written were removed.", rolled_back=True, skipped=result.skipped,
                                notes=result.notes + problems)
        result.done.extend(unit)
        result.photos += 1
        journal.sync()
    journal.close("cancelled" if result.cancelled else "done")
    result.journal = journal.path if result.done else None
    if journal.path is not None and not result.done:
        journal.path.unlink(missing_ok=True)
    return result


# ---- undo ------------------------------------------------------------------------------------

def _reverse(records: list[dict], problems: list[str]) -> list[str]:
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
                    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.culler-part")
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
    restored = _reverse(records, problems)
    with open(journal_path, "a", encoding="utf-8") as f:
        f.write(json.dumps({"status": "undone", "at": datetime.now().isoformat(timespec="seconds")}) + "\n")
    return UndoResult(not problems, restored, problems)
