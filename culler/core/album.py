"""Scan an album folder into Photo records: what each file is, whether it can be shown, its EXIF.

One pass over the folder; each file is opened once and only its headers are read (a JPEG marker
walk, Pillow's lazy open for other formats, the RAW's own TIFF/CR3/RAF structure; LibRaw only for
a RAW shown through its own preview), so 2,000 JPEGs scan in ~0.3 s CPU warm (benchmarks/decode.py).

Rules:
- A camera RAW and a JPEG (or HEIF) with the same stem in the same folder are one Photo: path =
  the RAW, companions = [the JPEG]; the JPEG is what is shown (Photo.display_path) and what the
  metadata and readability are read from. A damaged RAW in a pair is reported through on_error
  but the Photo stays 'ok' (it can be shown); a lone RAW that LibRaw cannot read is an error.
- Sidecars (.xmp) are not photos; an existing IMG.xmp / IMG.EXT.xmp gives sidecar_decision.
- Hidden files and folders (including `.culler`) are skipped, and so is `_rejected`, the folder
  culler moves rejects into (they leave the album view; undoing the move brings them back).
  Symlinked folders are not followed
  (the pipeline's cheap listing follows the same rule), and every real folder is visited once,
  so neither symlink nor bind-mount loops can trap a scan. A symlinked file that leads out of the
  album is listed as an error and never opened (an unpacked archive must not read /etc/passwd).
- A file that cannot be shown (empty, truncated, damaged, not an image despite its extension,
  a decompression bomb, permission denied) becomes Photo(status='error', error=<reason>); nothing
  about a single file makes `scan` raise. on_error(rel_path, reason) hears every such problem,
  including the ones that do not make an error photo (an unreadable folder or sidecar, a broken
  symlink, which is skipped like the pipeline's listing skips it).
- Order: capture time, then path; photos without a capture time come first (as SQLite sorts NULL).
"""

from __future__ import annotations

import mmap
import os
import re
import stat as stat_mode
import struct
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from culler.core import exif_reader, metadata
from culler.core.metadata import HEIF_EXTENSIONS, IMAGE_EXTENSIONS, RAW_EXTENSIONS
from culler.core.records import Photo, PhotoMeta

__all__ = ["IMAGE_EXTENSIONS", "RAW_EXTENSIONS", "REJECTED_FOLDER", "scan", "read_photo", "skipped_folder"]

JPEG_EXTENSIONS = frozenset({".jpg", ".jpeg", ".jpe"})
COMPANION_EXTENSIONS = JPEG_EXTENSIONS | HEIF_EXTENSIONS  # what a camera writes next to its RAW
PHOTO_EXTENSIONS = IMAGE_EXTENSIONS | RAW_EXTENSIONS
TRUNCATED = "the file is truncated (an interrupted copy or download?)"

_KIND_BY_FORMAT = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "TIFF": "tiff", "WEBP": "webp",
                   "GIF": "gif", "HEIF": "heic"}

OnError = Callable[[str, str], None]
REJECTED_FOLDER = "_rejected"  # where "Move rejects to _rejected" puts them (culler.core.export)


def skipped_folder(name: str) -> bool:
    """Whether a scan (and the pipeline's cheap listing) passes over a folder of this name."""
    return name.startswith(".") or name == REJECTED_FOLDER


def scan(root: Path, recursive: bool = False, on_error: OnError | None = None) -> list[Photo]:
    """Every photo in the album folder (and its subfolders when recursive), sorted by capture time.

    Raises only when the album folder itself cannot be listed.
    """
    root = Path(root)
    report = on_error or (lambda rel, reason: None)
    photos: list[Photo] = []
    for rel_dir, entries in _folders(root, recursive, report):
        photos += _photos_in_folder(root, rel_dir, entries, report)
    photos.sort(key=_order)
    return photos


def read_photo(root: Path, rel: str) -> Photo:
    """One photo (the file at album-relative `rel`), its metadata, RAW companions and sidecar."""
    root = Path(root)
    rel = Path(rel).as_posix()
    rel_dir, _, name = rel.rpartition("/")
    folder = root / rel_dir if rel_dir else root
    try:
        siblings = {e.name: e for e in os.scandir(folder) if not e.name.startswith(".")}
    except OSError:
        siblings = {}
    companions = []
    if os.path.splitext(name)[1].lower() in RAW_EXTENSIONS:
        stem = os.path.splitext(name)[0].lower()
        companions = sorted(n for n in siblings if os.path.splitext(n)[0].lower() == stem
                            and os.path.splitext(n)[1].lower() in COMPANION_EXTENSIONS)
    sidecars = {n.lower(): n for n in siblings if n.lower().endswith(".xmp")}
    problems: list[str] = []
    photo = _make_photo(root, rel_dir, name, companions, sidecars, lambda r, reason: problems.append(reason))
    if photo is None:  # the file is gone
        kind = "raw" if _is_raw(name) else _kind_from_extension(name)
        photo = Photo(path=rel, kind=kind, status="error", error=problems[0] if problems else "the file is missing")
    return photo


# ---- listing -----------------------------------------------------------------------------------

def _folders(root: Path, recursive: bool, report: OnError):
    """(album-relative folder, {name: DirEntry} of its photo and sidecar files) for each folder."""
    pending = [""]
    visited: set[tuple[int, int]] = set()
    while pending:
        rel_dir = pending.pop()
        folder = root / rel_dir if rel_dir else root
        try:
            st = os.stat(folder)
            if (st.st_dev, st.st_ino) in visited:
                continue
            visited.add((st.st_dev, st.st_ino))
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as e:
            if not rel_dir:
                raise
            report(rel_dir, f"cannot open this folder ({metadata.error_reason(e)})")
            continue
        files = {}
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue  # hidden files, .culler, macOS ._ companions
            try:
                if entry.is_dir(follow_symlinks=False):
                    if recursive and not skipped_folder(name):
                        pending.append(f"{rel_dir}/{name}" if rel_dir else name)
                    continue
                if entry.is_symlink() and entry.is_dir():
                    continue  # a symlinked folder: not followed
            except OSError:
                continue
            ext = os.path.splitext(name)[1].lower()
            if ext in PHOTO_EXTENSIONS or ext == ".xmp":
                files[name] = entry
        yield rel_dir, files


def _photos_in_folder(root: Path, rel_dir: str, entries: dict, report: OnError) -> list[Photo]:
    sidecars = {n.lower(): n for n in entries if n.lower().endswith(".xmp")}
    by_stem: dict[str, list[str]] = {}
    for name in sorted(entries):
        stem, ext = os.path.splitext(name)
        if ext.lower() in PHOTO_EXTENSIONS:
            by_stem.setdefault(stem.lower(), []).append(name)
    photos = []
    for names in by_stem.values():
        raws = [n for n in names if os.path.splitext(n)[1].lower() in RAW_EXTENSIONS]
        companions = [n for n in names if os.path.splitext(n)[1].lower() in COMPANION_EXTENSIONS] if raws else []
        for name in names:
            if name in companions:
                continue
            # a second RAW of the same stem (a .CR2 and a .DNG) is a photo of its own
            own = companions if raws and name == raws[0] else []
            photo = _make_photo(root, rel_dir, name, own, sidecars, report)
            if photo is not None:
                photos.append(photo)
    return photos


def _order(photo: Photo):
    t = photo.meta.captured_at
    return (t is not None, t or datetime.min, photo.path)


# ---- one photo ---------------------------------------------------------------------------------

def _make_photo(root: Path, rel_dir: str, name: str, companions: list[str], sidecars: dict,
                report: OnError) -> Photo | None:
    def rel_of(n: str) -> str:
        return f"{rel_dir}/{n}" if rel_dir else n

    rel = rel_of(name)
    path = root / rel
    photo = Photo(path=rel, kind="raw" if _is_raw(name) else _kind_from_extension(name),
                  companions=[rel_of(c) for c in companions])
    try:
        st = os.stat(path)
        photo.size, photo.mtime_ns = st.st_size, st.st_mtime_ns
    except OSError as e:  # a broken symlink, or deleted meanwhile: not a photo of the album
        report(rel, metadata.error_reason(e))
        return None
    if not is_text(rel):
        # Bytes that are not UTF-8 in a name (an old card or archive tool): the session database
        # and the JSON report hold text only, so the photo is listed under an escaped name.
        photo.path = printable_path(rel)
        photo.companions = [printable_path(c) for c in photo.companions]
        photo.status, photo.error = "error", NOT_TEXT
        report(photo.path, NOT_TEXT)
        return photo
    if os.path.islink(path) and not _inside(root, path):
        photo.status, photo.error = "error", (f"a symbolic link to {os.path.realpath(path)}, outside "
                                              "the album: not followed")
        report(rel, photo.error)
        return photo
    if not stat_mode.S_ISREG(st.st_mode):
        # Opening a named pipe blocks until something writes into it; sockets and devices are
        # no photos either. Only regular files (or symlinks to them) are ever opened.
        photo.status, photo.error = "error", f"not a photo file (this is {_file_type(st.st_mode)})"
        report(rel, photo.error)
        return photo
    shown = photo.display_path
    if shown == rel:
        kind, photo.meta, error = inspect_file(path, check_raw=True)
        photo.kind = "raw" if photo.kind == "raw" else kind
    else:
        _kind, photo.meta, error = inspect_file(root / shown)
        if error:
            error = f"its JPEG {Path(shown).name}: {error}"
        raw_meta, raw_error = (PhotoMeta(), "the file is empty (0 bytes)") if photo.size == 0 \
            else metadata.raw_meta(path, use_libraw=False)
        _fill_missing(photo.meta, raw_meta)
        if raw_error:
            report(rel, f"the RAW file: {raw_error} (its JPEG is shown)")
    if error:
        photo.status, photo.error = "error", error
        report(rel, error)
    # read-only (readable, writable by nobody): a camera's "protect"; store_sidecars decides
    photo.meta.protected = bool(st.st_mode & 0o444) and not st.st_mode & 0o222
    photo.sidecar_decision = _sidecar_decision(root, rel_dir, name, sidecars, report)
    return photo


def inspect_file(path: Path, check_raw: bool = True) -> tuple[str, PhotoMeta, str | None]:
    """(kind, metadata, why it cannot be shown or None) for one file, from its headers only."""
    kind = "raw" if _is_raw(path.name) else _kind_from_extension(path.name)
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size == 0:
                return kind, PhotoMeta(), "the file is empty (0 bytes)"
            if kind == "raw":
                meta, error = metadata.raw_meta(path, use_libraw=check_raw)
                return kind, meta, error
            header = exif_reader.jpeg_header(f)  # the quick path for the most common case
            if header is not None:
                metadata.check_pixels((header.width, header.height))
                complete = _jpeg_complete(f, header.scan_offset, size)
                return "jpeg", metadata.meta_from_jpeg(header), None if complete else TRUNCATED
            f.seek(0)
            with metadata.open_image(f) as im:
                kind = _KIND_BY_FORMAT.get(im.format or "", "other")
                meta = metadata.meta_from_image(im)
                return kind, meta, _incomplete(f, im, size)
    except Exception as e:  # noqa: BLE001 - one broken file becomes a reason, never a crash
        return kind, PhotoMeta(), _cut_heif(path) or metadata.error_reason(e)


def _cut_heif(path: Path) -> str | None:
    """libheif refuses a cut-off HEIC outright; say that it is truncated rather than 'not an image'."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if f.read(8)[4:8] != b"ftyp":
                return None
            end = exif_reader.bmff_end(f, size)
    except (OSError, ValueError, struct.error):
        return None
    return TRUNCATED if end is not None and end > size else None


def _fill_missing(meta: PhotoMeta, other: PhotoMeta) -> None:
    for name, value in vars(other).items():
        if getattr(meta, name) is None and value is not None:
            setattr(meta, name, value)


def _sidecar_decision(root: Path, rel_dir: str, name: str, sidecars: dict, report: OnError):
    """The decision in the newest readable sidecar (IMG.xmp or IMG.EXT.xmp), if any."""
    stem = os.path.splitext(name)[0]
    found = [sidecars[c] for c in (f"{stem}.xmp".lower(), f"{name}.xmp".lower()) if c in sidecars]
    if not found:
        return None
    from culler.core import xmp

    best, best_mtime = None, -1
    for sc in found:
        rel = f"{rel_dir}/{sc}" if rel_dir else sc
        path = root / rel
        decision, problem = xmp.read_sidecar_checked(path)
        if problem:
            report(rel, problem)
        if decision is not None:
            try:
                mtime = os.stat(path).st_mtime_ns
            except OSError:
                continue
            if mtime > best_mtime:
                best, best_mtime = decision, mtime
    return best


NOT_TEXT = ("the file name is not valid UTF-8 text (written by an old camera, card reader or archive "
            "tool?): rename the file to include it")


def is_text(rel: str) -> bool:
    """Whether an album-relative path is valid text (no undecodable bytes from the file system)."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _inside(root: Path, path: Path) -> bool:
    real_root = os.path.realpath(root)
    return os.path.commonpath([real_root, os.path.realpath(path)]) == real_root


def on_disk(rel: str) -> str:
    """The file-system name of a path culler lists (printable_path undone: \\xNN back to bytes)."""
    if "\\x" not in rel:
        return rel
    raw = re.sub(rb"\\x([0-9a-f]{2})", lambda m: bytes([int(m.group(1), 16)]), rel.encode("utf-8"))
    return os.fsdecode(raw)


def printable_path(rel: str) -> str:
    """`rel` with bytes that are not UTF-8 shown as \\xNN (the name culler lists such a file under)."""
    return os.fsencode(rel).decode("utf-8", "backslashreplace")


def _file_type(mode: int) -> str:
    if stat_mode.S_ISFIFO(mode):
        return "a named pipe"
    if stat_mode.S_ISSOCK(mode):
        return "a socket"
    if stat_mode.S_ISCHR(mode) or stat_mode.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _is_raw(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in RAW_EXTENSIONS


def _kind_from_extension(name: str) -> str:
    ext = os.path.splitext(name)[1].lower()
    if ext in JPEG_EXTENSIONS:
        return "jpeg"
    if ext in HEIF_EXTENSIONS:
        return "heic"
    return {".png": "png", ".tif": "tiff", ".tiff": "tiff", ".webp": "webp", ".gif": "gif"}.get(ext, "other")


# ---- is the file complete? (cheap checks of the end of the file) --------------------------------

def _incomplete(f, im, size: int) -> str | None:
    """TRUNCATED when the file stops before its image data ends, else None."""
    fmt = im.format
    try:
        if fmt in ("JPEG", "MPO"):
            return None if _jpeg_complete(f, im.tile[0][2] if im.tile else 2, size) else TRUNCATED
        if fmt == "PNG":
            return None if _tail(f, size, 64).find(b"IEND") >= 0 or _find(f, b"IEND", 8) >= 0 else TRUNCATED
        if fmt == "WEBP":
            f.seek(4)
            riff_size = struct.unpack("<I", f.read(4))[0]
            return TRUNCATED if riff_size + 8 > size else None
        if fmt == "TIFF":
            return _tiff_incomplete(im, size)
        if fmt in ("HEIF", "AVIF"):
            return _bmff_incomplete(f, size)
    except (OSError, ValueError, struct.error):
        return TRUNCATED
    return None


def _jpeg_complete(f, scan_start: int, size: int) -> bool:
    tail = _tail(f, size, 64).rstrip(b"\x00\r\n\t ")
    if tail.endswith(b"\xff\xd9"):
        return True
    # Trailing data (a phone's motion-photo video, a maker trailer): look for the end-of-image
    # marker after the start of the scan; inside entropy-coded data 0xFF is always escaped.
    return _find(f, b"\xff\xd9", scan_start) >= 0


def _tiff_incomplete(im, size: int) -> str | None:
    tags = im.tag_v2
    offsets = tags.get(273) or tags.get(324)
    counts = tags.get(279) or tags.get(325)
    if offsets is None or counts is None:
        return None
    offsets = offsets if isinstance(offsets, tuple) else (offsets,)
    counts = counts if isinstance(counts, tuple) else (counts,)
    end = max((o + c for o, c in zip(offsets, counts)), default=0)
    return TRUNCATED if end > size else None


def _bmff_incomplete(f, size: int) -> str | None:
    end = exif_reader.bmff_end(f, size)
    return TRUNCATED if end is not None and end > size else None


def _tail(f, size: int, n: int) -> bytes:
    f.seek(max(0, size - n))
    return f.read(n)


def _find(f, needle: bytes, start: int) -> int:
    with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        return m.find(needle, start)
