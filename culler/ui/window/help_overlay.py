"""The `?` overlay: every action of the registry with its current keys, by section, generated
from the registry itself (so a user keymap or a newly added view shows up without more work)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from culler.ui.base.actions import ActionRegistry

COLUMNS = 3
# The window's sections first, in this order, then the ones features add
SECTION_ORDER = ("Decide", "Move", "View", "Groups", "Filter", "Edit", "Album", "Survey", "Review")


def help_html(registry: ActionRegistry) -> str:
    """The overlay's content as HTML: one table per section, laid out in columns."""
    blocks = []
    sections = registry.sections()
    order = [s for s in SECTION_ORDER if s in sections] + [s for s in sections if s not in SECTION_ORDER]
    for section in order:
        actions = sections[section]
        rows = []
        for a in actions:
            keys = registry.keys_text(a.id) or "—"
            style = "" if a.handler is not None else " style='color:#6a6a6a'"
            note = "" if a.handler is not None else " <i>(coming)</i>"
            rows.append(f"<tr{style}><td class='k' align='right' style='padding:2px 12px 2px 0;"
                        f"color:#f0f0f0;font-weight:600'>{escape(keys)}</td>"
                        f"<td style='padding:2px 0'>{escape(a.label)}{note}</td></tr>")
        blocks.append(f"<h3 style='color:#9a9a9a;margin:10px 0 4px 0'>{escape(section)}</h3>"
                      f"<table cellspacing='0'>{''.join(rows)}</table>")
    per_column = -(-len(blocks) // COLUMNS)
    columns = ["".join(blocks[i:i + per_column]) for i in range(0, len(blocks), per_column)]
    cells = "".join(f"<td valign='top' style='padding:0 28px'>{c}</td>" for c in columns)
    return (f"<h2 style='color:#f0f0f0'>Keyboard</h2><table><tr>{cells}</tr></table>"
            "<p style='color:#8a8a8a'>Press ? or Esc to close. Keys can be changed in keymap.json.</p>")


class HelpOverlay(QWidget):
    def __init__(self, registry: ActionRegistry, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("helpOverlay")
        self.registry = registry
        self.text = QLabel(objectName="helpText")
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.text, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(2)
        self.hide()

    def open(self) -> None:
        self.setGeometry(self.parentWidget().rect())
        self._fit(help_html(self.registry))
        self.raise_()
        self.show()

    def _fit(self, html: str) -> None:
        """Show `html` in the largest font (down to 7 pt) at which it fits the window's width."""
        font = self.text.font()
        for size in (font.pointSizeF(), 9.0, 8.0, 7.0):
            if size > font.pointSizeF():
                continue
            self.text.setText(f"<div style='font-size:{size}pt'>{html}</div>")
            if self.text.sizeHint().width() <= self.width() - 24:
                return

    def toggle(self) -> None:
        self.hide() if self.isVisible() else self.open()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(12, 12, 12, 225))

    def mousePressEvent(self, event) -> None:
        self.hide()
