"""Taste › Your taste…: what the profile learned, in words and figures, and where it lives."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout


def describe(profile, path: Path, album_off: bool) -> str:
    """The dialog's text (HTML): the headline, what it weighs, where it is used and stored."""
    from culler.core import taste_words

    if profile is None:
        profile_text = "Nothing learned yet: decide some photos, or learn from folders you already rated."
        parts = [f"<p>{escape(profile_text)}</p>"]
    else:
        parts = [f"<p><b>{escape(taste_words.headline(profile))}</b></p>"]
        said = taste_words.sentences(profile)
        if said:
            parts.append("<ul>" + "".join(f"<li>{escape(s)}</li>" for s in said) + "</ul>")
        elif profile.weights is not None:
            parts.append("<p>Nothing departs clearly from culler's default ranking yet.</p>")
        if profile.albums:
            parts.append(f"<p>From {len(profile.albums)} album(s).</p>")
    if album_off:
        parts.append("<p>This album keeps culler's default order and does not teach the taste "
                     "(Taste › Use my taste in this album).</p>")
    else:
        parts.append("<p>Used for the best frame of each burst, the scores and the time-budget order "
                     "once it agrees with your recent decisions better than the default; "
                     "“matches your taste” marks the frames it moved up.</p>")
    parts.append(f"<p><small>Profile: {escape(str(path))}</small></p>")
    return "".join(parts)


class TasteDialog(QDialog):
    def __init__(self, text: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("tasteDialog")
        self.setWindowTitle("Your taste")
        self.text = QLabel(text, objectName="tasteText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setMinimumWidth(460)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
