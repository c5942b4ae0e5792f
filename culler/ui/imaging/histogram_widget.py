"""A small RGB + luma histogram over the loupe's corner.

`render_histogram` draws it into a QImage (any thread: the decode pool renders it next to the
preview), so the GUI thread only copies a finished picture when the photo changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPolygonF
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:  # numpy is imported where it is used: not needed to open the window
    import numpy as np

SIZE = QSize(200, 84)
_CURVES = ((QColor(220, 70, 60, 110), 0), (QColor(80, 190, 90, 110), 1), (QColor(70, 120, 230, 110), 2),
           (QColor(230, 230, 230, 150), 3))


def render_histogram(hist: np.ndarray, size: QSize = SIZE) -> QImage:
    """R, G, B (filled, additive) and luma (a line) of `hist` (4 x bins, 0-1) on a dark card."""
    import numpy as np

    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    box = QRectF(0, 0, size.width(), size.height()).adjusted(0.5, 0.5, -0.5, -0.5)
    p.setPen(QColor(255, 255, 255, 30))
    p.setBrush(QColor(18, 18, 18, 190))
    p.drawRoundedRect(box, 4, 4)
    area = box.adjusted(6, 6, -6, -6)
    xs = area.left() + area.width() * np.linspace(0.0, 1.0, hist.shape[1])
    ys = area.bottom() - np.asarray(hist, dtype=np.float64) * area.height()
    for colour, row in _CURVES:
        points = [QPointF(x, y) for x, y in zip(xs.tolist(), ys[row].tolist())]
        path = QPainterPath()
        if row == 3:
            path.addPolygon(QPolygonF(points))
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(colour)
        else:
            path.addPolygon(QPolygonF([QPointF(area.left(), area.bottom()), *points,
                                       QPointF(area.right(), area.bottom())]))
            path.closeSubpath()
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Plus)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(colour)
        p.drawPath(path)
    p.end()
    return image


class HistogramWidget(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("histogram")
        self.setFixedSize(SIZE)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._image: QImage | None = None

    def set_image(self, image: QImage | None) -> None:
        if image is not self._image:
            self._image = image
            self.update()

    def paintEvent(self, event) -> None:
        if self._image is not None:
            QPainter(self).drawImage(0, 0, self._image)
