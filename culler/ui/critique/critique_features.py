"""Asking a vision-language model in the window. `CritiqueFeatures(host)` is made once by the
window (a `Feature`, see base/host.py):

  Critique › Ask about this photo         V (grid, loupe)
  Critique › Ask about the shortlist      Shift+V: the grid's selection when several photos are
                                          selected, else the settings' shortlist (top N of the best
                                          frames of each group, or of every photo in review order)
  Critique › Compare this burst           V (compare, survey): its frames ranked in one request
  Critique › Stop asking the model        also a click on the progress control in the filter bar
  Critique › Model settings…              vlm_settings_dialog.py

A run goes to a CritiqueWorker thread; a shortlist is first described (how many photos, how long,
the cost when a price is set, what is cached) and sent only when the user agrees, and a server off
the user's machine or network gets photos only after a one-time consent for it. Errors are said
in the loupe strip and the status bar, in plain words; the window keeps working meanwhile.

Shown: the loupe strip (the verdict, score, issues, sentence, and culler's confidence moved by
the model's agreement, `core.critique.adjusted_confidence`), the compare and survey strip (the
model's order and reasons next to culler's; the group itself is never reordered), and the
disagreement list in the filter bar. Cached answers are read from the store, so they show at once
with no request.

Authority (suggestion_overlay.py): with "may rescue" or "may decide" the suggestions the views
show and that A accepts are the ones after the model had its say; culler's own stay in the store
and come back when the authority is set back to "explain"; a photo the user flagged or rated is
never touched.
"""

from __future__ import annotations

import logging
from html import escape
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QMessageBox

from culler.core import critique
from culler.ui.critique import critique_texts as texts
from culler.ui.critique.critique_panels import CritiqueStrip, DisagreementButton, RunButton
from culler.ui.critique.suggestion_overlay import SuggestionOverlay

log = logging.getLogger(__name__)


class CritiqueFeatures(QObject):
    def __init__(self, window) -> None:
        """`window`: a FeatureHost."""
        super().__init__(window)
        self.w = window
        self.loupe_strip = CritiqueStrip("critiqueStrip")
        self.group_strips = [CritiqueStrip("critiqueGroupStrip"), CritiqueStrip("critiqueSurveyStrip")]
        self.disagreements = DisagreementButton()
        self.disagreements.chosen.connect(self.show_photo)
        self.run_button = RunButton()
        self.run_button.clicked.connect(self.cancel)
        self.worker = None
        self.error: str | None = None  # the last run's failure, shown until the next run
        self.critiques: dict[int, dict] = {}  # photo id -> cached critique of the configured model
        self.overlay = SuggestionOverlay()
        self._panels_installed = False
        window.photos_shown.connect(self.reload)
        window.analysis_idle.connect(self.reload)  # new scores and groups: disagreements, authority
        window.closing.connect(self._closing)
        self._strips_timer = QTimer(self, singleShot=True, interval=30)  # one update per burst of changes
        self._strips_timer.timeout.connect(self.update_strips)
        window.selection.currentChanged.connect(lambda *_: self._strips_timer.start())
        for change in (window.model.modelReset, window.model.layoutChanged, window.model.dataChanged):
            change.connect(self._check_groups)
        window.add_filter_control(self.disagreements)
        window.add_filter_control(self.run_button)

    # -- Feature
    def views(self) -> list:
        return []

    def checkable(self) -> dict:
        return {}

    def menu_items(self) -> dict:
        return {"&Critique": ["critique.ask_photo", "critique.ask_shortlist", "critique.ask_burst", None,
                              "critique.cancel", None, "critique.settings"]}

    def register_actions(self, registry) -> None:
        # The window has put every earlier feature's views (compare, survey) in place by now.
        self._install_panels()
        w = self.w
        idle = lambda: w.model.state is not None and self.worker is None  # noqa: E731
        r = registry.register
        r("critique.ask_photo", "Ask the model about this photo", ["V"], self.ask_photo, section="Critique",
          modes={"grid", "loupe"}, enabled_when=idle)
        r("critique.ask_shortlist", "Ask the model about the shortlist (or the selection)", ["Shift+V"],
          self.ask_shortlist, section="Critique", modes={"grid", "loupe", "compare", "survey"}, enabled_when=idle)
        r("critique.ask_burst", "Ask the model to compare this burst", ["V"], self.ask_burst, section="Critique",
          modes={"compare", "survey"}, enabled_when=idle)
        r("critique.cancel", "Stop asking the model", [], self.cancel, section="Critique",
          enabled_when=lambda: self.worker is not None)
        r("critique.settings", "Model settings…", [], self.open_settings, section="Critique")

    def _install_panels(self) -> None:
        if self._panels_installed:
            return
        self._panels_installed = True
        self.w.add_view_panel("loupe", self.loupe_strip)
        self.w.add_view_panel("compare", self.group_strips[0])
        self.w.add_view_panel("survey", self.group_strips[1])
        for strip in (self.loupe_strip, *self.group_strips):
            strip.parentWidget().installEventFilter(self)  # the strip is filled when its view shows

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Show:
            self._strips_timer.start()
        return False

    # -- settings
    def config(self):
        """The VlmConfig in force, or None when the settings file cannot be read (said once)."""
        from culler.analysis.vlm_config import VlmConfigError, load_config

        try:
            return load_config(Path(self.w.ctx.config_dir))
        except VlmConfigError as e:
            self.w.show_message(str(e), 10000)
            return None

    def open_settings(self):
        from culler.analysis.vlm_config import VlmConfigError, save_settings
        from culler.ui.critique.vlm_settings_dialog import VlmSettingsDialog

        config = self.config()
        if config is None:
            return None
        dialog = VlmSettingsDialog(config, self.w)

        def save() -> None:
            try:
                save_settings(Path(self.w.ctx.config_dir), dialog.chosen)
            except VlmConfigError as e:
                QMessageBox.warning(self.w, "Model settings", str(e))
                return
            self.w.show_message("Model settings saved")
            self.reload()

        dialog.accepted.connect(save)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    # -- asking
    def ask_photo(self) -> None:
        pid = self.w.current_id()
        if pid is not None:
            self._ask(photo_ids=[pid])

    def ask_shortlist(self) -> None:
        state, store = self.w.model.state, self.w.store()
        if state is None or store is None:
            return
        view = self.w.current_view()
        selected = view.target_ids() if view is not None and self.w.current_view_id() == "grid" else []
        config = self.config()
        if config is None:
            return
        if len(selected) > 1:
            ids = critique.shortlist(store, "selection", selection=selected)
        else:
            ids = critique.shortlist(store, "top" if config.shortlist_from == "groups" else "review",
                                     config.shortlist)
        if not ids:
            self.w.show_message("Nothing to ask about: no photo has been analysed yet", 6000)
            return
        self._ask(photo_ids=ids, confirm=True)

    def ask_burst(self) -> None:
        burst = self.current_burst()
        if burst is None:
            self.w.show_message("This photo is not part of a burst of two or more frames", 5000)
            return
        self._ask(groups=[burst], confirm=False)

    def current_burst(self, config=None) -> list[int] | None:
        """The current photo's group of 2+ frames, in culler's order, cut as it is sent."""
        state, pid = self.w.model.state, self.w.current_id()
        config = config or self.config()
        if state is None or pid is None or pid not in state.groups or config is None:
            return None
        ok = {i for i, p in state.photos.items() if p.status == "ok"}
        gid = state.groups[pid].group
        return next((ids for ids in critique.bursts(state.groups, ok, config.group_frames)
                     if state.groups[ids[0]].group == gid), None)

    def _ask(self, *, photo_ids: list[int] = (), groups: list[list[int]] = (), confirm: bool = False) -> None:
        from culler.analysis.vlm_config import VlmConfigError, give_consent, needs_consent, require_endpoint, safe_url

        store, root = self.w.store(), self.w.album_root()
        if store is None or root is None or self.worker is not None:
            return
        config = self.config()
        if config is None:
            return
        try:
            require_endpoint(config)
        except VlmConfigError as e:
            self._fail(f"{e} (or use Critique › Model settings…)")
            return
        config_dir = Path(self.w.ctx.config_dir)
        if needs_consent(config, config_dir):
            answer = QMessageBox.question(
                self.w, "Send photos off this machine?",
                f"{safe_url(config.url)} is not on your machine or your network: the photos would leave "
                "it. Check that your clients' contracts allow this.\n\nSend photos to it (asked once for "
                "this endpoint)?", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                self.w.show_message("Nothing was sent", 5000)
                return
            give_consent(config, config_dir)
        from culler.ui.critique.critique_worker import CritiqueWorker

        worker = CritiqueWorker(store, root, config, Path(self.w.ctx.data_dir), photo_ids=photo_ids,
                                groups=groups, parent=self)
        worker.planned.connect(lambda plan: self._planned(worker, plan, config, confirm))
        worker.progress.connect(lambda done, total, _path: self.run_button.show_progress(done, total))
        worker.retrying.connect(lambda text: self.w.show_message(text, 8000))
        worker.done.connect(lambda report: self._done(report, "burst(s)" if groups else "photo(s)"))
        worker.failed.connect(self._fail)
        worker.finished.connect(lambda: self._gone(worker))
        self.worker, self.error = worker, None
        self.run_button.show_progress(0, 0)
        worker.start()

    def _planned(self, worker, plan, config, confirm: bool) -> None:
        if not plan.jobs:  # `done` follows; the cached answers are shown by then
            self.w.show_message(plan.describe(config) if plan.left_out else
                                "Nothing sent: every answer was already cached", 8000)
            return
        if not confirm:
            worker.proceed()
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Ask the model", plan.describe(config) + ".\n\nSend?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self.w)
        box.setObjectName("critiqueConfirm")
        box.finished.connect(lambda result: worker.proceed() if result == QMessageBox.StandardButton.Yes
                             else (worker.cancel(), self.w.show_message("Nothing was sent", 5000)))
        box.finished.connect(box.deleteLater)
        box.open()  # window-modal, not blocking the event loop

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.w.show_message("Stopping after the current request; answers so far are kept", 6000)

    def _done(self, report, what: str) -> None:
        if report is not None:
            text = f"The model answered about {report.answered} {what}"
            if report.malformed:
                text += f", {report.malformed} answer(s) unreadable (kept as such)"
            if report.failed:
                text += f", {len(report.failed)} failed: {report.failed[-1][1]}"
            if report.cancelled:
                text += "; stopped as asked"
            if report.stopped:
                self.error = texts.failure_text(report.stopped)
                text = self.error
            self.w.show_message(text, 10000)
        self.reload()

    def _fail(self, message: str) -> None:
        self.error = texts.failure_text(message) if not message.startswith("no vision") else message
        self.w.show_message(self.error, 12000)
        self.update_strips()

    def _gone(self, worker) -> None:
        if self.worker is worker:
            self.worker = None
        self.run_button.hide()
        worker.deleteLater()

    def wait_idle(self, timeout_ms: int = 30_000) -> bool:
        worker = self.worker
        return worker is None or worker.wait(timeout_ms)

    def _closing(self) -> None:
        if self.worker is not None:
            self.worker.abort()
            self.worker.wait()

    # -- what is shown
    def reload(self) -> None:
        """Read the cached critiques of the configured model, then refresh every strip."""
        from culler.core.store_vlm import VlmAnswers

        store, config = self.w.store(), self.config()
        self.critiques = {}
        if store is not None and config is not None and self.w.model.state is not None:
            try:
                self.critiques = VlmAnswers(store).photo_critiques(config.model)
            except Exception:  # an unreadable cache hides the critiques, never the album
                log.exception("reading the model's cached answers failed")
        self.apply_authority()
        self.update_disagreements()
        self.update_strips()

    def apply_authority(self) -> None:
        """Suggestions as the model's authority allows, on the open album's group rows."""
        state, config = self.w.model.state, self.config()
        if state is not None and config is not None and self.overlay.apply(state, self.critiques, config.authority):
            self.w.model.photos_changed(None)

    def _check_groups(self, *_args) -> None:
        """The album changed on screen: update the strips; when its groups were read again (a
        regroup, a new analysis) the model's authority is applied to them anew."""
        state = self.w.model.state
        if state is not None and self.overlay.stale(state.groups):
            QTimer.singleShot(0, self.apply_authority)
        self._strips_timer.start()

    def update_disagreements(self) -> None:
        state = self.w.model.state
        if state is None:
            self.disagreements.set_entries([], False)
            return
        found = critique.disagreements(state.scores, self.critiques)
        entries = [(d["photo_id"], texts.disagreement_text(state.name(d["photo_id"]), d))
                   for d in found if d["photo_id"] in state.photos]
        self.disagreements.set_entries(entries, bool(self.critiques))

    def update_strips(self) -> None:
        """Fill the strip of the view on screen (the others are filled when their view shows)."""
        state, pid, view = self.w.model.state, self.w.current_id(), self.w.current_view_id()
        config = self.config() if state is not None else None
        if state is None or pid is None or config is None:
            for strip in (self.loupe_strip, *self.group_strips):
                strip.set_text("")
        elif view == "loupe":
            self.loupe_strip.set_text(self._photo_html(state, pid, config))
        elif view in ("compare", "survey"):
            self.group_strips[view == "survey"].set_text(self._group_html(state, config))

    def _photo_html(self, state, pid: int, config) -> str:
        error = f"<span style='color:#c62828'>{escape(self.error)}</span>" if self.error else ""
        c = self.critiques.get(pid)
        if c is None:
            if error:
                return error
            return (f"Not asked yet: V asks {escape(config.model)} about this photo"
                    if config.url and config.model else "")
        note = ""
        own = self.overlay.own(pid)
        if own is not None:
            now = state.groups[pid].suggestion
            note = (f"culler suggested {own.suggestion or 'nothing'}; with the model's authority "
                    f"({config.authority}): {now or 'no suggestion'}")
        html = texts.photo_text(c, state.scores.get(pid) or (None, None), note)
        return f"{html}<br>{error}" if error else html

    def _group_html(self, state, config) -> str:
        from culler.analysis.vlm_run import group_rankings

        burst = self.current_burst(config)
        if burst is None or not config.model:
            return escape(self.error or "")
        try:
            rankings = group_rankings(self.w.store(), state.root, config.model, [burst])
        except Exception:  # a file gone since: no ranking to show
            log.exception("reading the model's ranking failed")
            rankings = {}
        names = {pid: state.name(pid) for pid in burst}
        return texts.ranking_text(names, burst, rankings.get(tuple(burst)), config.model)

    def show_photo(self, photo_id: int) -> None:
        """A disagreement chosen for a second look: that photo in the loupe."""
        if self.w.model.row_of(photo_id) < 0:
            name = self.w.model.state.name(photo_id)
            self.w.show_message(f"{name} is hidden by the filter or a collapsed stack (S expands it)", 6000)
            return
        self.w.set_current(photo_id)
        self.w.show_view("loupe")
