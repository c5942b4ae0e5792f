"""A decision the database refuses (full disk) must not stay in the decision log: rebuilding a
lost database from the log gives back exactly the decisions that were committed, no more."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from culler.core.decision_log import DecisionLog
from culler.core.records import Decision
from culler.core.store import Store
from tests.core.test_store_crash import decisions_by_path, make_album, scan
from tests.tmpfs import small_tmpfs

FULL = "database or disk is full"


def rebuilt_from_log(album: Path, data: Path) -> dict[str, Decision]:
    """Lose the database, reopen: what the log alone brings back (undecided photos left out)."""
    for extra in ("", "-wal", "-shm"):
        (album / ".culler" / f"session.sqlite{extra}").unlink(missing_ok=True)
    store = Store.open(album, data)
    try:
        store.sync_photos(scan(album))
        return {p: d for p, d in decisions_by_path(store).items() if d != Decision()}
    finally:
        store.close()


def decided(store: Store) -> dict[str, Decision]:
    return {p: d for p, d in decisions_by_path(store).items() if d != Decision()}


class CommitsFail:
    """The store's SQLite connection, with COMMIT answering "database or disk is full" while
    `failing` is set (what SQLite says when the WAL cannot grow)."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn
        self.failing = False

    def execute(self, sql, *args):
        if self.failing and sql.strip().upper() == "COMMIT":
            raise sqlite3.OperationalError(FULL)
        return self._conn.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._conn, name)


@pytest.fixture
def album(tmp_path):
    (tmp_path / "album").mkdir()
    return make_album(tmp_path / "album")


def test_decisions_refused_at_commit_are_taken_back_out_of_the_log(album, tmp_path):
    data = tmp_path / "data"
    store = Store.open(album, data)
    ids = {p.path: p.id for p in store.sync_photos(scan(album))}
    store.decide([ids["IMG_0000.JPG"]], flag="pick")
    store.decide([ids["IMG_0001.JPG"]], rating=4)
    store.decide([ids["IMG_0002.JPG"]], label="Red")
    store.undo()  # leaves a redo step to refuse below
    conn = store._conn = CommitsFail(store._conn)
    conn.failing = True
    refused = [
        lambda: store.decide([ids["IMG_0003.JPG"], ids["IMG_0000.JPG"]], flag="reject"),
        lambda: store.set_decisions({ids["IMG_0004.JPG"]: Decision("pick", 5, "Blue")}, "Accept"),
        lambda: store.undo(),
        lambda: store.redo(),
    ]
    for attempt in refused:
        with pytest.raises(sqlite3.OperationalError, match=FULL):
            attempt()
    committed = decided(store)
    assert committed == {"IMG_0000.JPG": Decision("pick"), "IMG_0001.JPG": Decision("none", 4)}
    assert DecisionLog(store.log_path).latest() == committed | {"IMG_0002.JPG": Decision()}
    # space comes back: deciding works again and is logged
    conn.failing = False
    store.decide([ids["IMG_0005.JPG"]], flag="reject")
    committed = decided(store)
    store.close()
    assert rebuilt_from_log(album, data) == committed


def test_a_refused_sidecar_import_is_not_logged_either(album, tmp_path):
    data = tmp_path / "data"
    store = Store.open(album, data)
    store.sync_photos(scan(album))
    store._conn = CommitsFail(store._conn)
    store._conn.failing = True
    photos = scan(album)
    photos[0].sidecar_decision = Decision("none", 5, "Green")
    with pytest.raises(sqlite3.OperationalError, match=FULL):
        store.sync_photos(photos)
    assert DecisionLog(store.log_path).latest() == {}
    store.close()


@pytest.fixture
def small_disk(tmp_path):
    """A real 700 KB tmpfs (skipped where mounting is not allowed; the injected-failure tests
    cover the log there)."""
    with small_tmpfs(tmp_path / "card") as disk:
        yield disk


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    with pytest.raises(OSError), open(filler, "wb") as f:
        while True:
            f.write(b"\0" * 65536)
            f.flush()
    return filler


def test_a_real_full_disk_refusal_leaves_no_trace_in_the_rebuilt_session(small_disk, tmp_path):
    album = small_disk / "DCIM"
    album.mkdir()
    make_album(album, 4)
    data = tmp_path / "data"
    store = Store.open(album, data)
    ids = {p.path: p.id for p in store.sync_photos(scan(album))}
    store.decide([ids["IMG_0000.JPG"]], flag="pick")
    store.decide([ids["IMG_0001.JPG"]], rating=2)
    filler = fill(small_disk)
    for attempt in (lambda: store.decide([ids["IMG_0002.JPG"]], flag="reject"),
                    lambda: store.set_decisions({ids["IMG_0003.JPG"]: Decision("pick", 5)}, "Accept"),
                    lambda: store.undo()):
        with pytest.raises((sqlite3.OperationalError, OSError)):
            attempt()
    committed = decided(store)
    assert committed == {"IMG_0000.JPG": Decision("pick"), "IMG_0001.JPG": Decision("none", 2)}
    assert DecisionLog(store.log_path).latest() == committed
    filler.unlink()
    store.decide([ids["IMG_0003.JPG"]], label="Purple")
    committed = decided(store)
    store.close()
    assert rebuilt_from_log(album, data) == committed
