"""Message boxes show culler's own glyphs (drawn like the grid's badges), not Fusion's stock
pictures next to the grey theme; checked on the pixels of a real QMessageBox."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMessageBox, QStyle, QStyleFactory

from culler.ui.base.theme import ERROR, REJECT, culler_style


def _has_colour(image, colour: QColor, tolerance: int = 24) -> bool:
    return any(abs(c.red() - colour.red()) + abs(c.green() - colour.green()) + abs(c.blue() - colour.blue())
               <= tolerance and c.alpha() > 200
               for c in (image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())))


def test_message_boxes_use_cullers_glyphs(qtbot):
    style = culler_style()
    fusion = QStyleFactory.create("Fusion")
    for kind, colour in ((QMessageBox.Icon.Warning, ERROR), (QMessageBox.Icon.Critical, REJECT)):
        box = QMessageBox(kind, "culler", "Some rejects stayed")
        qtbot.addWidget(box)
        box.setStyle(style)
        box.setIcon(kind)  # the pixmap is taken from the style when the icon is set
        assert _has_colour(box.iconPixmap().toImage(), colour)
    which = QStyle.StandardPixmap.SP_MessageBoxQuestion
    ours, stock = style.standardIcon(which).pixmap(32).toImage(), fusion.standardIcon(which).pixmap(32).toImage()
    assert ours != stock
    assert _has_colour(ours, QColor("#5a5a5a"))  # a grey disc, like the rest of the interface
