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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QDialog, QFileDialog, QGridLayout,
                               QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton, QRadioButton,
                               QVBoxLayout, QWidget)

from culler.core.records import LABELS, Decision, GroupRow, Photo
from culler.ui.export_preview import PlanPreview, example_name, summarize
from culler.ui.export_worker import FileJobWorker, export_job

WHAT = {"picks": "Picks", "suggested": "Suggested picks", "rated": "Rated", "label": "Label",
        "filter": "What the grid shows"}
WHAT_TIPS = {"suggested": "culler's suggested picks plus your own picks, minus anything you rejected",
             "filter": "The photos the current filter shows, including frames hidden in collapsed stacks"}
MODES = {"copy": "Copy", "move": "Move", "link": "Hard link"}
LAYOUTS = {"flat": "All in one folder", "date": "A folder per capture date (2024-06-01/)",
           "album": "As in the album (album name/subfolders/)"}
TEMPLATES = ("{name}", "{date}_{name}", "{date:%Y-%m-%d}_{seq:04d}", "{date}_{time}_{seq:03d}_{name}")
XMP_STYLES = {"adobe": "IMG_0001.xmp — Lightroom, Capture One, Photo Mechanic",
              "darktable": "IMG_0001.CR3.xmp — darktable, digiKam"}
REPORTS = {"html": "HTML contact sheet", "csv": "CSV table", "json": "JSON"}
PAST = {"copy": "Copied", "move": "Moved", "link": "Linked"}
REFRESH_MS = 150

STYLE = """
QDialog#exportDialog { background-color: #222222; }
QWidget#exportForm, QWidget#exportModes, QWidget#planPreview { background: transparent; }
QDialog#exportDialog QLabel, QDialog#exportDialog QCheckBox, QDialog#exportDialog QRadioButton { background: transparent; }
QLabel[section="true"] { color: #8f8f8f; font-weight: bold; margin-top: 6px; }
QLabel#exportHint, QLabel#templateExample, QLabel#whatCount { color: #8f8f8f; }
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
QCheckBox::indicator { width: 11px; height: 11px; border: 1px solid #6a6a6a; border-radius: 2px;
                       background-color: #262626; }
QCheckBox::indicator:checked { background-color: #d0d0d0; border-color: #d0d0d0; }
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


@dataclass
class ExportSource:
    """What the dialog needs to know about the open album (a GUI-thread snapshot)."""

    album_root: Path
    photos: list[Photo]  # album order
    decisions: dict[int, Decision]
    groups: dict[int, GroupRow]
    journal_dir: Path  # where export journals go (next to the album's session store)
    filter_ids: list[int] = field(default_factory=list)
    filter_description: str = "all photos"
    saved: dict = field(default_factory=dict)  # the options of the last export from this album
    report_rows: Callable[[list[Photo]], list[dict]] | None = None
    thumbnail_dir: Path | None = None


def _section(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("section", True)
    return label


def _combo(items: dict, current=None) -> QComboBox:
    combo = QComboBox()
    for key, text in items.items():
        combo.addItem(text, key)
    if current is not None and combo.findData(current) >= 0:
        combo.setCurrentIndex(combo.findData(current))
    return combo


class ExportDialog(QDialog):
    exported = Signal(object)  # the ExportResult, whatever happened (ok, failed, cancelled)
    options_chosen = Signal(dict)  # the options of an export that starts, to remember them

    def __init__(self, source: ExportSource, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle(f"Export from {source.album_root.name}")
        self.setStyleSheet(STYLE)
        self.source = source
        self.photos = {p.id: p for p in source.photos}
        self.worker: FileJobWorker | None = None
        self.result = None
        self.plan: list = []
        self.summary = None
        self._sizes: dict[Path, int] = {}
        self._timer = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._timer.timeout.connect(self.refresh_preview)
        saved = source.saved or {}
        self._build(saved)
        self.resize(1080, 640)
        self.refresh_preview()

    # -- building
    def _build(self, saved: dict) -> None:
        form = QGridLayout()
        form.setColumnStretch(1, 1)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(5)
        row = 0

        def add(widget, col=0, span=3):
            nonlocal row
            form.addWidget(widget, row, col, 1, span)
            row += 1

        add(_section("What"))
        self.what_group = QButtonGroup(self)
        self.what_buttons: dict[str, QRadioButton] = {}
        self.what_counts: dict[str, QLabel] = {}
        self.rating_combo = _combo({n: f"{'★' * n} or more" for n in range(1, 6)}, saved.get("rating", 3))
        self.label_combo = _combo({name: name for name in LABELS}, saved.get("label"))
        for key, text in WHAT.items():
            button = QRadioButton(text if key != "filter" else f"{text} ({self.source.filter_description})")
            button.setToolTip(WHAT_TIPS.get(key, ""))
            self.what_group.addButton(button)
            self.what_buttons[key] = button
            count = QLabel(objectName="whatCount")
            count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.what_counts[key] = count
            form.addWidget(button, row, 0, 1, 1 if key in ("rated", "label") else 2)
            if key in ("rated", "label"):
                form.addWidget(self.rating_combo if key == "rated" else self.label_combo, row, 1)
            form.addWidget(count, row, 2)
            row += 1
        self.what_buttons.get(saved.get("what"), self.what_buttons["picks"]).setChecked(True)

        add(_section("How"))
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[str, QRadioButton] = {}
        modes = QHBoxLayout()
        for key, text in MODES.items():
            button = QRadioButton(text)
            self.mode_group.addButton(button)
            self.mode_buttons[key] = button
            modes.addWidget(button)
        modes.addStretch(1)
        self.mode_buttons.get(saved.get("mode"), self.mode_buttons["copy"]).setChecked(True)
        holder = QWidget(objectName="exportModes")
        holder.setLayout(modes)
        modes.setContentsMargins(0, 0, 0, 0)
        add(holder)

        add(_section("Where"))
        self.dest_edit = QLineEdit(saved.get("dest", ""), objectName="exportDest")
        self.dest_edit.setPlaceholderText("Choose a folder…")
        self.choose_button = QPushButton("Choose…")
        self.choose_button.setAutoDefault(False)
        self.choose_button.clicked.connect(self.choose_destination)
        form.addWidget(self.dest_edit, row, 0, 1, 2)
        form.addWidget(self.choose_button, row, 2)
        row += 1
        self.layout_combo = _combo(LAYOUTS, saved.get("layout"))
        add(self.layout_combo)

        add(_section("File names"))
        self.template_combo = QComboBox(objectName="nameTemplate")
        self.template_combo.setEditable(True)
        self.template_combo.addItems(TEMPLATES)
        self.template_combo.setCurrentText(saved.get("template", TEMPLATES[0]))
        self.template_combo.setToolTip("Fields: {date} {time} {seq} {name} {ext} {camera} {rating} {label};\n"
                                       "{date:%Y-%m-%d} and {seq:04d} set their format. Each file keeps its "
                                       "extension; a RAW+JPEG pair keeps one name.")
        add(self.template_combo)
        self.example = QLabel(objectName="templateExample")
        self.example.setWordWrap(True)
        add(self.example)

        add(_section("Extras"))
        self.xmp_check = QCheckBox("XMP sidecar with the decision, next to each photo:")
        self.xmp_check.setToolTip("Flag, stars and label as xmp:Rating / xmp:Label, merged into a sidecar "
                                  "that travels with the photo")
        self.xmp_check.setChecked(bool(saved.get("xmp", False)))
        add(self.xmp_check)
        self.xmp_style_combo = _combo(XMP_STYLES, saved.get("xmp_style"))
        add(self.xmp_style_combo)
        self.report_check = QCheckBox("Report of the exported photos:")
        self.report_check.setToolTip("Written into the destination as culler-report.html / .csv / .json; "
                                     "Undo last export removes it too")
        self.report_check.setChecked(bool(saved.get("report", False)))
        self.report_combo = _combo(REPORTS, saved.get("report_format"))
        form.addWidget(self.report_check, row, 0, 1, 2)
        form.addWidget(self.report_combo, row, 2)
        row += 1
        form.setRowStretch(row, 1)

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
        self.close_button = QPushButton("Cancel", objectName="exportClose")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)

        left = QWidget(objectName="exportForm")
        left.setLayout(form)
        left.setFixedWidth(430)
        body = QHBoxLayout()
        body.setSpacing(18)
        body.addWidget(left)
        body.addWidget(self.preview, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addStretch(0)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.export_button)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 14, 18, 14)
        outer.addLayout(body, 1)
        outer.addWidget(self.status)
        outer.addLayout(buttons)

        self._count_choices()
        for signal in (self.what_group.buttonToggled, self.mode_group.buttonToggled,
                       self.dest_edit.textChanged, self.layout_combo.currentIndexChanged,
                       self.template_combo.currentTextChanged, self.xmp_check.toggled,
                       self.xmp_style_combo.currentIndexChanged, self.rating_combo.currentIndexChanged,
                       self.label_combo.currentIndexChanged, self.report_check.toggled):
            signal.connect(self._schedule)
        self.rating_combo.currentIndexChanged.connect(self._count_choices)
        self.label_combo.currentIndexChanged.connect(self._count_choices)

    # -- options
    def what(self) -> str:
        return next(k for k, b in self.what_buttons.items() if b.isChecked())

    def selection(self) -> str | list[int]:
        what = self.what()
        if what == "rated":
            return f"rated:{self.rating_combo.currentData()}"
        if what == "label":
            return f"label:{self.label_combo.currentData()}"
        if what == "filter":
            return list(self.source.filter_ids)
        return what

    def selection_text(self) -> str:
        what = self.what()
        if what == "rated":
            return f"photos rated {self.rating_combo.currentData()}+"
        if what == "label":
            return f"{self.label_combo.currentData().lower()}-labelled photos"
        if what == "filter":
            return f"the current filter ({self.source.filter_description})"
        return {"picks": "picks", "suggested": "suggested picks"}[what]

    def mode(self) -> str:
        return next(k for k, b in self.mode_buttons.items() if b.isChecked())

    def destination(self) -> Path | None:
        text = self.dest_edit.text().strip()
        return Path(text).expanduser().absolute() if text else None

    def options(self):
        from culler.core.export import ExportOptions

        return ExportOptions(dest=self.destination() or Path(), select=self.selection(), mode=self.mode(),
                             layout=self.layout_combo.currentData(),
                             name_template=self.template_combo.currentText().strip(),
                             xmp=self.xmp_check.isChecked(), xmp_style=self.xmp_style_combo.currentData())

    def remembered(self) -> dict:
        return {"what": self.what(), "rating": self.rating_combo.currentData(),
                "label": self.label_combo.currentData(), "mode": self.mode(), "dest": self.dest_edit.text().strip(),
                "layout": self.layout_combo.currentData(), "template": self.template_combo.currentText().strip(),
                "xmp": self.xmp_check.isChecked(), "xmp_style": self.xmp_style_combo.currentData(),
                "report": self.report_check.isChecked(), "report_format": self.report_combo.currentData()}

    def _count_choices(self) -> None:
        from culler.core.export import select_photos

        s = self.source
        for key, label in self.what_counts.items():
            select = {"rated": f"rated:{self.rating_combo.currentData()}",
                      "label": f"label:{self.label_combo.currentData()}",
                      "filter": list(s.filter_ids)}.get(key, key)
            n = len(select_photos(s.photos, s.decisions, s.groups, select))
            label.setText(f"{n:,}")

    def choose_destination(self) -> None:
        start = self.dest_edit.text().strip() or str(self.source.album_root.parent)
        folder = QFileDialog.getExistingDirectory(self, "Export to", start)
        if folder:
            self.dest_edit.setText(folder)

    # -- the preview
    def _schedule(self, *_args) -> None:
        if self.worker is None and self.result is None:
            self._timer.start()

    def refresh_preview(self) -> None:
        """Recompute the plan and show what it will do (called a moment after any change)."""
        from culler.core.export import make_plan

        self._timer.stop()
        self.plan, self.summary = [], None
        self.xmp_style_combo.setEnabled(self.xmp_check.isChecked())
        self.report_combo.setEnabled(self.report_check.isChecked())
        template = self.template_combo.currentText().strip()
        first = next((p for p in self.source.photos if p.status == "ok"), None)
        try:
            self.example.setText(f"e.g. {example_name(template, first, self.source.album_root)}")
        except ValueError as exc:
            self.example.setText(f"⚠ {exc}")
        dest = self.destination()
        if dest is None:
            self.preview.show_message("Choose where to export", notes=["Nothing happens until you press Export."])
            self.export_button.setEnabled(False)
            return
        try:
            self.plan = make_plan(self.source.album_root, self.source.photos, self.source.decisions,
                                  self.options(), self.source.groups)
        except ValueError as exc:
            self.preview.show_message("Cannot export with these options", errors=[str(exc)])
            self.export_button.setEnabled(False)
            return
        self.summary = summarize(self.plan, self.source.album_root, dest, self.photos, self.source.decisions,
                                 template, self.mode(), self._sizes)
        if not self.plan:
            self.summary.errors.insert(0, f"No photo matches: there are no {self.selection_text()}.")
        self.preview.show_summary(self.summary, dest)
        if self.summary.example:  # the first photo this export takes, under its new name
            self.example.setText(f"e.g. {self.summary.example}")
        n = self.summary.photos
        self.export_button.setText(f"{MODES[self.mode()]} {n:,} photo{'s' if n != 1 else ''}" if n else "Export")
        self.export_button.setEnabled(self.summary.can_export)

    # -- running
    def running(self) -> bool:
        return self.worker is not None

    def start_export(self) -> None:
        self.refresh_preview()  # the folder may have changed since the preview was made
        if self.summary is None or not self.summary.can_export or self.worker is not None:
            return
        s, options = self.source, self.options()
        self.options_chosen.emit(self.remembered())
        report = self.report_combo.currentData() if self.report_check.isChecked() else None
        rows = None
        if report and s.report_rows is not None:
            chosen = [self.photos[i] for i in dict.fromkeys(op.photo_id for op in self.plan) if i in self.photos]
            rows = s.report_rows(chosen)
        description = f"{self.mode()} {self.summary.photos} {self.selection_text()} to {options.dest}"
        job = export_job(self.plan, s.journal_dir, description, s.album_root, options.dest, report, rows,
                         self.photos, s.thumbnail_dir)
        self.worker = FileJobWorker(job, "the export", self)
        self.worker.progress.connect(self._progress)
        self.worker.done.connect(self._finished)
        self.worker.failed.connect(self._failed)
        self.worker.finished.connect(self._worker_gone)
        self._set_form_enabled(False)
        self.export_button.setEnabled(False)
        self.close_button.setText("Stop")
        self.progress.setRange(0, max(1, len(self.plan)))
        self.progress.setValue(0)
        self.progress.show()
        self._say(f"{MODES[self.mode()].replace('Hard link', 'Linking')}…")
        self.worker.start()

    def _set_form_enabled(self, on: bool) -> None:
        for kind in (QRadioButton, QCheckBox, QComboBox, QLineEdit):
            for w in self.findChildren(kind):
                w.setEnabled(on)
        self.choose_button.setEnabled(on)

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
        mode = self.mode()
        lines = []
        if not r.ok:
            lines.append(f'<span style="color:#e0776f">⚠ {html.escape(r.error or "The export failed.")}</span>')
            if r.rolled_back or not r.done:
                lines.append("Nothing half-done was left behind: " + ("every original is back in the album."
                             if mode == "move" else "the originals are untouched."))
        else:
            verb = PAST[mode]
            dest = html.escape(str(self.destination()))
            n_files = sum(1 for op in r.done if op.kind != "xmp")
            n_xmp = len(r.done) - n_files
            extra = f", {n_xmp:,} sidecar{'s' if n_xmp != 1 else ''} written" if n_xmp else ""
            text = (f"{verb} {r.photos:,} photo{'s' if r.photos != 1 else ''} ({n_files:,} "
                    f"file{'s' if n_files != 1 else ''}{extra}) to {dest}.")
            lines.append(f"Stopped: {text} Whole photos only." if r.cancelled else f"✓ {text}")
            if r.done:
                lines.append("File › Undo last export " + ("puts them back." if mode == "move" else "removes them."))
        lines += [html.escape(f"Skipped {path}: {why}") for path, why in r.skipped]
        lines += [html.escape(note) for note in r.notes]
        self._say("<br>".join(lines))
        self.progress.hide()
        if r.ok:
            self.export_button.hide()
        else:  # another folder, or the same once there is room: the options are still there
            self.result = None
            self._set_form_enabled(True)
            self.refresh_preview()

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

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.worker is not None:
            self.reject()
            event.ignore()
            return
        super().closeEvent(event)
