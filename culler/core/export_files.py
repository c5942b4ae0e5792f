"""Safe file primitives for exports: copy, move and hard link that never overwrite.

- copy: into a temp file next to the target, fsync, then link/rename into place (never over an
  existing file), modification time kept, size and SHA-256 verified;
- move: a same-disk move is a hard link plus unlink (atomic, never overwrites); across disks it is
  a verified copy, and the source is removed only after the copy's size and SHA-256 match;
- link: a hard link; across disks (or on file systems without links) a copy, with a note saying so;
- a symbolic link (one that stays inside the album: the plan refuses the others) is exported as
  the file it points to; moving it removes the link, whose text the journal keeps for undo.

A copy is written as `part_path(target)`, a name that depends on the target only, so undo and the
next export can find and remove what a killed process left half-written.

Errors come out as SourceProblem (the photo's own file: skip that photo) or DestinationProblem
(the destination cannot take it: stop the export), with messages naming the file.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

from culler.core.decision_log import fsync_folder

CHUNK = 1 << 20
_NO_LINK = {errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS}


class SourceProblem(Exception):
    """A photo's own file cannot be read or removed: skip that photo, go on with the others."""


class DestinationProblem(Exception):
    """The destination cannot take the file: stop and roll back the whole export."""


def default_write(fd: int, data: memoryview) -> int:
    return os.write(fd, data)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def part_path(target: Path) -> Path:
    """Where a copy to `target` is written before it is put in place (hidden, short enough for a
    255-byte file name, and the same for every attempt at that target)."""
    tag = hashlib.sha1(os.fsencode(target.name)).hexdigest()[:8]
    return target.parent / f".{target.name[:40]}.{tag}.culler-part"


def same_content(a: Path, b: Path) -> bool:
    """Whether two paths are one file, or two files with the same bytes."""
    try:
        sa, sb = os.stat(a), os.stat(b)
        if (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino):
            return True
        return sa.st_size == sb.st_size and _sha256(a) == _sha256(b)
    except OSError:
        return False


def dest_message(path: Path, e: OSError) -> str:
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"The destination is full: no space left while writing {path}"
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"The destination cannot be written: {path} ({e.strerror or e})"
    return f"Could not write {path}: {e.strerror or e}"


def _place(tmp: Path, target: Path) -> None:
    """Put tmp at target without ever replacing an existing file."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise DestinationProblem(f"{target} appeared during the export; not overwritten") from None
    except OSError as e:
        if e.errno not in _NO_LINK:
            raise
        if os.path.lexists(target):  # no hard links here (e.g. exFAT): check, then rename
            raise DestinationProblem(f"{target} appeared during the export; not overwritten") from None
        os.rename(tmp, target)
        return
    os.unlink(tmp)


def copy_file(source: Path, target: Path, write=default_write, verify: bool = True) -> tuple[int, str]:
    """Copy via temp file + fsync + no-overwrite placement. Returns (size, sha256)."""
    try:
        # O_NONBLOCK: opening a named pipe for reading would otherwise wait for a writer forever
        src = os.fdopen(os.open(source, os.O_RDONLY | os.O_NONBLOCK), "rb")
        st = os.fstat(src.fileno())
    except OSError as e:
        raise SourceProblem(f"cannot read {source}: {e.strerror or e}") from None
    if not stat.S_ISREG(st.st_mode):
        src.close()
        raise SourceProblem(f"cannot read {source}: not a photo file (a pipe, socket or device)")
    tmp = part_path(target)
    h = hashlib.sha256()
    size = 0
    try:
        with src:
            try:
                if os.path.lexists(tmp):  # left by a killed export to the same target
                    os.unlink(tmp)
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except OSError as e:
                raise DestinationProblem(dest_message(target, e)) from None
            try:
                while True:
                    try:
                        chunk = src.read(CHUNK)
                    except OSError as e:
                        raise SourceProblem(f"cannot read {source}: {e.strerror or e}") from None
                    if not chunk:
                        break
                    h.update(chunk)
                    view = memoryview(chunk)
                    while view:
                        view = view[write(fd, view):]
                    size += len(chunk)
                os.fsync(fd)
            finally:
                os.close(fd)
        os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
        digest = h.hexdigest()
        if verify and (os.path.getsize(tmp) != size or size != st.st_size or _sha256(tmp) != digest):
            raise DestinationProblem(f"the copy of {source} at {target} does not match the original")
        _place(tmp, target)
        fsync_folder(target.parent)
        return size, digest
    except OSError as e:
        raise DestinationProblem(dest_message(target, e)) from None
    finally:
        if os.path.lexists(tmp):
            try:
                os.unlink(tmp)
            except OSError:
                pass


def move_file(source: Path, target: Path, write=default_write) -> None:
    """Move without overwriting: a hard link then unlink on one disk; across disks (or where
    links are impossible) a verified copy, and only then is the source removed."""
    try:
        os.link(source, target)
    except FileExistsError:
        raise DestinationProblem(f"{target} appeared during the export; not overwritten") from None
    except FileNotFoundError:
        if not os.path.lexists(source):
            raise SourceProblem(f"{source} is missing") from None
        raise DestinationProblem(f"The destination folder of {target} is missing") from None
    except OSError as e:
        if e.errno not in _NO_LINK:
            raise DestinationProblem(dest_message(target, e)) from None
        _copy_then_remove(source, target, write, str(source))
        return
    try:
        os.unlink(source)
    except OSError as e:
        os.unlink(target)
        raise SourceProblem(f"cannot move {source}: {e.strerror or e}") from None


def move_symlink(source: Path, target: Path, write=default_write) -> None:
    """Export the file a symbolic link points to as `target`, then remove the link (the journal
    keeps its text and undo puts the same link back: a relative link moved as it is would dangle)."""
    _copy_then_remove(source, target, write, f"the link {source}")


def _copy_then_remove(source: Path, target: Path, write, what: str) -> None:
    """A verified copy, then the source removed; when it cannot be removed, the copy goes again so
    the file stays in one place."""
    copy_file(source, target, write=write, verify=True)
    try:
        os.unlink(source)
    except OSError as e:
        os.unlink(target)
        raise SourceProblem(f"cannot remove {what} after copying it: {e.strerror or e}") from None


def link_file(source: Path, target: Path, write=default_write) -> str | None:
    """Hard link (to the file a symbolic link points to); a copy (with a note) where links are impossible."""
    try:
        os.link(source, target, follow_symlinks=True)
        return None
    except FileExistsError:
        raise DestinationProblem(f"{target} appeared during the export; not overwritten") from None
    except FileNotFoundError:
        raise SourceProblem(f"{source} is missing") from None
    except OSError as e:
        if e.errno not in _NO_LINK:
            raise DestinationProblem(dest_message(target, e)) from None
        copy_file(source, target, write=write)
        why = "across devices" if e.errno == errno.EXDEV else "on this file system"
        return f"{source.name}: a hard link is impossible {why}, so it was copied instead"
