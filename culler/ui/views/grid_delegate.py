"""Paints one grid cell: thumbnail (or placeholder / unreadable notice), decision flag, stars,
colour label, score badge (0-100), suggestion badge (advice, dashed; gone once the photo is
flagged), group stack hint and file name. A pick's photo is framed, a reject's dimmed.

No widgets per cell: everything is painted from the AlbumState by photo id.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from culler.core.album_state import displayed_size, suggestion_text
from culler.ui.album.photo_model import PHOTO_ID_ROLE
from culler.ui.base import theme

CELL_W, CELL_H = 200, 232  # grid pitch; the cell is drawn with a small gap inside it
PAD = 8
FOOTER = 40  # stars, label and file name under the thumbnail
PICK_FRAME_W = 3.0


def oriented_aspect(photo) -> float | None:
    """Width/height as displayed, None when unknown."""
    size = displayed_size(photo)
    return None if size is None else size[0] / size[1]


class GridDecoration(Protocol):
    """What a feature may draw on grid cells (the groups feature: stacks and their badges)."""

    def is_stack_cell(self, photo_id: int) -> bool: ...
    def paint_stack_badge(self, p: QPainter, image: QRectF, photo_id: int, group) -> None: ...
    def badge_clicked(self, photo_id: int, pos: QPointF) -> bool: ...


class ThumbnailDelegate(QStyledItemDelegate):
    def __init__(self, thumbnails, parent=None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.stacks = None  # a GridDecoration (the groups feature): how groups look (collapsed stacks)
        self.cell_size = QSize(CELL_W, CELL_H)  # the grid stretches cells to fill its width
        self.image_rects: dict[int, QRectF] = {}  # where each photo was last painted (cell coordinates)
        self.advice_texts: dict[int, str | None] = {}  # the suggestion badge each cell last showed
        self.small = QFont()
        self.small.setPointSizeF(8.5)
        self.badge_font = QFont()
        self.badge_font.setPointSizeF(8)
        self.badge_font.setBold(True)

    def sizeHint(self, option, index) -> QSize:
        return self.cell_size

    def paint(self, p: QPainter, option: QStyleOptionViewItem, index) -> None:
        model = index.model()
        state = model.state
        photo_id = index.data(PHOTO_ID_ROLE)
        if state is None or photo_id is None:
            return
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        cell = QRectF(option.rect).adjusted(3, 3, -3, -3)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        current = bool(option.state & QStyle.StateFlag.State_HasFocus)
        decision = state.decision(photo_id)
        group = state.groups.get(photo_id)

        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(theme.CELL_SELECTED if selected else theme.CELL)
        p.drawRoundedRect(cell, 5, 5)
        if decision.label in theme.LABEL_COLOURS:  # a band along the bottom, like a label tab
            band = QRectF(cell.left() + 5, cell.bottom() - 3, cell.width() - 10, 3)
            p.setBrush(theme.LABEL_COLOURS[decision.label])
            p.drawRect(band)

        area = QRectF(cell.left() + PAD, cell.top() + PAD, cell.width() - 2 * PAD, cell.height() - PAD - FOOTER)
        image_rect = self._paint_image(p, area, photo_id, state, decision, group)
        self.image_rects[photo_id] = image_rect
        if decision.flag == "pick":  # picks stand out at a glance
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(theme.PICK_FRAME, PICK_FRAME_W))
            half = PICK_FRAME_W / 2
            p.drawRect(image_rect.adjusted(-half, -half, half, half))
        self._paint_badges(p, image_rect, photo_id, state, decision, group)
        self._paint_footer(p, cell, area, photo_id, state, decision)

        if current:
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(theme.CELL_CURRENT_BORDER, 1.5))
            p.drawRoundedRect(cell.adjusted(0.75, 0.75, -0.75, -0.75), 5, 5)
        p.restore()

    # -- parts
    def _paint_image(self, p, area: QRectF, photo_id, state, decision, group) -> QRectF:
        """Draw the thumbnail fitted into `area`; returns the rectangle it occupies."""
        pixmap = self.thumbnails.pixmap(photo_id)
        photo = state.photos.get(photo_id)
        error = state.error(photo_id) if photo is None or photo.status == "error" else None
        error = error or (self.thumbnails.failure(photo_id) if pixmap is None else None)
        if pixmap is not None:
            aspect = pixmap.width() / max(1, pixmap.height())
        else:
            aspect = oriented_aspect(photo) or 1.5
        w, h = area.width(), area.width() / aspect
        if h > area.height():
            w, h = area.height() * aspect, area.height()
        rect = QRectF(area.center().x() - w / 2, area.center().y() - h / 2, w, h)

        stacked = group is not None and group.group_size > 1
        if stacked and self.stacks is not None:
            stacked = self.stacks.is_stack_cell(photo_id)
        if stacked:  # a stack: two card edges behind the photo
            p.setPen(QPen(QColor("#5a5a5a"), 1))
            p.setBrush(QColor("#303030"))
            for off in (6, 3):
                p.drawRect(rect.translated(off, -off))

        if error:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor("#2e2a24"))
            p.drawRect(rect)
            icon = QRectF(rect.center().x() - 12, rect.top() + rect.height() * 0.22, 24, 21)
            theme.paint_warning(p, icon)
            p.setFont(self.small)
            p.setPen(theme.ERROR)
            text_rect = rect.adjusted(6, rect.height() * 0.22 + 26, -6, -4)
            fm = QFontMetrics(self.small)
            reason = fm.elidedText(error, Qt.TextElideMode.ElideRight, int(text_rect.width()) * 2 - 10)
            p.drawText(text_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                       f"unreadable: {reason}")
            return rect
        if pixmap is None:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(theme.PLACEHOLDER)
            p.drawRect(rect)
            return rect
        rect = QRectF(round(rect.left()), round(rect.top()), round(rect.width()), round(rect.height()))
        scaled = self.thumbnails.fitted(photo_id, int(rect.width()), int(rect.height())) or pixmap
        if decision.flag == "reject":
            p.setOpacity(0.35)  # rejects recede, as in Lightroom
        p.drawPixmap(rect.topLeft(), scaled)
        p.setOpacity(1.0)
        return rect

    def _paint_badges(self, p, rect: QRectF, photo_id, state, decision, group) -> None:
        fm = QFontMetrics(self.badge_font)
        p.setFont(self.badge_font)
        top = rect.top() + 5
        if decision.flag != "none":
            theme.paint_flag(p, QRectF(rect.left() + 5, top, 20, 20), decision.flag)
        raw = state.score(photo_id)
        score = None if raw is None else round(raw * 100)  # the 0-100 the loupe says too (Advice)
        right = rect.right() - 5
        suggestion = suggestion_text(group, decision, raw)
        if suggestion:  # only on unflagged photos; with its reason, on a line of its own
            alone = suggestion == f"{group.suggestion}?"
            room = rect.width() - 10 - (fm.horizontalAdvance(str(score)) + 14 if alone and score is not None else 0)
            suggestion = fm.elidedText(suggestion, Qt.TextElideMode.ElideRight, int(room) - 12)
            w = fm.horizontalAdvance(suggestion) + 12
            theme.paint_suggestion(p, QRectF(rect.left() + 5, top + (2 if alone else 21), w, 16), group.suggestion,
                                   suggestion)
        self.advice_texts[photo_id] = suggestion
        if score is not None:
            text = str(score)
            w = fm.horizontalAdvance(text) + 10
            box = QRectF(right - w, top, w, 17)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(theme.BADGE_BG)
            p.drawRoundedRect(box, 3, 3)
            p.setPen(theme.TEXT)
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
            right = box.left() - 4
        photo = state.photos.get(photo_id)
        if photo is not None and photo.status != "error" and state.analysis_errors.get(photo_id):
            theme.paint_warning(p, QRectF(right - 18, top, 18, 16))
        if self.stacks is not None:
            self.stacks.paint_stack_badge(p, rect, photo_id, group)
        elif group is not None and group.group_size > 1:
            text = f"{group.group_rank}/{group.group_size}"
            w = fm.horizontalAdvance(text) + 10
            box = QRectF(rect.right() - w - 5, rect.bottom() - 22, w, 17)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(theme.BADGE_BG)
            p.drawRoundedRect(box, 3, 3)
            p.setPen(theme.TEXT)
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_footer(self, p, cell: QRectF, area: QRectF, photo_id, state, decision) -> None:
        y = area.bottom() + 6
        stars_end = theme.paint_stars(p, cell.left() + PAD, y + 6, decision.rating, 5.0,
                                      show_empty=decision.rating > 0)
        if decision.label:
            theme.paint_label_chip(p, QPointF(stars_end + 10, y + 6), 5, decision.label)
        p.setFont(self.small)
        p.setPen(theme.TEXT_DIM)
        fm = QFontMetrics(self.small)
        name_rect = QRectF(cell.left() + PAD, y + 13, cell.width() - 2 * PAD, fm.height())
        name = fm.elidedText(state.name(photo_id), Qt.TextElideMode.ElideMiddle, int(name_rect.width()))
        p.drawText(name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
