"""Small pieces around the views: the analysis progress (bar, ETA, cancel) and the thumbnail
size slider for the status bar, and a dismissable notice banner (a store recovered from damage, a
refused keymap entry, ...)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QSlider, QToolButton, QWidget

from culler.ui.base.settings import THUMB_SIZES

_STAGE_WORDS = {"scan": "Reading folder", "models": "Loading models", "analyse": "Analysing",
                "paused": "Paused", "group": "Grouping bursts", "done": "Analysis done",
                "cancelled": "Analysis cancelled"}


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s left"
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {s:02d} s left"
    return f"{minutes // 60} h {minutes % 60:02d} min left"


class AnalysisStatus(QWidget):
    cancel_clicked = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("analysisStatus")
        self.label = QLabel(objectName="analysisLabel")
        self.bar = QProgressBar(objectName="analysisBar")
        self.bar.setFixedWidth(160)
        self.bar.setFixedHeight(10)
        self.bar.setTextVisible(False)
        self.cancel = QToolButton(objectName="analysisCancel", text="Cancel")
        self.cancel.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.cancel.setToolTip("Stop the analysis; what is done so far is kept")
        self.cancel.clicked.connect(self.cancel_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.setSpacing(8)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self.running = False
        self.hide()

    def show_progress(self, report) -> None:
        finished = report.stage in ("done", "cancelled")
        self.running = not finished
        words = _STAGE_WORDS.get(report.stage, report.stage)
        if finished:
            self.label.setText(f"{words}: {report.message}" if report.message else words)
            self.bar.hide()
            self.cancel.hide()
        else:
            detail = f" {report.done:,} of {report.total:,}" if report.stage == "analyse" else ""
            eta = eta_text(report.eta_seconds) if report.stage == "analyse" else ""
            self.label.setText(f"{words}{detail}" + (f" · {eta}" if eta else ""))
            self.bar.setMaximum(max(1, report.total))
            self.bar.setValue(min(report.done, max(1, report.total)))
            self.bar.show()
            self.cancel.show()
            self.cancel.setEnabled(True)
        self.setToolTip(report.message or "")
        self.show()

    def show_failure(self, message: str) -> None:
        self.running = False
        self.label.setText(message)
        self.bar.hide()
        self.cancel.hide()
        self.show()


class ThumbSizeSlider(QSlider):
    """The grid's thumbnail size in the status bar, in step with Ctrl+plus/minus and Ctrl+wheel,
    remembered in the settings."""

    def __init__(self, grid, settings, parent=None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setObjectName("thumbSize")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # culling keys keep working
        self.setRange(THUMB_SIZES[0], THUMB_SIZES[1])
        self.setSingleStep(grid.SIZE_STEP)
        self.setPageStep(grid.SIZE_STEP * 2)
        self.setFixedWidth(110)
        self.setToolTip("Thumbnail size (Ctrl+plus / Ctrl+minus, Ctrl+wheel)")
        self.settings = settings
        grid.set_cell_width(settings.thumb_size)
        self.setValue(grid.cell_width)
        self.valueChanged.connect(grid.set_cell_width)
        grid.cell_width_changed.connect(self._grid_changed)

    def _grid_changed(self, width: int) -> None:
        if self.value() != width:
            self.blockSignals(True)
            self.setValue(width)
            self.blockSignals(False)
        self.settings.thumb_size = width
        self.settings.save()


class NoticeBanner(QWidget):
    """A one-line notice above the views; never blocks, closes with its × button."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("notice")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.label = QLabel(objectName="noticeText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        close = QToolButton(objectName="noticeClose", text="×")
        close.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_notice(self, html: str) -> None:
        self.label.setText(html)
        self.show()

