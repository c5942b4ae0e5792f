"""The taste in the window. `TasteFeature(host)` is made once by the window (a `Feature`, see
base/host.py):

  Taste › Your taste…                    what it learned, in words (taste_dialog.py)
  Taste › Use my taste in this album     checkable, per album (the album's store, taste_blend.OFF_KEY)
  Taste › Learn from rated folders…      the `culler taste learn DIR` path
  Taste › Export taste profile… / Import taste profile…
  Taste › Reset my taste…

and a quiet status in the filter bar ("Taste: 412 decisions · agrees 83 %", the words in its
tooltip). As decisions come (`decisions_changed`, debounced), the open album's evidence replaces
what it taught before and the profile is refitted and saved on a background thread
(taste_worker.py). The open album's order is not reshuffled under the user's keys: the profile
reaches an album's order at its grouping stage (opening, analysis, Grouping thresholds), and at
once after an action here that changes the profile or switches it for this album.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox

from culler.core import taste
from culler.ui.taste.taste_worker import TasteWorker

DEBOUNCE_MS = 400


class TasteFeature(QObject):
    profile_changed = Signal(object)  # the profile now on disk (None: nothing learned)

    def __init__(self, window) -> None:
        """`window`: a FeatureHost."""
        super().__init__(window)
        self.w = window
        self.path = taste.default_path(Path(window.ctx.data_dir))
        self.profile: taste.Profile | None = None
        self.error: str | None = None  # why the profile file cannot be used (it is then left alone)
        self._off = False  # the open album switched the taste off
        self._features = None  # (store, features, GroupRows) of the open album, made on the worker thread
        self._disk = None  # ((mtime, size), Profile) of the file as the worker thread last read or wrote it
        self.worker = TasteWorker(self)
        self.worker.finished.connect(self._finished)
        self.status = QLabel(objectName="tasteStatus")
        self.status.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.status.setContentsMargins(12, 0, 0, 0)
        window.add_filter_control(self.status)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.refit)
        window.decisions_changed.connect(lambda _ids: self._timer.start())
        window.photos_shown.connect(self._album_shown)
        window.analysis_idle.connect(self._analysed)
        window.closing.connect(self.worker.shutdown)
        self.worker.submit("load", self._read_profile)

    # -- Feature
    def views(self) -> list:
        return []

    def checkable(self) -> dict:
        return {"taste.album": lambda: not self._off}

    def menu_items(self) -> dict:
        return {"&Taste": ["taste.show", "taste.album", None, "taste.learn", "taste.export", "taste.import",
                           None, "taste.reset"]}

    def register_actions(self, registry) -> None:
        has_album = lambda: self.w.store() is not None  # noqa: E731
        r = registry.register
        r("taste.show", "Your taste…", [], self.show_dialog, section="Taste")
        r("taste.album", "Use my taste in this album", [], self.toggle_album, section="Taste", enabled_when=has_album)
        r("taste.learn", "Learn from rated folders…", [], self.choose_folders, section="Taste")
        r("taste.export", "Export taste profile…", [], self.choose_export, section="Taste",
          enabled_when=lambda: self.profile is not None)
        r("taste.import", "Import taste profile…", [], self.choose_import, section="Taste")
        r("taste.reset", "Reset my taste…", [], self.confirm_reset, section="Taste",
          enabled_when=lambda: self.profile is not None or self.error is not None)

    # -- the album
    def _album_shown(self) -> None:
        from culler.core.taste_blend import album_off

        store = self.w.store()
        self._features = None
        self._off = bool(store is not None and album_off(store))
        self.w.update_menu_check("taste.album")
        self._show_status()

    def _analysed(self) -> None:
        self._features = None  # new signals, new scores: the evidence is read again
        if self.w.store() is not None:
            self.refit()

    def _album_key(self, store) -> str:
        return str(Path(store.album_root).resolve())

    # -- jobs (on the worker thread)
    def _read_profile(self) -> taste.Profile | None:
        """The profile on disk (TasteError: damaged, never overwritten); read again only when
        another program changed the file since this window last read or wrote it."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        if self._disk is None or self._disk[0] != (st.st_mtime_ns, st.st_size):
            self._disk = ((st.st_mtime_ns, st.st_size), taste.load(self.path))
        return self._disk[1]

    def _save(self, profile: taste.Profile) -> taste.Profile:
        taste.save(profile, self.path)
        st = self.path.stat()
        self._disk = ((st.st_mtime_ns, st.st_size), profile)
        return profile

    def _refit_job(self, store):
        """The open album's decisions replace what it taught before; the profile is refitted and saved."""
        from culler.core import taste_blend, taste_evidence
        from culler.core.store_files import StoreError

        previous = self._read_profile()
        album = self._album_key(store)
        rows = []
        try:
            if not taste_blend.album_off(store):
                cached = self._features
                if cached is None or cached[0] is not store:
                    from culler.analysis.clip_looks import for_context

                    cached = self._features = (store, *taste_evidence.from_store(store, for_context(self.w.ctx)))
                _, features, groups = cached
                rows = taste_evidence.evidence(features, groups, store.decisions(), album=album,
                                               order=taste_evidence.decision_order(store))
        except StoreError:  # the album was closed meanwhile (or is locked): its next decision tries again
            return previous
        if not rows and (previous is None or album not in previous.albums):
            return previous  # nothing to learn here, nothing to forget
        return self._save(taste.merged(previous, {album: rows}))

    def _learn_job(self, folders: list[Path]):
        from culler.cli.taste import album_evidence

        previous = self._read_profile()
        albums = {str(f): album_evidence(self.w.ctx, f, "all", False) for f in folders}
        return self._save(taste.merged(previous, albums))

    def _import_job(self, source: Path):
        return self._save(taste.load(source))  # checked before anything is replaced

    def _export_job(self, dest: Path):
        shutil.copyfile(self.path, dest)
        return self.profile

    def _reset_job(self):
        taste.reset(self.path)
        return None

    # -- actions (GUI thread)
    def refit(self) -> None:
        store = self.w.store()
        if store is not None and self.error is None:
            self.worker.submit("refit", lambda: self._refit_job(store))

    def toggle_album(self) -> None:
        from culler.core.taste_blend import OFF_KEY

        store = self.w.store()
        if store is None:
            return
        self._off = not self._off
        store.set(OFF_KEY, self._off)
        self.w.update_menu_check("taste.album")
        self.w.show_message("This album keeps culler's default order and does not teach your taste"
                            if self._off else "This album uses and teaches your taste", 6000)
        self.worker.submit("album", lambda: self._refit_job(store))

    def show_dialog(self):
        from culler.ui.taste.taste_dialog import TasteDialog, describe

        dialog = TasteDialog(describe(self.profile, self.path, self._off), self.w)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.open()
        return dialog

    def choose_folders(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.w, "Learn my taste from the decisions in this folder")
        if folder:
            self.learn([Path(folder)])

    def learn(self, folders: list[Path]) -> None:
        """Learn from albums rated in culler or in Lightroom, darktable, digiKam, Capture One."""
        root = self.w.album_root()
        folders = [Path(f).resolve() for f in folders]
        if root is not None and Path(root).resolve() in folders:  # its session is open here: it learns as you decide
            folders.remove(Path(root).resolve())
            self.refit()
        if folders:
            self.w.show_message(f"Learning your taste from {', '.join(f.name for f in folders)}…", 10000)
            self.worker.submit("learn", lambda: self._learn_job(folders))

    def choose_export(self) -> None:
        dest, _ = QFileDialog.getSaveFileName(self.w, "Export taste profile", str(Path.home() / taste.FILE_NAME),
                                              "Taste profile (*.json)")
        if dest:
            self.worker.submit("export", lambda: self._export_job(Path(dest)))

    def choose_import(self) -> None:
        source, _ = QFileDialog.getOpenFileName(self.w, "Import taste profile", str(Path.home()),
                                                "Taste profile (*.json)")
        if source:
            self.import_profile(Path(source))

    def import_profile(self, source: Path) -> None:
        if self.profile is not None and QMessageBox.question(
                self.w, "Import taste profile",
                f"Replace your taste (learned from {self.profile.decisions} decisions) with {source.name}?"
        ) != QMessageBox.StandardButton.Yes:
            return
        self.worker.submit("import", lambda: self._import_job(source))

    def confirm_reset(self) -> None:
        what = (f"what culler learned from your {self.profile.decisions} decisions" if self.profile is not None
                else f"the profile that cannot be read ({self.path})")
        if QMessageBox.question(
                self.w, "Reset my taste",
                f"Forget {what}? Suggestions go back to culler's default ranking; your decisions themselves "
                "stay.") == QMessageBox.StandardButton.Yes:
            self.worker.submit("reset", self._reset_job)

    # -- results (GUI thread)
    def _finished(self, name: str, result, error: Exception | None) -> None:
        if name == "regroup":
            if error is None:
                self.w.refresh_analysis()
            return
        if error is not None:
            if isinstance(error, taste.TasteError) and name != "import":
                self.error = str(error)  # a damaged profile: left alone, the default order is used
            self.w.show_message(f"Taste: {error}", 10000)
            self._show_status()
            return
        if name == "reset":
            self.error = None
        self.profile = result
        self.profile_changed.emit(result)
        self._show_status()
        messages = {"reset": "Your taste was reset: culler's default ranking again",
                    "import": "Taste profile imported", "export": "Taste profile exported",
                    "learn": "Learned from the folder's decisions"}
        if name in messages:
            self.w.show_message(messages[name], 6000)
        if name in ("reset", "import", "learn", "album"):
            self._regroup()

    def _regroup(self) -> None:
        """Apply the changed profile to the open album's order now (an analysis under way does it itself)."""
        store = self.w.store()
        if store is None or self.w.analysis_running():
            return
        from culler.analysis.clip_looks import for_context
        from culler.pipeline.grouping import group_and_rank

        looks = for_context(self.w.ctx)
        self.worker.submit("regroup", lambda: group_and_rank(store, looks=looks))

    def _show_status(self) -> None:
        from culler.core import taste_words

        p = self.profile
        if self.error is not None:
            text, tip = "Taste: cannot read the profile", self.error
        elif self._off and self.w.store() is not None:
            text, tip = "Taste: off in this album", "Taste › Use my taste in this album switches it back on"
        elif p is None or p.decisions == 0:
            text, tip = "Taste: nothing learned yet", "culler learns which frames you keep as you decide"
        else:
            text = (f"Taste: {p.decisions} decisions · agrees {round(100 * p.agreement)} %" if p.alpha > 0
                    else f"Taste: learning ({p.decisions} decisions)")
            tip = "\n".join([taste_words.headline(p), *(f"• {s}" for s in taste_words.sentences(p))])
        self.status.setText(text)
        self.status.setToolTip(tip)
