"""The pipeline's first stage: bring the store's photo list up to date with the album folder.

A first visit scans the album (culler.core.album.scan reads every file's EXIF) and stores it.
On later visits a cheap listing (one stat per file, no file opened) is compared with what the
store holds; only when a file was added, removed or changed is the full scan done again. XMP
sidecars count as files here: one edited in Lightroom or darktable after culler read it brings a
full scan, and the store takes its rating and label unless the decision was changed in culler
since (culler.core.store_sidecars has the rule; a clash is reported, culler's decision kept).
"""

from __future__ import annotations

import os
from pathlib import Path

SCAN_WARNINGS_KEY = "scan_warnings"  # store setting: [[path, reason], ...] from the last full scan
SIDECARS_KEY = "sidecar_files"  # store setting: {path: [size, mtime_ns]} of the sidecars it read


def list_album_files(root: Path, recursive: bool) -> tuple[dict[str, tuple[int, int]], dict[str, list[int]]]:
    """(photo files, XMP sidecar files): album-relative posix path -> (size, mtime_ns), by the
    album's own rules (hidden files, `.culler` and `_rejected` folders skipped, symlinked folders
    not followed); sidecars as [size, mtime_ns], the form the store keeps."""
    from culler.core import album

    extensions = tuple(album.IMAGE_EXTENSIONS) + tuple(album.RAW_EXTENSIONS)
    found: dict[str, tuple[int, int]] = {}
    sidecars: dict[str, list[int]] = {}
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
                name = e.name.lower()
                is_sidecar = name.endswith(".xmp")
                if not is_sidecar and not name.endswith(extensions):
                    continue
                st = e.stat()
            except OSError:
                continue
            rel = album.printable_path(Path(e.path).relative_to(root).as_posix())  # as scan lists it
            if is_sidecar:
                sidecars[rel] = [st.st_size, st.st_mtime_ns]
            else:
                found[rel] = (st.st_size, st.st_mtime_ns)
    return found, sidecars


def stored_matches_folder(stored: list, files: dict[str, tuple[int, int]]) -> bool:
    """True when the folder's photo files (`files`, from list_album_files) are exactly the stored
    photos' files, with unchanged primaries."""
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
    # Listed before a full scan reads the sidecars: one edited meanwhile differs next time.
    files, sidecars = list_album_files(Path(root), recursive)
    sidecars_known = store.get(SIDECARS_KEY) == sidecars
    unchanged = bool(stored) and stored_matches_folder(stored, files) and sidecars_known
    if unchanged:
        warnings = store.get(SCAN_WARNINGS_KEY, [])
    else:
        warnings = _full_scan(Path(root), store, recursive)
        if not sidecars_known:
            store.set(SIDECARS_KEY, sidecars)
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
    warnings += [[clash.path, clash.message()] for clash in getattr(store, "sidecar_clashes", [])]
    if store.get(SCAN_WARNINGS_KEY, []) != warnings:
        store.set(SCAN_WARNINGS_KEY, warnings)
    return warnings
