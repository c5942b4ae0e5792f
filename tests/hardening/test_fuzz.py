"""Fuzzing the readers that see every file of an album: JPEG markers and EXIF, TIFF/DNG headers,
ISO-BMFF boxes, XMP sidecars. Mutations of real files (bytes flipped, cut, inserted, header
fields set to extremes) must only ever end in the readers' documented errors, in bounded time,
reading nothing but the file itself.

Documented contracts: exif_reader raises ValueError or struct.error on garbage (or returns None);
metadata.read_meta / raw_meta and album.inspect_file never raise; xmp.read_sidecar_checked never
raises. LibRaw itself is not fuzzed here (a crash in C would take the test run with it; the
hostile corpus feeds it damaged RAWs).
"""

from __future__ import annotations

import io
import os
import struct
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.decode import write_dng
from benchmarks.photo_factory import real_photo, resize, write_jpeg
from culler.core import album, exif_reader, metadata, xmp

EXAMPLES = 250
FUZZ = settings(max_examples=EXAMPLES, deadline=3000, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ALLOWED = (ValueError, struct.error)  # exif_reader's documented errors

_WORK = Path(tempfile.mkdtemp(prefix="culler-fuzz-"))
_IMG = resize(real_photo("astronaut"), 64, 64)
JPEG = write_jpeg(_WORK / "seed.jpg", _IMG, captured_at=datetime(2024, 1, 2, 3, 4, 5), orientation=6).read_bytes()
DNG = write_dng(_WORK / "seed.dng", _IMG, captured_at=datetime(2024, 1, 2, 3, 4, 5)).read_bytes()
TIFF_EXIF = exif_reader.jpeg_header(io.BytesIO(JPEG)).exif
HEIF_LIKE = (struct.pack(">I4s", 24, b"ftyp") + b"heic\x00\x00\x00\x00mif1heic"
             + struct.pack(">I4s", 16, b"meta") + b"\x00" * 8 + struct.pack(">I4s", 12, b"mdat") + b"abcd")
XMP = b"""<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:xmpDM="http://ns.adobe.com/xmp/1.0/DynamicMedia/"
 xmp:Rating="4" xmp:Label="Green" xmpDM:pick="1"><xmp:Rating>3</xmp:Rating></rdf:Description>
</rdf:RDF></x:xmpmeta>"""

# Files opened during a fuzzed call (audit hook; Pillow's plugins are imported before watching).
_opened: list[str] | None = None


def _audit(event: str, args) -> None:
    if _opened is not None and event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        _opened.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


def _ifd_entries(data: bytes, tiff_at: int) -> list[int]:
    """Offsets of the 12-byte entries of the first IFD of the TIFF structure at `tiff_at`."""
    try:
        order = "<" if data[tiff_at:tiff_at + 2] == b"II" else ">"
        first = tiff_at + struct.unpack(order + "I", data[tiff_at + 4:tiff_at + 8])[0]
        count = struct.unpack(order + "H", data[first:first + 2])[0]
    except struct.error:
        return []
    return [first + 2 + 12 * i for i in range(min(count, 64)) if first + 14 + 12 * i <= len(data)]


@st.composite
def mutated(draw, seed: bytes, head: int | None = None, tiff_at: int | None = None):
    """`seed` with a few of: bytes overwritten (mostly in the first `head` bytes, where the
    structure is), a 16/32-bit field set to an extreme, a cut, an insertion, and for a TIFF
    structure at `tiff_at`, an IFD entry given another field type, count or value/offset."""
    data = bytearray(seed)
    head = min(len(data), head or len(data))
    entries = _ifd_entries(bytes(data), tiff_at) if tiff_at is not None else []
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["byte", "field", "cut", "insert"] + (["entry"] * 3 if entries else [])))
        at = draw(st.integers(0, max(0, head - 1)))
        if op == "entry":
            e = draw(st.sampled_from(entries))
            order = "<" if data[tiff_at:tiff_at + 2] == b"II" else ">"
            part = draw(st.sampled_from(["type", "count", "value"]))
            if part == "type":
                data[e + 2:e + 4] = struct.pack(order + "H", draw(st.integers(0, 13)))
            else:
                big = draw(st.sampled_from([0, 1, 3, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, len(data)]))
                at_ = e + (4 if part == "count" else 8)
                data[at_:at_ + 4] = struct.pack(order + "I", big)
        elif op == "byte" and data:
            data[at] = draw(st.integers(0, 255))
        elif op == "field":
            value = draw(st.sampled_from([0, 1, 2, 7, 0xFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, len(data), len(data) + 8]))
            width = draw(st.sampled_from([2, 4]))
            fmt = draw(st.sampled_from(["<", ">"])) + ("H" if width == 2 else "I")
            data[at:at + width] = struct.pack(fmt, value & (0xFFFF if width == 2 else 0xFFFFFFFF))
        elif op == "cut":
            data = data[:draw(st.integers(0, len(data)))]
            head = min(head, len(data))
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
    return bytes(data)


def _file(data: bytes, name: str) -> Path:
    path = _WORK / name
    path.write_bytes(data)
    return path


class _Only:
    """Assert that nothing but `path` is opened inside the block."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __enter__(self):
        global _opened
        _opened = []

    def __exit__(self, *exc):
        global _opened
        opened, _opened = _opened, None
        # (a module imported on first need is code, not data: Python's own imports are left out)
        others = [p for p in opened if p != self.path and not p.endswith((".py", ".pyc", ".so"))
                  and not p.startswith(sys.prefix)]
        assert not others, f"read outside the file: {others}"


def _warm_up() -> None:
    from PIL import Image

    Image.init()  # every Pillow plugin imported now, not inside a watched call
    metadata.read_meta(_file(JPEG, "warm.jpg"))
    metadata.read_meta(_file(DNG, "warm.dng"))
    album.inspect_file(_file(JPEG, "warm.jpg"))
    album.inspect_file(_file(XMP, "warm.png"))
    xmp.read_sidecar_checked(_file(XMP, "warm.xmp"))


_warm_up()


@FUZZ
@given(mutated(JPEG, head=900, tiff_at=JPEG.find(b"Exif\x00\x00") + 6))
def test_jpeg_markers_and_exif(data):
    try:
        header = exif_reader.jpeg_header(io.BytesIO(data))
    except ALLOWED:
        header = None
    if header is not None and header.exif:
        try:
            tags = exif_reader.exif_tags(header.exif)
        except ALLOWED:
            tags = None
        if tags is not None:
            metadata.meta_from_tags(*tags)  # judging values never raises
    path = _file(data, "fuzz.jpg")
    with _Only(path):
        meta = metadata.read_meta(path)
        kind, meta2, error = album.inspect_file(path)
    assert meta2.orientation in (None, 1, 2, 3, 4, 5, 6, 7, 8)
    assert meta.captured_at is None or 1900 < meta.captured_at.year < 2200
    assert error is None or isinstance(error, str)


@FUZZ
@given(mutated(TIFF_EXIF, tiff_at=0))
def test_exif_blocks(data):
    try:
        ifd0, sub = exif_reader.exif_tags(data)
    except ALLOWED:
        return
    meta = metadata.meta_from_tags(ifd0, sub)
    assert meta.orientation in (None, 1, 2, 3, 4, 5, 6, 7, 8)


@FUZZ
@given(mutated(DNG, head=700, tiff_at=0))
def test_tiff_raw_headers(data):
    path = _file(data, "fuzz.dng")
    with _Only(path):
        exif_reader.raw_exif_tags(path)
        exif_reader.raw_data_end(path)
        meta, error = metadata.raw_meta(path, use_libraw=False)
    assert error is None or isinstance(error, str)


@FUZZ
@given(mutated(HEIF_LIKE))
def test_iso_bmff_boxes(data):
    try:
        exif_reader.bmff_end(io.BytesIO(data), len(data))
    except ALLOWED:
        pass
    path = _file(data, "fuzz.cr3")
    with _Only(path):
        exif_reader.raw_exif_tags(path)
        exif_reader.raw_data_end(path)


@FUZZ
@given(st.one_of(mutated(XMP), st.binary(max_size=300),
                 st.text(alphabet=st.sampled_from(list('<>&;!"=/ ?xmlnsrdf:Dtion%ENTITYSYSTEMfile')), max_size=200)
                 .map(lambda s: s.encode())))
def test_xmp_sidecars(data):
    path = _file(data, "fuzz.xmp")
    with _Only(path):
        decision, problem = xmp.read_sidecar_checked(path)
    assert decision is None or (decision.flag in ("none", "pick", "reject") and 0 <= decision.rating <= 5)
    assert problem is None or isinstance(problem, str)


@pytest.mark.parametrize("value", [0, 0xFFFFFFFF, 0x7FFFFFFF, 8])
def test_self_referencing_and_far_offsets_end(value):
    """An IFD that points at itself or past the end must not loop or read elsewhere."""
    data = bytearray(TIFF_EXIF)
    first = struct.unpack("<I" if data[:2] == b"II" else ">I", data[4:8])[0]
    count = struct.unpack("<H" if data[:2] == b"II" else ">H", data[first:first + 2])[0]
    nxt = first + 2 + 12 * count
    data[nxt:nxt + 4] = struct.pack("<I" if data[:2] == b"II" else ">I", value)
    dng = bytearray(DNG)
    dng[4:8] = struct.pack("<I", value)
    path = _file(bytes(dng), "loop.dng")
    with _Only(path):
        exif_reader.raw_data_end(path)
        metadata.raw_meta(path, use_libraw=False)
    exif_reader.exif_tags(bytes(data))


@pytest.mark.parametrize("field_type", [2, 5, 10, 11, 12])  # text, rationals, floats
@pytest.mark.parametrize("tag", [330, 273, 279])  # SubIFDs, strip offsets, strip byte counts
def test_a_raw_whose_offsets_have_the_wrong_type_does_not_stop_the_album(tmp_path, tag, field_type):
    """Found by the fuzzer's entry mutations: a float or text where a TIFF offset belongs raised
    TypeError out of the RAW's completeness check, and for a RAW+JPEG pair out of the album scan."""
    data = bytearray(DNG)
    for e in _ifd_entries(DNG, 0):
        if struct.unpack("<H", data[e:e + 2])[0] == tag:
            data[e + 2:e + 4] = struct.pack("<H", field_type)
    (tmp_path / "IMG_1.dng").write_bytes(bytes(data))
    write_jpeg(tmp_path / "IMG_1.jpg", _IMG)
    (tmp_path / "solo").mkdir()
    (tmp_path / "solo" / "IMG_2.dng").write_bytes(bytes(data))

    exif_reader.raw_data_end(tmp_path / "IMG_1.dng")
    [pair] = album.scan(tmp_path)
    assert pair.status == "ok" and pair.companions == ["IMG_1.jpg"]
    [solo] = album.scan(tmp_path / "solo")
    assert solo.status in ("ok", "error")
