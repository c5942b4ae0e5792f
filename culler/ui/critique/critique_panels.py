"""The critique's widgets in the window: a strip under a view's photos (loupe: one photo's
critique; compare and survey: the burst's order by the model next to culler's), and two controls
in the filter bar: the list of disagreements and the progress of a run (a click cancels it).
None of them takes keyboard focus, so the culling keys keep working."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QMenu, QToolButton, QVBoxLayout


class CritiqueStrip(QFrame):
    """A strip of rich text under a view; hidden while it has nothing to say."""

    def __init__(self, name: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setStyleSheet(f"#{name} {{ background: palette(window); border-top: 1px solid palette(mid); }}")
        self.label = QLabel(objectName=f"{name}Text")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.addWidget(self.label)
        self.hide()

    def set_text(self, html: str) -> None:
        if html == self.label.text() and self.isVisibleTo(self.parentWidget()) == bool(html):
            return
        self.label.setText(html)
        self.setVisible(bool(html))
        if self.parentWidget() is not None:
            self.parentWidget().update()  # a view that paints itself (survey) lays its tiles out again


class DisagreementButton(QToolButton):
    """"Model disagrees (n)": a menu of the photos where the model and culler's signals part ways;
    choosing one shows it in the loupe."""

    chosen = Signal(int)  # photo id

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("filter_disagreements")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setProperty("segment", True)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolTip("Photos the model judges unlike culler's signals: a second look")
        self.menu_ = QMenu(self)
        self.setMenu(self.menu_)
        self.entries: list[tuple[int, str]] = []
        self.hide()

    def set_entries(self, entries: list[tuple[int, str]], any_critique: bool) -> None:
        """(photo id, text) best first; shown once the model answered about any photo."""
        self.entries = list(entries)
        self.menu_.clear()
        for pid, text in self.entries:
            action = self.menu_.addAction(text)
            action.triggered.connect(lambda _=False, pid=pid: self.chosen.emit(pid))
        self.setText(f"Model disagrees  {len(entries)}" if entries else "Model agrees")
        self.setEnabled(bool(entries))
        self.setVisible(any_critique)


class RunButton(QToolButton):
    """"Asking the model 3/20 ✕" while a run is going; a click cancels it."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("critiqueProgress")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setToolTip("Click to stop asking (answers received so far are kept)")
        self.hide()

    def show_progress(self, done: int, total: int) -> None:
        self.setText(f"Asking the model {done}/{total}  ✕" if total else "Asking the model…  ✕")
        self.show()
