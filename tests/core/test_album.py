"""Album scanning on real files: RAW+JPEG pairs, order, unreadable files with their reasons,
hidden folders, symlink loops, sidecar decisions."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchmarks.decode import write_dng, write_png_bomb
from benchmarks.photo_factory import real_photo, resize, write_jpeg
from culler.core import album
from culler.core.records import Decision

T0 = datetime(2024, 6, 1, 14, 30, 5, 250000)


@pytest.fixture(scope="module")
def photo():
    return resize(real_photo("astronaut"), 240, 160)


def scan_with_errors(root: Path, **kw):
    errors: dict[str, str] = {}
    photos = album.scan(root, on_error=lambda rel, reason: errors.__setitem__(rel, reason), **kw)
    return photos, errors


def test_raw_and_jpeg_with_the_same_stem_are_one_photo_shown_through_the_jpeg(tmp_path, photo):
    write_dng(tmp_path / "IMG_0001.DNG", photo, T0, orientation=1)
    write_jpeg(tmp_path / "IMG_0001.JPG", photo, T0, orientation=6)
    write_jpeg(tmp_path / "IMG_0002.JPG", photo, T0 + timedelta(seconds=1))

    photos, errors = scan_with_errors(tmp_path)

    assert errors == {}
    assert [p.path for p in photos] == ["IMG_0001.DNG", "IMG_0002.JPG"]
    pair = photos[0]
    assert (pair.kind, pair.companions, pair.display_path) == ("raw", ["IMG_0001.JPG"], "IMG_0001.JPG")
    assert pair.status == "ok"
    assert pair.size == (tmp_path / "IMG_0001.DNG").stat().st_size  # the RAW is the primary file
    assert pair.meta.orientation == 6  # read from the JPEG that is shown
    assert pair.meta.captured_at == T0


def test_a_lone_dng_is_read_through_libraw_with_its_own_exif(tmp_path, photo):
    write_dng(tmp_path / "IMG_0003.dng", photo, T0, orientation=6, exposure_bias=-1.0)

    [p] = album.scan(tmp_path)

    assert (p.kind, p.status, p.companions) == ("raw", "ok", [])
    assert p.meta.captured_at == T0  # with its sub-seconds
    assert p.meta.orientation == 6
    assert p.meta.camera == "Culler Test DNG"
    assert p.meta.exposure_bias == -1.0
    assert (p.meta.exposure_time, p.meta.iso) == (0.004, 400)


def test_a_raw_libraw_cannot_read_is_an_error_alone_but_its_jpeg_pair_still_shows(tmp_path, photo):
    # A TIFF renamed .NEF: a TIFF structure with no camera RAW data inside.
    Image.fromarray(photo).save(tmp_path / "LONE.NEF", "TIFF")
    (tmp_path / "PAIR.CR2").write_bytes(b"this is not a raw file at all" * 10)
    write_jpeg(tmp_path / "PAIR.JPG", photo, T0)

    photos, errors = scan_with_errors(tmp_path)
    by_path = {p.path: p for p in photos}

    assert set(by_path) == {"LONE.NEF", "PAIR.CR2"}
    assert by_path["LONE.NEF"].status == "error"
    assert "LibRaw" in by_path["LONE.NEF"].error
    pair = by_path["PAIR.CR2"]
    assert (pair.status, pair.companions, pair.meta.captured_at) == ("ok", ["PAIR.JPG"], T0)
    assert "PAIR.CR2" in errors and "JPEG is shown" in errors["PAIR.CR2"]


def test_photos_are_sorted_by_capture_time_with_sub_seconds_then_path(tmp_path, photo):
    write_jpeg(tmp_path / "a.jpg", photo, T0.replace(microsecond=900000))
    write_jpeg(tmp_path / "b.jpg", photo, T0.replace(microsecond=100000))
    write_jpeg(tmp_path / "c.jpg", photo, T0.replace(microsecond=100000))
    Image.fromarray(photo).save(tmp_path / "no_time.png")

    names = [p.path for p in album.scan(tmp_path)]

    assert names == ["no_time.png", "b.jpg", "c.jpg", "a.jpg"]


@pytest.mark.parametrize("kind, fmt, ext", [("png", "PNG", ".png"), ("tiff", "TIFF", ".tif"),
                                            ("webp", "WEBP", ".webp"), ("gif", "GIF", ".gif")])
def test_common_formats_scan_as_their_kind(tmp_path, photo, kind, fmt, ext):
    Image.fromarray(photo).save(tmp_path / f"x{ext}", fmt)

    [p] = album.scan(tmp_path)

    assert (p.kind, p.status, p.meta.width, p.meta.height) == (kind, "ok", 240, 160)


def test_heic_scans_with_its_capture_time(tmp_path, photo):
    import pillow_heif

    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2024:06:01 14:30:05"
    pillow_heif.from_pillow(Image.fromarray(photo)).save(tmp_path / "IMG_5.HEIC", quality=60, exif=exif.tobytes())
    data = (tmp_path / "IMG_5.HEIC").read_bytes()
    (tmp_path / "IMG_6.HEIC").write_bytes(data[: len(data) - 300])

    photos = {p.path: p for p in album.scan(tmp_path)}
    p, cut = photos["IMG_5.HEIC"], photos["IMG_6.HEIC"]

    assert (p.kind, p.status, p.meta.captured_at) == ("heic", "ok", datetime(2024, 6, 1, 14, 30, 5))
    assert cut.status == "error" and "truncated" in cut.error


def test_a_png_with_a_jpg_name_is_still_shown(tmp_path, photo):
    Image.fromarray(photo).save(tmp_path / "odd.jpg", "PNG")

    [p] = album.scan(tmp_path)

    assert (p.kind, p.status) == ("png", "ok")


def test_every_kind_of_unreadable_file_becomes_an_error_photo_with_its_reason(tmp_path, photo):
    good = write_jpeg(tmp_path / "good.jpg", photo, T0)
    (tmp_path / "empty.jpg").write_bytes(b"")
    data = good.read_bytes()
    (tmp_path / "truncated.jpg").write_bytes(data[: len(data) * 2 // 3])
    (tmp_path / "notes.jpg").write_text("shopping list: milk, film")
    write_png_bomb(tmp_path / "bomb.png", 30000, 30000)
    (tmp_path / "cut.png").write_bytes((lambda b: b[: len(b) // 2])(_png_bytes(photo)))

    photos, errors = scan_with_errors(tmp_path)
    reasons = {p.path: p.error for p in photos if p.status == "error"}

    assert {p.path for p in photos if p.status == "ok"} == {"good.jpg"}
    assert "empty" in reasons["empty.jpg"]
    assert "truncated" in reasons["truncated.jpg"]
    assert "not an image" in reasons["notes.jpg"]
    assert "too large" in reasons["bomb.png"]
    assert "truncated" in reasons["cut.png"]
    assert errors == reasons  # on_error hears each of them


def _png_bytes(img: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "PNG")
    return buf.getvalue()


def test_a_jpeg_with_trailing_data_after_its_image_is_not_called_truncated(tmp_path, photo):
    # Phones append a video (motion photos) or a maker trailer after the JPEG's end marker.
    path = write_jpeg(tmp_path / "motion.jpg", photo, T0)
    path.write_bytes(path.read_bytes() + b"\0\0\0\x18ftypmp42" + os.urandom(5000))

    [p] = album.scan(tmp_path)

    assert p.status == "ok"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_file_without_read_permission_is_an_error_photo(tmp_path, photo):
    locked = write_jpeg(tmp_path / "locked.jpg", photo, T0)
    locked.chmod(0)
    try:
        [p] = album.scan(tmp_path)
    finally:
        locked.chmod(0o644)
    assert p.status == "error" and "permission denied" in p.error


def test_permission_denied_is_explained_in_words():
    from culler.core.metadata import error_reason

    assert error_reason(PermissionError(13, "Permission denied")).startswith("permission denied")


def test_hidden_files_culler_folder_and_sidecars_are_not_photos(tmp_path, photo):
    write_jpeg(tmp_path / "keep.jpg", photo, T0)
    write_jpeg(tmp_path / ".hidden.jpg", photo, T0)
    write_jpeg(tmp_path / "._keep.jpg", photo, T0)
    write_jpeg(tmp_path / ".culler" / "cached.jpg", photo, T0)
    (tmp_path / "keep.xmp").write_text("<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")
    (tmp_path / "readme.txt").write_text("not a photo")

    assert [p.path for p in album.scan(tmp_path, recursive=True)] == ["keep.jpg"]


def test_the_rejected_folder_culler_moves_rejects_into_is_not_scanned(tmp_path, photo):
    from culler.core import export
    from culler.pipeline.scan import list_album_files

    write_jpeg(tmp_path / "keep.jpg", photo, T0)
    write_jpeg(tmp_path / "day2" / "keep2.jpg", photo, T0 + timedelta(days=1))
    write_jpeg(tmp_path / album.REJECTED_FOLDER / "bad.jpg", photo, T0)
    write_jpeg(tmp_path / album.REJECTED_FOLDER / "day2" / "bad2.jpg", photo, T0)

    assert album.REJECTED_FOLDER == export.REJECTED_FOLDER
    assert [p.path for p in album.scan(tmp_path, recursive=True)] == ["keep.jpg", "day2/keep2.jpg"]
    # the pipeline's cheap listing agrees, so reopening the album does not rescan every time
    assert set(list_album_files(tmp_path, recursive=True)[0]) == {"keep.jpg", "day2/keep2.jpg"}


def test_recursion_is_optional_and_a_symlink_loop_cannot_trap_it(tmp_path, photo):
    write_jpeg(tmp_path / "top.jpg", photo, T0)
    write_jpeg(tmp_path / "day2" / "sub.jpg", photo, T0 + timedelta(days=1))
    os.symlink("..", tmp_path / "day2" / "loop")
    os.symlink(tmp_path / "day2", tmp_path / "again")

    assert [p.path for p in album.scan(tmp_path)] == ["top.jpg"]
    assert [p.path for p in album.scan(tmp_path, recursive=True)] == ["top.jpg", "day2/sub.jpg"]


def test_a_missing_album_folder_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        album.scan(tmp_path / "nope")


def test_sidecar_decisions_are_read_under_both_names(tmp_path, photo):
    write_dng(tmp_path / "IMG_1.DNG", photo, T0)
    write_jpeg(tmp_path / "IMG_1.JPG", photo, T0)
    write_jpeg(tmp_path / "IMG_2.JPG", photo, T0 + timedelta(seconds=1))
    write_jpeg(tmp_path / "IMG_3.JPG", photo, T0 + timedelta(seconds=2))
    (tmp_path / "IMG_1.xmp").write_text(_sidecar('xmp:Rating="4" xmp:Label="Green"'))
    (tmp_path / "IMG_2.JPG.xmp").write_text(_sidecar('xmp:Rating="-1"'))

    photos = {p.path: p for p in album.scan(tmp_path)}

    # stars in a sidecar without a flag field mean "pick" (culler.core.picks_as, default rating:1)
    assert photos["IMG_1.DNG"].sidecar_decision == Decision("pick", 4, "Green")
    assert photos["IMG_2.JPG"].sidecar_decision == Decision("reject", 0, None)
    assert photos["IMG_3.JPG"].sidecar_decision is None


def test_an_unsafe_sidecar_is_reported_and_ignored(tmp_path, photo):
    write_jpeg(tmp_path / "IMG_1.JPG", photo, T0)
    (tmp_path / "IMG_1.xmp").write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
                                        + _sidecar('xmp:Rating="5"'))

    photos, errors = scan_with_errors(tmp_path)

    assert photos[0].status == "ok" and photos[0].sidecar_decision is None
    assert "unsafe" in errors["IMG_1.xmp"]


def test_read_photo_matches_what_scan_finds(tmp_path, photo):
    write_dng(tmp_path / "sub" / "IMG_1.DNG", photo, T0)
    write_jpeg(tmp_path / "sub" / "IMG_1.JPG", photo, T0, orientation=8)
    (tmp_path / "sub" / "IMG_1.xmp").write_text(_sidecar('xmp:Rating="2"'))

    single = album.read_photo(tmp_path, "sub/IMG_1.DNG")
    [scanned] = album.scan(tmp_path, recursive=True)

    assert single == scanned
    assert single.companions == ["sub/IMG_1.JPG"] and single.meta.orientation == 8
    assert single.sidecar_decision == Decision("pick", 2, None)


def test_read_photo_of_a_vanished_file_is_an_error_photo(tmp_path):
    p = album.read_photo(tmp_path, "gone.jpg")

    assert (p.path, p.status) == ("gone.jpg", "error") and "missing" in p.error


def test_a_broken_symlink_is_reported_not_listed(tmp_path, photo):
    write_jpeg(tmp_path / "real.jpg", photo, T0)
    os.symlink(tmp_path / "deleted.jpg", tmp_path / "link.jpg")

    photos, errors = scan_with_errors(tmp_path)

    assert [p.path for p in photos] == ["real.jpg"] and "missing" in errors["link.jpg"]


def _sidecar(attributes: str) -> str:
    return ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            f'<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" {attributes}/>'
            '</rdf:RDF></x:xmpmeta>')


def test_a_truncated_raw_is_an_error_photo_when_alone_and_reported_in_a_pair(tmp_path, photo):
    data = write_dng(tmp_path / "full.dng", photo, T0).read_bytes()
    (tmp_path / "full.dng").unlink()
    (tmp_path / "CUT_1.DNG").write_bytes(data[: len(data) - 500])
    (tmp_path / "CUT_2.DNG").write_bytes(data[: len(data) - 500])
    write_jpeg(tmp_path / "CUT_2.JPG", photo, T0)

    photos, errors = scan_with_errors(tmp_path)
    by_path = {p.path: p for p in photos}

    assert by_path["CUT_1.DNG"].status == "error" and "truncated" in by_path["CUT_1.DNG"].error
    assert by_path["CUT_2.DNG"].status == "ok" and "truncated" in errors["CUT_2.DNG"]
