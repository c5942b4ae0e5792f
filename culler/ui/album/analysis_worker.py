"""Runs the analysis pipeline on its own QThread and reports each Progress as a Qt signal.

The pipeline writes results to the store as they arrive; the window re-reads scores and groups
when told. The thread runs at a lower CPU priority (Linux: a per-thread nice value, inherited by
the decode and torch threads it starts), so the window stays responsive while both cores work.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from PySide6.QtCore import QThread, Signal

log = logging.getLogger(__name__)
NICE = 10


class AnalysisWorker(QThread):
    progress = Signal(object)  # culler.pipeline.progress.Progress
    models_status = Signal(dict)  # model name -> 'ok' | 'missing' | 'failed: reason' (once per run)
    failed = Signal(str)  # the run stopped on an error (a sentence for the user)

    def __init__(self, album_root: Path, store, ctx, signals: str = "all", recursive: bool = False,
                 parent=None) -> None:
        super().__init__(parent)
        self.album_root = Path(album_root)
        self.store = store
        self.ctx = ctx
        self.signals = signals
        self.recursive = recursive
        self.last = None  # the last Progress
        self._pipeline = None
        self._cancel_requested = False
        self._priority: list[str] = []
        self._lock = threading.Lock()

    def cancel(self) -> None:
        with self._lock:
            self._cancel_requested = True
            if self._pipeline is not None:
                self._pipeline.cancel()

    def pause(self) -> None:
        with self._lock:
            if self._pipeline is not None:
                self._pipeline.pause()

    def prioritise(self, paths: list[str]) -> None:
        """Analyse these photos (album-relative paths) next: the ones on screen."""
        with self._lock:
            self._priority = list(paths)
            if self._pipeline is not None:
                self._pipeline.prioritise(self._priority)

    def resume(self) -> None:
        with self._lock:
            if self._pipeline is not None:
                self._pipeline.resume()

    def run(self) -> None:
        _lower_priority()
        try:
            from culler.pipeline import WINDOW_ANALYSIS_THREADS, Pipeline

            pipeline = Pipeline(self.album_root, self.store, self.ctx, signals=self.signals,
                                recursive=self.recursive, threads=WINDOW_ANALYSIS_THREADS)
            with self._lock:
                self._pipeline = pipeline
                if self._priority:
                    pipeline.prioritise(self._priority)
                if self._cancel_requested:
                    pipeline.cancel()
            reported_models = False
            for report in pipeline.run():
                self.last = report
                if not reported_models and pipeline.model_status and report.stage != "scan":
                    reported_models = True
                    self.models_status.emit(dict(pipeline.model_status))
                self.progress.emit(report)
        except Exception as exc:  # the window stays usable without analysis
            log.exception("analysis of %s failed", self.album_root)
            self.failed.emit(f"Analysis stopped: {exc}")


def _lower_priority() -> None:
    """Best effort: nice this thread (Linux threads carry their own nice value)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
    except (AttributeError, OSError):
        pass
