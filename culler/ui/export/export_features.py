"""Export, rejects and sidecars in the window. `ExportFeatures(host)` is made once by the window
(a `Feature`, see base/host.py), which asks it for its actions before keymaps and menus are built:

  File › Export…                         Ctrl+E   the export dialog (export_dialog.py)
  File › Undo last export                          reverses the latest export or reject move
  Photo › Move rejects to _rejected…               (rejects_actions.py)
  Photo › Send rejects to trash…
  File › Write XMP sidecars as I decide            a checkable setting (sidecar_sync.py)
  File › Write picks in sidecars as…               stars / label / tag (picks_as_edit.py)

Why a separate "Undo last export" and not Ctrl+Z: the window's undo (the store's) is for
decisions only — quick, many steps, never touching files. Putting back files that were exported
or moved is a different kind of step, with its own confirmation, so it has its own action; it
undoes the newest export journal of this album that is not undone yet (journals live next to the
album's session store, in `exports/`; a read-only album keeps them in the data folder).

File jobs (moving or trashing rejects, undoing an export) run one at a time on a FileJobWorker,
followed by a rescan of the album off the GUI thread, so moved photos leave the view and returning
photos come back with their decisions (the store keeps them by path).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMessageBox, QProgressDialog

from culler.core.picks_as import PicksAs
from culler.ui.export.rejects_actions import RejectsActions
from culler.ui.export.sidecar_sync import SidecarSync

if TYPE_CHECKING:  # the export modules load on first use, not at start-up
    from culler.ui.export.export_dialog import ExportDialog
    from culler.ui.export.export_form import ExportSource
    from culler.ui.export.export_worker import FileJobWorker

log = logging.getLogger(__name__)
OPTIONS_KEY = "export.options"  # per album, in the store's settings


class ExportFeatures(QObject):
    def __init__(self, window) -> None:
        """`window`: a FeatureHost."""
        super().__init__(window)
        self.w = window
        self.sidecars = SidecarSync(window.ctx.config_dir, self)
        self.sidecars.problem.connect(lambda text: window.show_message(text, 10000))
        self.rejects = RejectsActions(self)
        self.worker: FileJobWorker | None = None
        self.dialog: ExportDialog | None = None
        self._progress: QProgressDialog | None = None
        window.photos_shown.connect(self._album_shown)
        window.closing.connect(self._closing)  # finish file jobs before the window closes the album

    # -- Feature
    def views(self) -> list:
        return []

    def checkable(self) -> dict:
        return {"sidecars.live": self.live_sidecars}

    def menu_items(self) -> dict:
        return {"@File": ["export.open", "export.undo", "sidecars.live", "sidecars.picks_as"],
                "@Photo": ["rejects.move", "rejects.trash"]}

    def register_actions(self, registry) -> None:
        w = self.w
        idle_album = lambda: w.model.state is not None and not self.busy()  # noqa: E731
        r = registry.register
        r("export.open", "Export…", ["Ctrl+E"], self.open_export_dialog, section="Album", enabled_when=idle_album)
        r("export.undo", "Undo last export", [], self.undo_last_export, section="Album",
          enabled_when=lambda: idle_album() and self.last_journal() is not None)
        r("rejects.move", "Move rejects to _rejected…", [], self.rejects.move_to_folder, section="Album",
          enabled_when=idle_album)
        r("rejects.trash", "Send rejects to trash…", [], self.rejects.send_to_trash, section="Album",
          enabled_when=idle_album)
        r("sidecars.live", "Write XMP sidecars as I decide", [], self.toggle_live_sidecars,
          section="Album")
        r("sidecars.picks_as", "Write picks in sidecars as…", [], self.choose_picks_as, section="Album")

    # -- the album
    def _album_shown(self) -> None:
        store, state = self.w.store(), self.w.model.state
        if store is not None and state is not None:
            self.sidecars.attach(store, self.w.album_root(), lambda i: self.w.model.state.photos.get(i)
                                 if self.w.model.state is not None else None)

    def journal_dir(self) -> Path | None:
        store = self.w.store()
        return None if store is None else Path(store.path).parent / "exports"

    def busy(self) -> bool:
        return self.worker is not None or (self.dialog is not None and self.dialog.running())

    # -- sidecars
    def live_sidecars(self) -> bool:
        return self.sidecars.enabled

    def toggle_live_sidecars(self) -> None:
        self.set_live_sidecars(not self.sidecars.enabled)

    def set_live_sidecars(self, on: bool) -> None:
        self.sidecars.set_enabled(on)
        self.w.update_menu_check("sidecars.live")
        self.w.show_message("Writing XMP sidecars as you decide" if on else "XMP sidecars: only when exporting")

    def choose_picks_as(self):
        from culler.ui.export.picks_as_edit import open_picks_as_dialog

        return open_picks_as_dialog(self.w, self.sidecars.picks_as, self.set_picks_as)

    def set_picks_as(self, picks_as) -> None:
        """One convention for exports and live sidecars: a photo looks the same wherever it went."""
        self.sidecars.set_picks_as(picks_as)
        self.w.show_message(f"Sidecars write picks as {picks_as}: {picks_as.apps()}", 8000)

    # -- export
    def export_source(self) -> ExportSource:
        from culler.ui.export.export_form import ExportSource  # the export modules load on first use, not at start-up

        w = self.w
        state, store = w.model.state, w.store()
        photos = [state.photos[i] for i in state.order if i in state.photos]
        filter_ids = w.model.filter.apply(state.order, state.decisions, state.groups)
        try:
            saved = store.get(OPTIONS_KEY) or {}
        except Exception:  # a preference, not worth failing for
            saved = {}

        def report_rows(chosen):
            from culler.core.reports import photo_rows

            return photo_rows(chosen, dict(state.decisions), store.all_signals(), dict(state.scores),
                              dict(state.groups))

        return ExportSource(album_root=Path(w.album_root()), photos=photos, decisions=dict(state.decisions),
                            groups=dict(state.groups), journal_dir=self.journal_dir(), filter_ids=filter_ids,
                            filter_description=w.model.filter.describe(),
                            saved=saved if isinstance(saved, dict) else {},
                            report_rows=report_rows, thumbnail_dir=Path(w.ctx.thumbnail_dir),
                            picks_as=self.sidecars.picks_as)

    def open_export_dialog(self) -> ExportDialog | None:
        if self.w.model.state is None or self.w.store() is None or self.busy():
            return None
        from culler.ui.export.export_dialog import ExportDialog

        dialog = ExportDialog(self.export_source(), self.w)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.options_chosen.connect(self._remember)
        dialog.exported.connect(self._exported)
        dialog.destroyed.connect(lambda *_: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _remember(self, options: dict) -> None:
        self.sidecars.set_picks_as(PicksAs.parse(options["picks_as"]))
        store = self.w.store()
        if store is not None:
            try:
                store.set(OPTIONS_KEY, options)
            except Exception:
                log.exception("could not remember the export options")

    def _exported(self, result) -> None:
        if result.ok and result.done:
            self.w.show_message(f"Exported {result.photos:,} photos (File › Undo last export reverses it)", 8000)
            if any(op.kind == "move" for op in result.done):
                self.rescan()

    # -- undo
    def last_journal(self) -> Path | None:
        """The newest export journal of this album that can still be undone."""
        from culler.core.export import read_journal

        folder = self.journal_dir()
        if folder is None or not folder.is_dir():
            return None
        try:
            journals = sorted(folder.glob("export-*.jsonl"), key=lambda p: (p.stat().st_mtime_ns, p.name))
        except OSError:
            return None
        for path in reversed(journals):
            try:
                _header, records, status = read_journal(path)
            except OSError:
                continue
            if status not in ("undone", "rolled back") and records:
                return path
        return None

    def undo_last_export(self) -> None:
        from culler.core.export import read_journal

        path = self.last_journal()
        if path is None or self.busy():
            self.w.show_message("No export to undo", 5000)
            return
        header, records, _status = read_journal(path)
        what = header.get("description") or "the last export"
        when = (header.get("created") or "").replace("T", " ")
        moves = sum(1 for r in records if r.get("kind") == "move")
        created = sum(1 for r in records if r.get("kind") in ("copy", "link", "xmp"))
        effect = []
        if moves:
            effect.append(f"{moves:,} moved file{'s go' if moves != 1 else ' goes'} back where "
                          f"{'they' if moves != 1 else 'it'} came from")
        if created:
            effect.append(f"{created:,} file{'s' if created != 1 else ''} it created "
                          f"{'are' if created != 1 else 'is'} removed (unless changed since)")
        answer = QMessageBox.question(
            self.w, "Undo last export", f"Undo “{what}” ({when})?\n\n" + ";\n".join(effect) + ".",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes)
        if answer != QMessageBox.StandardButton.Yes:
            return

        def job(progress, cancel):
            from culler.core.export import undo_export

            return undo_export(path)

        self.run_job(job, "undoing the export", lambda r: self._undone(r, what), rescan=True)

    def _undone(self, result, what: str) -> None:
        if result.problems:
            QMessageBox.warning(self.w, "Export partly undone", "\n".join(result.problems[:20]))
        n = len(result.restored)
        self.w.show_message(f"Undid {what}: {n:,} file{'s' if n != 1 else ''} restored or removed", 8000)

    # -- file jobs
    def run_job(self, job, description: str, on_done, rescan: bool = False) -> None:
        """Run `job(progress, cancel)` off the GUI thread (then rescan the album), then on_done(result)."""
        w = self.w
        root, store, recursive = w.album_root(), w.store(), w.album_recursive()

        def job_then_rescan(progress, cancel):
            result = job(progress, cancel)
            photos = None
            if rescan and store is not None:
                from culler.pipeline.scan import refresh_photos

                photos, _ = refresh_photos(root, store, recursive)
            return result, photos

        from culler.ui.export.export_worker import FileJobWorker

        worker = FileJobWorker(job_then_rescan, description, self)
        progress = QProgressDialog(f"{description[:1].upper()}{description[1:]}…", "", 0, 0, w)
        progress.setCancelButton(None)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(400)
        progress.setAutoClose(False)
        progress.setValue(0)
        worker.progress.connect(lambda done, total, _path: (progress.setMaximum(total), progress.setValue(done)))
        worker.done.connect(lambda pair: self._job_done(pair, store, on_done))
        worker.failed.connect(lambda message: QMessageBox.critical(w, "File operation failed", message))
        worker.finished.connect(lambda: self._job_gone(worker, progress))
        self.worker, self._progress = worker, progress
        worker.start()

    def _job_done(self, pair, store, on_done) -> None:
        result, photos = pair
        if photos is not None and store is not None:
            self.w.show_rescanned(store, photos)
        on_done(result)

    def _job_gone(self, worker, progress) -> None:
        if self.worker is worker:
            self.worker = None
        progress.close()
        progress.deleteLater()
        worker.deleteLater()

    def rescan(self) -> None:
        """Bring the window in line with the album folder (after photos were moved out of it)."""
        self.run_job(lambda progress, cancel: None, "reading the album again", lambda _r: None, rescan=True)

    def wait_idle(self, timeout_ms: int = 60_000) -> bool:
        """Wait for a running file job and the sidecar writer (tests, closing the window)."""
        dialog = self.dialog
        if dialog is not None and dialog.worker is not None:
            dialog.worker.cancel()  # an export stops between photos; what it copied stays, journalled
            dialog.worker.wait(timeout_ms)
        worker = self.worker
        ok = worker is None or worker.wait(timeout_ms)
        preview_module = sys.modules.get("culler.ui.export.export_preview")  # not loaded: no dialog was opened
        planners = self.w.findChildren(preview_module.PlanWorker) if preview_module is not None else []
        for planner in planners:  # previews of a closed dialog still computing
            ok = planner.wait(timeout_ms) and ok
        return self.sidecars.wait_idle(timeout_ms / 1000) and ok

    def _closing(self) -> None:
        self.wait_idle()
        self.sidecars.detach()
