"""The loupe: one photo as large as the window allows, its shooting data, a histogram, the
decision and the advice; Z zooms to 100 % at the cursor. Neighbours are decoded ahead."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from culler.ui.base import theme
from culler.ui.base.exif_text import exif_line
from culler.ui.imaging.histogram_widget import HistogramWidget
from culler.ui.imaging.previews import display_size
from culler.ui.views.loupe_canvas import LoupeCanvas
from culler.ui.views.photo_view import PhotoView

PREFETCH = (1, -1, 2, -2)  # neighbours decoded after the current photo, nearest first
_STARS = "★★★★★"


class LoupeView(QWidget, PhotoView):
    view_id = "loupe"
    zoomable = True
    title = "Loupe"

    def __init__(self, host, previews, parent=None) -> None:
        super().__init__(parent)
        self.host = host
        self.previews = previews
        self.setObjectName("loupe")
        self.canvas = LoupeCanvas(self)
        self.histogram = HistogramWidget(self.canvas)
        self.canvas.corner = self.histogram
        self.name_label = QLabel(objectName="loupeName")
        self.exif_label = QLabel(objectName="loupeExif")
        self.decision_label = QLabel(objectName="loupeDecision")
        self.advice_label = QLabel(objectName="loupeAdvice")
        self.advice_label.setWordWrap(False)
        for label in (self.exif_label, self.advice_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)

        info = QWidget(objectName="loupeInfo")
        row1 = QHBoxLayout()
        row1.addWidget(self.name_label)
        row1.addStretch(1)
        row1.addWidget(self.decision_label)
        row2 = QHBoxLayout()
        row2.addWidget(self.exif_label)
        row2.addStretch(1)
        row2.addWidget(self.advice_label)
        box = QVBoxLayout(info)
        box.setContentsMargins(14, 6, 14, 8)
        box.setSpacing(2)
        box.addLayout(row1)
        box.addLayout(row2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(info)

        self._active = False
        self._resize_timer = QTimer(self, singleShot=True, interval=60)
        self._resize_timer.timeout.connect(self.refresh)
        host.selection.currentChanged.connect(lambda *_: self.refresh() if self._active else None)
        host.model.dataChanged.connect(self._model_data_changed)
        host.model.layoutChanged.connect(lambda *_: self.refresh() if self._active else None)
        host.model.modelReset.connect(lambda *_: self.refresh() if self._active else None)
        previews.ready.connect(self._preview_ready)
        previews.failed.connect(lambda pid, _msg: self.refresh() if pid == self.host.current_id() else None)
        self.canvas.zoom_changed.connect(lambda _z: self._request())
        self.canvas.painted.connect(self._painted)
        self._prefetched_for: int | None = None
        self._told_skipping = False  # the arrows skip a collapsed stack's other frames: said once

    # -- PhotoView
    def activate(self) -> None:
        self._active = True
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        self.refresh()

    def deactivate(self) -> None:
        self._active = False
        self.previews.pool.submit("preview", [])

    def target_ids(self) -> list[int]:
        current = self.host.current_id()
        return [] if current is None else [current]

    def move(self, step: str) -> None:
        model = self.host.model
        n = model.rowCount()
        if n == 0:
            return
        row = model.row_of(self.host.current_id())
        target = {"next": row + 1, "down": row + 1, "prev": row - 1, "up": row - 1,
                  "first": 0, "last": n - 1}[step]
        if row < 0:
            target = 0
        target = max(0, min(n - 1, target))
        if target != row:
            self._say_stack_skipped(self.host.current_id())
            self.host.set_current(model.id_at(target))

    def _say_stack_skipped(self, left: int | None) -> None:
        """Leaving a collapsed stack with the arrows skips its other frames: say so, once."""
        model, state = self.host.model, self.host.model.state
        stacks = model.stacks
        if self._told_skipping or stacks is None or state is None:
            return
        index = stacks.cache.get(state)
        gid = index.group_of(left)
        hidden = [m for m in index.members.get(gid, []) if model.row_of(m) < 0]
        if stacks.is_collapsed(gid) and hidden:
            self._told_skipping = True
            self.host.show_message(f"← → skip the {len(hidden)} other frame{'s' if len(hidden) != 1 else ''} of a "
                                   "collapsed stack: ] and [ step through them, S expands it", 8000)

    def toggle_zoom(self) -> None:
        self.canvas.toggle_zoom()

    def is_zoomed(self) -> bool:
        return self.canvas.zoomed

    # -- showing
    def refresh(self) -> None:
        photo_id = self.host.current_id()
        state = self.host.model.state
        if photo_id is None or state is None:
            self.canvas.show_photo(None, None, None, message="No photo to show" if state else "")
            self._set_info(None)
            return
        photo = state.photos.get(photo_id)
        size = self.canvas.request_size()
        preview = self.previews.get(photo_id, size)
        error = state.error(photo_id) if photo is not None and photo.status == "error" else None
        error = error or self.previews.failure(photo_id)
        full_size = display_size(photo, preview)
        placeholder = None
        if preview is None and not error:
            thumb = self.host.thumbnails.pixmap(photo_id)
            placeholder = thumb.toImage() if thumb is not None else None
        self.canvas.show_photo(photo_id, preview.image if preview else None, full_size, placeholder,
                               f"Unreadable: {error}" if error else "")
        full = self.previews.full(photo_id)
        if full is not None:
            self.canvas.set_full(photo_id, full.image)
        self.histogram.setVisible(preview is not None)
        if preview is not None:
            self.histogram.set_image(preview.histogram_image)
        self._set_info(photo_id)
        self._request()

    def _request(self, neighbours: bool = False) -> None:
        """Decode the current photo now, its neighbours once it is on screen (so decoding them
        does not compete with showing it)."""
        if not self._active:
            return
        model, current = self.host.model, self.host.current_id()
        row = model.row_of(current)
        if row < 0:
            return
        size = self.canvas.request_size()
        ids = [current]
        photo = self.host.model.state.photos.get(current)
        unshowable = photo is None or photo.status == "error" or self.previews.failure(current)
        if neighbours or self._prefetched_for == current or unshowable:
            ids += [model.id_at(row + d) for d in PREFETCH]
            self._prefetched_for = current
        self.previews.want([i for i in ids if i is not None], size,
                           full_for=current if self.canvas.zoomed else None)

    def _painted(self, photo_id: int) -> None:
        if photo_id == self.host.current_id() and self._prefetched_for != photo_id:
            self._request(neighbours=True)

    def _set_info(self, photo_id: int | None) -> None:
        state = self.host.model.state
        if photo_id is None or state is None:
            for label in (self.name_label, self.exif_label, self.decision_label, self.advice_label):
                label.setText("")
            return
        model = self.host.model
        photo = state.photos.get(photo_id)
        self.name_label.setText(f"<b>{state.name(photo_id)}</b>  <span style='color:#8a8a8a'>"
                                f"{model.position(photo_id)}</span>")
        self.exif_label.setText(self._exif(photo))
        d = state.decision(photo_id)
        parts = []
        if d.flag == "pick":
            parts.append("<span style='color:#f2f2f2'>⚑ Picked</span>")
        elif d.flag == "reject":
            parts.append("<span style='color:#d9534f'>✕ Rejected</span>")
        if d.rating:
            parts.append(f"<span style='color:#e8e8e8'>{_STARS[:d.rating]}</span>"
                         f"<span style='color:#4a4a4a'>{_STARS[d.rating:]}</span>")
        if d.label:
            colour = theme.LABEL_COLOURS[d.label].name() if d.label in theme.LABEL_COLOURS else "#d6d6d6"
            parts.append(f"<span style='color:{colour}'>●</span> {d.label}")
        self.decision_label.setText("   ".join(parts) or "<span style='color:#8a8a8a'>Unflagged</span>")
        self.advice_label.setText(self._advice(photo_id))

    @staticmethod
    def _exif(photo) -> str:
        """Camera, lens, shutter, aperture, ISO, focal length, time; says so when the file has no
        exposure data (a scan, an export that dropped EXIF), so it is not taken for a missing feature."""
        if photo is None:
            return ""
        m = photo.meta
        line = escape(exif_line(m))
        if not any((m.exposure_time, m.f_number, m.iso, m.focal_length)) and photo.status != "error":
            line += ("  ·  " if line else "") + "<span style='color:#8a8a8a'>no exposure data in this file</span>"
        return line

    def _advice(self, photo_id: int) -> str:
        state = self.host.model.state
        advice = state.advice(photo_id)
        parts = [] if advice.score is None else [f"score {advice.score}"]
        if advice.rank:
            parts.append(advice.rank)
        suggestion = state.open_suggestion(photo_id)  # hidden once accepted, as in the grid
        if suggestion:
            parts.append(f"<span style='color:{theme.SUGGEST.name()}'>suggested {suggestion}?</span>")
        parts.extend(escape(r) for r in advice.reasons[:3])
        error = state.analysis_errors.get(photo_id)
        self.advice_label.setToolTip(f"Analysis: {error}" if error else "")
        if error:
            short = error if len(error) <= 70 else error[:69] + "…"
            parts.append(f"<span style='color:#e0a030'>analysis: {escape(short)}</span>")
        return "  ·  ".join(parts)

    # -- events
    def _preview_ready(self, photo_id: int) -> None:
        if self._active and photo_id == self.host.current_id():
            self.refresh()

    def _model_data_changed(self, top, bottom, *_roles) -> None:
        if not self._active:
            return
        row = self.host.model.row_of(self.host.current_id())
        if top.row() <= row <= bottom.row():
            self._set_info(self.host.current_id())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._active:
            self._resize_timer.start()
