"""Image plumbing between threads: numpy RGB -> QImage (any thread), and a small LRU for the
GUI thread's pixmaps and decoded previews."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import TYPE_CHECKING, Generic, TypeVar

from PySide6.QtGui import QImage

if TYPE_CHECKING:  # numpy is imported where it is used: not needed to open the window
    import numpy as np

V = TypeVar("V")


def qimage_from_rgb(rgb: np.ndarray) -> QImage:
    """An RGB uint8 HxWx3 (or HxW grey) array as a QImage that owns its pixels."""
    import numpy as np

    arr = np.ascontiguousarray(rgb)
    if arr.dtype != np.uint8:
        arr = np.clip(arr, 0, 255).astype(np.uint8)
    if arr.ndim == 2:
        h, w = arr.shape
        return QImage(arr.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    h, w = arr.shape[:2]
    if arr.shape[2] == 4:
        return QImage(arr.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()
    return QImage(arr.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class LRU(Generic[V]):
    """A least-recently-used map with a fixed number of entries."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[Hashable, V] = OrderedDict()

    def get(self, key: Hashable) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: Hashable, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def discard(self, key: Hashable) -> None:
        self._items.pop(key, None)

    def clear(self) -> None:
        self._items.clear()
