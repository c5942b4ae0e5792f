"""EXIF metadata on real files: capture time with sub-seconds and its fallbacks, the exposure
fields, absurd values dropped, RAW headers (DNG, an Olympus-style magic, a CR3 box layout)."""

from __future__ import annotations

import io
import struct
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image, TiffImagePlugin

from benchmarks.decode import write_dng
from benchmarks.photo_factory import real_photo, resize, write_jpeg
from culler.core.metadata import parse_exif_datetime, read_meta

EXIF_IFD = 0x8769


@pytest.fixture(scope="module")
def photo():
    return resize(real_photo("chelsea"), 200, 150)


def jpeg_with_exif(path: Path, img, ifd0: dict, exif: dict) -> Path:
    e = Image.Exif()
    for tag, value in ifd0.items():
        e[tag] = value
    sub = e.get_ifd(EXIF_IFD)
    for tag, value in exif.items():
        sub[tag] = value
    Image.fromarray(img).save(path, "JPEG", exif=e.tobytes())
    return path


def test_capture_time_keeps_its_sub_seconds(tmp_path, photo):
    path = write_jpeg(tmp_path / "a.jpg", photo, datetime(2023, 12, 31, 23, 59, 58, 870000))

    assert read_meta(path).captured_at == datetime(2023, 12, 31, 23, 59, 58, 870000)


def test_capture_time_falls_back_to_digitized_then_to_the_file_datetime(tmp_path, photo):
    digitized = jpeg_with_exif(tmp_path / "d.jpg", photo, {}, {0x9004: "2022:01:02 03:04:05", 0x9292: "5"})
    plain = jpeg_with_exif(tmp_path / "p.jpg", photo, {0x0132: "2021:07:08 09:10:11"}, {0x9290: "25"})

    assert read_meta(digitized).captured_at == datetime(2022, 1, 2, 3, 4, 5, 500000)
    assert read_meta(plain).captured_at == datetime(2021, 7, 8, 9, 10, 11, 250000)


def test_exposure_fields_camera_and_lens(tmp_path, photo):
    R = TiffImagePlugin.IFDRational
    path = jpeg_with_exif(tmp_path / "e.jpg", photo, {0x010F: "NIKON CORPORATION", 0x0110: "NIKON Z 6_2"}, {
        0x829A: R(1, 500), 0x829D: R(28, 10), 0x8827: 3200, 0x920A: R(85, 1), 0x9204: R(-2, 3),
        0xA433: "Nikon", 0xA434: "NIKKOR Z 85mm f/1.8 S", 0x9003: "2024:03:04 05:06:07"})

    m = read_meta(path)

    assert m.camera == "NIKON Z 6_2"
    assert m.lens == "NIKKOR Z 85mm f/1.8 S"
    assert (m.exposure_time, m.f_number, m.iso, m.focal_length) == (0.002, 2.8, 3200, 85.0)
    assert m.exposure_bias == pytest.approx(-0.667, abs=1e-3)
    assert (m.width, m.height) == (200, 150)


def test_absurd_values_are_dropped_and_never_raise(tmp_path, photo):
    R = TiffImagePlugin.IFDRational
    path = jpeg_with_exif(tmp_path / "x.jpg", photo, {0x0112: 9, 0x010F: "Maker", 0x0110: "M" * 3000}, {
        0x9003: "9999:12:31 23:59:59", 0x9004: "0000:00:00 00:00:00", 0x829D: R(0, 0), 0x920A: R(2_000_000, 1),
        0x9204: R(99, 1), 0x927C: b"\x00" * 60000})  # and a huge maker note

    m = read_meta(path)

    assert m.orientation == 1
    assert m.captured_at is None
    assert m.camera == "Maker"  # the 3000-character model name is not a name
    assert (m.f_number, m.focal_length, m.exposure_bias) == (None, None, None)


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_orientation_is_read(tmp_path, photo, orientation):
    assert read_meta(write_jpeg(tmp_path / "o.jpg", photo, orientation=orientation)).orientation == orientation


@pytest.mark.parametrize("text, subsec, expected", [
    ("2024:05:01 10:11:12", "345", datetime(2024, 5, 1, 10, 11, 12, 345000)),
    ("2024:05:01 10:11:12", "05", datetime(2024, 5, 1, 10, 11, 12, 50000)),
    ("2024-05-01T10:11:12.5", None, datetime(2024, 5, 1, 10, 11, 12, 500000)),
    ("2024:05:01 10:11:12\x00", " 7 ", datetime(2024, 5, 1, 10, 11, 12, 700000)),
    ("    :  :     :  :  ", None, None),
    ("2024:13:40 10:11:12", None, None),
    ("0000:00:00 00:00:00", None, None),
    ("9999:01:01 00:00:00", None, None),
    (b"2020:02:29 00:00:00", None, datetime(2020, 2, 29)),
    (12345, None, None),
])
def test_exif_datetime_parsing(text, subsec, expected):
    assert parse_exif_datetime(text, subsec) == expected


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")  # Pillow's own notice about that junk
def test_unreadable_or_missing_files_have_empty_metadata(tmp_path):
    (tmp_path / "junk.jpg").write_bytes(b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00*garbage")
    (tmp_path / "text.png").write_text("hello")

    for name in ("junk.jpg", "text.png", "missing.jpg", "missing.nef"):
        m = read_meta(tmp_path / name)
        assert m.captured_at is None and m.orientation == 1


def test_dng_metadata_comes_from_its_tiff_structure(tmp_path, photo):
    path = write_dng(tmp_path / "r.dng", photo, datetime(2024, 5, 1, 10, 11, 12, 345000), orientation=8,
                     camera=("Canon", "Canon EOS R5"))

    m = read_meta(path)

    assert m.captured_at == datetime(2024, 5, 1, 10, 11, 12, 345000)
    assert (m.orientation, m.camera, m.iso) == (8, "Canon EOS R5", 400)
    assert (m.width, m.height) == (64, 48)  # the sensor data, not the preview


def test_a_tiff_raw_with_an_odd_magic_number_still_gives_its_exif(tmp_path, photo):
    # Olympus ORF and Panasonic RW2 are TIFF with their own magic number; LibRaw refuses this
    # fake one, but the header's EXIF is still read.
    data = write_dng(tmp_path / "r.dng", photo, datetime(2020, 1, 2, 3, 4, 5, 60000)).read_bytes()
    (tmp_path / "P1.ORF").write_bytes(b"IIRO" + data[4:])

    assert read_meta(tmp_path / "P1.ORF").captured_at == datetime(2020, 1, 2, 3, 4, 5, 60000)


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _tiff(tags: dict) -> bytes:
    ifd = TiffImagePlugin.ImageFileDirectory_v2()
    for tag, value in tags.items():
        ifd[tag] = value
    buf = io.BytesIO()
    buf.write(b"II*\x00" + struct.pack("<I", 8))
    buf.write(ifd.tobytes(8))
    return buf.getvalue()


def test_cr3_metadata_is_read_from_its_canon_boxes(tmp_path):
    canon_uuid = bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")
    cmt1 = _tiff({0x010F: "Canon", 0x0110: "Canon EOS R6", 0x0112: 6})
    cmt2 = _tiff({0x9003: "2024:08:09 10:11:12", 0x9291: "42", 0x8827: 800})
    moov = _box(b"moov", _box(b"uuid", canon_uuid + _box(b"CMT1", cmt1) + _box(b"CMT2", cmt2)))
    path = tmp_path / "IMG_9.CR3"
    path.write_bytes(_box(b"ftyp", b"crx \x00\x00\x00\x01crx isom") + moov + _box(b"mdat", b"\0" * 100))

    m = read_meta(path)

    assert m.captured_at == datetime(2024, 8, 9, 10, 11, 12, 420000)
    assert (m.camera, m.orientation, m.iso) == ("Canon EOS R6", 6, 800)


def test_heic_orientation_reads_1_because_pillow_heif_rotates_the_pixels(tmp_path, photo):
    import pillow_heif

    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(EXIF_IFD)[0x9003] = "2024:06:01 14:30:05"
    path = tmp_path / "IMG.HEIC"
    pillow_heif.from_pillow(Image.fromarray(photo)).save(path, quality=60, exif=exif.tobytes())

    m = read_meta(path)

    assert m.orientation == 1
    assert (m.width, m.height) == (150, 200)  # the displayed (rotated) size
    assert m.captured_at == datetime(2024, 6, 1, 14, 30, 5)
