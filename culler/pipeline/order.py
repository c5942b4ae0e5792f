"""The order a run analyses its photos in: the ones asked for first (`prioritise`: the window's
photos on screen, then the review order), then the rest in album order."""

from __future__ import annotations

import threading
from collections import deque


class WorkOrder:
    """The photos left to analyse: the ones asked for first (`prioritise`), then the rest in order.
    `prioritise` may be called from any thread while `next` runs in the analysis thread."""

    def __init__(self, photos: list) -> None:
        self._rest = deque(photos)  # the run's own order; photos taken out of turn are skipped
        self._left = {p.path: p for p in photos}
        self._first: deque[str] = deque()
        self._lock = threading.Lock()

    def prioritise(self, paths) -> None:
        with self._lock:
            self._first = deque(p for p in paths if p in self._left)

    def next(self):
        with self._lock:
            while self._first:
                photo = self._left.pop(self._first.popleft(), None)
                if photo is not None:
                    return photo
            while self._rest:
                photo = self._rest.popleft()
                if self._left.pop(photo.path, None) is not None:
                    return photo
            return None
