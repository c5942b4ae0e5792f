"""A small pool of decode threads with priority lanes and superseding requests.

Views submit a whole batch per lane ("preview" for the loupe, "thumbs" for the grid); a new batch
replaces whatever of that lane is still queued, so rows scrolled away are never decoded. Workers
always take from the highest-priority lane first. Jobs return numpy arrays, QImages or plain data
(never QPixmap): results come back on the GUI thread through the `finished` signal.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Hashable

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class JobFailed:
    """The result of a job that raised: carries the message for the user."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __repr__(self) -> str:
        return f"JobFailed({self.message!r})"


class DecodePool(QObject):
    # lane, key, result (or JobFailed). Emitted from worker threads, delivered queued on the GUI thread.
    finished = Signal(str, object, object)

    def __init__(self, lanes: tuple[str, ...] = ("preview", "thumbs", "thumbs-refine"), threads: int = 2,
                 parent=None) -> None:
        super().__init__(parent)
        self._lanes = lanes  # in priority order
        self._queues: dict[str, deque] = {lane: deque() for lane in lanes}
        self._running: set[tuple[str, Hashable]] = set()
        self._cond = threading.Condition()
        self._stopped = False
        self._threads = [threading.Thread(target=self._work, name=f"culler-decode-{i}", daemon=True)
                         for i in range(max(1, threads))]
        for t in self._threads:
            t.start()

    def submit(self, lane: str, jobs: list[tuple[Hashable, Callable[[], object]]]) -> None:
        """Replace the queued jobs of `lane` with `jobs` (first = most urgent). Jobs already
        running finish; a key already running is not queued again."""
        with self._cond:
            queue = self._queues[lane]
            queue.clear()
            queue.extend((k, fn) for k, fn in jobs if (lane, k) not in self._running)
            self._cond.notify_all()

    def add(self, lane: str, jobs: list[tuple[Hashable, Callable[[], object]]]) -> None:
        """Queue more jobs behind the current ones of `lane`, skipping keys already queued."""
        with self._cond:
            queue = self._queues[lane]
            queued = {k for k, _ in queue}
            queue.extend((k, fn) for k, fn in jobs if k not in queued and (lane, k) not in self._running)
            self._cond.notify_all()

    def pending(self, lane: str) -> list[Hashable]:
        with self._cond:
            return [k for k, _ in self._queues[lane]]

    def is_idle(self) -> bool:
        with self._cond:
            return not self._running and not any(self._queues.values())

    def shutdown(self, wait: bool = True) -> None:
        with self._cond:
            self._stopped = True
            for q in self._queues.values():
                q.clear()
            self._cond.notify_all()
        if wait:
            for t in self._threads:
                t.join(timeout=5)

    def _next_job(self):
        for lane in self._lanes:
            queue = self._queues[lane]
            if queue:
                key, fn = queue.popleft()
                return lane, key, fn
        return None

    def _work(self) -> None:
        while True:
            with self._cond:
                job = self._next_job()
                while job is None and not self._stopped:
                    self._cond.wait()
                    job = self._next_job()
                if self._stopped:
                    return
                lane, key, fn = job
                self._running.add((lane, key))
            try:
                result = fn()
            except Exception as exc:  # one bad file never stops the pool
                log.debug("decode job %s/%s failed", lane, key, exc_info=True)
                result = JobFailed(str(exc) or exc.__class__.__name__)
            with self._cond:
                self._running.discard((lane, key))
                stopped = self._stopped
            if not stopped:
                try:
                    self.finished.emit(lane, key, result)
                except RuntimeError:  # the pool's QObject was deleted while we decoded
                    return
