"""One background thread for the taste profile: refits, imports, resets and learning from folders
run there one after another (they all write the one profile file), never on the GUI thread."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class TasteWorker(QObject):
    finished = Signal(str, object, object)  # job name, its result, the exception it raised or None

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="culler-taste")
        self._pending = 0
        self.finished.connect(self._done)  # first, so `busy()` is current in the other slots

    def submit(self, name: str, job) -> None:
        """Run `job()` after the jobs before it; `finished` says how it ended (on the GUI thread)."""
        try:
            self._pool.submit(self._run, name, job)
        except RuntimeError:  # shut down: the window is closing
            return
        self._pending += 1

    def busy(self) -> bool:
        return self._pending > 0

    def _run(self, name: str, job) -> None:
        result, error = None, None
        try:
            result = job()
        except Exception as exc:  # shown to the user; the profile file is written atomically or not at all
            log.exception("taste job %s failed", name)
            error = exc
        try:
            self.finished.emit(name, result, error)
        except RuntimeError:  # the window closed meanwhile
            pass

    def _done(self, *_args) -> None:
        self._pending -= 1

    def shutdown(self) -> None:
        """Wait for the job under way (a profile being written) and drop the queued ones."""
        self._pool.shutdown(wait=True, cancel_futures=True)
