"""Loupe images: decoded on the decode pool's priority lane at exactly the size they are shown
(so painting is a 1:1 copy), with a histogram, kept in a small LRU. The current photo comes
first, then its neighbours (next/previous two), so moving on is instant. Full-size images for
the 100 % zoom are decoded on demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSize, Signal
from PySide6.QtGui import QImage

from culler.core.album_state import displayed_size
from culler.core.records import Photo
from culler.ui.base.images import LRU, qimage_from_rgb
from culler.ui.imaging.decode_pool import DecodePool, JobFailed
from culler.ui.imaging.histogram_widget import render_histogram

if TYPE_CHECKING:  # numpy is imported where it is used: not needed to open the window
    import numpy as np

LANE = "preview"
FULL = 0  # the `size` of a full-resolution request


@dataclass
class Preview:
    image: QImage  # RGB32, ready to paint without conversion
    histogram: np.ndarray  # 4 x 64 floats 0-1: R, G, B, luma
    histogram_image: QImage | None = None  # the histogram drawn, ready to copy
    full_size: tuple[int, int] | None = None  # (w, h) of the photo as displayed, when known


def display_size(photo: Photo | None, preview: Preview | None) -> QSize | None:
    """The photo's size as displayed (for zoom geometry): the decoded full size when known, else
    the metadata size with EXIF rotation applied, else the preview's own size; None if no clue."""
    if preview is not None and preview.full_size:
        return QSize(*preview.full_size)
    size = displayed_size(photo)
    if size is None:
        return QSize(preview.image.size()) if preview else None
    return QSize(*size)


def histogram(rgb: np.ndarray, bins: int = 64) -> np.ndarray:
    """R, G, B and luma histograms (bins each), each scaled so its tallest bin is 1."""
    import numpy as np

    step = max(1, int(np.sqrt(rgb.shape[0] * rgb.shape[1] / 250_000)))
    sample = rgb[::step, ::step].reshape(-1, 3)
    luma = (sample @ np.array([0.2126, 0.7152, 0.0722])).astype(np.uint8)
    shift = 8 - int(np.log2(bins))
    rows = [np.bincount(sample[:, c] >> shift, minlength=bins) for c in range(3)]
    rows.append(np.bincount(luma >> shift, minlength=bins))
    hist = np.array(rows, dtype=np.float64)
    # The extreme bins often hold clipped areas; scale by the second-tallest interior bin so the
    # shape stays readable, then cap at 1.
    peak = np.maximum(np.sort(hist[:, 1:-1], axis=1)[:, -2:-1], 1.0)
    return np.minimum(hist / peak, 1.0).astype(np.float32)


def decode_fitted(photo: Photo, album_root: Path, size: QSize) -> Preview:
    """Decode `photo` fitted inside `size` (or at full size when size is empty)."""
    from culler.core.decode import preview

    if size.isEmpty():
        rgb = preview(photo, album_root, None)
        full = (rgb.shape[1], rgb.shape[0])
    else:
        rgb = preview(photo, album_root, max(size.width(), size.height()))
        full = None
        h, w = rgb.shape[:2]
        scale = min(size.width() / w, size.height() / h)
        if scale < 0.999:
            import cv2

            rgb = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))),
                             interpolation=cv2.INTER_AREA)
    image = qimage_from_rgb(rgb).convertToFormat(QImage.Format.Format_RGB32)
    hist = histogram(rgb)
    return Preview(image, hist, histogram_image=None if full else render_histogram(hist), full_size=full)


class Previews(QObject):
    ready = Signal(int)  # photo id whose fitted preview (or full image) just arrived
    failed = Signal(int, str)

    def __init__(self, pool: DecodePool, capacity: int = 9, parent=None) -> None:
        super().__init__(parent)
        self.pool = pool
        self._cache: LRU[Preview] = LRU(capacity)
        self._full: LRU[Preview] = LRU(2)
        self._failures: dict[int, str] = {}
        self._photos: dict[int, Photo] = {}
        self._root = Path(".")
        self._generation = 0
        pool.finished.connect(self._on_finished)

    def set_album(self, root: Path, photos: dict[int, Photo]) -> None:
        self._generation += 1
        self._root, self._photos = Path(root), photos
        self._cache.clear()
        self._full.clear()
        self._failures.clear()
        self.pool.submit(LANE, [])

    def get(self, photo_id: int, size: QSize) -> Preview | None:
        return self._cache.get((photo_id, size.width(), size.height()))

    def full(self, photo_id: int) -> Preview | None:
        return self._full.get(photo_id)

    def failure(self, photo_id: int) -> str | None:
        return self._failures.get(photo_id)

    def want(self, ids: list[int], size: QSize, full_for: int | None = None) -> None:
        """Decode `ids` fitted to `size` (first = current photo), and the full image of
        `full_for` (zoomed in) right after the current one. Supersedes older requests."""
        gen, root = self._generation, self._root
        jobs = []
        for n, pid in enumerate(ids):
            photo = self._photos.get(pid)
            if photo is None or photo.status == "error" or pid in self._failures:
                continue
            if self.get(pid, size) is None:
                jobs.append(((gen, pid, size.width(), size.height()),
                             partial(decode_fitted, photo, root, QSize(size))))
            if n == 0 and full_for == pid and self.full(pid) is None:
                jobs.append(((gen, pid, FULL, FULL), lambda p=photo: decode_fitted(p, root, QSize())))
        self.pool.submit(LANE, jobs)

    def _on_finished(self, lane: str, key, result) -> None:
        if lane != LANE or key[0] != self._generation:
            return
        _gen, photo_id, w, h = key
        if isinstance(result, JobFailed):
            self._failures[photo_id] = result.message
            self.failed.emit(photo_id, result.message)
            return
        if w == FULL:
            self._full.put(photo_id, result)
        else:
            self._cache.put((photo_id, w, h), result)
        self.ready.emit(photo_id)
