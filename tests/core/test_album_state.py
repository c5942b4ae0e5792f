"""What the window shows about an album, read from a real Store without Qt (core.album_state):
advice and suggestions still to act on, and a store that fails is never mistaken for no results."""

from __future__ import annotations

import sqlite3

import pytest

from culler.core.album import scan
from culler.core.album_state import AlbumState, displayed_size
from culler.core.records import GroupRow, Photo, PhotoMeta
from culler.core.store import Store, StoreError
from tests.core.test_store import make_album


def test_advice_and_open_suggestions_follow_the_store(tmp_path):
    album = make_album(tmp_path / "album")
    store = Store.open(album, tmp_path / "data")
    try:
        photos = store.sync_photos(scan(album))
        a, b = photos[0].id, photos[1].id
        store.put_scores({a: (0.83, 0.9)})
        store.put_groups([GroupRow(a, "g", 2, 1, "pick", ["sharpest of 2"], "burst"),
                          GroupRow(b, "g", 2, 2, "reject", [], "burst")])
        state = AlbumState(album, store)
        state.set_photos(photos)
        state.refresh_analysis()
        advice = state.advice(a)
        assert (advice.score, advice.rank, advice.suggestion, advice.reasons) == \
            (83, "#1 of 2 in burst", "pick", ["sharpest of 2"])
        assert state.open_suggestion(a) == "pick"
        store.decide([a], flag="pick")
        state.refresh_decisions([a])
        assert state.open_suggestion(a) is None  # followed: no longer advice to show
        assert state.describe([a, b]) == "2 photos"
    finally:
        store.close()


def test_a_failing_store_raises_and_keeps_what_was_read(tmp_path):
    album = make_album(tmp_path / "album")
    store = Store.open(album, tmp_path / "data")
    try:
        photos = store.sync_photos(scan(album))
        store.put_scores({photos[0].id: (0.5, 0.5)})
        state = AlbumState(album, store)
        state.set_photos(photos)
        state.refresh_analysis()
        db = sqlite3.connect(store.path)
        db.execute("DROP TABLE photo_groups")
        db.commit()
        db.close()
        with pytest.raises((sqlite3.Error, StoreError)):  # the store reports damage as a StoreError
            state.refresh_analysis()
        assert state.score(photos[0].id) == 0.5
    finally:
        store.close()


def test_displayed_size_turns_with_the_exif_orientation():
    photo = Photo("a.jpg", "jpeg", meta=PhotoMeta(width=4000, height=3000, orientation=6))
    assert displayed_size(photo) == (3000, 4000)
    assert displayed_size(Photo("b.jpg", "jpeg")) is None


def test_sort_orders_place_photos_without_exif_time_by_their_file_time():
    from datetime import datetime

    def photo(pid, path, when=None, mtime=None):
        return Photo(path, "jpeg", mtime_ns=int(mtime.timestamp() * 1e9) if mtime else 0,
                     meta=PhotoMeta(captured_at=when), id=pid)

    t = datetime(2024, 6, 1, 9, 0, 0)
    photos = [photo(1, "IMG_10.jpg", t.replace(second=5)), photo(2, "IMG_2.jpg", t.replace(second=1)),
              photo(3, "scan.jpg", mtime=t.replace(second=3)), photo(4, "b.jpg")]
    state = AlbumState("/album", store=None)
    state.order, state.photos = [p.id for p in photos], {p.id: p for p in photos}
    assert state.ordered("time") == [4, 2, 3, 1]  # the scan between the shots; no time at all first
    assert state.ordered("name") == [4, 2, 1, 3]  # IMG_2 before IMG_10
    state.scores = {1: (0.4, 1.0), 3: (0.9, 1.0)}
    assert state.ordered("score") == [3, 1, 4, 2]  # best first, not scored last (by name)
    state.scores = {2: (0.99, 1.0)}
    assert state.ordered("score") == [3, 1, 4, 2]  # new scores never reorder by themselves
    assert state.ordered("score", again=True)[0] == 2
