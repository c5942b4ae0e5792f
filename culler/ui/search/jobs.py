"""One worker thread for the slow calls of search and keywords (loading CLIP's text tower takes
5-8 s, encoding a query ~0.1 s, the keyword vocabulary ~10 s the first time), so the window never
waits on them.

`run(kind, fn)` queues `fn` under `kind`; a newer job of the same kind replaces one still queued
(a second query typed meanwhile wins). Jobs run one at a time, in order; `finished(kind, result)`
or `failed(kind, message)` arrive on the GUI thread (queued signals). The thread lives only while
there is work; `wait` lets the window finish it before closing.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class LatestJobs(QObject):
    finished = Signal(str, object)  # kind, what the job returned
    failed = Signal(str, str)  # kind, why (one sentence)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._queued: dict[str, object] = {}
        self._thread: threading.Thread | None = None

    def run(self, kind: str, fn) -> None:
        with self._lock:
            self._queued.pop(kind, None)
            self._queued[kind] = fn  # at the end: jobs run in the order they were last asked for
            if self._thread is None:
                self._thread = threading.Thread(target=self._drain, name="culler-search")
                self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._queued:
                    self._thread = None
                    return
                kind = next(iter(self._queued))
                fn = self._queued.pop(kind)
            try:
                result = fn()
            except Exception as exc:  # noqa: BLE001 - said in the window; the album is unaffected
                log.warning("%s job failed", kind, exc_info=True)
                self.failed.emit(kind, str(exc) or type(exc).__name__)
            else:
                self.finished.emit(kind, result)
