"""The options half of the export dialog: what leaves the album (picks, suggested picks, rated N+,
a label, the current filter, each with its count), how (copy, move, hard link), where (a folder,
laid out flat, by capture date or as in the album), the file-name template, XMP sidecars and a
report. `changed` fires on any edit; `options()` gives the culler.core.export.ExportOptions and
`remembered()` what to keep for the next export from this album.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)

from culler.core.picks_as import DEFAULT as DEFAULT_PICKS_AS
from culler.core.picks_as import PicksAs
from culler.core.records import LABELS, Decision, GroupRow, Photo
from culler.ui.export.picks_as_edit import PicksAsEdit

WHAT = {"picks": "Picks", "suggested": "Suggested picks", "rated": "Rated", "label": "Label",
        "filter": "What the grid shows"}
WHAT_TIPS = {"suggested": "culler's suggested picks plus your own picks, minus anything you rejected",
             "filter": "The photos the current filter shows, including frames hidden in collapsed stacks"}
MODES = {"copy": "Copy", "move": "Move", "link": "Hard link"}
LAYOUTS = {"flat": "All in one folder", "date": "A folder per capture date (2024-06-01/)",
           "album": "As in the album (album name/subfolders/)"}
TEMPLATES = ("{name}", "{date}_{name}", "{date:%Y-%m-%d}_{seq:04d}", "{date}_{time}_{seq:03d}_{name}")
XMP_STYLES = {"adobe": "IMG_0001.xmp — Lightroom, Capture One, Photo Mechanic",
              "darktable": "IMG_0001.CR3.xmp — darktable, digiKam"}
REPORTS = {"html": "HTML contact sheet", "csv": "CSV table", "json": "JSON"}


@dataclass
class ExportSource:
    """What the dialog needs to know about the open album (a GUI-thread snapshot)."""

    album_root: Path
    photos: list[Photo]  # album order
    decisions: dict[int, Decision]
    groups: dict[int, GroupRow]
    journal_dir: Path  # where export journals go (next to the album's session store)
    filter_ids: list[int] = field(default_factory=list)
    filter_description: str = "all photos"
    saved: dict = field(default_factory=dict)  # the options of the last export from this album
    report_rows: Callable[[list[Photo]], list[dict]] | None = None
    thumbnail_dir: Path | None = None
    picks_as: PicksAs = DEFAULT_PICKS_AS  # the app's convention (the live-sidecar setting's)


def _section(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("section", True)
    return label


def _combo(items: dict, current=None) -> QComboBox:
    combo = QComboBox()
    for key, text in items.items():
        combo.addItem(text, key)
    if current is not None and combo.findData(current) >= 0:
        combo.setCurrentIndex(combo.findData(current))
    return combo


class ExportForm(QWidget):
    changed = Signal()

    def __init__(self, source: ExportSource, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("exportForm")
        self.source = source
        self._build(source.saved or {})

    def _build(self, saved: dict) -> None:
        form = QGridLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setColumnStretch(1, 1)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(5)
        row = 0

        def add(widget, col=0, span=3):
            nonlocal row
            form.addWidget(widget, row, col, 1, span)
            row += 1

        add(_section("What"))
        self.what_group = QButtonGroup(self)
        self.what_buttons: dict[str, QRadioButton] = {}
        self.what_counts: dict[str, QLabel] = {}
        self.rating_combo = _combo({n: f"{'★' * n} or more" for n in range(1, 6)}, saved.get("rating", 3))
        self.label_combo = _combo({name: name for name in LABELS}, saved.get("label"))
        for key, text in WHAT.items():
            button = QRadioButton(text if key != "filter" else f"{text} ({self.source.filter_description})")
            button.setToolTip(WHAT_TIPS.get(key, ""))
            self.what_group.addButton(button)
            self.what_buttons[key] = button
            count = QLabel(objectName="whatCount")
            count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.what_counts[key] = count
            form.addWidget(button, row, 0, 1, 1 if key in ("rated", "label") else 2)
            if key in ("rated", "label"):
                form.addWidget(self.rating_combo if key == "rated" else self.label_combo, row, 1)
            form.addWidget(count, row, 2)
            row += 1
        self.what_buttons.get(saved.get("what"), self.what_buttons["picks"]).setChecked(True)

        add(_section("How"))
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[str, QRadioButton] = {}
        modes = QHBoxLayout()
        for key, text in MODES.items():
            button = QRadioButton(text)
            self.mode_group.addButton(button)
            self.mode_buttons[key] = button
            modes.addWidget(button)
        modes.addStretch(1)
        self.mode_buttons.get(saved.get("mode"), self.mode_buttons["copy"]).setChecked(True)
        holder = QWidget(objectName="exportModes")
        holder.setLayout(modes)
        modes.setContentsMargins(0, 0, 0, 0)
        add(holder)

        add(_section("Where"))
        self.dest_edit = QLineEdit(saved.get("dest", ""), objectName="exportDest")
        self.dest_edit.setPlaceholderText("Choose a folder…")
        self.choose_button = QPushButton("Choose…")
        self.choose_button.setAutoDefault(False)
        self.choose_button.clicked.connect(self.choose_destination)
        form.addWidget(self.dest_edit, row, 0, 1, 2)
        form.addWidget(self.choose_button, row, 2)
        row += 1
        self.layout_combo = _combo(LAYOUTS, saved.get("layout"))
        add(self.layout_combo)

        add(_section("File names"))
        self.template_combo = QComboBox(objectName="nameTemplate")
        self.template_combo.setEditable(True)
        self.template_combo.addItems(TEMPLATES)
        self.template_combo.setCurrentText(saved.get("template", TEMPLATES[0]))
        self.template_combo.setToolTip("Fields: {date} {time} {seq} {name} {ext} {camera} {rating} {label};\n"
                                       "{date:%Y-%m-%d} and {seq:04d} set their format. Each file keeps its "
                                       "extension; a RAW+JPEG pair keeps one name.")
        add(self.template_combo)
        self.example = QLabel(objectName="templateExample")
        self.example.setWordWrap(True)
        add(self.example)

        add(_section("Extras"))
        self.xmp_check = QCheckBox("XMP sidecar with the decision, next to each photo:")
        self.xmp_check.setToolTip("Stars and label as xmp:Rating / xmp:Label, a pick as chosen below, merged "
                                  "into a sidecar that travels with the photo")
        self.xmp_check.setChecked(bool(saved.get("xmp", False)))
        add(self.xmp_check)
        self.xmp_style_combo = _combo(XMP_STYLES, saved.get("xmp_style"))
        add(self.xmp_style_combo)
        self.picks_as = PicksAsEdit(self.source.picks_as)
        add(self.picks_as)
        self.report_check = QCheckBox("Report of the exported photos:")
        self.report_check.setToolTip("Written into the destination as culler-report.html / .csv / .json; "
                                     "Undo last export removes it too")
        self.report_check.setChecked(bool(saved.get("report", False)))
        self.report_combo = _combo(REPORTS, saved.get("report_format"))
        form.addWidget(self.report_check, row, 0, 1, 2)
        form.addWidget(self.report_combo, row, 2)
        row += 1
        form.setRowStretch(row, 1)

        self._count_choices()
        for signal in (self.what_group.buttonToggled, self.mode_group.buttonToggled,
                       self.dest_edit.textChanged, self.layout_combo.currentIndexChanged,
                       self.template_combo.currentTextChanged, self.xmp_check.toggled,
                       self.xmp_style_combo.currentIndexChanged, self.rating_combo.currentIndexChanged,
                       self.label_combo.currentIndexChanged, self.report_check.toggled, self.picks_as.changed):
            signal.connect(self.changed)
        self.rating_combo.currentIndexChanged.connect(self._count_choices)
        self.label_combo.currentIndexChanged.connect(self._count_choices)
        self.xmp_check.toggled.connect(self._follow_checks)
        self.report_check.toggled.connect(self._follow_checks)
        self._follow_checks()

    # -- options
    def what(self) -> str:
        return next(k for k, b in self.what_buttons.items() if b.isChecked())

    def selection(self) -> str | list[int]:
        what = self.what()
        if what == "rated":
            return f"rated:{self.rating_combo.currentData()}"
        if what == "label":
            return f"label:{self.label_combo.currentData()}"
        if what == "filter":
            return list(self.source.filter_ids)
        return what

    def selection_text(self) -> str:
        what = self.what()
        if what == "rated":
            return f"photos rated {self.rating_combo.currentData()}+"
        if what == "label":
            return f"{self.label_combo.currentData().lower()}-labelled photos"
        if what == "filter":
            return f"the current filter ({self.source.filter_description})"
        return {"picks": "picks", "suggested": "suggested picks"}[what]

    def mode(self) -> str:
        return next(k for k, b in self.mode_buttons.items() if b.isChecked())

    def destination(self) -> Path | None:
        text = self.dest_edit.text().strip()
        return Path(text).expanduser().absolute() if text else None

    def options(self):
        from culler.core.export import ExportOptions

        return ExportOptions(dest=self.destination() or Path(), select=self.selection(), mode=self.mode(),
                             layout=self.layout_combo.currentData(),
                             name_template=self.template_combo.currentText().strip(),
                             xmp=self.xmp_check.isChecked(), xmp_style=self.xmp_style_combo.currentData(),
                             picks_as=str(self.picks_as.value()))

    def remembered(self) -> dict:
        return {"what": self.what(), "rating": self.rating_combo.currentData(),
                "label": self.label_combo.currentData(), "mode": self.mode(), "dest": self.dest_edit.text().strip(),
                "layout": self.layout_combo.currentData(), "template": self.template_combo.currentText().strip(),
                "xmp": self.xmp_check.isChecked(), "xmp_style": self.xmp_style_combo.currentData(),
                "picks_as": str(self.picks_as.value()),
                "report": self.report_check.isChecked(), "report_format": self.report_combo.currentData()}

    def _count_choices(self) -> None:
        from culler.core.export import select_photos

        s = self.source
        for key, label in self.what_counts.items():
            select = {"rated": f"rated:{self.rating_combo.currentData()}",
                      "label": f"label:{self.label_combo.currentData()}",
                      "filter": list(s.filter_ids)}.get(key, key)
            n = len(select_photos(s.photos, s.decisions, s.groups, select))
            label.setText(f"{n:,}")

    def choose_destination(self) -> None:
        start = self.dest_edit.text().strip() or str(self.source.album_root.parent)
        folder = QFileDialog.getExistingDirectory(self, "Export to", start)
        if folder:
            self.dest_edit.setText(folder)

    def template(self) -> str:
        return self.template_combo.currentText().strip()

    def report_format(self) -> str | None:
        return self.report_combo.currentData() if self.report_check.isChecked() else None

    def show_example(self, text: str, prefix: str = "e.g. ") -> None:
        self.example.setText(prefix + text)

    def set_editable(self, on: bool) -> None:
        """Everything off while an export runs; back on (with its dependencies) afterwards."""
        for kind in (QRadioButton, QCheckBox, QComboBox, QLineEdit, QPushButton):
            for w in self.findChildren(kind):
                w.setEnabled(on)
        if on:
            self._follow_checks()

    def _follow_checks(self) -> None:
        self.xmp_style_combo.setEnabled(self.xmp_check.isChecked())
        self.picks_as.setEnabled(self.xmp_check.isChecked())
        self.report_combo.setEnabled(self.report_check.isChecked())
