"""Photo › Move rejects to _rejected… and Photo › Send rejects to trash…: what to do with rejects
once the culling is done. Rejects are never deleted by default, and both actions ask first.

- Move: the rejected photos (with RAW/JPEG companions and sidecars) go into `_rejected/` inside
  the album, keeping their subfolders (culler.core.export.move_rejects_to_folder). They leave the
  album view (scans skip `_rejected`); the move is journalled like an export, so File › Undo last
  export puts every file back and the photos return with their decisions.
- Trash: the files go to the system trash (culler.core.export.trash_rejects, confirmed=True only
  after the user said yes to a warning that culler cannot undo this; the trash can).

Both run on a FileJobWorker (ExportFeatures.run_job) followed by a rescan of the album, so the
window never waits on the disk.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from culler.core.records import Photo


def rejected(window) -> list[Photo]:
    """The album's rejected photos, in album order."""
    state = window.model.state
    if state is None:
        return []
    return [state.photos[i] for i in state.order if state.decision(i).flag == "reject" and i in state.photos]


def file_count(photos: list[Photo], album_root: Path) -> int:
    from culler.core.export_plan import photo_files

    return sum(1 for p in photos for path, _role in photo_files(p, album_root) if path.exists())


def _photos_text(n: int) -> str:
    return f"{n:,} rejected photo{'s' if n != 1 else ''}"


def confirm_move(parent, n_photos: int, n_files: int) -> bool:
    answer = QMessageBox.question(
        parent, "Move rejects to _rejected",
        f"Move {_photos_text(n_photos)} ({n_files:,} files, with RAW/JPEG companions and sidecars) into "
        f"the folder _rejected inside the album?\n\nThey leave the album view. Nothing is deleted; "
        f"File › Undo last export puts them back.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Yes


def confirm_trash(parent, n_photos: int, n_files: int) -> bool:
    answer = QMessageBox.warning(
        parent, "Send rejects to the trash",
        f"Send {_photos_text(n_photos)} ({n_files:,} files: the photos, their RAW/JPEG companions and "
        f"sidecars) to the system trash?\n\nculler cannot undo this: to get them back, restore them from "
        f"the trash. (Move rejects to _rejected… keeps them and can be undone.)",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Yes


class RejectsActions:
    """The two reject actions of one window; `features` is its ExportFeatures (jobs, journals)."""

    def __init__(self, features) -> None:
        self.features = features
        self.w = features.w

    def move_to_folder(self) -> None:
        w, features = self.w, self.features
        photos = rejected(w)
        if not self._check(photos, "move"):
            return
        root = w.album_root()
        if not confirm_move(w, len(photos), file_count(photos, root)):
            return
        ids = [p.id for p in photos]
        journal_dir = features.journal_dir()

        def job(progress, cancel):
            from culler.core.export import move_rejects_to_folder

            return move_rejects_to_folder(root, photos, ids, journal_dir=journal_dir, progress=progress)

        features.run_job(job, "moving rejects to _rejected", self._moved, rescan=True)

    def _moved(self, result) -> None:
        w = self.w
        if not result.ok:
            QMessageBox.critical(w, "Rejects not moved", f"{result.error}\n\nNothing half-done was left "
                                 f"behind: every photo is still in the album.")
            return
        text = f"Moved {result.photos:,} rejected photo{'s' if result.photos != 1 else ''} to _rejected"
        problems = [f"{path}: {why}" for path, why in result.skipped]
        if problems:
            QMessageBox.warning(w, "Some rejects stayed", "These could not be moved:\n" + "\n".join(problems[:20]))
        w.show_message(f"{text} (File › Undo last export puts them back)", 8000)

    def send_to_trash(self) -> None:
        w, features = self.w, self.features
        photos = rejected(w)
        if not self._check(photos, "trash"):
            return
        root = w.album_root()
        if not confirm_trash(w, len(photos), file_count(photos, root)):
            return
        ids = [p.id for p in photos]

        def job(progress, cancel):
            from culler.core.export import trash_rejects

            return trash_rejects(root, photos, ids, confirmed=True)

        features.run_job(job, "sending rejects to the trash", self._trashed, rescan=True)

    def _trashed(self, result) -> None:
        w = self.w
        if result.errors:
            QMessageBox.warning(w, "Some files were not trashed",
                                "\n".join(reason for _path, reason in result.errors[:20]))
        n = len(result.trashed)
        w.show_message(f"Sent {n:,} file{'s' if n != 1 else ''} to the trash", 8000)

    def _check(self, photos: list[Photo], what: str) -> bool:
        w, features = self.w, self.features
        if w.store() is None:
            return False
        if features.busy():
            w.show_message("Wait for the current file operation to finish", 6000)
            return False
        if not photos:
            w.show_message("No rejects to " + ("move" if what == "move" else "send to the trash"), 6000)
            return False
        return True
