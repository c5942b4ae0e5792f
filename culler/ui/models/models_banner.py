"""The one-line notice that AI model files are missing, in plain words, on the filter bar's
features row (whose height does not change when it shows, so it never moves the photos): "Get
models…" opens the Models dialog, "Don't show again" turns it off for good (settings.json,
"models": {"hide_missing_banner": true}), × hides it for now."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

from culler.ui.models.model_rows import ModelRow

HEIGHT = 30


def banner_text(rows: list[ModelRow], scored: dict[str, int]) -> str | None:
    """One sentence for the models that are not ready, or None when all are."""
    missing = [r for r in rows if r.state != "ok"]
    if not missing:
        return None
    names = ", ".join(r.title.lower() for r in missing)
    damaged = any(r.state != "missing" for r in missing)
    text = f"AI models {'damaged or missing' if damaged else 'not installed'} ({names})."
    kept = max((scored.get(r.name, 0) for r in missing), default=0)
    if kept:
        text += f" {kept:,} photos keep their scores from an earlier run; new ones get technical scores."
    elif any(not s.startswith("embedding:") for r in missing for s in r.signals):
        text += " Scores use sharpness, exposure, faces and eyes."
    else:
        text += " Similar frames are grouped by capture time and pixels."
    return text


class _OneLine(QLabel):
    """A label that stays on one line: too long, it ends in "…" (the whole text is its tooltip)."""

    def minimumSizeHint(self):
        return super().minimumSizeHint().boundedTo(self.fontMetrics().boundingRect("M…").size())

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setPen(self.palette().windowText().color())
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, self.width())
        p.drawText(self.rect(), int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), text)


class ModelsBanner(QWidget):
    open_models = Signal()
    never_again = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("modelsBanner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setStyleSheet("QWidget#modelsBanner { background-color: rgba(44, 44, 44, 235); "
                           "border-bottom: 1px solid #151515; } QLabel { background: transparent; color: #d0d0d0; }"
                           "QToolButton { background: transparent; color: #b8b8b8; border: 1px solid #4a4a4a; "
                           "border-radius: 3px; padding: 1px 8px; } QToolButton:hover { background: #3a3a3a; }"
                           "QToolButton#modelsBannerClose { border: none; }")
        self.setFixedHeight(HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)  # the row's room left
        self.label = _OneLine(objectName="modelsBannerText")
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.get = QToolButton(text="Get models…", objectName="modelsBannerGet")
        self.get.clicked.connect(self.open_models)
        self.never = QToolButton(text="Don't show again", objectName="modelsBannerNever")
        self.never.clicked.connect(self.never_again)
        close = QToolButton(text="×", objectName="modelsBannerClose")
        close.setToolTip("Hide for now")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 2, 6, 2)
        layout.addWidget(self.label, 1)
        for button in (self.get, self.never, close):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            layout.addWidget(button)
        self.hide()

    def show_text(self, text: str) -> None:
        self.label.setText(text)
        self.label.setToolTip(text)
        self.show()
