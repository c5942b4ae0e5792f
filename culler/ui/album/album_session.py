"""One open album's life in the window: open the store and scan off the GUI thread, put the
photos in the shared model, start the analysis, keep scores and badges current while it runs,
close cleanly.

It touches no widget: it owns the store, the loader and the analysis worker, updates the
PhotoListModel, and says everything else with signals, which the window turns into its title,
status bar, notices and views. Decisions reach the views through the store's observer, bridged
to a Qt signal so the model updates on the GUI thread whoever made the change (a key press,
undo, accepting suggestions).
"""

from __future__ import annotations

import html
import logging
import time
from html import escape
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from culler.core.album_state import AlbumState
from culler.ui.album.album_loader import AlbumLoader
from culler.ui.album.analysis_worker import AnalysisWorker

log = logging.getLogger(__name__)
REFRESH_EVERY_S = 1.0  # how often error badges are re-read while photos are analysed
# The analysis starts once the first screen of thumbnails is painted (its imports and decoding
# would otherwise compete with them for the CPU), or after this long at the latest.
ANALYSIS_DELAY_MS = 4000
CLOSE_WAIT_MS = 20_000  # the analysis stops between photos; a deep-model batch takes a few seconds


class AlbumSession(QObject):
    decisions_changed = Signal(list)  # photo ids (from the store's observer, any thread)
    photos_shown = Signal()  # the album's photos are in the model
    loading = Signal(Path)  # an album is being opened: nothing to show yet
    open_failed = Signal()  # it could not be opened (the message came through `notice`)
    state_ready = Signal(object, object, bool)  # AlbumState, the photo to make current (or None), first time
    message = Signal(str, int)  # a status-bar message and how long to show it (ms)
    notice = Signal(str)  # a banner (HTML) that stays until dismissed
    progress = Signal(object)  # the analysis' ProgressReport
    models_status = Signal(dict)  # model name -> "ok" | "missing" | "failed: …" (at the analysis' start)
    analysis_failed = Signal(str)
    analysis_stopping = Signal()  # cancel asked: it stops after the current photo
    idle = Signal()  # the analysis finished, was cancelled, failed, or will not run
    closed = Signal()  # no album any more

    def __init__(self, ctx, model, current_photo, signals: str = "all", recursive: bool = False,
                 analyse: bool = True, parent=None) -> None:
        """`model`: the shared PhotoListModel; `current_photo()`: the photo the window shows, which
        is remembered when the album closes."""
        super().__init__(parent)
        self.model = model
        self.current_photo = current_photo
        self.ctx = ctx
        self.signals = signals
        self.recursive = recursive
        self.analyse = analyse
        self.store = None
        self.album_root: Path | None = None
        self._loader: AlbumLoader | None = None
        self._worker: AnalysisWorker | None = None
        self._priority: list[str] = []  # photos on screen: the analysis takes them first
        self._last_refresh = 0.0
        self._first_show = True
        self._screen_painted = False
        self._analysis_pending = False
        self.other_writer = lambda: False  # True while another part of the window writes groups (a regroup)
        self.decisions_changed.connect(model.decisions_changed)
        self._delay = QTimer(self, singleShot=True, interval=ANALYSIS_DELAY_MS)
        self._delay.timeout.connect(self._start_pending_analysis)

    # -- opening
    def open(self, root: Path) -> None:
        self.close()
        root = Path(root).absolute()
        if not root.is_dir():
            self.message.emit(f"{root} is not a folder", 8000)
            self.idle.emit()
            return
        self.album_root = root
        self._first_show = True
        self._screen_painted = False
        self.loading.emit(root)
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
            self.notice.emit(" ".join(notices))
        if known:
            self.show_photos(known)

    def _synced(self, photos: list, changed: bool) -> None:
        if self.sender() is not self._loader or self.store is None:
            return
        if changed or self.model.state is None:
            self.show_photos(photos)
        if not self.analyse:
            self.idle.emit()
        elif self._screen_painted or not photos:
            self.start_analysis()
        else:
            self._analysis_pending = True
            self._delay.start()

    def first_screen_painted(self) -> None:
        """The grid painted its first screen of thumbnails: the scan and the analysis may start."""
        self._screen_painted = True
        if self._loader is not None:
            self._loader.allow_scan()
        self._start_pending_analysis()

    def _start_pending_analysis(self) -> None:
        if self._analysis_pending:
            self._analysis_pending = False
            self._delay.stop()
            self.start_analysis()

    def writer_idle(self) -> None:
        """The other writer finished: an analysis that waited for it starts now."""
        self._start_pending_analysis()

    def _failed(self, message: str) -> None:
        if self.sender() is not self._loader:
            return
        self.message.emit(message, 15000)
        self.notice.emit(message)
        if self.model.state is None:
            self.open_failed.emit()
        self.idle.emit()

    def show_photos(self, photos: list) -> None:
        """Show these photos of the open album (after a scan or a rescan), keeping the current one."""
        state = AlbumState(self.album_root, self.store)
        state.set_photos(photos)
        self._read_analysis(state.refresh_analysis)
        first, self._first_show = self._first_show, False
        self.state_ready.emit(state, self._remembered_photo(state) if first else None, first)
        self.photos_shown.emit()

    def _read_analysis(self, read) -> bool:
        """Run `read` (a read of the store's analysis results); say so when the store fails."""
        try:
            read()
            return True
        except Exception as exc:  # shown; the photos and decisions still work
            log.exception("reading the analysis results failed")
            self.notice.emit(f"Could not read the analysis results of this album: {escape(str(exc))}")
            return False

    def _remembered_photo(self, state: AlbumState) -> int | None:
        try:
            path = self.store.get("ui.current_path")
        except Exception:  # a preference, not worth failing for
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
        if self.other_writer():  # one writer at a time: started again by writer_idle()
            self._analysis_pending = True
            self.message.emit("The analysis starts when the regrouping is done", 4000)
            return
        worker = AnalysisWorker(self.album_root, self.store, self.ctx, signals=self.signals,
                                recursive=self.recursive, parent=self)
        worker.progress.connect(self._progress)
        worker.models_status.connect(self._models_status)
        worker.failed.connect(self._analysis_failed)
        worker.finished.connect(self._analysis_finished)
        self._worker = worker
        if self._priority:
            worker.prioritise(self._priority)
        worker.start()

    def analyse_first(self, photo_ids: list[int]) -> None:
        """The running (or next) analysis takes these photos next: what the user is looking at."""
        state = self.model.state
        if state is None:
            return
        self._priority = [state.photos[i].path for i in photo_ids if i in state.photos]
        if self._worker is not None:
            self._worker.prioritise(self._priority)

    def cancel_analysis(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self.analysis_stopping.emit()

    def _progress(self, report) -> None:
        if self.sender() is not self._worker:
            return
        self.progress.emit(report)
        now = time.monotonic()
        state = self.model.state
        if report.stage in ("group", "done", "cancelled"):
            self.refresh_analysis()
        elif now - self._last_refresh > REFRESH_EVERY_S and state is not None:
            self._last_refresh = now
            changed: list[int] = []
            if self._read_analysis(lambda: changed.extend(state.refresh_errors())) and changed:
                self.model.photos_changed(changed)
        if report.stage == "done" and self.store is not None and self.model.state is not None:
            photos = self.store.photos()
            if [p.id for p in photos] != self.model.state.order:  # the folder changed meanwhile
                self.show_photos(photos)

    def refresh_analysis(self) -> None:
        state = self.model.state
        if state is not None and self._read_analysis(state.refresh_analysis):
            self.model.photos_changed(None)

    def _models_status(self, status: dict) -> None:
        if self.signals == "all":
            self.models_status.emit(status)

    def _analysis_failed(self, message: str) -> None:
        self.analysis_failed.emit(message)

    def _analysis_finished(self) -> None:
        if self.sender() is not self._worker:
            return
        self.refresh_analysis()
        self.idle.emit()

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
            state, current = self.model.state, self.current_photo()
            try:
                if state is not None and current in state.photos:
                    store.set("ui.current_path", state.photos[current].path)
                store.remove_observer(self._observe)
                store.close()
            except Exception:  # decisions are already committed
                log.exception("closing the store failed")
        self.model.set_state(None)
        self.album_root = None
        self.closed.emit()
