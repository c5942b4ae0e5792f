"""One open album's life in the window: open the store and scan off the GUI thread, show the
photos, start the analysis, keep scores and badges current while it runs, close cleanly.

Decisions reach the views through the store's observer, bridged to a Qt signal so the model
updates on the GUI thread whoever made the change (a key press, undo, accepting suggestions).
"""

from __future__ import annotations

import html

import logging
import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from culler.ui.album_loader import AlbumLoader
from culler.ui.album_state import AlbumState
from culler.ui.analysis_worker import AnalysisWorker
from culler.ui.status_widgets import missing_models_notice

log = logging.getLogger(__name__)
REFRESH_EVERY_S = 1.0  # how often error badges are re-read while photos are analysed
# The analysis starts once the first screen of thumbnails is painted (its imports and decoding
# would otherwise compete with them for the CPU), or after this long at the latest.
ANALYSIS_DELAY_MS = 4000
CLOSE_WAIT_MS = 20_000  # the analysis stops between photos; a deep-model batch takes a few seconds


class AlbumSession(QObject):
    decisions_changed = Signal(list)  # photo ids (from the store's observer, any thread)
    photos_shown = Signal()  # the album's photos are in the model

    def __init__(self, window, ctx, signals: str = "all", recursive: bool = False, analyse: bool = True) -> None:
        super().__init__(window)
        self.w = window
        self.ctx = ctx
        self.signals = signals
        self.recursive = recursive
        self.analyse = analyse
        self.store = None
        self.album_root: Path | None = None
        self._loader: AlbumLoader | None = None
        self._worker: AnalysisWorker | None = None
        self._last_refresh = 0.0
        self._first_show = True
        self._screen_painted = False
        self._analysis_pending = False
        self.decisions_changed.connect(window.model.decisions_changed)
        window.grid.first_screen_painted.connect(self._first_screen_painted)
        self._delay = QTimer(self, singleShot=True, interval=ANALYSIS_DELAY_MS)
        self._delay.timeout.connect(self._start_pending_analysis)

    # -- opening
    def open(self, root: Path) -> None:
        self.close()
        root = Path(root).absolute()
        w = self.w
        if not root.is_dir():
            w.show_message(f"{root} is not a folder", 8000)
            self.w.analysis_idle.emit()
            return
        self.album_root = root
        self._first_show = True
        self._screen_painted = False
        w.setWindowTitle(f"{root.name} — culler")
        w.show_empty(loading=root)
        w.settings.add_recent(root)
        loader = AlbumLoader(root, self.ctx.data_dir, self.recursive, parent=self)
        loader.opened.connect(self._opened)
        loader.synced.connect(self._synced)
        loader.failed.connect(self._failed)
        self._loader = loader
        loader.start()

    def _opened(self, store, known: list) -> None:
        if self.sender() is not self._loader:
            store.close()  # another album was opened meanwhile
            return
        self.store = store
        store.add_observer(self._observe)
        notices = [html.escape(n) for n in store.notices]  # restored, merged, set aside
        if not store.album_writable:
            notices.append(f"This folder is read-only: decisions are kept in <code>{store.path}</code>.")
        if notices:
            self.w.notice.show_notice(" ".join(notices))
        if known:
            self._show(known)

    def _synced(self, photos: list, changed: bool) -> None:
        if self.sender() is not self._loader or self.store is None:
            return
        if changed or self.w.model.state is None:
            self._show(photos)
        if not self.analyse:
            self.w.analysis_idle.emit()
        elif self._screen_painted or not photos:
            self.start_analysis()
        else:
            self._analysis_pending = True
            self._delay.start()

    def _first_screen_painted(self) -> None:
        self._screen_painted = True
        if self._loader is not None:
            self._loader.allow_scan()
        self._start_pending_analysis()

    def _start_pending_analysis(self) -> None:
        if self._analysis_pending:
            self._analysis_pending = False
            self._delay.stop()
            self.start_analysis()

    def _failed(self, message: str) -> None:
        if self.sender() is not self._loader:
            return
        self.w.show_message(message, 15000)
        self.w.notice.show_notice(message)
        if self.w.model.state is None:
            self.w.show_empty()
        self.w.analysis_idle.emit()

    def _show(self, photos: list) -> None:
        w = self.w
        state = AlbumState(self.album_root, self.store)
        state.set_photos(photos)
        state.refresh_analysis()
        keep = w.current_id()
        if self._first_show:
            w.thumbnails.set_album(self.album_root, state.photos)
            w.previews.set_album(self.album_root, state.photos)
            keep = self._remembered_photo(state)
        else:
            w.thumbnails.update_photos(state.photos)
            w.previews.set_album(self.album_root, state.photos)
        w.model.set_state(state)
        w.filter_bar.setEnabled(True)
        if w.model.rowCount():
            w.set_current(keep if w.model.row_of(keep) >= 0 else w.model.id_at(0))
        if w.current_view() is None:
            w.show_view("grid")
        else:
            w.current_view().activate()
        if self._first_show:
            self._first_show = False
            w.grid.expect_first_screen()
        self.photos_shown.emit()

    def _remembered_photo(self, state: AlbumState) -> int | None:
        try:
            path = self.store.get("ui.current_path")
        except Exception:  # noqa: BLE001 - a preference, not worth failing for
            return None
        return next((pid for pid, p in state.photos.items() if p.path == path), None)

    def _observe(self, ids: list[int]) -> None:
        self.decisions_changed.emit(list(ids))

    # -- analysis
    def analysis_running(self) -> bool:
        return self._worker is not None and self._worker.isRunning()

    def start_analysis(self) -> None:
        if self.store is None or self.analysis_running():
            return
        worker = AnalysisWorker(self.album_root, self.store, self.ctx, signals=self.signals,
                                recursive=self.recursive, parent=self)
        worker.progress.connect(self._progress)
        worker.models_status.connect(self._models_status)
        worker.failed.connect(self._analysis_failed)
        worker.finished.connect(self._analysis_finished)
        self._worker = worker
        worker.start()

    def cancel_analysis(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self.w.analysis_status.cancel.setEnabled(False)
            self.w.show_message("Stopping the analysis after the current photo…")

    def _progress(self, report) -> None:
        if self.sender() is not self._worker:
            return
        self.w.analysis_status.show_progress(report)
        now = time.monotonic()
        if report.stage in ("group", "done", "cancelled"):
            self.refresh_analysis()
        elif now - self._last_refresh > REFRESH_EVERY_S and self.w.model.state is not None:
            self._last_refresh = now
            changed = self.w.model.state.refresh_errors()
            if changed:
                self.w.model.photos_changed(changed)
        if report.stage == "done" and self.store is not None and self.w.model.state is not None:
            photos = self.store.photos()
            if [p.id for p in photos] != self.w.model.state.order:  # the folder changed meanwhile
                self._show(photos)

    def refresh_analysis(self) -> None:
        state = self.w.model.state
        if state is None:
            return
        state.refresh_analysis()
        self.w.model.photos_changed(None)

    def _models_status(self, status: dict) -> None:
        if self.signals == "all":
            text = missing_models_notice(status)
            if text:
                self.w.notice.show_notice(text)

    def _analysis_failed(self, message: str) -> None:
        self.w.analysis_status.show_failure(message)

    def _analysis_finished(self) -> None:
        if self.sender() is not self._worker:
            return
        self.refresh_analysis()
        self.w.analysis_idle.emit()

    # -- closing
    def close(self) -> None:
        """Stop the analysis and the loader, remember the current photo, close the store."""
        worker, loader = self._worker, self._loader
        self._worker = self._loader = None
        self._analysis_pending = False
        self._delay.stop()
        if worker is not None:
            worker.cancel()
            if not worker.wait(CLOSE_WAIT_MS):
                log.warning("analysis did not stop in time; the store stays open for it")
                self.store = None
        if loader is not None:
            loader.allow_scan()
            loader.wait()
            if loader.store is not None and loader.store is not self.store:
                loader.store.close()
        store, self.store = self.store, None
        if store is not None:
            state, current = self.w.model.state, self.w.current_id()
            try:
                if state is not None and current in state.photos:
                    store.set("ui.current_path", state.photos[current].path)
                store.remove_observer(self._observe)
                store.close()
            except Exception:  # noqa: BLE001 - decisions are already committed
                log.exception("closing the store failed")
        self.w.model.set_state(None)
        self.w.analysis_status.hide()
        self.album_root = None
