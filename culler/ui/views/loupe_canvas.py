"""The loupe's image area: the photo fitted (painted 1:1 from a preview decoded at this size) or
at 100 % (one image pixel per screen pixel) around the point that was under the cursor, with
drag to pan. Zoom stays on while moving to the next photo, so a burst can be checked for focus."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QFont, QImage, QPainter
from PySide6.QtWidgets import QWidget

from culler.ui.base import theme

CANVAS_BG = QColor("#181818")


class LoupeCanvas(QWidget):
    painted = Signal(int)  # photo id just painted with its real image (benchmarks, tests)
    zoom_changed = Signal(bool)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("loupeCanvas")
        self.setMinimumSize(200, 150)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.photo_id: int | None = None
        self.fitted: QImage | None = None  # sized for this canvas
        self.full: QImage | None = None  # full resolution, for the zoom
        self.full_size: QSize | None = None  # photo size as displayed (for zoom geometry)
        self.placeholder: QImage | None = None  # e.g. the grid thumbnail while the preview decodes
        self.message: str = ""  # "unreadable: ..." when the photo cannot be shown
        self.zoomed = False
        self._origin = QPointF()  # top-left of the full image in widget coords when zoomed
        self._drag_from: QPointF | None = None
        self.corner: QWidget | None = None  # kept in the top-right corner (the histogram)

    # -- content
    def request_size(self) -> QSize:
        """Device pixels the fitted preview should have."""
        dpr = self.devicePixelRatioF()
        return QSize(max(1, round(self.width() * dpr)), max(1, round(self.height() * dpr)))

    def show_photo(self, photo_id: int | None, fitted: QImage | None, full_size: QSize | None,
                   placeholder: QImage | None = None, message: str = "") -> None:
        changed = photo_id != self.photo_id
        if changed and self.zoomed and self.full_size and full_size:
            # keep the same relative spot when moving on while zoomed
            fx = (self.width() / 2 - self._origin.x()) / self._logical(self.full_size).width()
            fy = (self.height() / 2 - self._origin.y()) / self._logical(self.full_size).height()
            self._origin = QPointF(self.width() / 2 - fx * self._logical(full_size).width(),
                                   self.height() / 2 - fy * self._logical(full_size).height())
        self.photo_id, self.fitted, self.full_size = photo_id, fitted, full_size
        self.placeholder, self.message = placeholder, message
        if changed:
            self.full = None
        self._clamp()
        self.update()

    def set_full(self, photo_id: int, image: QImage) -> None:
        if photo_id == self.photo_id:
            self.full = image
            self.full_size = image.size()
            self._clamp()
            self.update()

    # -- zoom
    def toggle_zoom(self, at: QPointF | None = None) -> None:
        """Z: 100 % at the cursor (or the centre), or back to fit."""
        if self.zoomed:
            self.zoomed = False
        elif self.full_size is not None:
            if at is None:
                cursor = self.mapFromGlobal(QCursor.pos())
                at = QPointF(cursor) if self.rect().contains(cursor) else QPointF(self.rect().center())
            fit = self._fit_rect()
            if fit.isEmpty():
                return
            full = self._logical(self.full_size)
            fx = min(1.0, max(0.0, (at.x() - fit.left()) / fit.width()))
            fy = min(1.0, max(0.0, (at.y() - fit.top()) / fit.height()))
            self._origin = QPointF(at.x() - fx * full.width(), at.y() - fy * full.height())
            self.zoomed = True
            self._clamp()
        self.setCursor(Qt.CursorShape.OpenHandCursor if self.zoomed else Qt.CursorShape.ArrowCursor)
        self.zoom_changed.emit(self.zoomed)
        self.update()

    def pan(self, dx: float, dy: float) -> None:
        self._origin += QPointF(dx, dy)
        self._clamp()
        self.update()

    def _logical(self, size: QSize) -> QSize:
        dpr = self.devicePixelRatioF()
        return QSize(round(size.width() / dpr), round(size.height() / dpr))

    def _fit_rect(self) -> QRectF:
        """Where the fitted photo sits, in widget coordinates."""
        if self.fitted is not None:
            size = self._logical(self.fitted.size())
        elif self.full_size is not None:
            s = self.full_size.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            size = QSize(min(s.width(), self.width()), min(s.height(), self.height()))
        else:
            return QRectF()
        return QRectF((self.width() - size.width()) / 2, (self.height() - size.height()) / 2,
                      size.width(), size.height())

    def _clamp(self) -> None:
        if not self.zoomed or self.full_size is None:
            return
        full = self._logical(self.full_size)
        x, y = self._origin.x(), self._origin.y()
        x = _clamp_axis(self.width(), full.width(), x)
        y = _clamp_axis(self.height(), full.height(), y)
        self._origin = QPointF(x, y)

    # -- Qt events
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), CANVAS_BG)
        if self.message:
            p.setPen(theme.ERROR)
            font = QFont()
            font.setPointSizeF(11)
            p.setFont(font)
            p.drawText(self.rect().adjusted(40, 40, -40, -40), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       self.message)
            return
        if self.zoomed and self.full_size is not None:
            target = QRectF(self._origin, self._logical(self.full_size).toSizeF())
            source = self.full or self.fitted or self.placeholder
            if source is not None:
                p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, source is not self.full)
                p.drawImage(target, source, QRectF(source.rect()))
            self._paint_zoom_badge(p)
        elif self.fitted is not None:
            p.drawImage(self._fit_rect().topLeft(), self.fitted)  # 1:1, decoded at this size
        elif self.placeholder is not None:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            p.drawImage(self._fit_rect(), self.placeholder, QRectF(self.placeholder.rect()))
        p.end()
        if self.fitted is not None and self.photo_id is not None:
            self.painted.emit(self.photo_id)

    def _paint_zoom_badge(self, p: QPainter) -> None:
        text = "100 %" if self.full is not None else "100 % (loading…)"
        font = QFont()
        font.setPointSizeF(8.5)
        font.setBold(True)
        p.setFont(font)
        box = QRectF(12, self.height() - 34, p.fontMetrics().horizontalAdvance(text) + 16, 22)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(theme.BADGE_BG)
        p.drawRoundedRect(box, 4, 4)
        p.setPen(theme.TEXT)
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.zoomed:
            self._drag_from = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)

    def mouseMoveEvent(self, event) -> None:
        if self._drag_from is not None:
            delta = event.position() - self._drag_from
            self._drag_from = event.position()
            self.pan(delta.x(), delta.y())

    def mouseReleaseEvent(self, event) -> None:
        self._drag_from = None
        if self.zoomed:
            self.setCursor(Qt.CursorShape.OpenHandCursor)

    def mouseDoubleClickEvent(self, event) -> None:
        self.toggle_zoom(event.position())

    def resizeEvent(self, event) -> None:
        if self.corner is not None:
            self.corner.move(self.width() - self.corner.width() - 12, 12)
        self._clamp()
        super().resizeEvent(event)


def _clamp_axis(room: float, size: float, origin: float) -> float:
    """Centred when the image fits along this axis, else kept from showing beyond its edges."""
    return (room - size) / 2 if size <= room else min(0, max(room - size, origin))
