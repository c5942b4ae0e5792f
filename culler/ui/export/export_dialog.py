"""File › Export… (Ctrl+E): choose what leaves the album and how, see exactly what will happen,
then run it with progress and a Stop button.

What: picks, suggested picks (culler's suggestions plus your picks, minus your rejects), rated N
stars or more, one colour label, or the photos the current filter shows. How: copy, move (the
originals leave the album) or hard link. Where: a folder; laid out flat, one folder per capture
date, or as in the album. File names from a template (with a live example). Optionally an XMP
sidecar with the decision next to each exported file (Adobe or darktable naming) and a report of
the exported photos (CSV, JSON or an HTML contact sheet) in the destination.

The preview (export_preview.py) is the real plan (culler.core.export.make_plan), recomputed a
moment after any option changes. The export runs on a FileJobWorker; a failure shows the core's
message (which names the file) and says nothing half-done was left. Every export is journalled,
so File › Undo last export reverses it (a move puts the originals back).
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout

from culler.ui.base.theme import control_style
from culler.ui.export.export_form import MODES, ExportForm, ExportSource
from culler.ui.export.export_preview import (
    PlanPreview,
    PlanQueue,
    PlanRequest,
    PlanWorker,
    compute_preview,
    example_name,
)
from culler.ui.export.export_worker import FileJobWorker, export_job

PAST = {"copy": "Copied", "move": "Moved", "link": "Linked"}
REFRESH_MS = 150
SYNC_PLAN_LIMIT = 400  # photos; above this the preview is planned on a thread

STYLE = """
QDialog#exportDialog { background-color: #222222; }
QWidget#exportForm, QWidget#exportModes, QWidget#planPreview { background: transparent; }
QDialog#exportDialog QLabel, QDialog#exportDialog QCheckBox,
QDialog#exportDialog QRadioButton { background: transparent; }
QLabel[section="true"] { color: #8f8f8f; font-weight: bold; margin-top: 6px; }
QLabel#exportHint, QLabel#templateExample, QLabel#whatCount, QLabel#picksAsHint { color: #8f8f8f; }
QLabel#planHeadline { color: #ececec; font-size: 11pt; }
QLabel#exportStatus { color: #d8d8d8; }
QLineEdit, QComboBox { background-color: #2c2c2c; border: 1px solid #3c3c3c; border-radius: 3px;
                       padding: 3px 6px; color: #e6e6e6; }
QLineEdit:disabled, QComboBox:disabled { color: #6a6a6a; }
QRadioButton, QCheckBox { color: #d0d0d0; spacing: 8px; }
QRadioButton:disabled, QCheckBox:disabled { color: #6a6a6a; }
QRadioButton::indicator { width: 10px; height: 10px; border-radius: 6px; border: 1px solid #6a6a6a;
                          background-color: #262626; }
QRadioButton::indicator:checked { background-color: #d0d0d0; border-color: #d0d0d0; }
QTreeWidget#planOperations { background-color: #1b1b1b; alternate-background-color: #202020;
                             border: 1px solid #303030; color: #c8c8c8; }
QHeaderView::section { background-color: #262626; color: #9a9a9a; border: none; padding: 3px 6px; }
QProgressBar { background-color: #333333; border: none; border-radius: 4px; color: #e0e0e0;
               text-align: center; max-height: 14px; }
QProgressBar::chunk { background-color: #8a8a8a; border-radius: 4px; }
QPushButton { background-color: #333333; color: #e0e0e0; border: 1px solid #474747; border-radius: 4px;
              padding: 5px 16px; }
QPushButton:default { background-color: #4a4a4a; border-color: #5e5e5e; color: #ffffff; }
QPushButton:disabled { color: #6a6a6a; }
"""


class ExportDialog(QDialog):
    exported = Signal(object)  # the ExportResult, whatever happened (ok, failed, cancelled)
    options_chosen = Signal(dict)  # the options of an export that starts, to remember them
    preview_ready = Signal()  # a new plan is shown

    def __init__(self, source: ExportSource, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle(f"Export from {source.album_root.name}")
        self.setStyleSheet(STYLE + control_style())
        self.source = source
        self.photos = {p.id: p for p in source.photos}
        self.worker: FileJobWorker | None = None
        self.result = None
        self.plan: list = []
        self.summary = None
        self._queue = PlanQueue()
        self._generation = 0
        self._timer = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._timer.timeout.connect(self.refresh_preview)
        self._build()
        self.resize(1080, 640)
        self.refresh_preview()

    # -- building
    def _build(self) -> None:
        self.form = ExportForm(self.source)
        self.form.setFixedWidth(430)
        self.form.changed.connect(self._schedule)
        self.preview = PlanPreview()
        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m files")
        self.progress.hide()
        self.status = QLabel(objectName="exportStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.hide()
        self.export_button = QPushButton("Export", objectName="exportButton")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start_export)
        self.show_button = QPushButton("Show in folder", objectName="exportShow")
        self.show_button.setAutoDefault(False)
        self.show_button.clicked.connect(self.show_in_folder)
        self.show_button.hide()
        self.close_button = QPushButton("Cancel", objectName="exportClose")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)

        body = QHBoxLayout()
        body.setSpacing(18)
        body.addWidget(self.form)
        body.addWidget(self.preview, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addStretch(0)
        buttons.addWidget(self.show_button)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.export_button)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 14, 18, 14)
        outer.addLayout(body, 1)
        outer.addWidget(self.status)
        outer.addLayout(buttons)

    # -- the preview
    def _schedule(self, *_args) -> None:
        if self.worker is None and self.result is None:
            self._timer.start()

    def refresh_preview(self) -> None:
        """Recompute the plan and show what it will do (called a moment after any change): at once
        on a small album, on a PlanWorker thread on a large one (`planning()` is True meanwhile)."""
        self._timer.stop()
        self._generation += 1
        self.plan, self.summary = [], None
        self.export_button.setEnabled(False)
        template = self.form.template()
        first = next((p for p in self.source.photos if p.status == "ok"), None)
        try:
            self.form.show_example(example_name(template, first, self.source.album_root))
        except ValueError as exc:
            self.form.show_example(f"⚠ {exc}", prefix="")
        if self.form.destination() is None:
            self.preview.show_message("Choose where to export", notes=["Nothing happens until you press Export."])
            return
        s = self.source
        req = PlanRequest(self._generation, s.album_root, s.photos, s.decisions, s.groups, self.form.options(),
                          self.form.selection_text())
        if len(s.photos) <= SYNC_PLAN_LIMIT:
            self._planned(compute_preview(req, self._queue.sizes))
            return
        self.preview.headline.setText("Planning…")
        if self._queue.put(req):
            worker = PlanWorker(self._queue, self.parentWidget() or self)  # outlives the dialog if need be
            worker.planned.connect(self._planned)
            worker.finished.connect(worker.deleteLater)
            worker.start()

    def planning(self) -> bool:
        return self.summary is None and self._queue.active

    def _planned(self, outcome) -> None:
        if outcome.generation != self._generation or self.worker is not None:
            return  # the options changed since, or the export already runs
        if outcome.error:
            self.preview.show_message("Cannot export with these options", errors=[outcome.error])
            return
        self.plan, self.summary = outcome.plan, outcome.summary
        self.preview.show_summary(self.summary, self.form.destination())
        if self.summary.example:  # the first photo this export takes, under its new name
            self.form.show_example(self.summary.example)
        n = self.summary.photos
        self.export_button.setText(f"{MODES[self.form.mode()]} {n:,} photo{'s' if n != 1 else ''}" if n else "Export")
        self.export_button.setEnabled(self.summary.can_export)
        self.preview_ready.emit()

    # -- running
    def running(self) -> bool:
        return self.worker is not None

    def start_export(self) -> None:
        """Run the export previewed. The job plans again just before it starts (the destination may
        have changed since the preview): a name taken meanwhile gets _1, nothing is overwritten."""
        if self.summary is None or not self.summary.can_export or self.worker is not None:
            return
        s, options = self.source, self.form.options()
        self.options_chosen.emit(self.form.remembered())
        report = self.form.report_format()
        rows = None
        if report and s.report_rows is not None:
            chosen = [self.photos[i] for i in dict.fromkeys(op.photo_id for op in self.plan) if i in self.photos]
            rows = s.report_rows(chosen)
        description = f"{self.form.mode()} {self.summary.photos} {self.form.selection_text()} to {options.dest}"
        request = PlanRequest(self._generation, s.album_root, s.photos, s.decisions, s.groups, options, "")
        job = export_job(request, s.journal_dir, description, report, rows, s.thumbnail_dir)
        self.worker = FileJobWorker(job, "the export", self)
        self.worker.progress.connect(self._progress)
        self.worker.done.connect(self._finished)
        self.worker.failed.connect(self._failed)
        self.worker.finished.connect(self._worker_gone)
        self.form.set_editable(False)
        self.export_button.setEnabled(False)
        self.close_button.setText("Stop")
        self.progress.setRange(0, max(1, len(self.plan)))
        self.progress.setValue(0)
        self.progress.show()
        self._say(f"{MODES[self.form.mode()].replace('Hard link', 'Linking')}…")
        self.worker.start()

    def _progress(self, done: int, total: int, path: str) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self._say(html.escape(Path(path).name))

    def _finished(self, result) -> None:
        self.result = result
        self._show_result(result)
        self.exported.emit(result)

    def _failed(self, message: str) -> None:
        from culler.core.export import ExportResult

        self._finished(ExportResult(ok=False, error=message))

    def _worker_gone(self) -> None:
        self.worker = None
        self.close_button.setText("Close")
        self.close_button.setEnabled(True)
        self.close_button.setDefault(True)

    def _show_result(self, r) -> None:
        mode = self.form.mode()
        lines = []
        if not r.ok:
            lines.append(f'<span style="color:#e0776f">⚠ {html.escape(r.error or "The export failed.")}</span>')
            if r.rolled_back or not r.done:
                lines.append("Nothing half-done was left behind: " + ("every original is back in the album."
                             if mode == "move" else "the originals are untouched."))
        else:
            verb = PAST[mode]
            dest = html.escape(str(self.form.destination()))
            n_files = sum(1 for op in r.done if op.kind != "xmp")
            n_xmp = len(r.done) - n_files
            extra = f", {n_xmp:,} sidecar{'s' if n_xmp != 1 else ''} written" if n_xmp else ""
            text = (f"{verb} {r.photos:,} photo{'s' if r.photos != 1 else ''} ({n_files:,} "
                    f"file{'s' if n_files != 1 else ''}{extra}) to {dest}.")
            lines.append(f"Stopped: {text} Whole photos only." if r.cancelled else f"✓ {text}")
            self.preview.show_done(f"Stopped: {text}" if r.cancelled else f"Done: {text}")
            if r.done:
                lines.append("File › Undo last export " + ("puts them back." if mode == "move" else "removes them."))
        lines += [html.escape(f"Skipped {path}: {why}") for path, why in r.skipped]
        lines += [html.escape(note) for note in r.notes]
        self._say("<br>".join(lines))
        self.progress.hide()
        if r.ok:
            self.export_button.hide()
            self.show_button.setVisible(bool(r.done))
        else:  # another folder, or the same once there is room: the options are still there
            self.result = None
            self.form.set_editable(True)
            self.refresh_preview()

    # how "Show in folder" opens a folder (a test puts a recorder here)
    open_url = staticmethod(QDesktopServices.openUrl)

    def show_in_folder(self) -> None:
        dest = self.form.destination()
        if dest is not None:
            self.open_url(QUrl.fromLocalFile(str(dest)))

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def reject(self) -> None:
        """Esc / Cancel: while the export runs, stop it between photos; else close."""
        if self.worker is not None:
            self.worker.cancel()
            self.close_button.setEnabled(False)
            self._say("Stopping after the current photo…")
            return
        super().reject()

    def closeEvent(self, event) -> None:
        if self.worker is not None:
            self.reject()
            event.ignore()
            return
        super().closeEvent(event)
