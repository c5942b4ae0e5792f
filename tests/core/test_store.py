"""The session store keeps every decision, undo history, and analysis result of an album.

Real SQLite files in a temp album made of real JPEGs; each test states what a user would notice.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchmarks.photo_factory import real_photo, resize, write_jpeg
from culler.core import store_schema
from culler.core.records import Decision, GroupRow, Photo, PhotoMeta
from culler.core.store import UNSET, Store, StoreError
from culler.core.store_files import album_key

T0 = datetime(2024, 5, 4, 10, 0, 0)
NAMES = ("astronaut", "chelsea", "coffee", "rocket", "camera", "coins")


@cache
def small_photo(name: str) -> np.ndarray:
    return resize(real_photo(name), 160, 120)


def make_album(root: Path, count: int = 6) -> Path:
    """Real small JPEGs with capture times, written in reverse so file order != capture order."""
    root.mkdir(parents=True, exist_ok=True)
    for i in reversed(range(count)):
        img = small_photo(NAMES[i % len(NAMES)])
        write_jpeg(root / f"IMG_{i:04d}.JPG", img, captured_at=T0 + timedelta(seconds=2 * i))
    return root


def scan(root: Path, sidecars: dict[str, Decision] | None = None) -> list[Photo]:
    """What the album scanner reports: one Photo per JPEG present on disk."""
    photos = []
    for path in sorted(root.glob("*.JPG")):
        st = path.stat()
        with Image.open(path) as im:
            stamp = im.getexif().get_ifd(0x8769).get(0x9003)  # DateTimeOriginal
        taken = datetime.strptime(stamp, "%Y:%m:%d %H:%M:%S") if stamp else None
        photos.append(Photo(path.name, "jpeg", st.st_size, st.st_mtime_ns,
                            meta=PhotoMeta(captured_at=taken),
                            sidecar_decision=(sidecars or {}).get(path.name)))
    return photos


@pytest.fixture
def album(tmp_path):
    return make_album(tmp_path / "album")


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


def open_synced(album: Path, data_dir: Path, **kw) -> tuple[Store, dict[str, int]]:
    store = Store.open(album, data_dir, **kw)
    photos = store.sync_photos(scan(album))
    return store, {p.path: p.id for p in photos}


def test_decisions_survive_close_and_reopen(album, data_dir):
    store, ids = open_synced(album, data_dir)
    assert store.path == album / ".culler" / "session.sqlite" and store.album_writable
    store.decide([ids["IMG_0000.JPG"]], flag="pick")
    store.decide([ids["IMG_0001.JPG"]], rating=4, label="Red")
    store.decide([ids["IMG_0002.JPG"]], flag="reject")
    store.close()

    store, ids2 = open_synced(album, data_dir)
    assert ids2 == ids
    assert store.decision(ids["IMG_0000.JPG"]) == Decision("pick")
    assert store.decision(ids["IMG_0001.JPG"]) == Decision("none", 4, "Red")
    assert store.decisions()[ids["IMG_0002.JPG"]] == Decision("reject")
    assert store.decisions()[ids["IMG_0003.JPG"]] == Decision()
    store.close()


def test_photos_are_listed_by_capture_time_and_ids_stay_stable_across_rescans(album, data_dir):
    store, ids = open_synced(album, data_dir)
    assert [p.path for p in store.photos()] == [f"IMG_{i:04d}.JPG" for i in range(6)]
    write_jpeg(album / "IMG_0010.JPG", small_photo("moon"),
               captured_at=T0 - timedelta(hours=1))
    rescanned = store.sync_photos(scan(album))
    assert {p.path: p.id for p in rescanned if p.path in ids} == ids
    listed = store.photos()
    assert listed[0].path == "IMG_0010.JPG"  # the earliest capture comes first
    assert listed[1].meta.captured_at == T0 and listed[1].size == (album / "IMG_0000.JPG").stat().st_size
    assert store.photo(ids["IMG_0003.JPG"]).path == "IMG_0003.JPG"
    with pytest.raises(KeyError):
        store.photo(99999)
    store.close()


def test_vanished_photo_keeps_its_decision_and_gets_it_back_when_the_file_returns(album, data_dir):
    store, ids = open_synced(album, data_dir)
    gone = ids["IMG_0004.JPG"]
    store.decide([gone], flag="pick", rating=5)
    kept_bytes = (album / "IMG_0004.JPG").read_bytes()
    (album / "IMG_0004.JPG").unlink()

    store.sync_photos(scan(album))
    assert "IMG_0004.JPG" not in [p.path for p in store.photos()]
    assert gone not in store.decisions()

    (album / "IMG_0004.JPG").write_bytes(kept_bytes)
    back = {p.path: p.id for p in store.sync_photos(scan(album))}
    assert back["IMG_0004.JPG"] == gone
    assert store.decisions()[gone] == Decision("pick", 5)
    store.close()


def test_sidecar_ratings_are_imported_once_and_never_override_a_decision(album, data_dir):
    store = Store.open(album, data_dir)
    sidecars = {"IMG_0000.JPG": Decision("none", 3, "Green"), "IMG_0001.JPG": Decision("reject")}
    ids = {p.path: p.id for p in store.sync_photos(scan(album, sidecars))}
    assert store.decision(ids["IMG_0000.JPG"]) == Decision("none", 3, "Green")
    assert store.decision(ids["IMG_0001.JPG"]) == Decision("reject")
    assert not store.can_undo()  # importing is not an undoable step

    store.decide([ids["IMG_0000.JPG"]], rating=1)
    store.sync_photos(scan(album, {"IMG_0000.JPG": Decision("none", 5)}))
    assert store.decision(ids["IMG_0000.JPG"]) == Decision("none", 1, "Green")
    store.close()


def test_one_decision_on_several_photos_is_one_undo_step_and_changes_only_given_fields(album, data_dir):
    store, ids = open_synced(album, data_dir)
    a, b, c = ids["IMG_0000.JPG"], ids["IMG_0001.JPG"], ids["IMG_0002.JPG"]
    store.decide([a], rating=3, label="Blue")
    changed = store.decide([a, b, c], flag="pick")
    assert sorted(changed) == sorted([a, b, c])
    assert store.decision(a) == Decision("pick", 3, "Blue")  # rating and label untouched
    assert store.undo_description() == "Pick (3 photos)"

    assert store.decide([a, b], flag="pick") == []  # nothing changed: no step
    assert sorted(store.undo()) == sorted([a, b, c])
    assert [store.decision(i).flag for i in (a, b, c)] == ["none"] * 3
    assert store.decision(a) == Decision("none", 3, "Blue")

    store.decide([a], label=UNSET, rating=2)
    assert store.decision(a).label == "Blue"
    store.decide([a], label=None)
    assert store.decision(a) == Decision("none", 2, None)
    store.close()


def test_undo_and_redo_survive_a_restart(album, data_dir):
    store, ids = open_synced(album, data_dir)
    a, b = ids["IMG_0000.JPG"], ids["IMG_0001.JPG"]
    store.decide([a], flag="pick")
    store.decide([b], flag="reject", description="Reject the blurry one")
    store.decide([a], rating=5)
    store.undo()
    store.close()

    store, _ = open_synced(album, data_dir)
    assert store.decision(a) == Decision("pick", 0)
    assert store.can_redo() and store.redo_description() == "Rate 5 stars"
    assert store.undo_description() == "Reject the blurry one"
    assert store.redo() == [a]
    assert store.decision(a) == Decision("pick", 5)
    assert store.undo() == [a] and store.undo() == [b] and store.undo() == [a]
    assert store.undo() == [] and not store.can_undo()
    assert store.decisions()[a] == Decision() and store.decisions()[b] == Decision()
    store.close()


def test_a_new_decision_after_undo_drops_the_redo_steps(album, data_dir):
    store, ids = open_synced(album, data_dir)
    a, b = ids["IMG_0000.JPG"], ids["IMG_0001.JPG"]
    store.decide([a], flag="pick")
    store.decide([a], rating=2)
    store.undo()
    store.undo()
    store.decide([b], flag="reject")
    assert not store.can_redo() and store.redo() == []
    assert store.decision(a) == Decision()
    assert store.undo() == [b] and not store.can_undo()
    store.close()


def test_set_decisions_replaces_whole_decisions_as_one_step(album, data_dir):
    store, ids = open_synced(album, data_dir)
    a, b, c = ids["IMG_0000.JPG"], ids["IMG_0001.JPG"], ids["IMG_0002.JPG"]
    store.decide([c], flag="pick")
    changed = store.set_decisions({a: Decision("pick", 4), b: Decision("reject"), c: Decision("pick")},
                                  "Accept suggestions")
    assert sorted(changed) == sorted([a, b])
    assert store.undo_description() == "Accept suggestions"
    store.undo()
    assert store.decision(a) == Decision() and store.decision(b) == Decision()
    assert store.decision(c) == Decision("pick")
    store.close()


def test_observers_hear_about_every_decision_change(album, data_dir):
    store, ids = open_synced(album, data_dir)
    heard = []
    store.add_observer(lambda changed: 1 / 0)  # a broken view must not stop the others
    store.add_observer(lambda changed: heard.append(sorted(changed)))
    a, b = ids["IMG_0000.JPG"], ids["IMG_0001.JPG"]
    store.decide([a, b], flag="pick")
    store.decide([a], flag="pick")  # no change, no call
    store.set_decisions({b: Decision("reject")}, "x")
    store.undo()
    store.redo()
    assert heard == [sorted([a, b]), [b], [b], [b]]
    store.close()


def test_invalid_decisions_are_refused_without_changing_anything(album, data_dir):
    store, ids = open_synced(album, data_dir)
    a = ids["IMG_0000.JPG"]
    with pytest.raises(ValueError):
        store.decide([a], rating=7)
    with pytest.raises(ValueError):
        store.decide([a], label="Pink")
    with pytest.raises(KeyError):
        store.decide([a, 424242], flag="pick")
    assert store.decision(a) == Decision() and not store.can_undo()
    store.close()


def test_every_decision_goes_to_the_append_only_log(album, data_dir):
    store, ids = open_synced(album, data_dir)
    store.decide([ids["IMG_0000.JPG"], ids["IMG_0001.JPG"]], flag="pick")
    store.undo()
    store.close()
    lines = [json.loads(x) for x in (album / ".culler" / "decisions.log").read_text().splitlines()]
    assert [(e["op"], e["path"], e["flag"]) for e in lines] == [
        ("decide", "IMG_0000.JPG", "pick"), ("decide", "IMG_0001.JPG", "pick"),
        ("undo", "IMG_0000.JPG", "none"), ("undo", "IMG_0001.JPG", "none")]
    assert lines[0]["step"] == lines[3]["step"]


# ------------------------------------------------------------------ read-only albums
def test_read_only_album_keeps_its_session_in_the_data_folder(album, data_dir):
    store, ids = open_synced(album, data_dir, writable_probe=lambda root: False)
    expected = data_dir / "albums" / album_key(album) / "session.sqlite"
    assert store.path == expected and not store.album_writable
    store.decide([ids["IMG_0000.JPG"]], flag="pick")
    store.close()
    assert not (album / ".culler" / "session.sqlite").exists()
    store, _ = open_synced(album, data_dir, writable_probe=lambda root: False)
    assert store.decision(ids["IMG_0000.JPG"]) == Decision("pick")
    store.close()


def test_album_where_the_session_folder_cannot_be_made_falls_back_to_the_data_folder(album, data_dir):
    (album / ".culler").write_text("not a folder")  # mkdir fails for real, even as root
    store, ids = open_synced(album, data_dir)
    assert not store.album_writable and store.path.is_relative_to(data_dir)
    store.close()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root writes through chmod; the injected-probe test covers this case")
def test_chmod_read_only_album_falls_back_to_the_data_folder(album, data_dir):
    album.chmod(0o555)
    try:
        store, _ = open_synced(album, data_dir)
        assert not store.album_writable and store.path.is_relative_to(data_dir)
        store.close()
    finally:
        album.chmod(0o755)


def test_decisions_made_on_a_writable_card_are_kept_when_it_is_opened_read_only(album, data_dir):
    store, ids = open_synced(album, data_dir)
    store.decide([ids["IMG_0002.JPG"]], flag="reject")
    store.close()
    store, _ = open_synced(album, data_dir, writable_probe=lambda root: False)
    assert store.path.is_relative_to(data_dir)
    assert store.decision(ids["IMG_0002.JPG"]) == Decision("reject")
    store.close()


def test_missing_album_folder_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        Store.open(tmp_path / "nowhere", tmp_path / "data")


# ------------------------------------------------------------------ analysis, scores, groups
def test_analysis_results_round_trip_and_a_changed_file_shows_its_old_key(album, data_dir):
    store, ids = open_synced(album, data_dir)
    a, b = ids["IMG_0000.JPG"], ids["IMG_0001.JPG"]
    photo_a = store.photo(a)
    emb = np.random.default_rng(0).normal(size=512).astype(np.float32)
    tiny = np.random.default_rng(1).random((32, 32)).astype(np.float32)
    store.put_analysis(a, (photo_a.size, photo_a.mtime_ns), {"sharpness": 0.8, "eyes_open": None},
                       embeddings={"clip": emb}, tiny=tiny)
    store.put_analysis(b, (1, 2), {}, error="cannot decode IMG_0001.JPG: truncated file")
    store.close()

    store = Store.open(album, data_dir)
    assert store.signals(a) == {"sharpness": 0.8, "eyes_open": None}
    assert store.all_signals() == {a: {"sharpness": 0.8, "eyes_open": None}, b: {}}
    np.testing.assert_array_equal(store.embeddings("clip")[a], emb)
    np.testing.assert_array_equal(store.tiny_images()[a], tiny)
    assert store.analysis_errors() == {b: "cannot decode IMG_0001.JPG: truncated file"}
    assert store.embeddings("other") == {}

    # The photographer edits the file: the scan sees a new key, the store still has the old one.
    write_jpeg(album / "IMG_0000.JPG", small_photo("rocket")[:100], captured_at=T0)
    fresh = {p.id: p for p in store.sync_photos(scan(album))}
    assert store.analysed_keys()[a] == (photo_a.size, photo_a.mtime_ns)
    assert store.analysed_keys()[a] != (fresh[a].size, fresh[a].mtime_ns)

    store.put_analysis(a, (fresh[a].size, fresh[a].mtime_ns), {"sharpness": 0.3})  # replaces all
    assert store.signals(a) == {"sharpness": 0.3}
    assert a not in store.embeddings("clip") and a not in store.tiny_images()
    assert store.analysed_keys()[a] == (fresh[a].size, fresh[a].mtime_ns)
    store.close()


def test_scores_groups_settings_and_review_history_persist(album, data_dir):
    store, ids = open_synced(album, data_dir)
    a, b = ids["IMG_0000.JPG"], ids["IMG_0001.JPG"]
    store.put_scores({a: (0.9, 0.7), b: (None, None)})
    store.put_groups([GroupRow(a, "g1", 2, 1, "pick", ["sharpest of 2"], "burst"),
                      GroupRow(b, "g1", 2, 2, "reject", ["eyes closed (1 of 1 faces)"], "burst")])
    store.set("grouping", {"time_gap_s": 2.5})
    store.add_review_summary({"reviewed": 10, "minutes": 3})
    store.add_review_summary({"reviewed": 4, "minutes": 1})
    store.close()

    store = Store.open(album, data_dir)
    assert store.scores() == {a: (0.9, 0.7), b: (None, None)}
    assert store.groups()[b] == GroupRow(b, "g1", 2, 2, "reject", ["eyes closed (1 of 1 faces)"], "burst")
    assert store.get("grouping") == {"time_gap_s": 2.5} and store.get("nope", 3) == 3
    assert store.review_summaries() == [{"reviewed": 10, "minutes": 3}, {"reviewed": 4, "minutes": 1}]
    store.put_scores({a: (0.5, 0.5)})
    assert store.scores()[a] == (0.5, 0.5) and store.scores()[b] == (None, None)
    store.close()


def test_analysis_writes_from_another_thread_lose_no_decision(album, data_dir):
    store, ids = open_synced(album, data_dir)
    photo_ids = list(ids.values())
    errors = []

    def analyse():
        try:
            for round_ in range(30):
                for pid in photo_ids:
                    store.put_analysis(pid, (round_, pid), {"sharpness": round_ / 30},
                                       embeddings={"clip": np.full(512, round_, np.float32)},
                                       tiny=np.zeros((32, 32), np.float32))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    worker = threading.Thread(target=analyse)
    worker.start()
    expected = {}
    for i in range(150):
        pid = photo_ids[i % len(photo_ids)]
        store.decide([pid], rating=i % 6)
        expected[pid] = i % 6
    worker.join()
    assert errors == []
    assert {pid: store.decision(pid).rating for pid in expected} == expected
    assert set(store.analysed_keys().values()) == {(29, pid) for pid in photo_ids}
    store.close()
    store = Store.open(album, data_dir)
    assert {pid: d.rating for pid, d in store.decisions().items() if pid in expected} == expected
    store.close()


# ------------------------------------------------------------------ schema versions
def test_an_empty_version_0_database_is_brought_to_the_current_schema(album, data_dir):
    import sqlite3

    (album / ".culler").mkdir()
    sqlite3.connect(album / ".culler" / "session.sqlite").close()  # an empty v0 file
    store, ids = open_synced(album, data_dir)
    store.decide([ids["IMG_0000.JPG"]], flag="pick")
    assert store._read("PRAGMA user_version")[0][0] == len(store_schema.MIGRATIONS)
    store.close()


def test_an_older_session_is_migrated_keeping_decisions_and_a_backup(album, data_dir, monkeypatch):
    store, ids = open_synced(album, data_dir)
    store.decide([ids["IMG_0001.JPG"]], flag="pick")
    store.close()

    def add_a_column(conn):
        conn.execute("ALTER TABLE photos ADD COLUMN note TEXT")

    current = len(store_schema.MIGRATIONS)
    monkeypatch.setattr(store_schema, "MIGRATIONS", [*store_schema.MIGRATIONS, add_a_column])
    store, _ = open_synced(album, data_dir)
    assert store._read("PRAGMA user_version")[0][0] == current + 1
    assert store.decision(ids["IMG_0001.JPG"]) == Decision("pick")
    assert (album / ".culler" / f"session.sqlite.v{current}-backup").exists()
    store.close()

    monkeypatch.setattr(store_schema, "MIGRATIONS", store_schema.MIGRATIONS[:current])
    with pytest.raises(StoreError, match="newer culler"):
        Store.open(album, data_dir)


def test_a_long_session_keeps_a_bounded_undo_history(album, data_dir, monkeypatch):
    from culler.core import store as store_module

    monkeypatch.setattr(store_module, "MAX_UNDO_STEPS", 100)
    store, ids = open_synced(album, data_dir)
    a = ids["IMG_0000.JPG"]
    for i in range(500):
        store.decide([a], rating=np.int64(i % 5 + 1))  # numpy ints from a model are accepted
    undone = 0
    while store.undo():
        undone += 1
    assert undone == 100
    assert store.decision(a).rating == 5  # as step 400 left it
    store.close()
