"""The two controls this feature adds to the filter bar (host.add_filter_control).

Both narrow the window's PhotoFilter: the filter bar asks each for `filter_fields()` when it builds
the filter, shows a filter set elsewhere (a menu, "clear filters") with `show_filter`, and
rebuilds it on `filter_edited`.

- SearchField: words to look for. Return runs the search (the window's keyboard goes back to the
  photos, so the results can be culled at once); Esc clears it and gives the keyboard back too.
  The results are `matches`: photo ids best first, set by the feature once they are ranked.
- PeopleFilter: any / with people / groups of 3+, from the faces culler counts.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from culler.core.filters import PEOPLE_FILTERS


class _Line(QLineEdit):
    escaped = Signal()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.escaped.emit()
            return
        super().keyPressEvent(event)


class SearchField(QWidget):
    filter_edited = Signal()
    run_requested = Signal(str)  # the words, stripped, not empty
    cleared = Signal()  # Esc: the search is gone, the keyboard should go back to the photos

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 0, 0, 0)
        layout.setSpacing(6)
        self.edit = _Line(objectName="searchField")
        self.edit.setPlaceholderText("Find by words (Ctrl+F)")
        self.edit.setClearButtonEnabled(True)
        self.edit.setMinimumWidth(160)
        self.edit.returnPressed.connect(self._run)
        self.edit.escaped.connect(self.clear)
        self.status = QLabel(objectName="searchStatus")  # a few words; the whole story in its tooltip
        layout.addWidget(self.edit)
        layout.addWidget(self.status)
        self.query = ""
        self.matches: tuple[int, ...] | None = None

    def filter_fields(self) -> dict:
        return {"query": self.query, "matches": self.matches}

    def show_filter(self, photo_filter) -> None:
        self.query, self.matches = photo_filter.query, photo_filter.matches
        if photo_filter.matches is None and self.edit.text() and not self.edit.hasFocus():
            self.edit.clear()  # "clear filters" from a menu

    def show_results(self, query: str, matches: list[int]) -> None:
        self.query, self.matches = query, tuple(matches)
        self.say("")
        self.filter_edited.emit()

    def say(self, text: str, tooltip: str = "") -> None:
        self.status.setText(text)
        self.status.setToolTip(tooltip)

    def clear(self) -> None:
        self.edit.clear()
        self.say("")
        had = self.matches is not None
        self.query, self.matches = "", None
        if had:
            self.filter_edited.emit()
        self.cleared.emit()

    def _run(self) -> None:
        words = " ".join(self.edit.text().split())
        if words:
            self.run_requested.emit(words)
        else:
            self.clear()


class PeopleFilter(QComboBox):
    filter_edited = Signal()
    CHOICES = {"any": "People: any", "with": "With people", "group": f"Groups of {PEOPLE_FILTERS['group']}+"}

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("filterPeople")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setToolTip("Photos with faces culler detected (after the analysis)")
        for value, title in self.CHOICES.items():
            self.addItem(title, value)
        self.currentIndexChanged.connect(lambda _i: self.filter_edited.emit())

    def filter_fields(self) -> dict:
        return {"people": self.currentData()}

    def show_filter(self, photo_filter) -> None:
        self.blockSignals(True)
        self.setCurrentIndex(list(self.CHOICES).index(photo_filter.people))
        self.blockSignals(False)
