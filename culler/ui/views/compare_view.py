"""Compare (C): two frames side by side, with zoom and pan kept in sync.

What it shows: the two selected photos (or, with more selected, the first two, cycling through
the selection); otherwise the current photo on the left and the next-best frame of its group on
the right; for a single photo, the next photo shown. Decision keys apply to the active side
(bright border); a click makes a side active.

Keys: Left / Right make that side active; pressed again towards the side that is already active,
they bring the next candidate onto it (Right on the right side: the next frame of the group,
skipping the one on the left; Left on the left side: the previous one). Up / Down and `[` `]`
cycle the active side's frame. Z zooms both sides to 100 % at the same relative point of the
photo (under the cursor, or the centre); dragging one side pans both; Esc or Z zooms out.
Tab / Shift+Tab compare the next / previous group.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCursor, QPainter, QPen
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from culler.core.group_navigation import step_within
from culler.ui.base import theme
from culler.ui.views.frame_caption import CAPTION_H, paint_caption
from culler.ui.views.loupe_canvas import LoupeCanvas
from culler.ui.views.photo_view import PhotoView, selected_rows


class CompareCanvas(LoupeCanvas):
    """One side of compare: the loupe's canvas, with zoom and pan controllable from outside."""

    activated = Signal()  # clicked: this side becomes the active one
    panned = Signal()  # dragged while zoomed: the other side follows
    zoom_requested = Signal(QPointF)  # double-clicked at this point

    def __init__(self, side: int, parent=None) -> None:
        super().__init__(parent)
        self.side = side
        self.active = False
        self._dragging = False
        self.setObjectName("compareLeft" if side == 0 else "compareRight")

    # -- zoom and pan, in coordinates relative to the photo (0-1), so two photos can follow each other
    def relative_point(self, at: QPointF) -> tuple[float, float]:
        fit = self._fit_rect()
        if fit.isEmpty():
            return 0.5, 0.5
        return (min(1.0, max(0.0, (at.x() - fit.left()) / fit.width())),
                min(1.0, max(0.0, (at.y() - fit.top()) / fit.height())))

    def zoom_to(self, fx: float, fy: float, at: QPointF) -> None:
        """100 %, with the photo's point (fx, fy) under the widget point `at`."""
        if self.full_size is None:
            return
        full = self._logical(self.full_size)
        self._origin = QPointF(at.x() - fx * full.width(), at.y() - fy * full.height())
        self.zoomed = True
        self._clamp()
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.zoom_changed.emit(True)
        self.update()

    def unzoom(self) -> None:
        if self.zoomed:
            self.zoomed = False
            self.setCursor(Qt.CursorShape.ArrowCursor)
            self.zoom_changed.emit(False)
            self.update()

    def relative_centre(self) -> tuple[float, float] | None:
        """The photo's point at the middle of the widget (0-1), None when nothing is shown."""
        if self.full_size is None:
            return None
        if not self.zoomed:
            return self.relative_point(QPointF(self.width() / 2, self.height() / 2))
        full = self._logical(self.full_size)
        return ((self.width() / 2 - self._origin.x()) / max(1, full.width()),
                (self.height() / 2 - self._origin.y()) / max(1, full.height()))

    def set_relative_centre(self, fx: float, fy: float) -> None:
        if self.full_size is None or not self.zoomed:
            return
        full = self._logical(self.full_size)
        self._origin = QPointF(self.width() / 2 - fx * full.width(), self.height() / 2 - fy * full.height())
        self._clamp()
        self.update()

    def zoom_factor(self) -> float | None:
        """Device pixels per photo pixel: 1.0 at 100 %, less when fitted."""
        if self.full_size is None or self.full_size.isEmpty():
            return None
        if self.zoomed:
            return 1.0
        return self._fit_rect().width() * self.devicePixelRatioF() / self.full_size.width()

    # -- Qt events
    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.active:
            p = QPainter(self)
            p.setPen(QPen(theme.CELL_CURRENT_BORDER, 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))
            p.end()

    def mousePressEvent(self, event) -> None:
        self.activated.emit()
        self._dragging = event.button() == Qt.MouseButton.LeftButton and self.zoomed
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        super().mouseMoveEvent(event)
        if self._dragging:
            self.panned.emit()

    def mouseReleaseEvent(self, event) -> None:
        self._dragging = False
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        self.zoom_requested.emit(event.position())


class Caption(QWidget):
    """The painted caption under one side (decision, advice)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setFixedHeight(CAPTION_H + 6)
        self.state = None
        self.photo_id: int | None = None
        self.active = False

    def show_photo(self, state, photo_id: int | None, active: bool) -> None:
        self.state, self.photo_id, self.active = state, photo_id, active
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), theme.CELL_SELECTED if self.active else theme.CELL)
        if self.state is not None and self.photo_id is not None:
            paint_caption(p, QRectF(self.rect()).adjusted(8, 3, -8, -3), self.state, self.photo_id,
                          active=self.active)
        p.end()


class CompareView(QWidget, PhotoView):
    view_id = "compare"
    zoomable = True
    title = "Compare"

    def __init__(self, host, images, groups, parent=None) -> None:
        super().__init__(parent)
        self.host = host
        self.images = images  # FrameImages
        self.groups = groups  # GroupFeatures: the group index and the photo filter
        self.setObjectName("compare")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # keys reach the window's dispatcher from here
        self.candidates: list[int] = []  # what the sides cycle through
        self.ids: list[int | None] = [None, None]  # left, right
        self.active_side = 0
        self.canvases = [CompareCanvas(0), CompareCanvas(1)]
        self.captions = [Caption(), Caption()]
        outer = QVBoxLayout(self)  # vertical, so a feature's strip (add_panel) goes under both sides
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        layout = QHBoxLayout()
        layout.setSpacing(3)
        outer.addLayout(layout, 1)
        for side, (canvas, caption) in enumerate(zip(self.canvases, self.captions)):
            column = QVBoxLayout()
            column.setSpacing(0)
            column.addWidget(canvas, 1)
            column.addWidget(caption)
            layout.addLayout(column, 1)
            canvas.activated.connect(lambda side=side: self.set_active_side(side))
            canvas.panned.connect(lambda side=side: self._follow_pan(side))
            canvas.zoom_requested.connect(lambda at, side=side: self.toggle_zoom(at, side))
        self._active = False
        self._resize_timer = QTimer(self, singleShot=True, interval=60)
        self._resize_timer.timeout.connect(self.refresh)
        images.ready.connect(self._image_ready)
        images.failed.connect(lambda pid, _m: self.refresh() if self._active and pid in self.ids else None)
        host.model.dataChanged.connect(lambda *_: self._update_captions() if self._active else None)
        host.model.modelReset.connect(self._album_changed)

    # -- PhotoView
    def activate(self) -> None:
        self._active = True
        self.images.use_album(self.host.model.state)
        self.open_on(self.host.current_id(), self._selected_ids())
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def deactivate(self) -> None:
        self._active = False
        self.images.pool.submit("preview", [])

    def target_ids(self) -> list[int]:
        active = self.active_id()
        return [] if active is None else [active]

    def move(self, step: str) -> None:
        if step == "next":
            self.set_active_side(1) if self.active_side == 0 else self.cycle(1)
        elif step == "prev":
            self.set_active_side(0) if self.active_side == 1 else self.cycle(-1)
        elif step in ("down", "up"):
            self.cycle(1 if step == "down" else -1)

    # -- what is compared
    def active_id(self) -> int | None:
        return self.ids[self.active_side]

    def open_on(self, photo_id: int | None, selected: list[int] = ()) -> None:
        """Compare `photo_id` with its next-best group frame, or the selected photos."""
        state = self.host.model.state
        if state is None or photo_id is None:
            self.candidates, self.ids = [], [None, None]
            self.refresh()
            return
        selected = list(selected)
        if len(selected) >= 2:
            self.candidates = selected
            left = photo_id if photo_id in selected else selected[0]
        else:
            index = self.groups.index()
            members = self.groups.filtered_members(photo_id)
            if len(members) >= 2:
                self.candidates = index.by_rank(members)
            else:
                self.candidates = list(self.host.model.ids)
            left = photo_id
        others = [c for c in self.candidates if c != left]
        right = step_within(self.candidates, left, 1) if left in self.candidates else None
        if right is None or right == left:
            right = others[0] if others else None
        self.ids = [left, right]
        self.active_side = 0
        self.refresh()

    def follow_group(self, photo_id: int) -> None:
        """Tab / Shift+Tab landed on `photo_id`: compare its group."""
        zoomed = self.is_zoomed()
        self.open_on(photo_id)
        if zoomed:
            self.toggle_zoom()

    def step_in_group(self, step: int) -> None:
        self.cycle(step)

    def set_active_side(self, side: int) -> None:
        if self.ids[side] is None:
            return
        self.active_side = side
        self._sync_current()
        self.refresh()

    def cycle(self, step: int) -> None:
        """Bring the next (step=1) / previous candidate onto the active side."""
        side, other = self.active_side, self.ids[1 - self.active_side]
        pool = [c for c in self.candidates if c != other]
        new = step_within(pool, self.ids[side], step)
        if new is None or new == self.ids[side]:
            self.host.show_message("No other frame to compare")
            return
        self.ids[side] = new
        self._sync_current()
        self.refresh()

    def _selected_ids(self) -> list[int]:
        model = self.host.model
        return [pid for pid in map(model.id_at, selected_rows(self.host.selection)) if pid is not None]

    def _sync_current(self) -> None:
        """The window's current photo follows the active side (or its stack, when hidden)."""
        pid = self.active_id()
        if pid is None:
            return
        shown = self.groups.shown_for(pid)
        if shown is not None and shown != self.host.current_id():
            self.host.set_current(shown)

    # -- zoom
    def is_zoomed(self) -> bool:
        return any(c.zoomed for c in self.canvases)

    def toggle_zoom(self, at: QPointF | None = None, side: int | None = None) -> None:
        """Z: both sides to 100 % at the same relative point, or both back to fit."""
        if self.is_zoomed():
            for c in self.canvases:
                c.unzoom()
            self.refresh()
            return
        if at is None:
            side, at = self._point_under_cursor()
        source = self.canvases[self.active_side if side is None else side]
        fx, fy = source.relative_point(at)
        for c in self.canvases:
            if c.photo_id is not None:
                c.zoom_to(fx, fy, at)
        self.refresh()

    def _point_under_cursor(self) -> tuple[int, QPointF]:
        for side, c in enumerate(self.canvases):
            pos = c.mapFromGlobal(QCursor.pos())
            if c.rect().contains(pos):
                return side, QPointF(pos)
        c = self.canvases[self.active_side]
        return self.active_side, QPointF(c.width() / 2, c.height() / 2)

    def _follow_pan(self, side: int) -> None:
        centre = self.canvases[side].relative_centre()
        if centre is not None:
            self.canvases[1 - side].set_relative_centre(*centre)

    def zoom_factors(self) -> list[float | None]:
        return [c.zoom_factor() for c in self.canvases]

    # -- showing
    def refresh(self) -> None:
        if not self._active:
            return
        state = self.host.model.state
        for side, (canvas, pid) in enumerate(zip(self.canvases, self.ids)):
            canvas.active = side == self.active_side and self.ids[1] is not None
            if pid is None or state is None:
                message = "No other photo to compare with" if side == 1 and state is not None else ""
                canvas.show_photo(None, None, None, message=message)
                continue
            photo = state.photos.get(pid)
            unreadable = photo is not None and photo.status == "error"
            error = (photo.error or "could not be read") if unreadable else None
            error = error or self.images.failure(pid)
            fitted = self.images.fitted(pid, canvas.request_size())
            placeholder = None
            if fitted is None and not error:
                placeholder = self.images.latest(pid)
                thumb = self.host.thumbnails.pixmap(pid) if placeholder is None else None
                placeholder = placeholder or (thumb.toImage() if thumb is not None else None)
            canvas.show_photo(pid, fitted, self._display_size(photo, pid), placeholder,
                              f"Unreadable: {error}" if error else "")
            full = self.images.full(pid)
            if full is not None:
                canvas.set_full(pid, full)
        self._update_captions()
        self._request()

    def _display_size(self, photo, pid: int) -> QSize | None:
        full = self.images.full(pid)
        if full is not None:
            return full.size()
        if photo is not None and photo.meta.width and photo.meta.height:
            w, h = photo.meta.width, photo.meta.height
            return QSize(h, w) if photo.meta.orientation in (5, 6, 7, 8) else QSize(w, h)
        fitted = self.images.latest(pid)
        return fitted.size() if fitted is not None else None

    def _request(self) -> None:
        order = [self.active_side, 1 - self.active_side]
        wanted = [(self.ids[s], self.canvases[s].request_size()) for s in order if self.ids[s] is not None]
        # the next candidate of the active side, so cycling is instant
        side = self.active_side
        upcoming = step_within([c for c in self.candidates if c != self.ids[1 - side]], self.ids[side], 1)
        if upcoming is not None and upcoming not in self.ids:
            wanted.append((upcoming, self.canvases[side].request_size()))
        full = [self.ids[s] for s in order if self.ids[s] is not None] if self.is_zoomed() else []
        self.images.want(wanted, full)

    def _update_captions(self) -> None:
        state = self.host.model.state
        two = self.ids[1] is not None
        for side, caption in enumerate(self.captions):
            caption.show_photo(state, self.ids[side], two and side == self.active_side)
        for canvas in self.canvases:
            canvas.update()

    def decisions_changed(self, ids: list[int]) -> None:
        """Decisions changed (also of frames the grid hides in a stack): repaint what shows them."""
        if self._active and set(ids) & set(self.ids):
            self._update_captions()

    def _image_ready(self, photo_id: int) -> None:
        if self._active and photo_id in self.ids:
            self.refresh()

    def _album_changed(self) -> None:
        self.candidates, self.ids = [], [None, None]
        for c in self.canvases:
            c.unzoom()
        if self._active:
            self.images.use_album(self.host.model.state)
            self.open_on(self.host.current_id())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._active:
            self._resize_timer.start()
