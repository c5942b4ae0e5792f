"""Everything the window says about the AI models, read through this one module: their purpose in
plain words, size, status from the files on disk, and the download and import that install them.

It is the only place culler.ui reads the model registry (culler.analysis.model_files), so a change
of registry is a change here. No Qt, no torch (the registry reads files on disk only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from culler.analysis import model_files
from culler.analysis.download import DownloadError

__all__ = ["DownloadError", "ModelRow", "model_rows", "download", "import_folder", "scored_by_model"]

# The dialog's headings, in words a photographer uses (the registry's labels name the networks).
TITLES = {"clipiqa": "Quality", "nima": "Aesthetics", "clip": "Similarity"}


@dataclass(frozen=True)
class ModelRow:
    name: str  # the registry's name: clipiqa, nima, clip
    title: str  # "Quality"
    purpose: str  # one line in plain words
    size: str  # "218 MB", "about 605 MB"
    state: str  # "ok" | "missing" | "damaged" | "cannot run"
    detail: str  # why, when not ok
    signals: tuple[str, ...]  # what it measures (signal names, or 'embedding:clip')
    licence: str


def model_rows(folder: Path) -> list[ModelRow]:
    """One row per model, its status read from the files on disk (no network, no torch)."""
    states = model_files.status(Path(folder))
    rows = []
    for name, spec in model_files.MODELS.items():
        title, purpose = TITLES.get(name, spec.label), spec.purpose
        exact = all(f.size is not None for f in spec.files)
        size = "size unknown" if spec.size_mb is None else f"{'' if exact else 'about '}{spec.size_mb:.0f} MB"
        raw = states.get(name, "missing")
        if raw in ("ok", "missing"):
            state, detail = raw, ""
        else:
            detail = raw.removeprefix("failed: ")
            state = "cannot run" if model_files.missing_python_modules(name) else "damaged"
        rows.append(ModelRow(name, title, purpose, size, state, detail, spec.signals, spec.licence))
    return rows


def download(name: str, folder: Path, progress: Callable[[int, int | None], None]) -> None:
    """Download one model's files (resumes a partial file; raises DownloadError with a sentence)."""
    model_files.download(name, Path(folder), progress=progress)


def import_folder(src: Path, folder: Path) -> dict[str, str]:
    """{model: 'imported' | 'already present' | 'not found' | 'failed: …'}; NotADirectoryError/OSError."""
    return model_files.import_dir(Path(src), Path(folder))


def scored_by_model(all_signals: dict[int, dict], rows: list[ModelRow]) -> dict[str, int]:
    """How many photos hold a stored score from each model (from an earlier run, when it is missing now)."""
    counts = {}
    for row in rows:
        names = [s for s in row.signals if not s.startswith("embedding:")]
        counts[row.name] = sum(1 for signals in all_signals.values()
                               if any(signals.get(n) is not None for n in names)) if names else 0
    return counts
