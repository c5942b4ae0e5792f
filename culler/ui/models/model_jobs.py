"""Downloads and imports of model files on a worker thread, so the window stays live: progress in
bytes, Cancel between chunks (the partial file stays, so the next Download resumes it)."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QThread, Signal

from culler.ui.models import model_rows


class Cancelled(Exception):
    """Raised from the progress callback to stop a download between chunks."""


class ModelJob(QThread):
    progress = Signal(str, object, object)  # model name, bytes done, bytes total (None when unknown)
    finished_one = Signal(str, str)  # model name, "" when installed or the sentence saying why not
    imported = Signal(object)  # {model: outcome} of an import

    def __init__(self, folder: Path, download: list[str] = (), import_from: Path | None = None, parent=None) -> None:
        super().__init__(parent)
        self.folder, self.names, self.import_from = Path(folder), list(download), import_from
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        if self.import_from is not None:
            try:
                outcome = model_rows.import_folder(self.import_from, self.folder)
            except OSError as exc:
                outcome = {"": f"failed: cannot import from {self.import_from}: {exc}"}
            self.imported.emit(outcome)
            return
        for name in self.names:
            if self._cancel.is_set():
                self.finished_one.emit(name, "Cancelled: the part downloaded is kept, Download resumes it.")
                continue
            self.finished_one.emit(name, self._download(name))

    def _download(self, name: str) -> str:
        def progress(done: int, total: int | None) -> None:
            if self._cancel.is_set():
                raise Cancelled
            self.progress.emit(name, done, total)

        try:
            model_rows.download(name, self.folder, progress)
        except Cancelled:
            return "Cancelled: the part downloaded is kept, Download resumes it."
        except model_rows.DownloadError as exc:
            return str(exc)
        except OSError as exc:
            return f"Cannot write to {self.folder}: {exc}"
        return ""
