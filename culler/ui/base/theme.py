"""The window's colours and the small vector glyphs painted in the grid and loupe (flags, stars,
labels, badges). Neutral greys everywhere so the photos' own colours are judged right; colour is
kept for meaning (labels, rejects) and drawn as shapes, not font glyphs, so it looks the same on
every machine."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF

BACKGROUND = QColor("#1e1e1e")
CELL = QColor("#282828")
CELL_SELECTED = QColor("#464646")
CELL_CURRENT_BORDER = QColor("#d8d8d8")
PLACEHOLDER = QColor("#333333")
TEXT = QColor("#d6d6d6")
TEXT_DIM = QColor("#8a8a8a")
BADGE_BG = QColor(20, 20, 20, 200)
PICK = QColor("#f2f2f2")
REJECT = QColor("#d9534f")
PICK_FRAME = QColor("#f5f5f5")  # a pick's tile is framed, readable at 25 tiles a screen
ERROR = QColor("#e0a030")
SUGGEST = QColor("#7fb2d9")  # advice: a cool blue, outlined and dashed, never filled like a decision
SUGGEST_REJECT = QColor("#8e9aa6")  # "reject?" is the common case in bursts: quieter than "pick?"
STAR = QColor("#e8e8e8")
STAR_EMPTY = QColor("#4a4a4a")

# Lightroom's label colours, toned down to sit in a grey interface.
LABEL_COLOURS = {
    "Red": QColor("#c8453c"),
    "Yellow": QColor("#d6b43a"),
    "Green": QColor("#4e9a55"),
    "Blue": QColor("#4a78c2"),
    "Purple": QColor("#8a5bb5"),
}


def star_path(center: QPointF, radius: float) -> QPainterPath:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.45
        a = -math.pi / 2 + i * math.pi / 5
        points.append(QPointF(center.x() + r * math.cos(a), center.y() + r * math.sin(a)))
    path = QPainterPath()
    path.addPolygon(QPolygonF(points))
    path.closeSubpath()
    return path


def paint_stars(p: QPainter, left: float, cy: float, rating: int, radius: float = 5.5,
                show_empty: bool = True) -> float:
    """Five stars from `left`, `rating` filled; returns the x after the last star."""
    x = left + radius
    p.setPen(Qt.PenStyle.NoPen)
    for i in range(5):
        if i < rating or show_empty:
            p.setBrush(STAR if i < rating else STAR_EMPTY)
            p.drawPath(star_path(QPointF(x, cy), radius))
        x += radius * 2.3
    return x - radius


def paint_flag(p: QPainter, box: QRectF, flag: str) -> None:
    """A pick flag (white pennant) or a reject mark (red disc with a cross) in `box`."""
    if flag == "none":
        return
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(BADGE_BG)
    p.drawRoundedRect(box, 4, 4)
    inner = box.adjusted(box.width() * 0.22, box.height() * 0.2, -box.width() * 0.22, -box.height() * 0.2)
    if flag == "pick":
        pen = QPen(PICK, max(1.5, box.width() / 12))
        p.setPen(pen)
        p.drawLine(QPointF(inner.left(), inner.top()), QPointF(inner.left(), inner.bottom()))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(PICK)
        pennant = QPolygonF([QPointF(inner.left(), inner.top()),
                             QPointF(inner.right(), inner.top() + inner.height() * 0.3),
                             QPointF(inner.left(), inner.top() + inner.height() * 0.6)])
        p.drawPolygon(pennant)
    else:
        p.setBrush(REJECT)
        p.drawEllipse(inner.adjusted(-1, -1, 1, 1))
        pen = QPen(QColor("white"), max(1.5, box.width() / 11))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        c = inner.center()
        d = inner.width() * 0.22
        p.drawLine(QPointF(c.x() - d, c.y() - d), QPointF(c.x() + d, c.y() + d))
        p.drawLine(QPointF(c.x() - d, c.y() + d), QPointF(c.x() + d, c.y() - d))
    p.restore()


def paint_suggestion(p: QPainter, rect: QRectF, suggestion: str, text: str | None = None) -> None:
    """Advice, drawn unlike any decision: a dashed outline with a question mark, no fill; `text`
    instead of "pick?" / "reject?" (e.g. with its reason)."""
    colour = SUGGEST if suggestion == "pick" else SUGGEST_REJECT
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(BADGE_BG)
    pen = QPen(colour, 1.2, Qt.PenStyle.DashLine)
    p.setPen(pen)
    p.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
    p.setPen(colour)
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text or f"{suggestion}?")
    p.restore()


def paint_warning(p: QPainter, box: QRectF) -> None:
    """An amber warning triangle with an exclamation mark."""
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(ERROR)
    tri = QPolygonF([QPointF(box.center().x(), box.top()), QPointF(box.right(), box.bottom()),
                     QPointF(box.left(), box.bottom())])
    p.drawPolygon(tri)
    pen = QPen(QColor("#1e1e1e"), max(1.4, box.width() / 9))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    cx = box.center().x()
    p.drawLine(QPointF(cx, box.top() + box.height() * 0.38), QPointF(cx, box.top() + box.height() * 0.66))
    p.drawPoint(QPointF(cx, box.top() + box.height() * 0.82))
    p.restore()


def paint_label_chip(p: QPainter, center: QPointF, radius: float, label: str | None) -> None:
    if label is None or label not in LABEL_COLOURS:
        return
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(QColor(0, 0, 0, 120), 1))
    p.setBrush(LABEL_COLOURS[label])
    p.drawEllipse(center, radius, radius)
    p.restore()


def control_style() -> str:
    """Style-sheet rules for the small controls a dark style sheet otherwise breaks: a ticked check
    box shows a real tick (not a filled square) and spin boxes keep visible arrows. Appended to
    the application's style sheet and to dialogs that style their own check boxes."""
    from culler.context import resources_dir

    icons = (resources_dir() / "icons" / "controls").as_posix()
    return f"""
QCheckBox::indicator {{ width: 13px; height: 13px; border: 1px solid #6a6a6a; border-radius: 2px;
                        background-color: #262626; }}
QCheckBox::indicator:checked {{ border-color: #d0d0d0; image: url({icons}/check.svg); }}
QCheckBox::indicator:disabled {{ border-color: #444444; }}
QAbstractSpinBox {{ padding-right: 18px; }}
QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {{
    subcontrol-origin: border; width: 16px; border-left: 1px solid #3c3c3c; background-color: #333333; }}
QAbstractSpinBox::up-button {{ subcontrol-position: top right; }}
QAbstractSpinBox::down-button {{ subcontrol-position: bottom right; }}
QAbstractSpinBox::up-button:hover, QAbstractSpinBox::down-button:hover {{ background-color: #444444; }}
QAbstractSpinBox::up-arrow {{ image: url({icons}/arrow_up.svg); width: 9px; height: 6px; }}
QAbstractSpinBox::down-arrow {{ image: url({icons}/arrow_down.svg); width: 9px; height: 6px; }}
QAbstractSpinBox::up-arrow:disabled, QAbstractSpinBox::down-arrow:disabled {{ image: none; }}
"""


def message_icon(kind: str, size: int = 32):
    """culler's own glyph for a message box (warning, critical, question, information), drawn like
    the grid's badges, so dialogs do not mix Qt's stock pictures into the grey interface."""
    from PySide6.QtGui import QFont, QPixmap

    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    box = QRectF(2, 2, size - 4, size - 4)
    if kind == "warning":
        paint_warning(p, box)
    else:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(REJECT if kind == "critical" else QColor("#5a5a5a"))
        p.drawEllipse(box)
        font = QFont()
        font.setBold(True)
        font.setPixelSize(int(size * 0.6))
        p.setFont(font)
        p.setPen(QColor("white"))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, {"critical": "×", "question": "?"}.get(kind, "i"))
    p.end()
    return pixmap


def culler_style():
    """Fusion with culler's own message-box glyphs (a QProxyStyle; made once per application)."""
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QProxyStyle, QStyle

    kinds = {QStyle.StandardPixmap.SP_MessageBoxWarning: "warning",
             QStyle.StandardPixmap.SP_MessageBoxCritical: "critical",
             QStyle.StandardPixmap.SP_MessageBoxQuestion: "question",
             QStyle.StandardPixmap.SP_MessageBoxInformation: "information"}

    class CullerStyle(QProxyStyle):
        def standardIcon(self, which, option=None, widget=None):  # noqa: N802 (Qt API)
            if which in kinds:
                return QIcon(message_icon(kinds[which], 64))
            return super().standardIcon(which, option, widget)

    return CullerStyle("Fusion")
