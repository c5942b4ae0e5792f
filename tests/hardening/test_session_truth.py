"""The decision log is the ground truth at every open (issue 17, cases 1, 2, 6 and 13):
a database behind its log (copied without its WAL, a damaged or cut WAL) gets the missing
decisions back; the album's two sessions (album folder, data folder) are merged, newest per
photo; a row that cannot be read back is damage, repaired from the log, never a traceback."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from culler.core.records import Decision
from culler.core.store import Store
from tests.core.test_store_crash import decisions_by_path, make_album, scan
from tests.hardening.conftest import run_culler


@pytest.fixture
def album(tmp_path):
    (tmp_path / "album").mkdir()
    return make_album(tmp_path / "album", 15)


def _open(album: Path, data: Path, writable: bool = True) -> Store:
    store = Store.open(album, data, writable_probe=lambda _root: writable)
    store.sync_photos(scan(album))
    return store


def _picks(store: Store) -> set[str]:
    return {p for p, d in decisions_by_path(store).items() if d.flag == "pick"}


def test_decisions_made_while_the_card_was_read_only_are_merged_back(album, tmp_path):
    data = tmp_path / "data"
    with _open(album, data, writable=True) as store:
        ids = sorted(p.id for p in store.photos())
        for pid in ids[:5]:
            store.decide([pid], flag="pick")
    with _open(album, data, writable=False) as store:  # the card is write-protected
        assert store.path.parent != album / ".culler"
        ids = sorted(p.id for p in store.photos())
        for pid in ids[5:10]:
            store.decide([pid], flag="pick")
        store.decide([ids[0]], flag="reject")  # newer than the album session's pick
    with _open(album, data, writable=True) as store:  # writable again: the album session is chosen
        assert store.path.parent == album / ".culler"
        assert _picks(store) == {f"IMG_{i:04d}.JPG" for i in range(1, 10)}
        assert decisions_by_path(store)["IMG_0000.JPG"].flag == "reject"
        assert any("merged" in n and "6 decision(s)" in n for n in store.notices), store.notices
    with _open(album, data, writable=True) as store:  # merged once: nothing to say the second time
        assert len(_picks(store)) == 9
        assert not store.notices


def _session_with_wal(album: Path, data: Path):
    """5 decisions checkpointed into the database file, 10 more only in its WAL (store left open)."""
    with _open(album, data) as store:
        ids = sorted(p.id for p in store.photos())
        for pid in ids[:5]:
            store.decide([pid], flag="reject")
    store = _open(album, data)
    for pid in ids[5:]:
        store.decide([pid], flag="reject")
    return store


def _without_wal(session: Path) -> None:
    (session / "session.sqlite-wal").unlink()


def _wal_cut_to_a_third(session: Path) -> None:
    wal = session / "session.sqlite-wal"
    wal.write_bytes(wal.read_bytes()[:wal.stat().st_size // 3])


def _wal_bytes_flipped(session: Path) -> None:
    wal = session / "session.sqlite-wal"
    data = bytearray(wal.read_bytes())
    at = len(data) // 4
    data[at:at + 16] = bytes(b ^ 0xFF for b in data[at:at + 16])
    wal.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_without_wal, _wal_cut_to_a_third, _wal_bytes_flipped])
def test_a_database_behind_its_log_gets_every_logged_decision_back(album, tmp_path, damage):
    store = _session_with_wal(album, tmp_path / "data")
    copy = tmp_path / "copy"
    try:  # a copy of the album made while culler had it open (the WAL not yet checkpointed)
        shutil.copytree(album, copy)
    finally:
        store.close()
    (copy / ".culler" / "session.sqlite-shm").unlink(missing_ok=True)
    damage(copy / ".culler")
    with _open(copy, tmp_path / "data2") as reopened:
        got = decisions_by_path(reopened)
        assert sum(d.flag == "reject" for d in got.values()) == 15
        assert reopened.recovered_decisions >= 1
        assert any("restored from the decision log" in n for n in reopened.notices), reopened.notices
    with _open(copy, tmp_path / "data2") as again:  # now in the database: nothing restored twice
        assert again.recovered_decisions == 0 and not again.notices


def _flip_in_file(db: Path, old: bytes, new: bytes) -> None:
    data = db.read_bytes()
    assert old in data
    db.write_bytes(data.replace(old, new))


def test_a_decision_row_that_does_not_decode_is_repaired_from_the_log(album, tmp_path):
    data = tmp_path / "data"
    with _open(album, data) as store:
        ids = sorted(p.id for p in store.photos())
        store.decide(ids[:10], flag="reject")
        store.decide(ids[10:12], flag="pick", rating=4)
    _flip_in_file(album / ".culler" / "session.sqlite", b"reject", b"rejecx")  # one byte per row
    with _open(album, data) as store:
        got = decisions_by_path(store)
        assert store.recovered_from is not None and store.recovered_from.exists()
    assert sum(d.flag == "reject" for d in got.values()) == 10
    assert got["IMG_0010.JPG"] == Decision("pick", 4)
    for args in (["export", str(album), "--to", str(tmp_path / "out"), "--select", "all", "--dry-run"],):
        r = run_culler(*args, env_extra={"XDG_DATA_HOME": str(tmp_path / "xdg")})
        assert "Traceback" not in r.stderr and r.returncode == 0, r.stderr


def test_an_undecodable_signals_column_is_damage_not_a_traceback(album, tmp_path):
    data = tmp_path / "data"
    with _open(album, data) as store:
        photos = sorted(store.photos(), key=lambda p: p.path)
        store.put_analysis(photos[0].id, (photos[0].size, photos[0].mtime_ns), {"sharpness": 0.5})
        store.decide([p.id for p in photos[:3]], flag="pick")
    conn = sqlite3.connect(album / ".culler" / "session.sqlite")
    conn.execute("UPDATE analysis SET signals = CAST(X'7B22FF22FE3A' AS TEXT)")  # not UTF-8
    conn.commit()
    conn.close()
    r = run_culler("analyze", str(album), "--signals", "technical", "--json", "-",
                   env_extra={"XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert "Traceback" not in r.stderr and r.returncode == 0, r.stderr
    assert "set aside" in r.stderr
    report = json.loads(r.stdout)
    assert sum(p["decision"]["flag"] == "pick" for p in report["photos"]) == 3  # restored from the log


def test_a_file_named_dot_culler_is_reported_and_the_session_kept_elsewhere(album, tmp_path):
    (album / ".culler").write_text("not a folder")
    with _open(album, tmp_path / "data") as store:
        store.decide([store.photos()[0].id], flag="pick")
        assert any(".culler is a file" in n for n in store.notices), store.notices
        assert store.path.is_relative_to(tmp_path / "data")
    assert (album / ".culler").read_text() == "not a folder"


def test_odd_but_valid_values_are_not_taken_for_damage(album, tmp_path):
    from datetime import datetime

    from culler.core.records import Photo, PhotoMeta

    data = tmp_path / "data"
    with Store.open(album, data) as store:
        store.sync_photos([Photo("IMG_0000.JPG", "jpeg", 1, 1,
                                 meta=PhotoMeta(captured_at=datetime(9999, 12, 31, 23, 59, 59, 999999)))])
        store.add_review_summary({"kept_in_tail": float("nan")})  # json writes NaN; SQLite's JSON refuses it
        store.decide([store.photos()[0].id], flag="pick")
    with Store.open(album, data) as store:
        assert store.recovered_from is None and not store.notices
        assert decisions_by_path(store)["IMG_0000.JPG"].flag == "pick"
