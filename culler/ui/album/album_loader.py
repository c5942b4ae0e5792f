"""Opens an album off the GUI thread: the session store first (the grid shows what it already
knows at once), then a scan of the folder (only when files were added, removed or changed).

On a second visit the scan waits until the window has painted the photos it knows
(`allow_scan`), or SCAN_WAIT_S at most: its thousands of stat calls and Python bookkeeping would
otherwise compete for the interpreter with the first paint, which the user is waiting for."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QThread, Signal

log = logging.getLogger(__name__)
SCAN_WAIT_S = 1.5


class AlbumLoader(QThread):
    opened = Signal(object, list)  # store, photos it already knew (empty on a first visit)
    synced = Signal(list, bool)  # photos after the scan, whether the folder differed from the store
    failed = Signal(str)  # a sentence for the user

    def __init__(self, root: Path, data_dir: Path, recursive: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.root = Path(root)
        self.data_dir = Path(data_dir)
        self.recursive = recursive
        self.store = None
        self._may_scan = threading.Event()

    def allow_scan(self) -> None:
        """The known photos are on screen (or the album is being closed): go on with the scan."""
        self._may_scan.set()

    def run(self) -> None:
        from culler.core.store import Store

        try:
            self.store = Store.open(self.root, self.data_dir)
            known = self.store.photos()
        except Exception as exc:  # shown to the user, the window stays usable
            log.exception("opening %s failed", self.root)
            self.failed.emit(f"Could not open {self.root}: {exc}")
            return
        self.opened.emit(self.store, known)
        if known:
            self._may_scan.wait(SCAN_WAIT_S)
        try:
            from culler.pipeline.scan import refresh_photos

            photos, rescanned = refresh_photos(self.root, self.store, self.recursive)
        except Exception as exc:
            log.exception("scanning %s failed", self.root)
            self.failed.emit(f"Could not read the folder {self.root}: {exc}")
            return
        # A full scan that found only edited sidecars leaves the list as it was (their decisions
        # reach the views through the store's observers): no reason to rebuild the grid.
        self.synced.emit(photos, rescanned and photos != known)
