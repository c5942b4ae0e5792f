"""Survey (N): every frame of the current group (or every selected photo) tiled at once, as large
as the window allows, each with its number, decision, suggestion and reasons.

One frame is active (bright border): decision keys (P X U, labels 6-9 are not available here)
apply to it. 1-9 make frame 1-9 the active one (in survey the digits choose frames, not ratings);
the arrows and `[` `]` move the active frame, a click activates one, a double-click opens it in
the loupe. The window's current photo follows the active frame (its stack, when collapsed), so
the grid and the loupe open where the survey left off. Tab / Shift+Tab survey the next /
previous group.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QFont, QPainter, QPen
from PySide6.QtWidgets import QVBoxLayout, QWidget

from culler.core.group_navigation import step_within
from culler.ui.base import theme
from culler.ui.views.frame_caption import CAPTION_H, paint_caption, paint_number
from culler.ui.views.photo_view import PhotoView, selected_rows

GAP = 8
MAX_FRAMES = 48  # a survey of more frames than this is a grid, not a comparison
HEADER_H = 28
PAD = 6


def tile_layout(n: int, width: float, height: float, aspect: float = 1.5) -> tuple[int, int]:
    """(columns, rows) that make n photos of this aspect (w/h) largest in width x height."""
    best, best_area = (1, max(1, n)), -1.0
    for cols in range(1, max(1, n) + 1):
        rows = math.ceil(n / cols)
        tile_w = (width - GAP * (cols + 1)) / cols - 2 * PAD
        tile_h = (height - GAP * (rows + 1)) / rows - CAPTION_H - 2 * PAD
        if tile_w <= 0 or tile_h <= 0:
            continue
        w = min(tile_w, tile_h * aspect)
        area = w * (w / aspect)
        if area > best_area:
            best, best_area = (cols, rows), area
    return best


class SurveyView(QWidget, PhotoView):
    view_id = "survey"
    title = "Survey"

    def __init__(self, host, images, groups, parent=None) -> None:
        super().__init__(parent)
        self.host = host
        self.images = images  # FrameImages
        self.groups = groups  # GroupFeatures
        self.setObjectName("survey")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.ids: list[int] = []
        self.active: int | None = None
        self.source = ""  # "group" | "selection" | "single": says what is shown
        self._active_view = False
        self._columns = 1
        self._resize_timer = QTimer(self, singleShot=True, interval=60)
        self._resize_timer.timeout.connect(self._request)
        images.ready.connect(lambda pid: self.update() if self._active_view and pid in self.ids else None)
        images.failed.connect(lambda pid, _m: self.update() if self._active_view and pid in self.ids else None)
        host.thumbnails.changed.connect(lambda _ids: self.update() if self._active_view else None)
        host.model.dataChanged.connect(lambda *_: self.update() if self._active_view else None)
        host.model.modelReset.connect(self._album_changed)

    # -- PhotoView
    def add_panel(self, widget) -> None:
        """A feature's strip along the bottom; the tiles keep above it (tiles())."""
        if self.layout() is None:
            layout = QVBoxLayout(self)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addStretch(1)
        self.layout().addWidget(widget)

    def activate(self) -> None:
        self._active_view = True
        self.images.use_album(self.host.model.state)
        self.open_on(self.host.current_id(), self._selected_ids())
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def deactivate(self) -> None:
        self._active_view = False
        self.images.pool.submit("preview", [])

    def target_ids(self) -> list[int]:
        return [] if self.active is None else [self.active]

    def move(self, step: str) -> None:
        if not self.ids:
            return
        i = self.ids.index(self.active) if self.active in self.ids else 0
        n, cols = len(self.ids), self._columns
        target = {"next": i + 1, "prev": i - 1, "down": i + cols, "up": i - cols, "first": 0, "last": n - 1}[step]
        if step == "down" and target >= n and i // cols < (n - 1) // cols:
            target = n - 1  # the last row is shorter (and centred): down lands on its last frame
        if 0 <= target < n:
            self.set_active(self.ids[target])

    # -- what is surveyed
    def open_on(self, photo_id: int | None, selected: list[int] = ()) -> None:
        state = self.host.model.state
        selected = list(selected)
        if state is None or photo_id is None:
            self.ids, self.active, self.source = [], None, ""
        elif len(selected) >= 2:
            self.ids, self.source = selected[:MAX_FRAMES], "selection"
            if len(selected) > MAX_FRAMES:
                self.host.show_message(f"Survey shows the first {MAX_FRAMES} of {len(selected):,} selected photos")
        else:
            members = self.groups.filtered_members(photo_id)
            self.ids, self.source = (members, "group") if len(members) >= 2 else ([photo_id], "single")
        if self.ids:
            self.active = photo_id if photo_id in self.ids else self.ids[0]
        self.update()
        self._request()

    def follow_group(self, photo_id: int) -> None:
        self.open_on(photo_id)
        self._sync_current()

    def step_in_group(self, step: int) -> None:
        new = step_within(self.ids, self.active, step)
        if new is not None:
            self.set_active(new)

    def choose(self, number: int) -> None:
        """Key 1-9: frame `number` (as numbered on screen) becomes the active one."""
        if 1 <= number <= len(self.ids):
            self.set_active(self.ids[number - 1])
        else:
            self.host.show_message(f"There is no frame {number} here ({len(self.ids)} shown)")

    def set_active(self, photo_id: int) -> None:
        if photo_id not in self.ids:
            return
        self.active = photo_id
        self._sync_current()
        self.update()

    def _sync_current(self) -> None:
        shown = self.groups.shown_for(self.active) if self.active is not None else None
        if shown is not None and shown != self.host.current_id():
            self.host.set_current(shown)

    def _selected_ids(self) -> list[int]:
        model = self.host.model
        return [pid for pid in map(model.id_at, selected_rows(self.host.selection)) if pid is not None]

    def decisions_changed(self, ids: list[int]) -> None:
        """Decisions changed (also of frames the grid hides in a stack): repaint."""
        if self._active_view and set(ids) & set(self.ids):
            self.update()

    # -- layout
    def _aspect(self) -> float:
        state = self.host.model.state
        aspects = []
        for pid in self.ids:
            photo = state.photos.get(pid) if state else None
            if photo is not None and photo.meta.width and photo.meta.height:
                w, h = photo.meta.width, photo.meta.height
                aspects.append(h / w if photo.meta.orientation in (5, 6, 7, 8) else w / h)
        return sum(aspects) / len(aspects) if aspects else 1.5

    def tiles(self) -> list[QRectF]:
        """One rectangle per frame (image + caption), in self.ids order, as a block centred in
        the view; each tile is as large as its photos need (no empty bands around them), and a
        last row that is not full is centred (3 frames: two above one, no empty cell)."""
        n = len(self.ids)
        if not n:
            return []
        panels = [w for w in self.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
                  if w.isVisible()]
        bottom = min([self.height()] + [w.y() for w in panels])  # above the features' strips
        area = QRectF(0, HEADER_H, self.width(), max(1, bottom - HEADER_H))
        aspect = self._aspect()
        cols, rows = tile_layout(n, area.width(), area.height(), aspect)
        self._columns = cols
        cell_w = (area.width() - GAP * (cols + 1)) / cols
        cell_h = (area.height() - GAP * (rows + 1)) / rows
        image_w = max(1.0, min(cell_w - 2 * PAD, (cell_h - CAPTION_H - 2 * PAD) * aspect))
        w = min(cell_w, max(image_w + 2 * PAD, 260.0))
        h = min(cell_h, image_w / aspect + CAPTION_H + 2 * PAD)
        left = area.left() + (area.width() - cols * w - (cols - 1) * GAP) / 2
        top = area.top() + (area.height() - rows * h - (rows - 1) * GAP) / 2
        short = cols * rows - n  # cells the last row leaves empty
        return [QRectF(left + (i % cols + (short / 2 if i // cols == rows - 1 else 0)) * (w + GAP),
                       top + (i // cols) * (h + GAP), w, h) for i in range(n)]

    @staticmethod
    def image_area(tile: QRectF) -> QRectF:
        return tile.adjusted(PAD, PAD, -PAD, -PAD - CAPTION_H)

    def _request_size(self, tile: QRectF) -> QSize:
        area, dpr = self.image_area(tile), self.devicePixelRatioF()
        return QSize(max(1, int(area.width() * dpr)), max(1, int(area.height() * dpr)))

    def _request(self) -> None:
        if not self._active_view or not self.ids:
            return
        tiles = self.tiles()
        order = sorted(range(len(self.ids)), key=lambda i: self.ids[i] != self.active)
        self.images.want([(self.ids[i], self._request_size(tiles[i])) for i in order])

    # -- painting
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), theme.BACKGROUND)
        state = self.host.model.state
        if state is None or not self.ids:
            p.end()
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_header(p, state)
        for number, (pid, tile) in enumerate(zip(self.ids, self.tiles()), start=1):
            self._paint_tile(p, state, pid, tile, number)
        p.end()

    def _paint_header(self, p: QPainter, state) -> None:
        n = len(self.ids)
        if self.source == "group":
            text = self.groups.index().title(self.ids[0])
            if n < len(self.groups.index().members_of(self.ids[0])):
                text += f" ({n} shown by the filter)"
        elif self.source == "selection":
            text = f"{n} selected photos"
        else:
            text = "A single photo (no other frame in its group)"
        hint = f"1-{min(n, 9)} choose  ·  P X U decide  ·  A accepts the suggestions  ·  Tab next group"
        font = QFont()
        font.setPointSizeF(9.5)
        p.setFont(font)
        p.setPen(theme.TEXT)
        header = QRectF(GAP + 4, 0, self.width() - 2 * GAP - 8, HEADER_H)
        p.drawText(header, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        p.setPen(theme.TEXT_DIM)
        p.drawText(header, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, hint)

    def _paint_tile(self, p: QPainter, state, pid: int, tile: QRectF, number: int) -> None:
        active = pid == self.active
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(theme.CELL_SELECTED if active else theme.CELL)
        p.drawRoundedRect(tile, 5, 5)
        area = self.image_area(tile)
        image = self.images.fitted(pid, self._request_size(tile)) or self.images.latest(pid)
        if image is None:
            thumb = self.host.thumbnails.pixmap(pid)
            image = thumb.toImage() if thumb is not None else None
        photo = state.photos.get(pid)
        error = (photo.error or "could not be read") if photo is not None and photo.status == "error" else None
        error = error or self.images.failure(pid)
        rect = area
        if image is not None and not error:
            dpr = self.devicePixelRatioF()
            iw, ih = image.width() / dpr, image.height() / dpr
            scale = min(area.width() / max(1, iw), area.height() / max(1, ih))
            w, h = iw * scale, ih * scale
            rect = QRectF(area.center().x() - w / 2, area.center().y() - h / 2, w, h)
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, abs(scale - 1) > 0.01)
            if state.decision(pid).flag == "reject":
                p.setOpacity(0.4)
            p.drawImage(rect, image, QRectF(image.rect()))
            p.setOpacity(1.0)
        else:
            p.setBrush(theme.PLACEHOLDER)
            p.drawRect(area)
            if error:
                p.setPen(theme.ERROR)
                p.drawText(area.adjusted(10, 10, -10, -10), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                           f"Unreadable: {error}")
        if number <= 9:
            paint_number(p, QRectF(rect.left() + 8, rect.top() + 8, 26, 26), number, active)
        paint_caption(p, QRectF(tile.left() + PAD, area.bottom() + 3, tile.width() - 2 * PAD, CAPTION_H),
                      state, pid, active=active)
        if active:
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(theme.CELL_CURRENT_BORDER, 2))
            p.drawRoundedRect(tile.adjusted(1, 1, -1, -1), 5, 5)

    # -- events
    def _tile_at(self, pos) -> int | None:
        for pid, tile in zip(self.ids, self.tiles()):
            if tile.contains(pos):
                return pid
        return None

    def mousePressEvent(self, event) -> None:
        pid = self._tile_at(event.position())
        if pid is not None:
            self.set_active(pid)

    def mouseDoubleClickEvent(self, event) -> None:
        pid = self._tile_at(event.position())
        if pid is not None and self.groups.reveal(pid):  # a frame hidden in a stack: expand it
            self.host.set_current(pid)
            self.host.show_view("loupe")

    def _album_changed(self) -> None:
        self.ids, self.active = [], None
        if self._active_view:
            self.images.use_album(self.host.model.state)
            self.open_on(self.host.current_id())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._resize_timer.start()
