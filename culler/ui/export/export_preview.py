"""What an export will do, before it does it: the plan (culler.core.export.make_plan) summed up for
the export dialog — photos, files, total size, the first planned operations (source -> target,
relative to the album and the destination), names that were taken and get _1, _2, ..., and the
problems worth knowing first (not enough space, destination inside the album or not writable).

`compute_preview` (plan + summary) is plain Python and easy to test. On a small album the dialog
calls it directly; on a large one (make_plan checks every target on disk: seconds for thousands of
photos on a busy machine) a `PlanWorker` thread runs it, newest request first, so typing in the
dialog never waits on the disk. `PlanPreview` is the widget that shows a summary.
"""

from __future__ import annotations

import html
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from PySide6.QtCore import Qt, QThread, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from culler.core.records import Decision, Photo

MAX_ROWS = 200  # operations listed; the rest are counted
ERROR_COLOUR = "#e0776f"
WARN_COLOUR = "#e0b050"
INFO_COLOUR = "#9a9a9a"


@dataclass
class PlanSummary:
    photos: int = 0
    files: int = 0  # files copied / moved / linked (sidecars that travel along included)
    sidecars: int = 0  # XMP sidecars the export writes
    bytes: int = 0
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (from, to, note), first MAX_ROWS
    more: int = 0  # operations not listed
    renamed: int = 0  # photos whose name was taken and got _1, _2, ...
    example: str = ""  # "IMG_0001.jpg  →  20240601_IMG_0001.jpg"
    errors: list[str] = field(default_factory=list)  # block the export
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def can_export(self) -> bool:
        return self.photos > 0 and not self.errors

    def headline(self, dest: Path | None) -> str:
        if not self.photos:
            return "Nothing to export"
        parts = [f"{self.photos:,} photo{'s' if self.photos != 1 else ''}",
                 f"{self.files:,} file{'s' if self.files != 1 else ''}", size_text(self.bytes)]
        if self.sidecars:
            parts.insert(2, f"will write {self.sidecars:,} sidecar{'s' if self.sidecars != 1 else ''}")
        return "  ·  ".join(parts) + (f"  →  {dest}" if dest else "")


def size_text(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def _rel(path: Path | None, root: Path) -> str:
    if path is None:
        return ""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _inside(path: Path, folder: Path) -> bool:
    real, real_folder = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([real, real_folder]) == real_folder


def _decision_text(d: Decision | None) -> str:
    d = d or Decision()
    parts = [] if d.flag == "none" else [d.flag]
    if d.rating:
        parts.append("★" * d.rating)
    if d.label:
        parts.append(d.label.lower())
    return ", ".join(parts) or "no decision"


def destination_problems(dest: Path, album_root: Path, mode: str) -> tuple[list[str], list[str], list[str]]:
    """(errors, warnings, notes) about the destination folder itself."""
    errors, warnings, notes = [], [], []
    existing = dest
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if dest.exists() and not dest.is_dir():
        errors.append(f"{dest} is a file, not a folder.")
    elif not os.access(existing, os.W_OK | os.X_OK):
        errors.append(f"{existing} cannot be written (no permission): choose another folder.")
    elif not dest.exists():
        notes.append(f"The folder {dest.name} will be created.")
    if _inside(dest, album_root) and os.path.realpath(dest) != os.path.realpath(album_root):
        warnings.append("The destination is inside the album: when subfolders are scanned, the exported "
                        "files show up in the album again.")
    if mode == "move":
        notes.append("Move takes the originals out of the album; File › Undo last export puts them back.")
    elif mode == "link":
        notes.append("Hard links take no extra space and share the originals' data (editing one edits "
                     "both); on another disk they are copied.")
    return errors, warnings, notes


def summarize(plan: list, album_root: Path, dest: Path, photos: dict[int, Photo],
              decisions: dict[int, Decision], template: str, mode: str,
              sizes: dict[Path, int] | None = None) -> PlanSummary:
    """Sum up `plan` (from make_plan). `sizes` caches file sizes between calls."""
    from culler.core.export import check_space
    from culler.core.export_plan import render_stem

    album_root, dest = Path(album_root), Path(dest)
    sizes = {} if sizes is None else sizes
    s = PlanSummary()
    seq = 0
    for op in plan:
        note = ""
        if op.kind == "xmp":
            s.sidecars += 1
            source_text = f"sidecar ({_decision_text(op.decision)})"
        else:
            s.files += 1
            if op.source not in sizes:
                try:
                    sizes[op.source] = os.path.getsize(op.source)
                except OSError:
                    sizes[op.source] = 0
            s.bytes += sizes[op.source]
            source_text = _rel(op.source, album_root)
            if op.role == "primary":
                seq += 1
                photo = photos.get(op.photo_id)
                if photo is not None:
                    try:
                        wanted = render_stem(template, photo, seq, decisions.get(op.photo_id), album_root)
                    except ValueError:
                        wanted = op.target.name
                    name = op.target.name
                    if not (name == wanted or name.startswith(wanted + ".")):
                        s.renamed += 1
                        note = "renamed"
                if not s.example:
                    s.example = f"{op.source.name}  →  {_rel(op.target, dest)}"
        if len(s.rows) < MAX_ROWS:
            s.rows.append((source_text, _rel(op.target, dest), note))
        else:
            s.more += 1
    s.photos = seq
    errors, warnings, notes = destination_problems(dest, album_root, mode)
    s.errors += errors
    if plan and not errors:
        space = check_space(plan)
        if space:
            s.errors.append(space.replace(" Nothing was exported.", " Free some space or choose another disk."))
    if s.renamed:
        s.warnings.append(f"{s.renamed} name{'s were' if s.renamed != 1 else ' was'} already taken: "
                          f"{'those photos get' if s.renamed != 1 else 'that photo gets'} _1, _2, … "
                          f"(nothing is ever overwritten).")
    s.warnings += warnings
    s.notes += notes
    return s


def example_name(template: str, photo: Photo | None, album_root: Path) -> str:
    """'IMG_0001.jpg  →  20240601_IMG_0001.jpg' for a template, without a plan."""
    if photo is None:
        return ""
    from culler.core.export_plan import render_stem

    name = PurePosixPath(photo.path)
    stem = render_stem(template, photo, 1, None, album_root)
    return f"{name.name}  →  {stem}{name.suffix}"


@dataclass
class PlanRequest:
    """Everything one preview needs, snapshotted on the GUI thread."""

    generation: int
    album_root: Path
    photos: list[Photo]
    decisions: dict[int, Decision]
    groups: dict
    options: object  # culler.core.export.ExportOptions
    what: str  # "picks", "photos rated 3+": for "there are no ..."


@dataclass
class PlanOutcome:
    generation: int
    plan: list = field(default_factory=list)
    summary: PlanSummary | None = None
    error: str | None = None  # the options cannot make a plan (make_plan's message)


def compute_preview(req: PlanRequest, sizes: dict[Path, int]) -> PlanOutcome:
    from culler.core.export import make_plan

    refused: list[tuple[str, str]] = []  # photos with a file that leads out of the album
    try:
        plan = make_plan(req.album_root, req.photos, req.decisions, req.options, req.groups, refused=refused)
    except ValueError as exc:
        return PlanOutcome(req.generation, error=str(exc))
    by_id = {p.id: p for p in req.photos}
    summary = summarize(plan, req.album_root, Path(req.options.dest), by_id, req.decisions,
                        req.options.name_template, req.options.mode, sizes)
    summary.warnings += [f"Left out {path}: {reason}" for path, reason in refused]
    if not plan:
        summary.errors.insert(0, f"No photo matches: there are no {req.what}.")
    return PlanOutcome(req.generation, plan, summary)


class PlanQueue:
    """The newest preview request, shared by the dialog and its planning thread (older ones are
    dropped: only what the options say now is worth computing)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: PlanRequest | None = None
        self.active = False
        self.sizes: dict[Path, int] = {}

    def put(self, req: PlanRequest) -> bool:
        """Queue `req`; True when no thread is working on the queue (the caller starts one)."""
        with self.lock:
            self.pending = req
            start, self.active = not self.active, True
            return start

    def take(self) -> PlanRequest | None:
        with self.lock:
            req, self.pending = self.pending, None
            if req is None:
                self.active = False
            return req


class PlanWorker(QThread):
    """Computes queued previews until the queue is empty, then ends."""

    planned = Signal(object)  # PlanOutcome

    def __init__(self, queue: PlanQueue, parent=None) -> None:
        super().__init__(parent)
        self.queue = queue

    def run(self) -> None:
        while (req := self.queue.take()) is not None:
            try:
                outcome = compute_preview(req, self.queue.sizes)
            except Exception as exc:  # shown in the preview, the dialog goes on
                outcome = PlanOutcome(req.generation, error=f"Could not plan the export: {exc}")
            self.planned.emit(outcome)


class PlanPreview(QWidget):
    """Headline, problems, and the first planned operations as a two-column list."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("planPreview")
        self.headline = QLabel(objectName="planHeadline")
        self.headline.setWordWrap(True)
        self.problems = QLabel(objectName="planProblems")
        self.problems.setWordWrap(True)
        self.problems.setTextFormat(Qt.TextFormat.RichText)
        self.ops = QTreeWidget(objectName="planOperations")
        self.ops.setColumnCount(2)
        self.ops.setHeaderLabels(["From the album", "To the destination"])
        self.ops.setRootIsDecorated(False)
        self.ops.setUniformRowHeights(True)
        self.ops.setAlternatingRowColors(True)
        self.ops.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.ops.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.more = QLabel(objectName="planMore")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.headline)
        layout.addWidget(self.problems)
        layout.addWidget(self.ops, 1)
        layout.addWidget(self.more)

    def show_message(self, headline: str, errors: list[str] = (), notes: list[str] = ()) -> None:
        self.show_summary(PlanSummary(errors=list(errors), notes=list(notes)), None, headline)

    def show_summary(self, s: PlanSummary, dest: Path | None, headline: str | None = None) -> None:
        self.headline.setText(headline or s.headline(dest))
        items = ([(ERROR_COLOUR, t) for t in s.errors] + [(WARN_COLOUR, t) for t in s.warnings]
                 + [(INFO_COLOUR, t) for t in s.notes])
        self.problems.setText("<br>".join(f'<span style="color:{c}">{"⚠ " if c != INFO_COLOUR else ""}'
                                          f"{html.escape(t)}</span>" for c, t in items))
        self.problems.setVisible(bool(items))
        self.ops.clear()
        renamed, dim = QColor(WARN_COLOUR), QColor(INFO_COLOUR)
        rows = []
        for source, target, note in s.rows:
            item = QTreeWidgetItem([source, target + (f"   ({note})" if note else "")])
            item.setToolTip(0, source)
            exists = "\n(a file of the planned name exists: nothing is overwritten)"
            item.setToolTip(1, target + (exists if note else ""))
            if note:
                item.setForeground(1, renamed)
            elif source.startswith("sidecar ("):  # written by the export, not a photo file
                item.setForeground(0, dim)
                item.setForeground(1, dim)
            rows.append(item)
        self.ops.addTopLevelItems(rows)
        self.more.setText(f"… and {s.more:,} more" if s.more else "")
        self.more.setVisible(bool(s.more))

    def show_done(self, headline: str) -> None:
        """After the export: what happened replaces what would (the plan's notes no longer hold)."""
        self.headline.setText(headline)
        self.problems.hide()

    def targets(self) -> list[str]:
        """The listed targets (for tests and screen readers)."""
        return [self.ops.topLevelItem(i).toolTip(1).split("\n")[0] for i in range(self.ops.topLevelItemCount())]
