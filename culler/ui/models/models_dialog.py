"""File › AI models…: each model's purpose in plain words, its size and status (ready, missing,
damaged), Download with progress and Cancel (a cancelled download resumes), and Import from a
folder copied from a machine that downloaded them. Facts come from model_rows.py; the work runs on
a ModelJob thread."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from culler.ui.models import model_rows
from culler.ui.models.model_jobs import ModelJob

STATE_WORDS = {"ok": "✓ Ready", "missing": "Not installed", "damaged": "⚠ Damaged", "cannot run": "⚠ Cannot run"}
STATE_COLOURS = {"ok": "#8fc98f", "missing": "#b0b0b0", "damaged": "#e0b050", "cannot run": "#e0776f"}
INTRO = ("culler works without these: sharpness, exposure, faces and closed eyes need no download. "
         "With them it also scores quality and aesthetics and groups near-identical frames by what "
         "they show. Each is downloaded once; your photos never leave this computer.")

STYLE = """
QDialog#modelsDialog { background-color: #222222; }
QDialog#modelsDialog QLabel { background: transparent; }
QLabel#modelsIntro, QLabel#modelPurpose, QLabel#modelsFolder, QLabel#modelSize { color: #9a9a9a; }
QLabel#modelTitle { color: #ececec; font-weight: bold; }
QProgressBar { background-color: #333333; border: none; border-radius: 4px; color: #e0e0e0;
               text-align: center; max-height: 14px; }
QProgressBar::chunk { background-color: #8a8a8a; border-radius: 4px; }
QPushButton { background-color: #333333; color: #e0e0e0; border: 1px solid #474747; border-radius: 4px;
              padding: 4px 14px; }
QPushButton:disabled { color: #6a6a6a; }
"""


def _mb(n) -> str:
    return f"{n / 1e6:.1f} MB"


class ModelsDialog(QDialog):
    changed = Signal()  # a model was installed (or a download ended)

    def __init__(self, folder: Path, scored: dict[str, int] | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("modelsDialog")
        self.setWindowTitle("AI models")
        self.setStyleSheet(STYLE)
        self.folder = Path(folder)
        self.scored = scored or {}
        self.job: ModelJob | None = None
        self.title: dict[str, QLabel] = {}
        self.status: dict[str, QLabel] = {}
        self.bars: dict[str, QProgressBar] = {}
        self.buttons: dict[str, QPushButton] = {}
        self.notes: dict[str, str] = {}
        self._build()
        self.refresh()

    def _build(self) -> None:
        intro = QLabel(INTRO, objectName="modelsIntro", wordWrap=True)
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(0, 1)
        for r, row in enumerate(model_rows.model_rows(self.folder)):
            title = QLabel(objectName="modelTitle")
            title.setToolTip(html.escape(row.licence))
            purpose = QLabel(row.purpose, objectName="modelPurpose")
            size = QLabel(row.size, objectName="modelSize")
            status = QLabel(objectName="modelStatus", wordWrap=True)
            status.setTextFormat(Qt.TextFormat.RichText)
            status.setMinimumWidth(230)
            bar = QProgressBar(objectName="modelProgress")
            bar.setFixedWidth(150)
            bar.hide()
            button = QPushButton("Download", objectName="modelDownload")
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, n=row.name: self.download_or_cancel(n))
            bottom = Qt.AlignmentFlag.AlignBottom
            grid.addWidget(title, 2 * r, 0, bottom)
            grid.addWidget(size, 2 * r, 1, bottom)
            grid.addWidget(status, 2 * r, 2, bottom)
            grid.addWidget(button, 2 * r, 3, bottom)
            grid.addWidget(purpose, 2 * r + 1, 0, 1, 3)
            grid.addWidget(bar, 2 * r + 1, 3)
            self.title[row.name], self.status[row.name] = title, status
            self.bars[row.name], self.buttons[row.name] = bar, button
            grid.setRowMinimumHeight(2 * r, 40)  # air between models
        self.folder_label = QLabel(f"Installed into {html.escape(str(self.folder))}", objectName="modelsFolder",
                                   wordWrap=True)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.import_button = QPushButton("Import from folder…", objectName="modelsImport")
        self.import_button.setAutoDefault(False)
        self.import_button.setToolTip("For a computer without internet: a folder copied from one that "
                                      "downloaded the models (or its ~/.cache/torch/hub)")
        self.import_button.clicked.connect(self.choose_import_folder)
        self.close_button = QPushButton("Close", objectName="modelsClose")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(12)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(self.folder_label)
        layout.addLayout(buttons)
        self.resize(720, 0)

    # -- what the rows say
    def rows(self) -> dict[str, model_rows.ModelRow]:
        return {row.name: row for row in model_rows.model_rows(self.folder)}

    def refresh(self) -> None:
        running = set(self.job.names) if self.job is not None else set()
        for name, row in self.rows().items():
            self.title[name].setText(row.title)
            words = f'<span style="color:{STATE_COLOURS[row.state]}">{STATE_WORDS[row.state]}</span>'
            if row.state != "ok" and self.scored.get(name):
                words += f"<br>scores of {self.scored[name]:,} photos kept from an earlier run"
            if row.detail:
                words += f"<br>{html.escape(row.detail)}"
            if self.notes.get(name):
                words += f"<br>{html.escape(self.notes[name])}"
            self.status[name].setText(words)
            button = self.buttons[name]
            button.setText("Cancel" if name in running else "Download" if row.state != "ok" else "Installed")
            button.setEnabled(name in running or (self.job is None and row.state in ("missing", "damaged")))
        self.import_button.setEnabled(self.job is None)

    # -- download
    def download_or_cancel(self, name: str) -> None:
        if self.job is not None:
            if name in self.job.names:
                self.job.cancel()
                self.buttons[name].setEnabled(False)
            return
        self.notes.pop(name, None)
        self._start(ModelJob(self.folder, download=[name], parent=self))

    def choose_import_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import model files from", str(Path.home()))
        if folder:
            self.import_from(Path(folder))

    def import_from(self, folder: Path) -> None:
        if self.job is None:
            self._start(ModelJob(self.folder, import_from=Path(folder), parent=self))

    def _start(self, job: ModelJob) -> None:
        self.job = job
        job.progress.connect(self._progress)
        job.finished_one.connect(self._downloaded)
        job.imported.connect(self._imported)
        job.finished.connect(self._job_done)
        self.refresh()
        for name in job.names:
            self.bars[name].setRange(0, 0)
            self.bars[name].show()
        job.start()

    def busy(self) -> bool:
        return self.job is not None

    def _progress(self, name: str, done, total) -> None:
        bar = self.bars[name]
        if total:
            bar.setRange(0, 1000)
            bar.setValue(int(1000 * done / total))
            bar.setFormat(f"{_mb(done)} of {_mb(total)}")
        else:
            bar.setFormat(_mb(done))

    def _downloaded(self, name: str, problem: str) -> None:
        self.bars[name].hide()
        if problem:
            self.notes[name] = problem

    def _imported(self, outcome: dict) -> None:
        for name, result in outcome.items():
            if name in self.status:
                self.notes[name] = f"Import: {result}"
            else:  # the folder itself could not be read
                self.folder_label.setText(html.escape(result))

    def _job_done(self) -> None:
        job, self.job = self.job, None
        if job is None:
            return  # already handled (closed while it ran)
        job.deleteLater()
        self.refresh()
        self.changed.emit()

    def reject(self) -> None:
        """Close; a running download is cancelled first (its part stays for the next time)."""
        if self.job is not None:
            self.job.cancel()
            if self.job.wait(10_000):
                self._job_done()
        super().reject()
