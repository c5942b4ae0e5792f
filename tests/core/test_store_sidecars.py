"""XMP sidecars edited in another program after culler read them: reopening the album takes the
new rating/label when the decision was left alone in culler, and keeps culler's decision (with a
warning naming the photo) when it was changed here too. Real files, real sidecars, real store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from culler.core import xmp
from culler.core.decision_log import DecisionLog
from culler.core.records import Decision
from culler.core.store import Store
from culler.pipeline.scan import refresh_photos
from tests.core.test_store import make_album


def edit_sidecar_elsewhere(path: Path, decision: Decision) -> None:
    """What Lightroom or darktable does: rewrite the sidecar (a later mtime, as a later save has)."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    xmp.write_sidecar(path, decision)
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


@pytest.fixture
def album(tmp_path):
    root = make_album(tmp_path / "album", count=4)
    edit_sidecar_elsewhere(root / "IMG_0000.xmp", Decision("none", 2))
    edit_sidecar_elsewhere(root / "IMG_0001.JPG.xmp", Decision("none", 1, "Red"))  # darktable style
    return root


def reopen(album: Path, data: Path) -> tuple[dict[str, Decision], list[tuple[str, str]], bool, list]:
    """Open the album as the window does: (decisions by path, scan warnings, full scan?, notified ids)."""
    store = Store.open(album, data)
    notified: list[int] = []
    store.add_observer(notified.extend)
    warnings: list[tuple[str, str]] = []
    try:
        photos, scanned = refresh_photos(album, store, on_error=lambda p, why: warnings.append((p, why)))
        got = {p.path: store.decision(p.id) for p in photos}
    finally:
        store.close()
    return got, warnings, scanned, notified


def decide(album: Path, data: Path, path: str, **fields) -> None:
    store = Store.open(album, data)
    try:
        ids = {p.path: p.id for p in store.photos()}
        store.decide([ids[path]], **fields)
    finally:
        store.close()


def test_a_sidecar_edited_elsewhere_is_taken_while_the_decision_was_left_alone(album, tmp_path):
    data = tmp_path / "data"
    got, _, _, _ = reopen(album, data)
    assert got["IMG_0000.JPG"] == Decision("none", 2) and got["IMG_0001.JPG"] == Decision("none", 1, "Red")

    got, _, scanned, _ = reopen(album, data)
    assert not scanned  # nothing changed: the cheap check, no file opened

    edit_sidecar_elsewhere(album / "IMG_0000.xmp", Decision("none", 4, "Green"))
    edit_sidecar_elsewhere(album / "IMG_0001.JPG.xmp", Decision("reject", 0, "Red"))
    edit_sidecar_elsewhere(album / "IMG_0002.xmp", Decision("pick", 5))  # a sidecar that is new
    got, warnings, scanned, notified = reopen(album, data)
    assert scanned
    assert got["IMG_0000.JPG"] == Decision("none", 4, "Green")
    assert got["IMG_0001.JPG"] == Decision("reject", 0, "Red")
    assert got["IMG_0002.JPG"] == Decision("pick", 5)
    assert got["IMG_0003.JPG"] == Decision()
    assert warnings == []
    assert len(notified) == 3  # every decision taken from a sidecar: an open window repaints them

    # the takes went to the decision log too: a lost database comes back with them
    assert {k: v for k, v in DecisionLog(album / ".culler" / "decisions.log").latest().items()} == {
        "IMG_0000.JPG": Decision("none", 4, "Green"), "IMG_0001.JPG": Decision("reject", 0, "Red"),
        "IMG_0002.JPG": Decision("pick", 5)}


def test_a_decision_changed_in_culler_is_never_overwritten_by_a_sidecar_edit(album, tmp_path):
    data = tmp_path / "data"
    reopen(album, data)
    decide(album, data, "IMG_0000.JPG", flag="pick", rating=5)
    edit_sidecar_elsewhere(album / "IMG_0000.xmp", Decision("none", 1))
    got, warnings, scanned, notified = reopen(album, data)
    assert scanned and got["IMG_0000.JPG"] == Decision("pick", 5) and notified == []
    assert len(warnings) == 1 and warnings[0][0] == "IMG_0000.JPG"
    assert "changed in another program (now 1 star)" in warnings[0][1]
    assert "culler's decision (pick, 5 stars) is kept" in warnings[0][1]

    # reported once: the next scan remembers that sidecar value
    (album / "IMG_0003.JPG").touch()
    _, warnings, scanned, _ = reopen(album, data)
    assert scanned and warnings == []

    # the two sides went apart: even after an undo here, a later edit elsewhere is a clash again
    store = Store.open(album, data)
    try:
        store.undo()
    finally:
        store.close()
    edit_sidecar_elsewhere(album / "IMG_0000.xmp", Decision("none", 3))
    got, warnings, _, _ = reopen(album, data)
    assert got["IMG_0000.JPG"] == Decision("none", 2)
    assert [w[0] for w in warnings] == ["IMG_0000.JPG"] and "now 3 stars" in warnings[0][1]


def test_a_sidecar_that_says_what_culler_says_changes_nothing(album, tmp_path):
    """E.g. culler wrote it itself ("Write XMP sidecars as I decide")."""
    data = tmp_path / "data"
    reopen(album, data)
    decide(album, data, "IMG_0001.JPG", flag="pick")
    edit_sidecar_elsewhere(album / "IMG_0001.JPG.xmp", Decision("pick", 1, "Red"))
    got, warnings, scanned, notified = reopen(album, data)
    assert scanned and got["IMG_0001.JPG"] == Decision("pick", 1, "Red") and warnings == [] and notified == []
    # Lightroom then changes only the label: culler's decision equals the value last seen, so it is taken
    edit_sidecar_elsewhere(album / "IMG_0001.JPG.xmp", Decision("pick", 1, "Blue"))
    got, warnings, _, _ = reopen(album, data)
    assert got["IMG_0001.JPG"] == Decision("pick", 1, "Blue") and warnings == []
