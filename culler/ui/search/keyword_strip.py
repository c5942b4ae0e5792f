"""The strip under the loupe's photo: its accepted keywords (culler's and those another app wrote
into its sidecar) and the suggested ones, each a button that accepts it; K accepts them all."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget


class KeywordStrip(QWidget):
    accept_one = Signal(str)  # a suggestion was clicked
    shown = Signal()  # the loupe came on screen: time to show the current photo's keywords

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("keywordStrip")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 4, 12, 4)
        layout.setSpacing(6)
        layout.addWidget(QLabel("Keywords", objectName="filterCaption"))
        self.accepted = QLabel(objectName="keywordsAccepted", wordWrap=True)
        layout.addWidget(self.accepted)
        self._buttons = QHBoxLayout()
        self._buttons.setSpacing(4)
        layout.addLayout(self._buttons)
        self.hint = QLabel(objectName="keywordsHint")
        layout.addWidget(self.hint)
        self.note = QLabel(objectName="keywordsNote", wordWrap=True)  # never widens the loupe
        self.note.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.note, 1)
        self.suggested: list[str] = []

    def show_keywords(self, accepted: list[str], suggested: list[str], key: str = "K") -> None:
        self.accepted.setText(" · ".join(accepted) if accepted else "none yet")
        while self._buttons.count():
            old = self._buttons.takeAt(0).widget()
            old.hide()  # at once: deleteLater waits for the event loop
            old.deleteLater()
        self.suggested = list(suggested)
        for keyword in suggested:
            button = QToolButton(objectName="keywordSuggestion", text=f"+ {keyword}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setToolTip(f"Accept “{keyword}” (suggested; not a keyword until accepted)")
            button.clicked.connect(lambda _checked=False, k=keyword: self.accept_one.emit(k))
            self._buttons.addWidget(button)
        self.hint.setText(f"{key}: accept all" if suggested and key else "")
        self.layout().activate()  # the new texts get their widths now, not at the next layout pass

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.shown.emit()

    def say(self, text: str, tooltip: str = "") -> None:
        self.note.setText(text)
        self.note.setToolTip(tooltip)
