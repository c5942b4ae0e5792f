"""Decoded images for the views that show several photos at once (compare, survey): each photo
fitted to its own size, plus full-resolution images for a synced 100 % zoom on several photos.

Jobs run on the decode pool's priority lane ("preview"; the loupe is hidden while these views
show, so they never compete) and a new request supersedes the queued ones. Keys start with
"frames" so the loupe's Previews ignores the results.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QObject, QSize, Signal
from PySide6.QtGui import QImage

from culler.ui.base.images import LRU
from culler.ui.imaging.decode_pool import JobFailed
from culler.ui.imaging.previews import decode_fitted

LANE = "preview"
_TAG = "frames"


class FrameImages(QObject):
    ready = Signal(int)  # photo id whose fitted or full image just arrived
    failed = Signal(int, str)

    def __init__(self, pool, capacity: int = 40, parent=None) -> None:
        super().__init__(parent)
        self.pool = pool
        self._fitted: LRU[QImage] = LRU(capacity)
        self._full: LRU[QImage] = LRU(3)
        self._latest: LRU[QImage] = LRU(capacity)
        self._failures: dict[int, str] = {}
        self._photos: dict = {}
        self._root = None
        self._generation = 0
        pool.finished.connect(self._on_finished)

    def use_album(self, state) -> None:
        """Follow the open album (cheap when it is the same one)."""
        if state is None:
            return
        if state.photos is not self._photos or state.root != self._root:
            self._generation += 1
            self._photos, self._root = state.photos, state.root
            self._fitted.clear()
            self._full.clear()
            self._latest.clear()
            self._failures.clear()

    def fitted(self, photo_id: int, size: QSize) -> QImage | None:
        return self._fitted.get((photo_id, size.width(), size.height()))

    def latest(self, photo_id: int) -> QImage | None:
        """The last image decoded for this photo at any size (a placeholder while resizing)."""
        return self._latest.get(photo_id)

    def full(self, photo_id: int) -> QImage | None:
        return self._full.get(photo_id)

    def failure(self, photo_id: int) -> str | None:
        return self._failures.get(photo_id)

    def want(self, fitted: list[tuple[int, QSize]], full: list[int] = ()) -> None:
        """Decode these (most urgent first): each photo fitted to its size, then the full-size
        images in `full`. Everything queued before is dropped."""
        gen, root = self._generation, self._root
        jobs = []
        for pid, size in fitted:
            photo = self._photos.get(pid)
            if photo is None or photo.status == "error" or pid in self._failures or size.isEmpty():
                continue
            if self.fitted(pid, size) is None:
                jobs.append(((_TAG, gen, pid, size.width(), size.height()),
                             partial(decode_fitted, photo, root, QSize(size))))
        for pid in full:
            photo = self._photos.get(pid)
            if photo is None or photo.status == "error" or pid in self._failures:
                continue
            if self.full(pid) is None:
                jobs.append(((_TAG, gen, pid, 0, 0), lambda p=photo: decode_fitted(p, root, QSize())))
        self.pool.submit(LANE, jobs)

    def _on_finished(self, lane: str, key, result) -> None:
        if lane != LANE or not isinstance(key, tuple) or key[0] != _TAG or key[1] != self._generation:
            return
        _tag, _gen, photo_id, w, h = key
        if isinstance(result, JobFailed):
            self._failures[photo_id] = result.message
            self.failed.emit(photo_id, result.message)
            return
        if w == 0:
            self._full.put(photo_id, result.image)
        else:
            self._fitted.put((photo_id, w, h), result.image)
            self._latest.put(photo_id, result.image)
        self.ready.emit(photo_id)
