"""Groups > Grouping thresholds…: sliders for what makes photos one group (CLIP similarity, time
gap between scenes, the tiny-image pixel check) and how many frames of each group to suggest
keeping. Moving a slider regroups the album live.

The values are stored in the album's store under the keys the pipeline reads
('grouping.params': GroupingParams fields, 'grouping.keep_n': int), so the next analysis run
uses them too. Regrouping re-reads the stored signals, embeddings and tiny images
(culler.pipeline.grouping.group_and_rank) on a background thread; requests made while one runs
are folded into one more run. While an analysis run writes to the store (its last stage groups
the album too) a regroup waits, and starts when the window says the analysis is idle.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from html import escape

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
)

TIME_GAPS = (5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600)  # seconds, the slider's stops
DEBOUNCE_MS = 150


class Regrouper(QObject):
    """Runs group_and_rank(store) off the GUI thread; at most one run at a time."""

    finished = Signal(object, float)  # error message or None, seconds taken

    def __init__(self, parent=None, looks=None) -> None:
        super().__init__(parent)
        self._looks = looks  # the taste's CLIP look features' source (clip_looks.for_context)
        self._lock = threading.Lock()
        self._running = False
        self._again = None  # a store to regroup once the current run ends
        self.finished.connect(self._run_pending)

    def busy(self) -> bool:
        with self._lock:
            return self._running

    def request(self, store) -> None:
        with self._lock:
            if self._running:
                self._again = store
                return
            self._running = True
        threading.Thread(target=self._run, args=(store,), name="culler-regroup", daemon=True).start()

    def _run(self, store) -> None:
        from culler.pipeline.grouping import group_and_rank

        start = time.perf_counter()
        error = None
        try:
            group_and_rank(store, looks=self._looks)
        except Exception as exc:  # shown in the panel; the old groups stay
            error = f"{type(exc).__name__}: {exc}"
        with self._lock:
            self._running = False
        try:
            self.finished.emit(error, time.perf_counter() - start)
        except RuntimeError:  # the window closed meanwhile
            pass

    def _run_pending(self, *_args) -> None:
        store, self._again = self._again, None
        if store is not None:
            self.request(store)


def _params_class():
    from culler.core.grouping import GroupingParams

    return GroupingParams


class GroupingPanel(QDialog):
    regrouped = Signal()  # new groups are in the window

    def __init__(self, window) -> None:
        super().__init__(window)
        self.w = window
        self.setObjectName("groupingPanel")
        self.setWindowTitle("Grouping")
        self.setModal(False)
        from culler.analysis.clip_looks import for_context

        self.regrouper = Regrouper(self, for_context(getattr(window, "ctx", None)))
        self.regrouper.finished.connect(self._done)
        self._after_analysis = None  # a store to regroup once the analysis run is idle
        window.analysis_idle.connect(self._analysis_idle)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self._save_and_regroup)
        self._loading = False

        self.similarity = self._slider(70, 99)
        self.time_gap = self._slider(0, len(TIME_GAPS) - 1)
        self.pixel = self._slider(50, 99)
        self.keep_n = QSpinBox(objectName="groupingKeepN")
        self.keep_n.setRange(1, 10)
        self.keep_n.valueChanged.connect(self._changed)
        self.values = {name: QLabel(objectName=f"groupingValue_{name}") for name in ("similarity", "time_gap", "pixel")}
        self.similarity.setObjectName("groupingSimilarity")
        self.time_gap.setObjectName("groupingTimeGap")
        self.pixel.setObjectName("groupingPixel")

        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        rows = [("Similarity", self.similarity, "similarity",
                 "How alike the content must be (CLIP). Higher: stricter, smaller groups."),
                ("Time gap", self.time_gap, "time_gap",
                 "A longer pause starts a new scene; photos of different scenes never group."),
                ("Pixel check", self.pixel, "pixel",
                 "How closely the small greyscale images must match. Higher: stricter.")]
        for r, (title, slider, key, hint) in enumerate(rows):
            grid.addWidget(QLabel(title), 2 * r, 0)
            grid.addWidget(slider, 2 * r, 1)
            grid.addWidget(self.values[key], 2 * r, 2)
            note = QLabel(hint, objectName="groupingHint")
            note.setStyleSheet("color: #8a8a8a; font-size: 8.5pt;")
            note.setWordWrap(True)
            grid.addWidget(note, 2 * r + 1, 1, 1, 2)
            if key == "similarity":
                self.similarity_note = note
        grid.addWidget(QLabel("Keep per group"), 6, 0)
        grid.addWidget(self.keep_n, 6, 1, Qt.AlignmentFlag.AlignLeft)
        keep_note = QLabel("How many frames of each burst are suggested as picks.", objectName="groupingHint")
        keep_note.setStyleSheet("color: #8a8a8a; font-size: 8.5pt;")
        grid.addWidget(keep_note, 7, 1, 1, 2)

        self.status = QLabel(objectName="groupingStatus")
        self.status.setWordWrap(True)
        self.status.setMinimumHeight(36)
        buttons = QDialogButtonBox()
        self.defaults = QPushButton("Defaults")
        self.defaults.clicked.connect(self.reset_defaults)
        buttons.addButton(self.defaults, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close).clicked.connect(self.close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.addLayout(grid)
        layout.addSpacing(8)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def _slider(self, lo: int, hi: int) -> QSlider:
        s = QSlider(Qt.Orientation.Horizontal)
        s.setRange(lo, hi)
        s.setMinimumWidth(260)
        s.valueChanged.connect(self._changed)
        return s

    # -- values
    def open_for_album(self) -> None:
        """Show the album's stored values and the current grouping."""
        self.load()
        self.show()
        self.raise_()
        self.activateWindow()

    def load(self) -> None:
        store = self.w.store()
        params = _params_class()()
        keep_n = 1
        if store is not None:
            from culler.pipeline.grouping import grouping_params

            params = grouping_params(store)
            saved = store.get("grouping.keep_n", 1)
            keep_n = saved if isinstance(saved, int) and saved >= 1 else 1
        self._loading = True
        self.similarity.setValue(round(params.similarity * 100))
        self.time_gap.setValue(min(range(len(TIME_GAPS)), key=lambda i: abs(TIME_GAPS[i] - params.time_gap_s)))
        self.pixel.setValue(round(params.pixel_corr * 100))
        self.keep_n.setValue(keep_n)
        self._loading = False
        self._show_values()
        self._show_groups()
        has_embeddings = False
        if store is not None:
            try:
                has_embeddings = bool(store.embeddings("clip"))
            except Exception as exc:  # say so: the time and pixel checks still work
                self.status.setText(f"<span style='color:#e0a030'>Could not read the album's embeddings: "
                                    f"{escape(str(exc))}</span>")
        self.similarity.setEnabled(has_embeddings)
        self.similarity_note.setText("How alike the content must be (CLIP). Higher: stricter, smaller groups."
                                     if has_embeddings else "Needs the AI models' embeddings, which this album "
                                     "does not have yet: time and pixel checks group it.")

    def current_params(self) -> dict:
        return {"similarity": self.similarity.value() / 100, "time_gap_s": float(TIME_GAPS[self.time_gap.value()]),
                "pixel_corr": self.pixel.value() / 100}

    def reset_defaults(self) -> None:
        defaults = _params_class()()
        self.similarity.setValue(round(defaults.similarity * 100))
        self.time_gap.setValue(min(range(len(TIME_GAPS)), key=lambda i: abs(TIME_GAPS[i] - defaults.time_gap_s)))
        self.pixel.setValue(round(defaults.pixel_corr * 100))
        self.keep_n.setValue(1)

    def _changed(self, *_args) -> None:
        self._show_values()
        if not self._loading:
            self._timer.start()

    def _show_values(self) -> None:
        gap = TIME_GAPS[self.time_gap.value()]
        self.values["similarity"].setText(f"{self.similarity.value() / 100:.2f}")
        self.values["time_gap"].setText(f"{gap} s" if gap < 60 else f"{gap // 60} min")
        self.values["pixel"].setText(f"{self.pixel.value() / 100:.2f}")

    # -- regrouping
    def _save_and_regroup(self) -> None:
        store = self.w.store()
        if store is None:
            return
        saved = store.get("grouping.params") or {}
        saved = dict(saved) if isinstance(saved, dict) else {}
        known = {f.name for f in dataclasses.fields(_params_class())}
        saved = {k: v for k, v in saved.items() if k in known}
        saved.update(self.current_params())
        try:
            store.set("grouping.params", saved)
            store.set("grouping.keep_n", self.keep_n.value())
        except Exception as exc:  # say so; the groups stay as they are
            self.status.setText(f"Could not save the settings: {exc}")
            return
        if self.w.analysis_running():
            self._after_analysis = store
            self.status.setText("Regrouping as soon as the analysis is done…")
            return
        self.status.setText("Regrouping…")
        self.regrouper.request(store)

    def _analysis_idle(self) -> None:
        store, self._after_analysis = self._after_analysis, None
        if store is not None and store is self.w.store():
            self.status.setText("Regrouping…")
            self.regrouper.request(store)

    def _done(self, error, seconds: float) -> None:
        if self.regrouper.busy():
            return  # a newer request is running; show its result
        if error:
            self.status.setText(f"<span style='color:#e0a030'>Regrouping failed: {error}</span>")
            return
        w = self.w
        w.refresh_analysis()
        view = w.current_view()
        if view is not None and view.view_id in ("compare", "survey"):
            view.activate()
        self._show_groups(seconds)
        self.regrouped.emit()

    def _show_groups(self, seconds: float | None = None) -> None:
        state = self.w.model.state
        if state is None:
            self.status.setText("No album open.")
            return
        sizes: dict[str, int] = {}
        for row in state.groups.values():
            sizes[row.group] = sizes.get(row.group, 0) + 1
        multi = [n for n in sizes.values() if n > 1]
        singles = len(state.order) - sum(multi)
        text = (f"{len(state.order):,} photos: {len(multi):,} groups of 2 or more frames"
                + (f" (largest {max(multi)})" if multi else "") + f", {singles:,} single photos")
        if not state.groups:
            text = "No groups yet: the album has not been analysed."
        if seconds is not None:
            text += f"  ·  regrouped in {seconds:.2f} s"
        self.status.setText(text)
