"""A small RGB + luma histogram, painted over the loupe's corner."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath
from PySide6.QtWidgets import QWidget

_CURVES = ((QColor(220, 70, 60, 110), 0), (QColor(80, 190, 90, 110), 1), (QColor(70, 120, 230, 110), 2),
           (QColor(230, 230, 230, 150), 3))


class HistogramWidget(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("histogram")
        self.setFixedSize(200, 84)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._hist: np.ndarray | None = None
        self._image: QImage | None = None  # rendered once per histogram, then copied

    def set_histogram(self, hist: np.ndarray | None) -> None:
        if hist is self._hist:
            return
        self._hist = hist
        self._image = None
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._image is None or self._image.size() != self.size():
            self._image = QImage(self.size(), QImage.Format.Format_ARGB32_Premultiplied)
            self._image.fill(Qt.GlobalColor.transparent)
            self._render(QPainter(self._image))
        p = QPainter(self)
        p.drawImage(0, 0, self._image)

    def _render(self, p: QPainter) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        box = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        p.setPen(QColor(255, 255, 255, 30))
        p.setBrush(QColor(18, 18, 18, 190))
        p.drawRoundedRect(box, 4, 4)
        if self._hist is None:
            p.end()
            return
        area = box.adjusted(6, 6, -6, -6)
        bins = self._hist.shape[1]
        p.setPen(Qt.PenStyle.NoPen)
        p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Plus)
        for colour, row in _CURVES:
            if row == 3:
                p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.setPen(colour)
            else:
                p.setBrush(colour)
            path = QPainterPath(QPointF(area.left(), area.bottom()))
            for i, v in enumerate(self._hist[row]):
                x = area.left() + area.width() * i / (bins - 1)
                path.lineTo(QPointF(x, area.bottom() - float(v) * area.height()))
            path.lineTo(QPointF(area.right(), area.bottom()))
            if row != 3:
                path.closeSubpath()
            p.drawPath(path)
        p.end()
