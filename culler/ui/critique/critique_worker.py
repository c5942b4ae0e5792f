"""One run of questions to the vision-language model, off the GUI thread.

The worker plans first (hashing the files to find what is cached), says what it would send
(`planned`), then waits for the window's go-ahead (`proceed`) or a cancel before sending
anything; answers are cached in the store by `run_critique` as they come. Cancel is checked
between photos and during every wait; `abort` (the window is closing) also drops the connection,
so a request in flight fails at once instead of running to its timeout.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QThread, Signal


class CritiqueWorker(QThread):
    planned = Signal(object)  # CritiquePlan: what would be sent (nothing sent yet)
    progress = Signal(int, int, str)  # done, total, photo path
    retrying = Signal(str)  # a retry after a 429, a 5xx or a timeout
    done = Signal(object)  # CritiqueReport (None: nothing was sent)
    failed = Signal(str)  # plain words, key removed

    def __init__(self, store, album: Path, config, data_dir: Path, *, photo_ids: list[int] = (),
                 groups: list[list[int]] = (), parent=None) -> None:
        super().__init__(parent)
        self.store, self.album, self.config, self.data_dir = store, Path(album), config, Path(data_dir)
        self.photo_ids, self.groups = list(photo_ids), [list(g) for g in groups]
        self._go = threading.Event()
        self._cancel = threading.Event()
        self._client = None

    def proceed(self) -> None:
        self._go.set()

    def cancel(self) -> None:
        self._cancel.set()
        self._go.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def abort(self) -> None:
        self.cancel()
        client = self._client
        if client is not None:
            client.close()

    def _wait(self, seconds: float) -> bool:
        """Sleep `seconds` (a retry's back-off); False as soon as the user cancels."""
        return not self._cancel.wait(max(0.0, seconds))

    def run(self) -> None:
        from culler.analysis.vlm_client import VlmClient, VlmError, check_reachable
        from culler.analysis.vlm_config import redact
        from culler.analysis.vlm_run import plan_critique, run_critique

        try:
            plan = plan_critique(self.store, self.album, self.config, self.data_dir,
                                 photo_ids=self.photo_ids, groups=self.groups)
            self.planned.emit(plan)
            if not plan.jobs:
                self.done.emit(None)
                return
            self._go.wait()
            if self.cancelled():
                self.done.emit(None)
                return
            self._client = VlmClient(self.config, wait=self._wait, on_retry=self.retrying.emit)
            check_reachable(self.config)
            report = run_critique(self.store, self.album, self.config, self.data_dir, plan, self._client,
                                  progress=self.progress.emit, cancelled=self.cancelled)
            self.done.emit(report)
        except VlmError as e:
            self.failed.emit(redact(str(e), self.config))
        except Exception as e:  # a store or file problem: said, never a crash of the window
            self.failed.emit(redact(f"{type(e).__name__}: {e}", self.config))
