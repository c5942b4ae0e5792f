"""The pipeline's first stage: bring the store's photo list up to date with the album folder.

A first visit scans the album (culler.core.album.scan reads every file's EXIF) and stores it.
On later visits a cheap listing (one stat per file, no file opened) is compared with what the
store holds; only when a file was added, removed or changed is the full scan done again.
"""

from __future__ import annotations

import os
from pathlib import Path

SCAN_WARNINGS_KEY = "scan_warnings"  # store setting: [[path, reason], ...] from the last full scan


def list_image_files(root: Path, recursive: bool) -> dict[str, tuple[int, int]]:
    """Album-relative posix path -> (size, mtime_ns) of every photo file, by the album's own rules
    (hidden files, `.culler` and `_rejected` folders skipped, symlinked folders not followed)."""
    from culler.core import album

    extensions = tuple(album.IMAGE_EXTENSIONS) + tuple(album.RAW_EXTENSIONS)
    found: dict[str, tuple[int, int]] = {}
    pending = [Path(root)]
    while pending:
        folder = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for e in entries:
            if e.name.startswith("."):
                continue
            try:
                if e.is_dir(follow_symlinks=False):
                    if recursive and not album.skipped_folder(e.name):
                        pending.append(Path(e.path))
                    continue
                if e.is_symlink() and e.is_dir():
                    continue  # a symlinked folder: not followed
                if not e.name.lower().endswith(extensions):
                    continue
                st = e.stat()
            except OSError:
                continue
            rel = album.printable_path(Path(e.path).relative_to(root).as_posix())  # as scan lists it
            found[rel] = (st.st_size, st.st_mtime_ns)
    return found


def stored_matches_folder(root: Path, stored: list, recursive: bool) -> bool:
    """True when the folder holds exactly the stored photos' files, with unchanged primaries."""
    files = list_image_files(root, recursive)
    expected: set[str] = set()
    for p in stored:
        expected.add(p.path)
        expected.update(p.companions)
        if files.get(p.path) != (p.size, p.mtime_ns):
            return False
    return expected == set(files)


def refresh_photos(root: Path, store, recursive: bool = False, on_error=None) -> tuple[list, bool]:
    """The album's photos, synced to the store; (photos with ids, whether a full scan ran).

    on_error(path, reason) hears what the last full scan found wrong that no photo's error tells:
    an unreadable or malformed XMP sidecar (its decision was not imported), a folder that cannot
    be opened, a damaged RAW whose JPEG is shown, a broken symlink. Photos listed with status
    'error' are left out (their reason is in the photo list). The warnings are kept in the store,
    so a run that finds the folder unchanged (the window's loader scanned it a moment before the
    analysis started) still reports them.
    """
    stored = store.photos()
    unchanged = bool(stored) and stored_matches_folder(root, stored, recursive)
    warnings = store.get(SCAN_WARNINGS_KEY, []) if unchanged else _full_scan(Path(root), store, recursive)
    if on_error is not None:
        for path, reason in warnings:
            on_error(path, reason)
    return (stored, False) if unchanged else (store.photos(), True)


def _full_scan(root: Path, store, recursive: bool) -> list[list[str]]:
    from culler.core import album

    reports: list[tuple[str, str]] = []
    photos = album.scan(root, recursive=recursive, on_error=lambda path, reason: reports.append((path, reason)))
    store.sync_photos(photos)
    told = {(p.path, p.error) for p in photos if p.status == "error"}
    warnings = [[path, reason] for path, reason in dict.fromkeys(reports) if (path, reason) not in told]
    if store.get(SCAN_WARNINGS_KEY, []) != warnings:
        store.set(SCAN_WARNINGS_KEY, warnings)
    return warnings
