"""The dialog that starts a time-budget review: how much time (for everything left, or for the best
photo), which photos (all, unreviewed, the best of each group, the current filter), and a live
preview of the plan before anything starts — how many photos, what the best and the worst get,
where the glance-only tail begins, the total — with a small chart of the seconds per photo.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from culler.core import budget
from culler.ui.base.theme import control_style

SCOPE_LABELS = {"all": "All photos", "unreviewed": "Unreviewed", "best": "Best of each group",
                "filter": "Current filter"}
SCOPE_TIPS = {"all": "Every photo of the album", "unreviewed": "Photos with no flag and no stars yet",
              "best": "The best frame of each group; its other frames are one key away (] or Down)",
              "filter": "The photos the grid shows now"}
DEFAULTS = {"mode": "total", "minutes": 20.0, "best_seconds": 15.0, "scope": "unreviewed"}
# Above this many photos a plan takes long enough to make typing lag: the preview waits for a pause.
DEBOUNCE_FROM = 1500

STYLE = """
QDialog#reviewSetup { background-color: #222222; }
QDialog#reviewSetup QLabel { background: transparent; }
QLabel#setupTitle { font-size: 14pt; color: #ececec; }
QLabel#setupHint { color: #8f8f8f; }
QLabel#setupPlan { color: #d8d8d8; font-size: 10pt; }
QLabel#setupTail { color: #9a9a9a; }
QDoubleSpinBox { background-color: #2c2c2c; border: 1px solid #3c3c3c; border-radius: 3px; padding: 2px 6px;
                 color: #e6e6e6; min-width: 64px; }
QDoubleSpinBox:disabled { color: #6a6a6a; }
QRadioButton { background: transparent; color: #d0d0d0; spacing: 8px; }
QRadioButton::indicator { width: 10px; height: 10px; border-radius: 6px; border: 1px solid #6a6a6a;
                          background-color: #262626; }
QRadioButton::indicator:checked { background-color: #d0d0d0; border-color: #d0d0d0; }
QPushButton { background-color: #333333; color: #e0e0e0; border: 1px solid #474747; border-radius: 4px;
              padding: 5px 16px; }
QPushButton:default { background-color: #4a4a4a; border-color: #5e5e5e; color: #ffffff; }
QPushButton:disabled { color: #6a6a6a; }
"""


def duration_text(seconds: float) -> str:
    """A short human duration: '0.8 s', '18 s', '4 min 05 s', '20 min', '1 h 05 min'."""
    seconds = max(0.0, float(seconds))
    if seconds < 9.95:
        return f"{seconds:.1f} s"
    if seconds < 59.5:
        return f"{seconds:.0f} s"
    total = round(seconds)
    minutes, s = divmod(total, 60)
    if minutes >= 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes} min" if s == 0 else f"{minutes} min {s:02d} s"


def plan_lines(plan: budget.Plan) -> tuple[str, str]:
    """The two lines of the preview: counts and times, then where the glance-only tail begins."""
    if not plan.count:
        return "No photos to review in this selection.", ""
    head = (f"{plan.count} photo{'s' if plan.count != 1 else ''}  ·  best {duration_text(plan.best_seconds)}"
            f"  ·  worst {duration_text(plan.worst_seconds)}  ·  total {duration_text(plan.total_seconds)}")
    start = plan.sweep_start_index
    if start is None:
        tail = "Every photo gets a real look, one at a time."
    else:
        n = plan.count - start
        tail = (f"Glance only from photo {start + 1}: the last {n} are swept as a grid "
                f"({duration_text(plan.sweep_seconds)} for all of them).")
    if all(e.score is None for e in plan.entries):
        tail += "  No scores yet: every photo gets the same time."
    return head, tail


class PlanChart(QWidget):
    """Seconds per photo in review order: the one-at-a-time photos light, the swept tail dim."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("planChart")
        self.setMinimumSize(420, 96)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.plan: budget.Plan | None = None

    def set_plan(self, plan: budget.Plan | None) -> None:
        self.plan = plan
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = QRectF(self.rect()).adjusted(34, 8, -8, -18)
        p.fillRect(self.rect(), QColor("#1b1b1b"))
        plan = self.plan
        if plan is None or not plan.count:
            return
        top = max(e.seconds for e in plan.entries)
        n = plan.count
        sweep = plan.sweep_start_index if plan.sweep_start_index is not None else n

        def point(i: float, s: float) -> QPointF:
            return QPointF(area.left() + area.width() * i / n, area.bottom() - area.height() * s / top)

        for lo, hi, colour in ((0, sweep, QColor("#a8a8a8")), (sweep, n, QColor("#555555"))):
            if hi <= lo:
                continue
            path = QPainterPath(point(lo, 0))
            for i in range(lo, hi):
                s = plan.entries[i].seconds
                path.lineTo(point(i, s))
                path.lineTo(point(i + 1, s))
            path.lineTo(point(hi, 0))
            path.closeSubpath()
            p.fillPath(path, colour)
        small = QFont(self.font())
        small.setPointSizeF(7.5)
        p.setFont(small)
        p.setPen(QColor("#7a7a7a"))
        p.drawText(QRectF(0, area.top() - 6, 30, 14), Qt.AlignmentFlag.AlignRight, duration_text(top))
        p.drawText(QRectF(0, area.bottom() - 8, 30, 14), Qt.AlignmentFlag.AlignRight, "0")
        p.setPen(QPen(QColor("#3a3a3a"), 1))
        p.drawLine(QPointF(area.left(), area.bottom()), QPointF(area.right(), area.bottom()))
        p.setPen(QColor("#7a7a7a"))
        p.drawText(QRectF(area.left(), area.bottom() + 3, 120, 14), Qt.AlignmentFlag.AlignLeft, "best")
        if sweep < n:
            x = point(sweep, 0).x()
            p.setPen(QPen(QColor("#6a6a6a"), 1, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))
            p.setPen(QColor("#8a8a8a"))
            label = QRectF(x + 4, area.bottom() + 3, max(60.0, area.right() - x - 4), 14)
            p.drawText(label, Qt.AlignmentFlag.AlignLeft, "grid sweep")
        else:
            p.drawText(QRectF(area.right() - 120, area.bottom() + 3, 120, 14), Qt.AlignmentFlag.AlignRight,
                       "lowest score")


class ReviewSetupDialog(QDialog):
    """Choose time and photos, see the plan, start. `start_requested(plan, scope, settings)`."""

    start_requested = Signal(object, str, dict)

    def __init__(self, items_by_scope: dict[str, list], counts_label: dict[str, str] | None = None,
                 settings: dict | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewSetup")
        self.setWindowTitle("Time-budget review")
        self.setStyleSheet(STYLE + control_style())
        self.items_by_scope = items_by_scope
        s = {**DEFAULTS, **(settings or {})}
        self._plan: budget.Plan | None = None

        title = QLabel("Time-budget review", objectName="setupTitle")
        hint = QLabel("Best photos first, less time as the scores fall. Scores are advice: every photo "
                      "is shown, the lowest in a quick grid.", objectName="setupHint")
        hint.setWordWrap(True)

        self.total_radio = QRadioButton("Time for the whole review")
        self.best_radio = QRadioButton("Time for the best photo")
        self.mode_group = QButtonGroup(self)
        self.mode_group.addButton(self.total_radio)
        self.mode_group.addButton(self.best_radio)
        self.minutes = QDoubleSpinBox(objectName="setupMinutes", decimals=1, minimum=0.5, maximum=1440.0,
                                      singleStep=1.0, suffix=" min")
        self.minutes.setValue(float(s["minutes"]))
        self.best_seconds = QDoubleSpinBox(objectName="setupBestSeconds", decimals=0, minimum=1.0, maximum=600.0,
                                           singleStep=1.0, suffix=" s")
        self.best_seconds.setValue(float(s["best_seconds"]))
        (self.best_radio if s["mode"] == "best" else self.total_radio).setChecked(True)

        self.scope = QComboBox(objectName="setupScope")
        for key in ("all", "unreviewed", "best", "filter"):
            if key in items_by_scope:
                label = (counts_label or {}).get(key) or SCOPE_LABELS[key]
                self.scope.addItem(f"{label} — {len(items_by_scope[key])}", key)
                self.scope.setItemData(self.scope.count() - 1, SCOPE_TIPS[key], Qt.ItemDataRole.ToolTipRole)
        index = self.scope.findData(s["scope"])
        self.scope.setCurrentIndex(index if index >= 0 else 0)

        self.chart = PlanChart()
        self.plan_label = QLabel(objectName="setupPlan")
        self.tail_label = QLabel(objectName="setupTail")
        self.tail_label.setWordWrap(True)

        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        grid.addWidget(self.total_radio, 0, 0)
        grid.addWidget(self.minutes, 0, 1)
        grid.addWidget(self.best_radio, 1, 0)
        grid.addWidget(self.best_seconds, 1, 1)
        grid.addWidget(QLabel("Photos"), 2, 0)
        grid.addWidget(self.scope, 2, 1, 1, 2)
        grid.setColumnStretch(2, 1)

        buttons = QDialogButtonBox()
        self.start_button = buttons.addButton("Start review", QDialogButtonBox.ButtonRole.AcceptRole)
        self.start_button.setObjectName("setupStart")
        self.start_button.setDefault(True)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._start)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addSpacing(4)
        layout.addLayout(grid)
        layout.addSpacing(4)
        layout.addWidget(self.chart)
        layout.addWidget(self.plan_label)
        layout.addWidget(self.tail_label)
        layout.addSpacing(6)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._debounce.timeout.connect(self.update_plan)
        for signal in (self.minutes.valueChanged, self.best_seconds.valueChanged, self.scope.currentIndexChanged):
            signal.connect(self._inputs_changed)
        self.mode_group.buttonToggled.connect(self._inputs_changed)
        self.update_plan()

    def _inputs_changed(self, *_args) -> None:
        if len(self.items_by_scope.get(self.scope_key(), [])) >= DEBOUNCE_FROM:
            self._debounce.start()
        else:
            self.update_plan()

    # -- state
    def mode(self) -> str:
        return "best" if self.best_radio.isChecked() else "total"

    def scope_key(self) -> str:
        return self.scope.currentData() or "all"

    def settings(self) -> dict:
        return {"mode": self.mode(), "minutes": self.minutes.value(), "best_seconds": self.best_seconds.value(),
                "scope": self.scope_key()}

    def plan(self) -> budget.Plan | None:
        return self._plan

    def update_plan(self) -> None:
        total = self.mode() == "total"
        self.minutes.setEnabled(total)
        self.best_seconds.setEnabled(not total)
        items = self.items_by_scope.get(self.scope_key(), [])
        try:
            if total:
                self._plan = budget.plan(items, total_seconds=self.minutes.value() * 60.0)
            else:
                self._plan = budget.plan(items, best_seconds=self.best_seconds.value())
        except ValueError as exc:  # the spin boxes keep values positive; say so if that ever changes
            self._plan = None
            self.plan_label.setText(str(exc))
            self.tail_label.setText("")
            self.chart.set_plan(None)
            self.start_button.setEnabled(False)
            return
        head, tail = plan_lines(self._plan)
        self.plan_label.setText(head)
        self.tail_label.setText(tail)
        self.chart.set_plan(self._plan)
        self.start_button.setEnabled(self._plan.count > 0)

    def _start(self) -> None:
        if self._debounce.isActive():  # Return typed right after the last change
            self._debounce.stop()
            self.update_plan()
        if self._plan is None or not self._plan.count:
            return
        self.accept()
        self.start_requested.emit(self._plan, self.scope_key(), self.settings())
