"""What the window shows with no album open (or while a first visit reads the folder):
an "Open folder…" button and the recent albums."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


class EmptyState(QWidget):
    open_clicked = Signal()
    recent_clicked = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        self.title = QLabel("No album open", objectName="emptyTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = QLabel("Open a folder of photos to start culling. Nothing is moved or deleted "
                           "without asking; every decision is saved as you make it.", objectName="emptyHint")
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setMaximumWidth(460)
        self.open_button = QPushButton("Open folder…", objectName="emptyOpen")
        self.open_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.open_button.clicked.connect(self.open_clicked)
        self.recent_box = QVBoxLayout()
        self.recent_box.setSpacing(2)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(self.title)
        layout.addSpacing(8)
        layout.addWidget(self.hint, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(18)
        layout.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(18)
        layout.addLayout(self.recent_box)
        layout.addStretch(3)

    def show_empty(self, recent: list[str]) -> None:
        self.title.setText("No album open")
        self.hint.show()
        self.open_button.show()
        self._clear_recent()
        existing = [r for r in recent if Path(r).is_dir()][:6]
        if existing:
            caption = QLabel("Recent", objectName="emptyCaption")
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.recent_box.addWidget(caption)
        for r in existing:
            b = QPushButton(r, objectName="recentAlbum", flat=True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _=False, r=r: self.recent_clicked.emit(r))
            self.recent_box.addWidget(b, 0, Qt.AlignmentFlag.AlignHCenter)

    def show_loading(self, album: Path) -> None:
        self.title.setText(f"Reading {Path(album).name}…")
        self.hint.hide()
        self.open_button.hide()
        self._clear_recent()

    def _clear_recent(self) -> None:
        while self.recent_box.count():
            item = self.recent_box.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
