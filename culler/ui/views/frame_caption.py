"""The two-line caption under a frame in compare and survey: what the user decided (flag, stars,
label) and, apart from it, what culler suggests and why (dashed badge, reasons, score, rank).

    [1] ⚑ DSC_0002.jpg  ★★★ ●                      #1 of 4 · score 82
        (pick?) sharpest of 4 · eyes open
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter

from culler.core.album_state import open_suggestion
from culler.ui.base import theme

CAPTION_H = 42
ACTIVE_TEXT = QColor("#ffffff")


def _fonts() -> tuple[QFont, QFont, QFont]:
    name = QFont()
    name.setPointSizeF(9.5)
    small = QFont()
    small.setPointSizeF(8.5)
    badge = QFont()
    badge.setPointSizeF(8)
    badge.setBold(True)
    return name, small, badge


def paint_number(p: QPainter, box: QRectF, number: int, active: bool) -> None:
    """The key that chooses this frame (survey: 1-9), as a small rounded chip."""
    _name, _small, badge = _fonts()
    badge.setPointSizeF(max(8.0, box.height() / 2.4))
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(theme.CELL_CURRENT_BORDER if active else theme.BADGE_BG)
    p.drawRoundedRect(box, 4, 4)
    p.setFont(badge)
    p.setPen(theme.BACKGROUND if active else theme.TEXT)
    p.drawText(box, Qt.AlignmentFlag.AlignCenter, str(number))
    p.restore()


def paint_caption(p: QPainter, rect: QRectF, state, photo_id: int, number: int | None = None,
                  active: bool = False) -> None:
    """Paint the caption of `photo_id` into `rect` (about CAPTION_H high)."""
    name_font, small, badge = _fonts()
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    x = rect.left() + 4
    line1 = QRectF(rect.left(), rect.top() + 2, rect.width(), 18)
    line2 = QRectF(rect.left(), rect.top() + 21, rect.width(), 18)
    if number is not None and number <= 9:
        paint_number(p, QRectF(x, line1.top() + 1, 17, 17), number, active)
        x += 23
    decision = state.decision(photo_id)
    if decision.flag != "none":
        theme.paint_flag(p, QRectF(x, line1.top(), 18, 18), decision.flag)
        x += 23

    # right side first, so the name can be elided into what is left
    group = state.groups.get(photo_id)
    right_parts = []
    if group is not None and group.group_size > 1:
        right_parts.append(f"#{group.group_rank} of {group.group_size}")
    score = state.score(photo_id)
    if score is not None:
        right_parts.append(f"score {round(score * 100)}")
    right_text = " · ".join(right_parts)
    p.setFont(small)
    fm_small = QFontMetrics(small)
    right_w = fm_small.horizontalAdvance(right_text) + 6 if right_text else 0
    p.setPen(theme.TEXT_DIM)
    p.drawText(QRectF(rect.right() - right_w - 4, line1.top(), right_w, line1.height()),
               Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, right_text)

    p.setFont(name_font)
    fm = QFontMetrics(name_font)
    stars_w = (decision.rating * 10 + 8) if decision.rating else 0
    label_w = 16 if decision.label else 0
    room = max(20, int(rect.right() - right_w - 8 - x - stars_w - label_w))
    name = fm.elidedText(state.name(photo_id), Qt.TextElideMode.ElideMiddle, room)
    p.setPen(ACTIVE_TEXT if active else theme.TEXT)
    p.drawText(QRectF(x, line1.top(), room, line1.height()), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
               name)
    x += fm.horizontalAdvance(name) + 8
    if decision.rating:
        x = theme.paint_stars(p, x, line1.center().y(), decision.rating, 4.5, show_empty=False) + 6
    if decision.label:
        theme.paint_label_chip(p, QPointF(x + 5, line1.center().y()), 5, decision.label)

    # line 2: advice, visibly apart from the decision above
    x2 = rect.left() + 4 + (23 if number is not None and number <= 9 else 0)
    suggestion = open_suggestion(group, decision)
    if suggestion:
        p.setFont(badge)
        w = QFontMetrics(badge).horizontalAdvance(f"{suggestion}?") + 12
        theme.paint_suggestion(p, QRectF(x2, line2.top() + 1, w, 16), suggestion)
        x2 += w + 6
    reasons = list(group.reasons) if group is not None else []
    photo = state.photos.get(photo_id)
    error = None
    if photo is not None and photo.status == "error":
        error = reasons = [f"unreadable: {photo.error or 'could not be read'}"]
    elif state.analysis_errors.get(photo_id):
        error = reasons = [f"analysis: {state.analysis_errors[photo_id]}"]
    if reasons:
        p.setFont(small)
        p.setPen(theme.ERROR if error else theme.TEXT_DIM)
        text = fm_small.elidedText(" · ".join(reasons), Qt.TextElideMode.ElideRight, int(rect.right() - x2 - 4))
        p.drawText(QRectF(x2, line2.top(), rect.right() - x2 - 4, line2.height()),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
    p.restore()

