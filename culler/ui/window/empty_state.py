"""What the window shows with no album open (or while a first visit reads the folder):
an "Open folder…" button and the recent albums, or why a path given could not be opened.
Its text wraps to the window's width and long paths are shortened in the middle, so nothing is
cut at any window size."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

TEXT_WIDTH = 520  # the widest a paragraph gets, for reading
RECENT_WIDTH = 640  # a recent album's path is shortened in the middle beyond this
HINT = ("Open a folder of photos to start culling. Nothing is moved or deleted without asking; every "
        "decision is saved as you make it.")


def _centred(widget: QWidget, width: int) -> QHBoxLayout:
    """`widget` as wide as the window allows up to `width`, centred: a wrapped label keeps its
    height for the width it really gets (an alignment flag would shrink it to its hint and cut it)."""
    widget.setMaximumWidth(width)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(widget, 100)
    row.addStretch(1)
    return row


class EmptyState(QScrollArea):
    open_clicked = Signal()
    recent_clicked = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        page = QWidget(objectName="emptyPage")
        self.title = QLabel("No album open", objectName="emptyTitle", wordWrap=True)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.problem = QLabel(objectName="emptyProblem", wordWrap=True)
        self.problem.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem.setStyleSheet("QLabel#emptyProblem { color: #e0b050; }")
        self.problem.hide()
        self.hint = QLabel(HINT, objectName="emptyHint", wordWrap=True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.open_button = QPushButton("Open folder…", objectName="emptyOpen")
        self.open_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.open_button.clicked.connect(self.open_clicked)
        self.recent_box = QVBoxLayout()
        self.recent_box.setSpacing(2)
        layout = QVBoxLayout(page)
        layout.addStretch(2)
        layout.addLayout(_centred(self.title, TEXT_WIDTH))
        layout.addSpacing(8)
        layout.addLayout(_centred(self.problem, TEXT_WIDTH))
        layout.addLayout(_centred(self.hint, TEXT_WIDTH))
        layout.addSpacing(18)
        layout.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(18)
        layout.addLayout(self.recent_box)
        layout.addStretch(3)
        self.setWidget(page)

    def show_empty(self, recent: list[str]) -> None:
        self.title.setText("No album open")
        self.problem.hide()
        self.hint.show()
        self.open_button.show()
        self._clear_recent()
        existing = [r for r in recent if Path(r).is_dir()][:6]
        if existing:
            caption = QLabel("Recent", objectName="emptyCaption")
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.recent_box.addWidget(caption)
        for r in existing:
            b = QPushButton(objectName="recentAlbum", flat=True)
            b.setText(b.fontMetrics().elidedText(r, Qt.TextElideMode.ElideMiddle, RECENT_WIDTH))
            b.setToolTip(r)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _=False, r=r: self.recent_clicked.emit(r))
            self.recent_box.addWidget(b, 0, Qt.AlignmentFlag.AlignHCenter)

    def show_problem(self, title: str, text: str) -> None:
        """A path that could not be opened, explained where the user looks (not only the status bar)."""
        self.title.setText(title)
        self.problem.setText(text)
        self.problem.show()
        self.hint.hide()
        self.open_button.show()

    def show_loading(self, album: Path) -> None:
        self.title.setText(f"Reading {Path(album).name}…")
        self.problem.hide()
        self.hint.hide()
        self.open_button.hide()
        self._clear_recent()

    def _clear_recent(self) -> None:
        while self.recent_box.count():
            item = self.recent_box.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
