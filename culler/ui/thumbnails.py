"""Grid thumbnails: decoded lazily on the decode pool (disk-cached by culler.core.decode), turned
into pixmaps on the GUI thread and kept in an LRU. The grid says which photos it wants, visible
first; that list supersedes the previous one."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage, QPixmap

from culler.core.records import Photo
from culler.ui.decode_pool import DecodePool, JobFailed
from culler.ui.images import LRU, qimage_from_rgb

LANE = "thumbs"


def _decode_thumbnail(photo: Photo, album_root: Path, cache_dir: Path, size: int) -> QImage:
    from culler.core.decode import thumbnail  # the decode module is the album helper's

    return qimage_from_rgb(thumbnail(photo, album_root, cache_dir, size))


class Thumbnails(QObject):
    changed = Signal(list)  # photo ids whose thumbnail (or failure) just arrived

    def __init__(self, pool: DecodePool, cache_dir: Path, size: int = 256, capacity: int = 1200,
                 parent=None) -> None:
        super().__init__(parent)
        self.pool = pool
        self.cache_dir = Path(cache_dir)
        self.size = size
        self._pixmaps: LRU[QPixmap] = LRU(capacity)
        self._scaled: LRU[QPixmap] = LRU(capacity)
        self._failures: dict[int, str] = {}
        self._photos: dict[int, Photo] = {}
        self._root = Path(".")
        self._generation = 0  # results of a previously open album are dropped
        pool.finished.connect(self._on_finished)

    def set_album(self, root: Path, photos: dict[int, Photo]) -> None:
        self._generation += 1
        self._root = Path(root)
        self._photos = photos
        self._pixmaps.clear()
        self._scaled.clear()
        self._failures.clear()
        self.pool.submit(LANE, [])

    def update_photos(self, photos: dict[int, Photo]) -> None:
        """A rescan found changed files: forget their old thumbnails."""
        for pid, photo in photos.items():
            old = self._photos.get(pid)
            if old is not None and old.cache_key != photo.cache_key:
                self._pixmaps.discard(pid)
                self._scaled.clear()
                self._failures.pop(pid, None)
        self._photos = photos

    def pixmap(self, photo_id: int) -> QPixmap | None:
        return self._pixmaps.get(photo_id)

    def fitted(self, photo_id: int, width: int, height: int) -> QPixmap | None:
        """The thumbnail scaled to exactly width x height, cached so painting is a plain copy
        (smooth scaling at every paint costs more than everything else in a grid cell)."""
        key = (photo_id, width, height)
        scaled = self._scaled.get(key)
        if scaled is None:
            original = self._pixmaps.get(photo_id)
            if original is None:
                return None
            scaled = original.scaled(width, height, Qt.AspectRatioMode.IgnoreAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation)
            self._scaled.put(key, scaled)
        return scaled

    def failure(self, photo_id: int) -> str | None:
        return self._failures.get(photo_id)

    def is_settled(self, photo_id: int) -> bool:
        """Loaded, failed, or never loadable (an unreadable file)."""
        photo = self._photos.get(photo_id)
        return (photo_id in self._pixmaps or photo_id in self._failures
                or photo is None or photo.status == "error")

    def want(self, ids: list[int]) -> None:
        """Decode these (most urgent first); everything else still queued is dropped."""
        gen, root, cache, size = self._generation, self._root, self.cache_dir, self.size
        jobs = []
        for pid in ids:
            if self.is_settled(pid):
                continue
            photo = self._photos[pid]
            jobs.append(((gen, pid), lambda p=photo: _decode_thumbnail(p, root, cache, size)))
        self.pool.submit(LANE, jobs)

    def _on_finished(self, lane: str, key, result) -> None:
        if lane != LANE or key[0] != self._generation:
            return
        photo_id = key[1]
        if isinstance(result, JobFailed):
            self._failures[photo_id] = result.message
        elif isinstance(result, QImage) and not result.isNull():
            self._pixmaps.put(photo_id, QPixmap.fromImage(result))
        else:
            self._failures[photo_id] = "could not be decoded"
        self.changed.emit([photo_id])
