"""The "write picks as" control (culler.core.picks_as), shared by the export dialog and the
live-sidecar setting: stars (none or 1-5), a colour label, and Photo Mechanic's tag, with a hint
saying which app then shows what. `value()` is a PicksAs; `changed` fires on any edit.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from culler.core.picks_as import PicksAs
from culler.core.records import LABELS

# Lightroom's rule for where it reads metadata, which the hint must not hide.
LIGHTROOM_SIDECARS = "Lightroom reads .xmp sidecars of RAW files only (JPEG, TIFF, DNG carry their own)."


def hint(value: PicksAs) -> str:
    return f"{value.apps()} {LIGHTROOM_SIDECARS}"


class PicksAsEdit(QWidget):
    changed = Signal()

    def __init__(self, value: PicksAs, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("picksAs")
        self.rating = QComboBox(objectName="picksAsRating")
        self.rating.addItem("no stars", None)
        for n in range(1, 6):
            self.rating.addItem(f"{'★' * n} ({n}+)", n)
        self.rating.setToolTip("A pick is written with at least this many stars (Lightroom shows stars)")
        self.label = QComboBox(objectName="picksAsLabel")
        self.label.addItem("no label", None)
        for name in LABELS:
            self.label.addItem(name, name)
        self.label.setToolTip("A pick without a colour label of its own gets this one")
        self.flag = QCheckBox("tagged", objectName="picksAsFlag")
        self.flag.setToolTip("photomechanic:Tagged — Photo Mechanic's tag")
        self.hint = QLabel(objectName="picksAsHint")
        self.hint.setWordWrap(True)
        self.set_value(value)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Picks as"))
        row.addWidget(self.rating)
        row.addWidget(self.label)
        row.addWidget(self.flag)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.hint)
        for signal in (self.rating.currentIndexChanged, self.label.currentIndexChanged, self.flag.toggled):
            signal.connect(self._edited)

    def value(self) -> PicksAs:
        return PicksAs(self.rating.currentData(), self.label.currentData(), self.flag.isChecked())

    def set_value(self, value: PicksAs) -> None:
        self.rating.setCurrentIndex(max(0, self.rating.findData(value.rating)) if value.rating else 0)
        self.label.setCurrentIndex(max(0, self.label.findData(value.label)) if value.label else 0)
        self.flag.setChecked(value.flag)
        self._set_hint(value)

    def _set_hint(self, value: PicksAs) -> None:
        self.hint.setText(hint(value))
        self._keep_hint_height()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._keep_hint_height()

    def _keep_hint_height(self) -> None:
        """A wrapped hint in a squeezed dialog would lose lines: it keeps the height its text needs."""
        self.hint.setMinimumHeight(self.hint.heightForWidth(max(1, self.hint.width())))

    def _edited(self, *_args) -> None:
        self._set_hint(self.value())
        self.changed.emit()


def open_picks_as_dialog(parent, value: PicksAs, chosen) -> QDialog:
    """A small window-modal dialog for the live-sidecar setting; `chosen(PicksAs)` on OK."""
    dialog = QDialog(parent)
    dialog.setObjectName("picksAsDialog")
    dialog.setWindowTitle("Write picks in sidecars as")
    dialog.edit = PicksAsEdit(value, dialog)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    dialog.accepted.connect(lambda: chosen(dialog.edit.value()))
    layout = QVBoxLayout(dialog)
    layout.addWidget(QLabel("Lightroom keeps its pick flags in its catalog, so sidecars mark a pick "
                            "with stars, a label and/or Photo Mechanic's tag:", wordWrap=True))
    layout.addWidget(dialog.edit)
    layout.addWidget(buttons)
    dialog.resize(460, 0)
    dialog.open()
    return dialog
