"""The session store under crashes, damage and contention: no decision is ever lost.

A real process is killed with SIGKILL right after deciding; a real database file is overwritten
with garbage; another real process holds the database lock.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from benchmarks.photo_factory import real_photo, resize, write_jpeg
from culler.core.records import Decision, Photo, PhotoMeta
from culler.core.store import Store, StoreLockedError

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2024, 5, 4, 10, 0, 0)


def make_album(root: Path, count: int = 6) -> Path:
    img = resize(real_photo("astronaut"), 96, 64)
    for i in range(count):
        write_jpeg(root / f"IMG_{i:04d}.JPG", np.roll(img, 3 * i, axis=1), captured_at=T0 + timedelta(seconds=i))
    return root


def scan(root: Path) -> list[Photo]:
    return [Photo(p.name, "jpeg", p.stat().st_size, p.stat().st_mtime_ns,
                  meta=PhotoMeta(captured_at=T0 + timedelta(seconds=int(p.stem[4:]))))
            for p in sorted(root.glob("*.JPG"))]


@pytest.fixture
def album(tmp_path):
    (tmp_path / "album").mkdir()
    return make_album(tmp_path / "album")


def decisions_by_path(store: Store) -> dict[str, Decision]:
    paths = {p.id: p.path for p in store.photos()}
    return {paths[i]: d for i, d in store.decisions().items()}


def start_child(body: str, album: Path, data_dir: Path) -> subprocess.Popen:
    """A separate Python process running `body` with `store` open on the album."""
    code = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        from culler.core.records import Photo
        from culler.core.store import Store
        album = Path({str(album)!r})
        store = Store.open(album, Path({str(data_dir)!r}))
        ids = {{p.path: p.id for p in store.sync_photos(
            [Photo(f.name, "jpeg", f.stat().st_size, f.stat().st_mtime_ns) for f in sorted(album.glob("*.JPG"))])}}
    """) + textwrap.dedent(body)
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)


def kill_hard(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL


def test_decisions_survive_a_sigkill_right_after_deciding(album, tmp_path):
    child = start_child("""
        store.decide([ids["IMG_0000.JPG"]], flag="pick")
        store.decide([ids["IMG_0001.JPG"], ids["IMG_0002.JPG"]], flag="reject")
        store.decide([ids["IMG_0003.JPG"]], rating=4, label="Yellow")
        store.decide([ids["IMG_0004.JPG"]], rating=1)
        store.undo()
        print("ok", flush=True)
        time.sleep(60)
    """, album, tmp_path / "data")
    try:
        assert child.stdout.readline().strip() == "ok"
    finally:
        kill_hard(child)

    store = Store.open(album, tmp_path / "data")
    store.sync_photos(scan(album))
    got = decisions_by_path(store)
    assert got["IMG_0000.JPG"] == Decision("pick")
    assert got["IMG_0001.JPG"] == got["IMG_0002.JPG"] == Decision("reject")
    assert got["IMG_0003.JPG"] == Decision("none", 4, "Yellow")
    assert got["IMG_0004.JPG"] == Decision()
    assert store.redo_description() == "Rate 1 star"
    store.close()


def test_a_process_killed_while_deciding_keeps_every_decision_it_reported(album, tmp_path):
    child = start_child("""
        order = sorted(ids.values())
        for i in range(100000):
            store.decide([order[i % len(order)]], rating=(i // len(order)) % 5 + 1)  # always a change
            print(i, flush=True)
    """, album, tmp_path / "data")
    try:
        reported = [int(child.stdout.readline()) for _ in range(40)]
    finally:
        kill_hard(child)
    store = Store.open(album, tmp_path / "data")
    store.sync_photos(scan(album))
    done = 0
    while store.undo():  # every step the child reported is in the undo history
        done += 1
    assert done >= len(reported)
    store.close()


def _overwrite_header(db: Path) -> None:
    with open(db, "r+b") as f:
        f.write(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes())


def _overwrite_pages(db: Path) -> None:
    size = db.stat().st_size
    with open(db, "r+b") as f:
        f.seek(4096)
        f.write(np.random.default_rng(2).integers(0, 256, size - 4096, dtype=np.uint8).tobytes())


def _truncate(db: Path) -> None:
    db.write_bytes(b"")


def _delete(db: Path) -> None:
    db.unlink()


@pytest.mark.parametrize("damage", [_overwrite_header, _overwrite_pages, _truncate, _delete],
                         ids=["garbage-header", "garbage-pages", "truncated", "deleted"])
def test_a_damaged_database_is_set_aside_and_decisions_come_back_from_the_log(album, tmp_path, damage):
    data = tmp_path / "data"
    store = Store.open(album, data)
    ids = {p.path: p.id for p in store.sync_photos(scan(album))}
    store.put_analysis(ids["IMG_0000.JPG"], (1, 1), {"sharpness": 0.5})  # enough pages to damage
    store.decide([ids["IMG_0000.JPG"], ids["IMG_0005.JPG"]], flag="pick")
    store.decide([ids["IMG_0001.JPG"]], flag="reject", rating=2, label="Purple")
    store.decide([ids["IMG_0002.JPG"]], rating=5)
    store.decide([ids["IMG_0005.JPG"]], flag="reject")
    store.undo()
    before = decisions_by_path(store)
    db = store.path
    store.close()
    damage(db)

    store = Store.open(album, data)
    if damage in (_overwrite_header, _overwrite_pages):
        assert store.recovered_from is not None and store.recovered_from.exists()
        assert store.recovered_from.name.startswith("session.sqlite.corrupt-")
    assert store.recovered_decisions == 4
    store.sync_photos(scan(album))
    assert decisions_by_path(store) == before
    # and the recovered session works as before
    store.decide([store.photos()[3].id], flag="pick")
    store.close()
    store = Store.open(album, data)
    store.sync_photos(scan(album))
    assert decisions_by_path(store)["IMG_0003.JPG"] == Decision("pick")
    store.close()


def test_a_log_line_torn_by_a_crash_is_skipped_and_later_lines_stay_readable(album, tmp_path):
    data = tmp_path / "data"
    store = Store.open(album, data)
    ids = {p.path: p.id for p in store.sync_photos(scan(album))}
    store.decide([ids["IMG_0000.JPG"]], flag="pick")
    store.close()
    with open(album / ".culler" / "decisions.log", "ab") as f:
        f.write(b'{"t":1,"op":"decide","step":9,"path":"IMG_00')  # power cut mid-line
    store = Store.open(album, data)
    store.sync_photos(scan(album))
    store.decide([ids["IMG_0001.JPG"]], flag="reject")
    store.close()
    _overwrite_header(album / ".culler" / "session.sqlite")

    store = Store.open(album, data)
    store.sync_photos(scan(album))
    got = decisions_by_path(store)
    assert got["IMG_0000.JPG"] == Decision("pick") and got["IMG_0001.JPG"] == Decision("reject")
    store.close()


def _hold_lock(db: Path, how: str) -> subprocess.Popen:
    code = textwrap.dedent(f"""
        import sqlite3, time
        conn = sqlite3.connect({str(db)!r}, isolation_level=None)
        if {how!r} == "exclusive":
            conn.execute("PRAGMA locking_mode = EXCLUSIVE")
            conn.execute("BEGIN EXCLUSIVE")
        else:
            conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE settings SET value = value")
        print("locked", flush=True)
        time.sleep(60)
    """)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "locked"
    return child


def test_a_database_locked_by_another_program_gives_a_clear_error_quickly(album, tmp_path):
    data = tmp_path / "data"
    store = Store.open(album, data)
    store.decide([store.sync_photos(scan(album))[0].id], flag="pick")
    db = store.path
    store.close()
    holder = _hold_lock(db, "exclusive")
    try:
        started = time.monotonic()
        with pytest.raises(StoreLockedError) as err:
            Store.open(album, data, lock_timeout=0.3)
        assert time.monotonic() - started < 3
        assert str(db) in str(err.value) and err.value.path == db
    finally:
        kill_hard(holder)
    assert not list(db.parent.glob("*.corrupt-*"))  # a locked file is not mistaken for a damaged one
    store = Store.open(album, data)
    store.sync_photos(scan(album))
    assert decisions_by_path(store)["IMG_0000.JPG"] == Decision("pick")
    store.close()


def test_a_write_lock_held_elsewhere_during_a_session_fails_the_decision_clearly(album, tmp_path):
    store = Store.open(album, tmp_path / "data", lock_timeout=0.3)
    pid = store.sync_photos(scan(album))[0].id
    holder = _hold_lock(store.path, "write")
    try:
        with pytest.raises(StoreLockedError):
            store.decide([pid], flag="pick")
    finally:
        kill_hard(holder)
    assert store.decision(pid) == Decision() and not store.can_undo()
    assert store.decide([pid], flag="pick") == [pid]  # works again once the other program is gone
    store.close()
