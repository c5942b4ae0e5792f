"""Grid thumbnails: decoded lazily on the decode pool (disk-cached by culler.core.decode), turned
into pixmaps on the GUI thread and kept in an LRU. The grid says which photos it wants, visible
first; that list supersedes the previous one.

A photo missing from the disk cache is first shown from its EXIF-embedded thumbnail when the file
has one (decode.first_thumbnail, ~2 ms instead of tens), then refined in the background on a lower
lane (REFINE_LANE: after every visible thumbnail is up) by the proper reduced decode, which is
cached, so the next launch shows the sharp one at once."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage, QPixmap

from culler.core import thumbcache
from culler.core.records import Photo
from culler.ui.base.images import LRU, qimage_from_rgb
from culler.ui.imaging.decode_pool import DecodePool, JobFailed

LANE = "thumbs"
REFINE_LANE = "thumbs-refine"  # must be among the DecodePool's lanes, after LANE


def _cached_thumbnail(photo: Photo, album_root: Path, cache_dir: Path, size: int) -> QImage | None:
    """The disk-cached thumbnail read straight into a QImage, or None on a miss. Qt's own JPEG
    reader, not PIL + numpy: on a warm start the first screen then needs neither (importing them
    in a decode thread would hold the GIL while the GUI thread is busy painting)."""
    try:
        key = thumbcache.key_for_file(Path(album_root) / photo.display_path, size)
    except OSError:
        return None  # decode.first_thumbnail says what is wrong with the file
    image = QImage(str(thumbcache.entry_path(cache_dir, key)), "JPG")
    return None if image.isNull() else image


def _first_thumbnail(photo: Photo, album_root: Path, cache_dir: Path, size: int) -> tuple[QImage, bool]:
    cached = _cached_thumbnail(photo, album_root, cache_dir, size)
    if cached is not None:
        return cached, True
    from culler.core.decode import first_thumbnail  # numpy, PIL: imported on the first cache miss

    rgb, final = first_thumbnail(photo, album_root, cache_dir, size)
    return qimage_from_rgb(rgb), final


def _decode_thumbnail(photo: Photo, album_root: Path, cache_dir: Path, size: int) -> QImage:
    from culler.core.decode import thumbnail

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
        self.pool.submit(REFINE_LANE, [])

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
            jobs.append(((gen, pid), lambda p=photo: _first_thumbnail(p, root, cache, size)))
        self.pool.submit(LANE, jobs)

    def _refine(self, photo_id: int) -> None:
        """Queue the proper decode of a photo first shown from its embedded thumbnail."""
        photo = self._photos.get(photo_id)
        if photo is None:
            return
        root, cache, size = self._root, self.cache_dir, self.size
        self.pool.add(REFINE_LANE, [((self._generation, photo_id),
                                     lambda: _decode_thumbnail(photo, root, cache, size))])

    def _on_finished(self, lane: str, key, result) -> None:
        if lane not in (LANE, REFINE_LANE) or key[0] != self._generation:
            return
        photo_id = key[1]
        final = True
        if isinstance(result, tuple):
            result, final = result
        if isinstance(result, JobFailed):
            if lane == REFINE_LANE and photo_id in self._pixmaps:
                return  # keep showing the embedded thumbnail; the analysis reports the broken file
            self._failures[photo_id] = result.message
        elif isinstance(result, QImage) and not result.isNull():
            self._pixmaps.put(photo_id, QPixmap.fromImage(result))
            if lane == REFINE_LANE:
                self._scaled.clear()  # drop the blurry scaled copies (keys hold the id, sizes vary)
            elif not final:
                self._refine(photo_id)
        else:
            self._failures[photo_id] = "could not be decoded"
        self.changed.emit([photo_id])
