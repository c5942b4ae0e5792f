"""Critique › Model settings…: where the vision-language model is, its key, how far it may go and
what the shortlist is.

Saved in `vlm.json` in culler's config folder, except the key, which goes to `vlm_key` next to it
(readable by its owner only, 0600) and is never shown again: the field stays empty and says only
how long the stored key is and how it ends. A value set in the environment (CULLER_VLM_URL,
CULLER_VLM_MODEL, CULLER_VLM_KEY) wins over the file, so its field is shown read-only.
"""

from __future__ import annotations

import os

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
)

AUTHORITY_TEXT = {
    "explain": "Explain only: the model comments, culler's suggestions stay",
    "rescue": "May rescue: a suggested reject the model would keep loses its suggestion",
    "decide": "May decide suggestions: the model's verdict becomes the suggestion",
}
SHORTLIST_TEXT = {"groups": "the best frame of each group", "review": "every photo, in review order"}
ENV = {"url": "CULLER_VLM_URL", "model": "CULLER_VLM_MODEL", "key": "CULLER_VLM_KEY"}


class VlmSettingsDialog(QDialog):
    def __init__(self, config, parent=None) -> None:
        """`config`: the VlmConfig in force (settings file overlaid with the environment)."""
        from culler.analysis.vlm_config import key_hint

        super().__init__(parent)
        self.chosen: dict = {}  # values() when Save was pressed
        self.setObjectName("vlmSettings")
        self.setWindowTitle("Model settings")
        self.url = QLineEdit(config.url or "", objectName="vlmUrl")
        self.url.setPlaceholderText("http://localhost:11434/v1 (Ollama)")
        self.model = QLineEdit(config.model or "", objectName="vlmModel")
        self.model.setPlaceholderText("gemma3, qwen2.5vl, gpt-4o-mini, …")
        self.key = QLineEdit(objectName="vlmKey")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText(f"stored: {key_hint(config.key)}" if config.key
                                    else "not needed for a server on your machine or network")
        self.forget_key = QCheckBox("Forget the stored key", objectName="vlmForgetKey")
        self.forget_key.setVisible(bool(config.key))
        for name, field in (("url", self.url), ("model", self.model), ("key", self.key)):
            if os.environ.get(ENV[name]):
                field.setReadOnly(True)
                field.setToolTip(f"set by {ENV[name]} in the environment, which wins over this setting")
        if os.environ.get(ENV["key"]):
            self.forget_key.hide()
        self.authority = QComboBox(objectName="vlmAuthority")
        for value, text in AUTHORITY_TEXT.items():
            self.authority.addItem(text, value)
        self.authority.setCurrentIndex(list(AUTHORITY_TEXT).index(config.authority))
        self.shortlist = QSpinBox(objectName="vlmShortlist", minimum=1, maximum=500, value=config.shortlist)
        self.shortlist_from = QComboBox(objectName="vlmShortlistFrom")
        for value, text in SHORTLIST_TEXT.items():
            self.shortlist_from.addItem(text, value)
        self.shortlist_from.setCurrentIndex(list(SHORTLIST_TEXT).index(config.shortlist_from))

        form = QFormLayout()
        form.addRow("Endpoint", self.url)
        form.addRow("Model", self.model)
        form.addRow("Key", self.key)
        form.addRow("", self.forget_key)
        form.addRow("Authority", self.authority)
        form.addRow("Shortlist", self.shortlist)
        form.addRow("taken from", self.shortlist_from)
        note = QLabel("Photos go to a server outside your machine or network only after you agree once "
                      "for it. Your own decisions are never changed by the model.", wordWrap=True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def values(self) -> dict:
        """What to save (see vlm_config.save_settings); the key only when typed or forgotten."""
        out = {"authority": self.authority.currentData(), "shortlist": self.shortlist.value(),
               "shortlist_from": self.shortlist_from.currentData()}
        if not self.url.isReadOnly():
            out["url"] = self.url.text().strip() or None
        if not self.model.isReadOnly():
            out["model"] = self.model.text().strip() or None
        if not self.key.isReadOnly():
            if self.key.text().strip():
                out["key"] = self.key.text().strip()
            elif self.forget_key.isChecked():
                out["key"] = None
        return out

    def accept(self) -> None:
        self.chosen = self.values()
        super().accept()

    def done(self, result: int) -> None:
        self.key.clear()  # the typed key lives in the key file only, never in a widget afterwards
        super().done(result)
