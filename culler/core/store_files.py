"""Where an album's session database lives, and opening it safely (locked, corrupt, read-only).

The store keeps two files side by side: `session.sqlite` (the database) and `decisions.log`
(an append-only journal of decisions, see decision_log.py). They live in `ALBUM/.culler/` when
the album folder accepts writes, else in `data_dir/albums/<sha256(album path)[:16]>/` so a
read-only memory card still gets a session.

Opening distinguishes two failures: another program holding the database (StoreLockedError,
after waiting `timeout` seconds) and a damaged or unopenable file (CorruptStoreError), which the
store answers by moving the file aside and rebuilding from the decision log.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SESSION_FOLDER = ".culler"
DB_NAME = "session.sqlite"
LOG_NAME = "decisions.log"
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6


class StoreError(Exception):
    """The session store cannot be used; the message says which file and why."""


class StoreLockedError(StoreError):
    """Another program holds the session database and did not let go in time."""

    def __init__(self, path: Path, waited: float):
        super().__init__(
            f"The session file {path} is in use by another program (is culler already open on "
            f"this album?); waited {waited:g} s. Close the other program and try again.")
        self.path = path


class CorruptStoreError(StoreError):
    """The database file is damaged or cannot be opened as a database."""


@dataclass(frozen=True)
class SessionLocation:
    folder: Path
    album_writable: bool  # True when the folder is ALBUM/.culler
    other: Path | None = None  # the album's session in the other place, when there is one
    notices: tuple[str, ...] = ()  # what the user should be told about where the session is

    @property
    def db_path(self) -> Path:
        return self.folder / DB_NAME

    @property
    def log_path(self) -> Path:
        return self.folder / LOG_NAME


def album_key(album_root: Path) -> str:
    """A stable short name for an album folder (its absolute path, hashed)."""
    return hashlib.sha256(str(Path(album_root).resolve()).encode("utf-8")).hexdigest()[:16]


def probe_album_writable(album_root: Path) -> bool:
    """True when culler can create `ALBUM/.culler/` and a file in it (tried for real:
    os.access says yes to root on a read-only mount and no to some network shares that accept writes)."""
    folder = Path(album_root) / SESSION_FOLDER
    try:
        folder.mkdir(exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
        return True
    except OSError:
        return False


def locate_session(album_root: Path, data_dir: Path,
                   writable_probe: Callable[[Path], bool] | None = None) -> SessionLocation:
    """Pick the session folder for an album, creating it.

    When the chosen folder has no session yet but the other place has one (the card was
    read-only last time, or is read-only now), that session is copied over so no decision is
    left behind. When both places hold a session, the other one is returned in `other`: the
    store merges its decisions (newest per photo wins).
    """
    album_root = Path(album_root)
    in_album = album_root / SESSION_FOLDER
    in_data = Path(data_dir) / "albums" / album_key(album_root)
    notices: tuple[str, ...] = ()
    if os.path.lexists(in_album) and not in_album.is_dir():
        notices = (f"{in_album} is a file, not culler's session folder (it was left alone); "
                   f"this album's session is kept in {in_data} instead.",)
    writable = not notices and (writable_probe or probe_album_writable)(album_root)
    chosen, other = (in_album, in_data) if writable else (in_data, in_album)
    try:
        chosen.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"Cannot create the session folder {chosen}: {exc.strerror or exc}") from exc
    if not writable:
        _write_quietly(chosen / "album_path.txt", str(album_root.resolve()) + "\n")
    if not _has_session(chosen) and _has_session(other):
        _adopt(other, chosen)
    return SessionLocation(chosen, writable, other if _has_session(other) else None, notices)


def _has_session(folder: Path) -> bool:
    return (folder / DB_NAME).exists() or (folder / LOG_NAME).exists()


def _adopt(source: Path, target: Path) -> None:
    for name in (DB_NAME, DB_NAME + "-wal", LOG_NAME):
        if (source / name).exists():
            try:
                shutil.copy2(source / name, target / name)
            except OSError:
                pass  # best effort: an unreadable old session must not stop the album opening


def _write_quietly(path: Path, text: str) -> None:
    try:
        if not path.exists():
            path.write_text(text, encoding="utf-8")
    except OSError:
        pass


def is_lock_error(exc: BaseException) -> bool:
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def connect(db_path: Path, timeout: float) -> sqlite3.Connection:
    """Open, configure and check the database; raises StoreLockedError or CorruptStoreError.

    synchronous=FULL in WAL mode: each commit fsyncs the WAL, so a decision survives a power
    cut, not only a killed process (NORMAL would be enough for `kill -9` but could drop the last
    commits on power loss). The cost is one fsync per commit, fine at the rate a person decides
    and for the analysis' one small transaction per photo.
    """
    conn = None
    try:
        conn = sqlite3.connect(str(db_path), timeout=timeout, isolation_level=None,
                               check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {max(0, int(timeout * 1000))}")
        conn.execute("PRAGMA journal_mode = WAL")  # falls back to the rollback journal where WAL is impossible
        conn.execute("PRAGMA synchronous = FULL")
        problems = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
        if problems != ["ok"]:
            raise CorruptStoreError(f"{db_path} is damaged: " + "; ".join(problems[:3]))
        # Make sure we can write now, not at the first decision (another process may hold it).
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return conn
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
        if is_lock_error(exc):
            raise StoreLockedError(db_path, timeout) from exc
        raise CorruptStoreError(f"{db_path} cannot be opened as a database: {exc}") from exc
    except CorruptStoreError:
        if conn is not None:
            conn.close()
        raise


def move_aside(db_path: Path) -> Path:
    """Rename a damaged database (and its WAL/shared-memory files) to `NAME.corrupt-<time>`."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = db_path.with_name(f"{db_path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = db_path.with_name(f"{db_path.name}.corrupt-{stamp}-{n}")
    try:
        os.replace(db_path, target)
        for suffix in ("-wal", "-shm"):
            extra = db_path.with_name(db_path.name + suffix)
            if extra.exists():
                os.replace(extra, target.with_name(target.name + suffix))
    except OSError as exc:
        raise StoreError(f"{db_path} is damaged and cannot be moved aside: {exc.strerror or exc}") from exc
    return target
