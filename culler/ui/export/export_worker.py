"""Runs one file job (an export, moving or trashing rejects, undoing an export, rescanning the
album) on a QThread so the window never waits on the disk.

The job is a plain function `job(progress, cancel) -> result`: `progress(done, total, path)` may be
called from the job's thread (it becomes the `progress` signal, delivered on the GUI thread) and
`cancel` is a threading.Event the job checks between photos (culler.core.export.execute does).
An exception in the job becomes the `failed` signal with a sentence for the user; the job's own
result (e.g. an ExportResult with ok=False and a message) comes through `done`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QThread, Signal

log = logging.getLogger(__name__)

Job = Callable[[Callable[[int, int, str], None], threading.Event], object]


class FileJobWorker(QThread):
    progress = Signal(int, int, str)  # done, total, the file just handled
    done = Signal(object)  # the job's result
    failed = Signal(str)  # the job raised: why, in words

    def __init__(self, job: Job, description: str = "file job", parent=None) -> None:
        super().__init__(parent)
        self.job = job
        self.description = description
        self.cancel_event = threading.Event()
        self.result = None
        self.error: str | None = None

    def cancel(self) -> None:
        """Ask the job to stop between photos (whole photos only are ever left behind)."""
        self.cancel_event.set()

    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def run(self) -> None:
        try:
            self.result = self.job(self._progress, self.cancel_event)
        except Exception as exc:  # reported to the user, the window goes on
            log.exception("%s failed", self.description)
            self.error = f"{self.description[:1].upper()}{self.description[1:]} failed: {exc}"
            self.failed.emit(self.error)
            return
        self.done.emit(self.result)

    def _progress(self, done: int, total: int, path: str) -> None:
        self.progress.emit(int(done), int(total), str(path))


# ---- the export job ----------------------------------------------------------------------------

REPORT_NAME = "culler-report"


def export_job(request, journal_dir: Path, description: str, report_format: str | None = None,
               report_rows: list[dict] | None = None, thumbnail_dir: Path | None = None) -> Job:
    """A job that plans the export of `request` (an export_preview.PlanRequest) afresh, runs
    `culler.core.export.execute` with progress and cancel and, when the export went through, writes
    the report of the exported photos into the destination (recorded in the export's journal, so
    undoing the export removes it too)."""

    def job(progress, cancel):
        from culler.core.export import ExportResult, execute, make_plan

        r = request
        try:
            plan = make_plan(r.album_root, r.photos, r.decisions, r.options, r.groups)
        except ValueError as exc:
            return ExportResult(ok=False, error=str(exc))
        result = execute(plan, progress=progress, cancel=cancel, journal_dir=journal_dir,
                         description=description)
        if result.ok and result.done and report_format and not result.cancelled:
            try:
                path = write_export_report(result, r.album_root, Path(r.options.dest), report_format,
                                           report_rows or [], {p.id: p for p in r.photos}, thumbnail_dir)
                result.notes.append(f"Report: {path}")
            except (OSError, ValueError) as exc:
                result.notes.append(f"The report could not be written: {exc}")
        return result

    return job


def write_export_report(result, album_root: Path, dest: Path, report_format: str, rows: list[dict],
                        photos: dict, thumbnail_dir: Path | None) -> Path:
    """DEST/culler-report.<csv|json|html> (or _1, _2, ... when taken) of the exported photos."""
    import json
    import os

    from culler.core import reports

    exported = {op.photo_id for op in result.done}
    rows = [r for r in rows if r.get("id") in exported]
    dest = Path(dest)
    path = dest / f"{REPORT_NAME}.{report_format}"
    n = 0
    while os.path.lexists(path):
        n += 1
        path = dest / f"{REPORT_NAME}_{n}.{report_format}"
    target_of = {op.source: op.target for op in result.done if op.source is not None}

    def thumbnail(row):
        from culler.core.decode import load_image
        from culler.core.decode import thumbnail as cached_thumbnail

        photo = photos.get(row.get("id"))
        if photo is None:
            return None
        source = Path(album_root) / photo.display_path
        if source.exists():
            return cached_thumbnail(photo, album_root, thumbnail_dir, 256)
        moved = target_of.get(source)
        return load_image(moved, 256, exact=True) if moved is not None else None

    reports.write_report(path, rows, album_root, thumbnail)
    if result.journal is not None:  # one more file the export created: undo removes it as well
        st = path.stat()
        with open(result.journal, "a", encoding="utf-8") as f:
            f.write(json.dumps({"kind": "copy", "source": None, "target": str(path),
                                "size": st.st_size, "mtime_ns": st.st_mtime_ns}) + "\n")
    return path

