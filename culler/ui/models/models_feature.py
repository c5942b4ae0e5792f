"""The AI models as a window feature (the `Feature` shape, base/host.py): File › AI models… opens
the Models dialog, and the one-line banner says when model files are missing at an analysis'
start. `show_status(status)` is fed by the window with the analysis' model status."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from culler.ui.base.settings import read_settings, write_section
from culler.ui.models import model_rows
from culler.ui.models.models_banner import ModelsBanner, banner_text

SETTINGS_KEY = "models"


class ModelsFeature:
    def __init__(self, host) -> None:
        self.host = host
        self.dialog = None
        self.banner = ModelsBanner()
        self.banner.open_models.connect(self.open_dialog)
        self.banner.never_again.connect(self.hide_banner_for_good)
        host.closing.connect(self._closing)

    # -- Feature
    def views(self) -> list:
        return []

    def checkable(self) -> dict:
        return {}

    def menu_items(self) -> dict:
        return {"@File": ["models.open"]}

    def register_actions(self, registry) -> None:
        registry.register("models.open", "AI models…", [], self.open_dialog, section="Album")

    # -- the banner
    def _settings_path(self):
        return self.host.ctx.config_dir / "settings.json"

    def banner_hidden_for_good(self) -> bool:
        section = read_settings(self._settings_path()).get(SETTINGS_KEY)
        return isinstance(section, dict) and bool(section.get("hide_missing_banner"))

    def hide_banner_for_good(self) -> None:
        write_section(self._settings_path(), SETTINGS_KEY, {"hide_missing_banner": True})
        self.banner.hide()
        self.host.show_message("The missing-models notice will not show again; File › AI models… has them.", 8000)

    def scored(self, rows) -> dict[str, int]:
        store = self.host.store()
        try:
            return model_rows.scored_by_model(store.all_signals(), rows) if store is not None else {}
        except Exception:  # a store that cannot be read is reported by the session
            return {}

    def show_status(self, status: dict | None = None) -> None:
        """At an analysis' start (`status`: model -> "ok" | "missing" | "failed: …", as the analysis
        found them) and after an install: the banner for models that are not ready."""
        rows = model_rows.model_rows(Path(self.host.ctx.models_dir))
        failed = {n: s for n, s in (status or {}).items() if s.startswith("failed")}
        rows = [replace(r, state="cannot run", detail=failed[r.name].removeprefix("failed: "))
                if r.state == "ok" and r.name in failed else r for r in rows]
        text = banner_text(rows, self.scored(rows))
        if text is None:
            self.banner.hide()
        elif not self.banner_hidden_for_good():
            self.banner.show_text(text)

    # -- the dialog
    def open_dialog(self):
        from culler.ui.models.models_dialog import ModelsDialog

        if self.dialog is None:
            folder = Path(self.host.ctx.models_dir)
            self.dialog = ModelsDialog(folder, self.scored(model_rows.model_rows(folder)), parent=self.host)
            self.dialog.changed.connect(self._installed)
        self.dialog.refresh()
        self.dialog.open()
        return self.dialog

    def _closing(self) -> None:
        if self.dialog is not None:
            self.dialog.reject()  # stops a download between chunks; its part is kept for next time

    def _installed(self) -> None:
        rows = model_rows.model_rows(Path(self.host.ctx.models_dir))
        if self.banner.isVisible():
            self.show_status()
        if any(r.state == "ok" for r in rows) and self.host.store() is not None:
            self.host.show_message("Models installed: File › Analyse now scores the photos with them.", 10000)
