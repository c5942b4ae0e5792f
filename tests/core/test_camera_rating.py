"""Ratings made in the camera show up: the EXIF Rating tag and an embedded XMP rating of JPEG,
HEIC and RAW files become decisions at a scan, unless a sidecar or culler says otherwise; the
photo files are only read. Real files rated with exiftool, a real scan, a real store."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from benchmarks.decode import write_dng
from benchmarks.photo_factory import real_photo, resize, write_jpeg
from culler.core import album
from culler.core.records import Decision
from culler.core.store import Store

EXIFTOOL = shutil.which("exiftool")
pytestmark = pytest.mark.skipif(EXIFTOOL is None, reason="exiftool missing: apt-get install libimage-exiftool-perl")
T0 = datetime(2024, 6, 1, 9, 0, 0)


def rate_in_camera(path: Path, *assignments: str) -> None:
    done = subprocess.run([EXIFTOOL, "-overwrite_original", *assignments, str(path)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


@pytest.fixture
def rated_album(tmp_path):
    import pillow_heif
    from PIL import Image

    root = tmp_path / "album"
    img = resize(real_photo("astronaut"), 160, 120)
    for i in range(5):
        write_jpeg(root / f"IMG_{i}.JPG", img, captured_at=T0 + timedelta(seconds=i))
    rate_in_camera(root / "IMG_0.JPG", "-EXIF:Rating=3")  # Sony, Nikon, Fujifilm: the EXIF tag
    rate_in_camera(root / "IMG_1.JPG", "-XMP-xmp:Rating=4", "-EXIF:Rating=2")  # Canon writes both; XMP wins
    rate_in_camera(root / "IMG_2.JPG", "-XMP-xmp:Rating=-1")  # rejected in the camera
    rate_in_camera(root / "IMG_3.JPG", "-EXIF:Rating=0")  # "not rated": no decision
    write_dng(root / "IMG_5.DNG", img, T0 + timedelta(seconds=5))
    rate_in_camera(root / "IMG_5.DNG", "-XMP-xmp:Rating=5")  # a RAW: XMP in TIFF tag 700
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="2"/></rdf:RDF></x:xmpmeta>')
    pillow_heif.from_pillow(Image.fromarray(img)).save(root / "IMG_6.HEIC", quality=60, xmp=xmp)
    return root


def scan_into_store(root: Path, data: Path) -> dict[str, Decision]:
    store = Store.open(root, data)
    try:
        photos = store.sync_photos(album.scan(root))
        return {p.path: store.decision(p.id) for p in photos}
    finally:
        store.close()


def test_camera_ratings_become_decisions_and_the_files_are_never_written(rated_album, tmp_path):
    before = digest(rated_album)

    got = scan_into_store(rated_album, tmp_path / "data")

    assert got["IMG_0.JPG"] == Decision("pick", 3)  # stars mean a pick (default convention rating:1)
    assert got["IMG_1.JPG"] == Decision("pick", 4)
    assert got["IMG_2.JPG"] == Decision("reject")
    assert got["IMG_3.JPG"] == Decision() and got["IMG_4.JPG"] == Decision()
    assert got["IMG_5.DNG"] == Decision("pick", 5)
    assert got["IMG_6.HEIC"] == Decision("pick", 2)
    assert digest(rated_album) == before and not list(rated_album.glob("*.xmp"))


def test_a_sidecar_and_a_decision_made_in_culler_win_over_the_camera(rated_album, tmp_path):
    subprocess.run([EXIFTOOL, "-o", str(rated_album / "IMG_0.xmp"), "-XMP-xmp:Rating=1",
                    "-XMP-photomech:Tagged=No"], capture_output=True, timeout=60, check=False)  # Photo Mechanic's
    data = tmp_path / "data"
    assert scan_into_store(rated_album, data)["IMG_0.JPG"] == Decision("none", 1)  # not the camera's 3

    store = Store.open(rated_album, data)
    try:
        [photo] = [p for p in store.photos() if p.path == "IMG_1.JPG"]
        store.decide([photo.id], flag="reject", rating=1)
    finally:
        store.close()
    again = scan_into_store(rated_album, data)

    assert again["IMG_1.JPG"] == Decision("reject", 1)  # culler's decision stays; the camera's 4 stars do not return
    assert again["IMG_0.JPG"] == Decision("none", 1)


def test_a_photo_protected_in_the_camera_is_a_pick_unless_the_whole_album_is_read_only(tmp_path):
    root = tmp_path / "card"
    img = resize(real_photo("coffee"), 160, 120)
    for i in range(3):
        write_jpeg(root / f"IMG_{i}.JPG", img, captured_at=T0 + timedelta(seconds=i))
    os.chmod(root / "IMG_1.JPG", 0o444)  # what the camera's protect key leaves: the read-only attribute
    got = scan_into_store(root, tmp_path / "data")
    assert got == {"IMG_0.JPG": Decision(), "IMG_1.JPG": Decision("pick"), "IMG_2.JPG": Decision()}

    archive = tmp_path / "archive"  # a shoot made read-only as a whole: nothing to read into that
    shutil.copytree(root, archive, ignore=shutil.ignore_patterns(".culler"))
    for photo in archive.iterdir():
        os.chmod(photo, 0o444)
    assert set(scan_into_store(archive, tmp_path / "data2").values()) == {Decision()}
