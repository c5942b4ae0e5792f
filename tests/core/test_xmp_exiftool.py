"""XMP sidecars as other apps see them: exiftool reads back every decision we write, other apps'
fields survive, and sidecars travel with exported photos or follow decisions next to originals."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from benchmarks.photo_factory import real_photo, resize, write_jpeg
from culler.core import export
from culler.core.export import ExportOptions, execute, make_plan
from culler.core.records import LABELS, Decision, Photo, PhotoMeta

xmp = pytest.importorskip("culler.core.xmp")
EXIFTOOL = shutil.which("exiftool")
pytestmark = pytest.mark.skipif(EXIFTOOL is None, reason="exiftool missing: apt-get install libimage-exiftool-perl")

DECISIONS = ([Decision()] + [Decision(rating=r) for r in range(1, 6)] + [Decision(label=lab) for lab in LABELS]
             + [Decision("reject"), Decision("reject", 3, "Red"), Decision("pick"), Decision("pick", 4, "Green")])


def exiftool(*paths: Path, fields=("-XMP:Rating", "-XMP:Label")) -> list[dict]:
    out = subprocess.run([EXIFTOOL, "-j", *fields, *map(str, paths)], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout, out.stderr
    return json.loads(out.stdout)


def expected_rating(d: Decision) -> int:
    """What another app reads: a pick has at least one star under the default convention."""
    return -1 if d.flag == "reject" else max(d.rating, 1) if d.flag == "pick" else d.rating


def test_exiftool_reads_every_decision_kind(tmp_path):
    paths = []
    for i, d in enumerate(DECISIONS):
        path = tmp_path / f"IMG_{i:04d}.xmp"
        xmp.write_sidecar(path, d)
        paths.append(path)
    for d, path, info in zip(DECISIONS, paths, exiftool(*paths)):
        assert int(info.get("Rating", 0)) == expected_rating(d), (d, path.read_text())
        assert info.get("Label") == d.label, (d, path.read_text())
        back = xmp.read_sidecar(path) or Decision()
        assert (back.flag == "reject") == (d.flag == "reject")
        assert back.label == d.label
        if d.flag != "reject":
            assert back.rating == expected_rating(d)


def test_other_apps_fields_survive_our_write(tmp_path):
    path = tmp_path / "IMG_0001.xmp"
    made = subprocess.run([EXIFTOOL, "-o", str(path), "-XMP-dc:Subject=kids", "-XMP-dc:Subject=beach",
                           "-XMP-dc:Creator=Ann Example", "-XMP-crs:Exposure2012=+0.50",
                           "-XMP-photoshop:City=Lisbon", "-XMP:Rating=2"], capture_output=True, text=True,
                          timeout=60)
    assert path.exists(), made.stderr
    assert (xmp.read_sidecar(path) or Decision()).rating == 2  # an earlier rating from another app
    xmp.write_sidecar(path, Decision("pick", 5, "Blue"))
    xmp.write_sidecar(path, Decision("none", 4, "Blue"))  # a second write must merge, too
    info = exiftool(path, fields=("-XMP:all",))[0]
    assert info["Rating"] == 4 and info["Label"] == "Blue"
    assert info["Subject"] == ["kids", "beach"] and info["Creator"] == "Ann Example"
    assert str(info["Exposure2012"]) in ("+0.50", "0.5", "+0.5") and info["City"] == "Lisbon"


def album_with_sidecar(root: Path):
    img = resize(real_photo("coffee"), 200, 150)
    write_jpeg(root / "IMG_0001.JPG", img, captured_at=datetime(2024, 5, 1, 12, 0, 0))
    (root / "IMG_0001.CR3").write_bytes(b"fake raw" * 1000)
    subprocess.run([EXIFTOOL, "-o", str(root / "IMG_0001.xmp"), "-XMP-dc:Creator=Ann Example",
                    "-XMP:Rating=1"], capture_output=True, timeout=60)
    write_jpeg(root / "IMG_0002.JPG", img, captured_at=datetime(2024, 5, 1, 12, 0, 1))
    photos = [Photo("IMG_0001.CR3", "raw", companions=["IMG_0001.JPG"], id=1,
                    meta=PhotoMeta(captured_at=datetime(2024, 5, 1, 12, 0, 0))),
              Photo("IMG_0002.JPG", "jpeg", id=2, meta=PhotoMeta(captured_at=datetime(2024, 5, 1, 12, 0, 1)))]
    return photos


def test_export_carries_sidecars_and_writes_decisions(tmp_path):
    root = tmp_path / "album"
    photos = album_with_sidecar(root)
    dest = tmp_path / "out"
    decisions = {1: Decision("pick", 5, "Green"), 2: Decision("pick", 2)}
    opts = ExportOptions(dest=dest, xmp=True, name_template="trip_{seq:02d}")
    plan = make_plan(root, photos, decisions, opts)
    assert {op.target.name for op in plan} == {"trip_01.CR3", "trip_01.JPG", "trip_01.xmp", "trip_02.JPG",
                                               "trip_02.xmp"}
    result = execute(plan)
    assert result.ok, result.error
    one, two = exiftool(dest / "trip_01.xmp", dest / "trip_02.xmp", fields=("-XMP:all",))
    assert (one["Rating"], one["Label"], one["Creator"]) == (5, "Green", "Ann Example")  # merged, kept
    assert two["Rating"] == 2
    assert int(exiftool(root / "IMG_0001.xmp")[0]["Rating"]) == 1  # the original sidecar is untouched


def test_darktable_style_and_sidecars_next_to_originals(tmp_path):
    root = tmp_path / "album"
    photos = album_with_sidecar(root)
    dest = tmp_path / "out"
    decisions = {1: Decision("reject"), 2: Decision(rating=3, label="Purple")}
    opts = ExportOptions(dest=dest, select="all", xmp=True, xmp_style="darktable", xmp_next_to_originals=True)
    result = execute(make_plan(root, photos, decisions, opts), journal_dir=tmp_path / "journal")
    assert result.ok, result.error
    assert int(exiftool(dest / "IMG_0001.CR3.xmp")[0]["Rating"]) == -1
    assert int(exiftool(dest / "IMG_0001.JPG.xmp")[0]["Rating"]) == -1
    assert exiftool(root / "IMG_0002.JPG.xmp")[0]["Label"] == "Purple"
    assert export.undo_export(result.journal).ok  # undo removes the sidecars it created
    assert not (root / "IMG_0002.JPG.xmp").exists() and not dest.exists()


def test_sync_sidecars_follows_decisions_and_clears_them(tmp_path):
    root = tmp_path / "album"
    photos = album_with_sidecar(root)
    first = export.sync_sidecars(root, photos, {1: Decision("pick", 4, "Red"), 2: Decision()})
    assert first.written == [str(root / "IMG_0001.xmp")] and not first.errors
    assert not (root / "IMG_0002.xmp").exists()  # no decision, no sidecar: nothing written
    info = exiftool(root / "IMG_0001.xmp", fields=("-XMP:all",))[0]
    assert (info["Rating"], info["Label"], info["Creator"]) == (4, "Red", "Ann Example")
    again = export.sync_sidecars(root, photos, {1: Decision("pick", 4, "Red")})
    assert again.written == [] and again.unchanged == 2
    export.sync_sidecars(root, photos, {1: Decision()})  # the user cleared the decision
    info = exiftool(root / "IMG_0001.xmp")[0]
    assert int(info.get("Rating", 0)) == 0 and "Label" not in info


def test_an_unsafe_sidecar_is_carried_untouched_and_reported(tmp_path):
    root = tmp_path / "album"
    photos = album_with_sidecar(root)
    hostile = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
               '<x:xmpmeta xmlns:x="adobe:ns:meta/">&a;</x:xmpmeta>')
    (root / "IMG_0001.xmp").write_text(hostile)
    dest = tmp_path / "out"
    result = execute(make_plan(root, photos, {1: Decision("pick", 5), 2: Decision("pick")},
                               ExportOptions(dest=dest, xmp=True)))
    assert result.ok and result.photos == 2
    assert (dest / "IMG_0001.xmp").read_text() == hostile  # copied as it was, never rewritten
    assert any("IMG_0001.xmp" in note and "not updated" in note for note in result.notes)
    assert int(exiftool(dest / "IMG_0002.xmp")[0]["Rating"]) == 1  # a pick: one star by default
