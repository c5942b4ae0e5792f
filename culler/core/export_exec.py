"""Export execution: carry out a plan safely (file primitives in export_files.py) and journal
it (export_journal.py) so it can be undone.

Every file operation is journalled with an intent before it and its result after it (JSON lines;
see export_journal.py): a photo's intents are fsync'd before its first file is touched, its
results after its last, so the whole export is ONE undoable operation, even after a kill:
`undo_export(journal)` moves files back and removes what the export created.
A photo's files are a unit: if its source cannot be read, that photo is skipped (its partial
files removed) and the export goes on. A destination problem (disk full, not writable) stops the
export with a message naming the file and rolls back everything this export created.
"""

from __future__ import annotations

import base64
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from culler.core.export_files import (
    DestinationProblem,
    SourceProblem,
    copy_file,
    default_write,
    dest_message,
    link_file,
    move_file,
    move_symlink,
)
from culler.core.export_journal import Journal, clean_leftovers, reverse_records
from culler.core.export_plan import Operation


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
            raise DestinationProblem(dest_message(d, e)) from None
        journal.add({"kind": "mkdir", "target": str(d)})


def _write_xmp(op: Operation, journal: Journal, result: ExportResult) -> None:
    from culler.core import xmp  # the album helper's module
    from culler.core.picks_as import PicksAs

    backup = op.target.read_bytes() if op.target.exists() else None
    mark = len(journal.records)
    journal.add({"kind": "xmp", "target": str(op.target),  # before writing: undo restores the backup
                 "backup": None if backup is None else base64.b64encode(backup).decode("ascii")}, sync=True)
    try:
        xmp.write_sidecar(op.target, op.decision, PicksAs.parse(op.picks_as), keywords=list(op.keywords))
    except OSError as e:
        raise DestinationProblem(dest_message(op.target, e)) from None
    except Exception as e:  # an existing sidecar culler must not merge into: left as it is
        journal.revert_since(mark)
        result.notes.append(f"{op.target} was not updated: {e}")


def _link_text(op: Operation) -> str | None:
    """The text of the symbolic link a move takes away (undo recreates it), else None."""
    return os.readlink(op.source) if op.kind == "move" and os.path.islink(op.source) else None


def _start_unit(unit: list[Operation], journal: Journal) -> None:
    """Make the photo's folders, then journal an intent for each of its files, durably."""
    for op in unit:
        if op.kind not in ("copy", "move", "link", "xmp"):
            raise ValueError(f"unknown operation {op.kind!r}")
        try:
            _mkdirs(op.target.parent, journal)
        except OSError as e:
            raise DestinationProblem(dest_message(op.target, e)) from None
    for op in unit:
        if op.kind != "xmp":
            journal.intend(op.kind, op.source, op.target, _link_text(op))
    journal.sync()


def _run_one(op: Operation, journal: Journal, write, verify: bool, result: ExportResult) -> None:
    if op.kind == "xmp":
        _write_xmp(op, journal, result)
        return
    link = _link_text(op)
    note = None
    if op.kind == "copy":
        size, _ = copy_file(op.source, op.target, write=write, verify=verify)
        result.bytes_copied += size
    elif link is not None:
        move_symlink(op.source, op.target, write=write)
    elif op.kind == "move":
        move_file(op.source, op.target, write=write)
    else:
        note = link_file(op.source, op.target, write=write)
    if note:
        result.notes.append(note)
    st = op.target.stat()
    journal.add({"kind": op.kind, "source": str(op.source), "target": str(op.target),
                 "size": st.st_size, "mtime_ns": st.st_mtime_ns, "link": link})


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
            write=default_write, verify: bool = True, preflight: bool = True,
            description: str = "export") -> ExportResult:
    """Carry out `plan`. progress(done, total, path) after each file; `cancel` (Event, callable
    or bool) is checked between photos, so a cancelled export leaves whole photos only."""
    result = ExportResult()
    if preflight and (msg := check_space(plan)):
        return ExportResult(ok=False, error=msg)
    if journal_dir is not None and journal_dir.is_dir():
        clean_leftovers(journal_dir)
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
            try:
                _start_unit(unit, journal)
            except OSError as e:  # a link vanished before its text was read, or the journal failed
                raise SourceProblem(f"cannot start exporting {unit[0].source}: {e.strerror or e}") from None
            for op in unit:
                try:
                    _run_one(op, journal, write, verify, result)
                except OSError as e:  # anything unforeseen on the destination side
                    raise DestinationProblem(dest_message(op.target, e)) from None
                done += 1
                if progress:
                    progress(done, total, str(op.target))
        except SourceProblem as e:
            reverse_records(journal.records[mark:], result.notes)
            journal.revert_since(mark)
            result.skipped.append((str(unit[0].source or unit[0].target), str(e)))
            done = unit_start + len(unit)
            if progress:
                progress(done, total, str(unit[-1].target))
            continue
        except DestinationProblem as e:
            problems: list[str] = []
            reverse_records(journal.records, problems)
            journal.close("rolled back")
            return ExportResult(ok=False, error=f"{e}. The export stopped and the files it had "
                                f"written were removed.", rolled_back=True, skipped=result.skipped,
                                notes=result.notes + problems)
        journal.sync()
        result.done.extend(unit)
        result.photos += 1
    journal.close("cancelled" if result.cancelled else "done")
    result.journal = journal.path if result.done else None
    if journal.path is not None and not result.done:
        journal.path.unlink(missing_ok=True)
    return result
