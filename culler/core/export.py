"""Exporting picks, putting rejects aside, and keeping XMP sidecars in step with decisions.

Plan first (`make_plan`, see export_plan.py), then `execute` (export_exec.py); `undo_export`
reverses a whole export from its journal. Rejects are never deleted by default:
`move_rejects_to_folder` moves them into `_rejected/` inside the album (one undoable journal),
and `trash_rejects` sends them to the system trash only when called with `confirmed=True`.
`sync_sidecars` writes decisions into sidecars next to the originals (the "write sidecars
continuously" setting); it never writes into a photo file itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from culler.core.export_exec import ExportResult, check_space, execute
from culler.core.export_journal import FINISHED, UndoResult, read_journal, undo_export
from culler.core.export_plan import (
    LAYOUTS,
    MODES,
    TEMPLATE_FIELDS,
    XMP_STYLES,
    ExportOptions,
    Operation,
    describe_plan,
    make_plan,
    parse_select,
    select_photos,
)
from culler.core.picks_as import DEFAULT as DEFAULT_PICKS_AS
from culler.core.picks_as import PicksAs
from culler.core.records import Decision, Photo

__all__ = ["FINISHED", "ExportOptions", "Operation", "ExportResult", "UndoResult", "make_plan", "describe_plan",
           "execute", "undo_export", "read_journal", "check_space", "select_photos", "parse_select",
           "move_rejects_to_folder", "trash_rejects", "sync_sidecars", "sidecar_targets",
           "MODES", "LAYOUTS", "XMP_STYLES", "TEMPLATE_FIELDS", "REJECTED_FOLDER"]

REJECTED_FOLDER = "_rejected"


def move_rejects_to_folder(album_root: Path, photos: list[Photo], ids: list[int],
                           journal_dir: Path | None = None, progress=None) -> ExportResult:
    """Move the given photos (with companions and sidecars) into ALBUM/_rejected/, keeping their
    subfolders; never overwrites; `undo_export(result.journal)` puts them back."""
    album_root = Path(album_root)
    options = ExportOptions(dest=album_root / REJECTED_FOLDER, select=list(ids), mode="move",
                            layout="tree", name_template="{name}")
    plan = make_plan(album_root, photos, {}, options)
    if journal_dir is None:
        journal_dir = album_root / ".culler" / "exports"
    return execute(plan, progress=progress, journal_dir=journal_dir, description="move rejects")


@dataclass
class TrashResult:
    trashed: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)


def trash_rejects(album_root: Path, photos: list[Photo], ids: list[int], *, confirmed: bool = False) -> TrashResult:
    """Send the photos' files (primary, companions, sidecars) to the system trash.

    Refuses unless `confirmed=True`: the caller must have asked the user first."""
    if not confirmed:
        raise PermissionError("Moving photos to the trash needs the user's explicit confirmation")
    from send2trash import send2trash

    from culler.core.export_plan import photo_files

    wanted = set(ids)
    result = TrashResult()
    for photo in photos:
        if photo.id not in wanted:
            continue
        for path, _role in photo_files(photo, Path(album_root)):
            if not path.exists():
                continue
            try:
                send2trash(str(path))
                result.trashed.append(str(path))
            except Exception as e:  # send2trash raises its own TrashPermissionError, OSError, ...
                result.errors.append((str(path), f"could not move {path} to the trash: {e}"))
    return result


def sidecar_targets(album_root: Path, photo: Photo, style: str = "adobe") -> list[Path]:
    """Where a photo's sidecars go next to the original: IMG.xmp (adobe) or IMG.CR3.xmp and
    IMG.JPG.xmp, one per image file (darktable); 'both' gives all of them."""
    if style not in XMP_STYLES + ("both",):
        raise ValueError(f"XMP style must be one of {', '.join(XMP_STYLES)} or both, not {style!r}")
    primary = album_root / photo.path
    targets = []
    if style in ("adobe", "both"):
        targets.append(primary.with_name(PurePosixPath(photo.path).stem + ".xmp"))
    if style in ("darktable", "both"):
        for rel in [photo.path] + list(photo.companions):
            f = album_root / rel
            targets.append(f.with_name(f.name + ".xmp"))
    return targets


@dataclass
class SyncResult:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (sidecar, reason)


def sync_sidecars(album_root: Path, photos: list[Photo], decisions: dict[int, Decision],
                  style: str = "adobe", picks_as: PicksAs = DEFAULT_PICKS_AS,
                  keywords: dict[int, tuple[list[str], list[str]]] | None = None) -> SyncResult:
    """Bring sidecars next to the originals in line with the decisions (picks written as
    `picks_as` says) and the accepted keywords (`keywords`: photo id -> (accepted, taken back);
    other apps' keywords are kept).

    Writes where a decision exists or a sidecar already does (so clearing a decision clears the
    sidecar's rating); skips sidecars that already say the same; a file that cannot be written is
    reported and the others go on."""
    from culler.core import xmp

    album_root = Path(album_root)
    result = SyncResult()
    for photo in photos:
        decision = decisions.get(photo.id) or Decision()
        kept, dropped = (keywords or {}).get(photo.id, ([], []))
        for target in sidecar_targets(album_root, photo, style):
            try:
                exists = target.exists()
                if not exists and decision.is_empty() and not kept:
                    result.unchanged += 1
                    continue
                current = xmp.read_sidecar(target, picks_as) if exists else None
                have = set(xmp.read_keywords(target)) if exists and (kept or dropped) else set()
                if (current or Decision()) == picks_as.encode(decision) and exists \
                        and set(kept) <= have and not have & set(dropped):
                    result.unchanged += 1
                    continue
                xmp.write_sidecar(target, decision, picks_as, keywords=kept, drop_keywords=dropped)
                result.written.append(str(target))
            except Exception as e:  # one bad sidecar must not stop the others
                result.errors.append((str(target), f"could not write {target}: {e}"))
    return result
