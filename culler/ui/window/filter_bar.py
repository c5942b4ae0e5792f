"""The filter bar above the views: All / Picks / Rejects / Unflagged with their counts, a minimum
rating, a colour label and "best of each group" on its first row; the features' controls (search,
people, taste, groups offered, the model's disagreements) on a second row, so the bar fits an
ordinary window however many features add to it. Its buttons never take keyboard focus, so
culling keys keep working."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from culler.core.filters import FLAG_FILTERS, PhotoFilter
from culler.core.records import LABELS

FEATURES_ROW_HEIGHT = 30  # the tallest control (the models banner)
_TITLES = {"all": "All", "picks": "Picks", "rejects": "Rejects", "unflagged": "Unflagged"}


class FilterBar(QWidget):
    filter_changed = Signal(object)  # PhotoFilter

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("filterBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        rows = QVBoxLayout(self)
        rows.setContentsMargins(10, 4, 10, 4)
        rows.setSpacing(4)
        layout = QHBoxLayout()
        layout.setSpacing(2)
        self.features_row = QHBoxLayout()  # the features' controls (add_control), left to right
        self.features_row.setSpacing(8)
        self.features_row.addStretch(0)  # the room left, unless a control grows into it
        self.features_row.addStrut(FEATURES_ROW_HEIGHT)  # a control appearing never changes its height
        rows.addLayout(layout)
        rows.addLayout(self.features_row)
        self.buttons: dict[str, QToolButton] = {}
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        for name in FLAG_FILTERS:
            b = QToolButton(objectName=f"filter_{name}", text=_TITLES[name], checkable=True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setProperty("segment", True)
            b.clicked.connect(self._emit)
            self._group.addButton(b)
            self.buttons[name] = b
            layout.addWidget(b)
        self.buttons["all"].setChecked(True)
        layout.addSpacing(16)
        layout.addWidget(QLabel("Rating", objectName="filterCaption"))
        self.rating = QComboBox(objectName="filterRating")
        self.rating.addItems(["any"] + [f"{'★' * n} +" if n < 5 else "★★★★★" for n in range(1, 6)])
        layout.addWidget(self.rating)
        layout.addSpacing(10)
        layout.addWidget(QLabel("Label", objectName="filterCaption"))
        self.label = QComboBox(objectName="filterLabel")
        self.label.addItems(["any", *LABELS])
        layout.addWidget(self.label)
        for combo in (self.rating, self.label):
            combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            combo.currentIndexChanged.connect(self._emit)
        layout.addSpacing(10)
        self.best = QToolButton(objectName="filter_best", text="Best of each group", checkable=True)
        self.best.setToolTip("Show only the top-ranked frame and the suggested picks of each group")
        self.best.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.best.setProperty("segment", True)
        self.best.toggled.connect(self._emit)
        layout.addWidget(self.best)
        self._narrowing: list = []  # features' controls that set PhotoFilter fields
        self.summary = QLabel(objectName="filterSummary")
        # takes the room left and never widens the window (a long search is cut, its tooltip whole)
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.summary, 1)

    def add_control(self, widget) -> None:
        """A feature's control (search field, people, ...) on the second row, after the others.
        Buttons and combos should not take focus (culling keys must keep working); a text field may.
        A control that narrows the filter has `filter_fields()` (PhotoFilter fields it sets),
        `show_filter(photo_filter)` and a `filter_edited` signal."""
        grows = widget.sizePolicy().horizontalPolicy() == QSizePolicy.Policy.Expanding  # takes the room left
        self.features_row.insertWidget(self.features_row.count() - 1, widget, 1 if grows else 0)
        if hasattr(widget, "filter_fields"):
            self._narrowing.append(widget)
            widget.filter_edited.connect(self._emit)

    def current(self) -> PhotoFilter:
        flag = next((n for n, b in self.buttons.items() if b.isChecked()), "all")
        label = self.label.currentText()
        fields = {k: v for control in self._narrowing for k, v in control.filter_fields().items()}
        return PhotoFilter(flag, self.rating.currentIndex(), None if label == "any" else label,
                           best_of_group=self.best.isChecked(), **fields)

    def set_filter(self, photo_filter: PhotoFilter) -> None:
        """Show `photo_filter` (from a menu or key) and announce it once."""
        for w in (*self.buttons.values(), self.rating, self.label, self.best):
            w.blockSignals(True)
        self.buttons[photo_filter.flag].setChecked(True)
        self.best.setChecked(photo_filter.best_of_group)
        self.rating.setCurrentIndex(photo_filter.min_rating)
        self.label.setCurrentIndex(0 if photo_filter.label is None else 1 + LABELS.index(photo_filter.label))
        for w in (*self.buttons.values(), self.rating, self.label, self.best):
            w.blockSignals(False)
        for control in self._narrowing:
            control.show_filter(photo_filter)
        self._emit()

    def set_counts(self, counts: dict[str, int], shown: int) -> None:
        for name, b in self.buttons.items():
            b.setText(f"{_TITLES[name]}  {counts.get(name, 0):,}")
        photo_filter = self.current()
        text = "" if photo_filter.is_all else f"showing {shown:,} · {photo_filter.describe()}"
        self.summary.setText(text)
        self.summary.setToolTip(text)

    def _emit(self, *_args) -> None:
        self.filter_changed.emit(self.current())
