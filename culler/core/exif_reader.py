"""Byte-level header parsing, quick enough to run on every file of an album during a scan.

Pillow's own JPEG open and EXIF parsing cost ~0.5 ms a file; walking the JPEG markers and
decoding only the dozen EXIF tags culler uses costs ~0.1 ms. Also where each camera RAW keeps
its EXIF: TIFF-based RAWs (CR2, NEF, ARW, DNG, PEF, SRW, ...) in their IFD0 and EXIF sub-IFD,
Olympus ORF and Panasonic RW2/RWL the same under their own magic number, Canon CR3 in the
CMT1/CMT2 boxes of its ISO base media structure, Fujifilm RAF in its embedded JPEG.
Values come back raw (str, int, float, tuples; rationals as floats, 0/0 as NaN); judging whether
they make sense is culler.core.metadata's job. Garbage raises ValueError or struct.error.
"""

from __future__ import annotations

import math
import os
import struct
from dataclasses import dataclass
from pathlib import Path

# EXIF tags culler uses (IFD0 and the EXIF sub-IFD)
ORIENTATION, MAKE, MODEL, DATETIME, EXIF_IFD = 0x0112, 0x010F, 0x0110, 0x0132, 0x8769
DT_ORIGINAL, DT_DIGITIZED = 0x9003, 0x9004
SUBSEC, SUBSEC_ORIGINAL, SUBSEC_DIGITIZED = 0x9290, 0x9291, 0x9292
EXPOSURE_TIME, F_NUMBER, ISO, FOCAL_LENGTH, EXPOSURE_BIAS = 0x829A, 0x829D, 0x8827, 0x920A, 0x9204
LENS_MODEL, PIXEL_X, PIXEL_Y = 0xA434, 0xA002, 0xA003
RATING, XMP_PACKET = 0x4746, 0x02BC  # stars set in the camera; an XMP packet (TIFF, RAW)

_WANTED_IFD0 = frozenset({ORIENTATION, MAKE, MODEL, DATETIME, EXIF_IFD, RATING, XMP_PACKET})
_WANTED_EXIF = frozenset({DT_ORIGINAL, DT_DIGITIZED, SUBSEC, SUBSEC_ORIGINAL, SUBSEC_DIGITIZED,
                          EXPOSURE_TIME, F_NUMBER, ISO, FOCAL_LENGTH, EXPOSURE_BIAS,
                          LENS_MODEL, PIXEL_X, PIXEL_Y})
# TIFF field type -> (bytes per value, struct code); rationals are two codes; 13 is an IFD pointer
_FIELD_TYPES = {1: (1, "B"), 2: (1, "s"), 3: (2, "H"), 4: (4, "I"), 5: (8, "II"), 6: (1, "b"),
                7: (1, "B"), 8: (2, "h"), 9: (4, "i"), 10: (8, "ii"), 11: (4, "f"), 12: (8, "d"),
                13: (4, "I")}
_MAX_VALUE_BYTES = 4096  # a "model name" longer than this is not one; maker notes are never read
_MAX_XMP_BYTES = 1 << 20  # an embedded XMP packet (a camera's is a few kB)
XMP_APP1 = b"http://ns.adobe.com/xap/1.0/\x00"  # how an APP1 segment holding XMP starts
_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


@dataclass
class JpegHeader:
    width: int
    height: int
    exif: bytes | None  # the TIFF structure inside the APP1 Exif segment
    scan_offset: int  # where the entropy-coded data starts
    xmp: bytes | None = None  # the XMP packet of an APP1 XMP segment (a camera's rating is there)


def jpeg_header(f) -> JpegHeader | None:
    """Walk a JPEG's markers from f's position to the first scan; None when it is not a JPEG."""
    base = f.tell()
    if f.read(2) != b"\xff\xd8":
        return None
    pos, width, height, exif, xmp = base + 2, 0, 0, None, None
    for _ in range(1000):
        f.seek(pos)
        marker = f.read(4)
        if len(marker) < 4 or marker[0] != 0xFF:
            return None
        kind = marker[1]
        if kind == 0xFF:  # fill byte
            pos += 1
            continue
        length = (marker[2] << 8) | marker[3]
        if kind == 0xE1 and (exif is None or xmp is None):
            segment = f.read(length - 2)
            if segment.startswith(b"Exif\x00\x00") and exif is None:
                exif = segment[6:]
            elif segment.startswith(XMP_APP1) and xmp is None:
                xmp = segment[len(XMP_APP1):]
        elif kind in _SOF_MARKERS:
            height, width = struct.unpack(">HH", f.read(5)[1:5])
        elif kind == 0xDA:
            return JpegHeader(width, height, exif, pos + 2 + length, xmp) if width and height else None
        elif kind == 0xD9:
            return None
        pos += 2 + length
    return None


def exif_tags(tiff: bytes) -> tuple[dict, dict]:
    """(IFD0, EXIF sub-IFD) tags culler uses, from the TIFF structure of an Exif block."""
    return tiff_tags(_bytes_reader(tiff))


def tiff_tags(read, wanted: frozenset = _WANTED_IFD0, follow_exif: bool = True) -> tuple[dict, dict]:
    """(first IFD's wanted tags, EXIF sub-IFD tags) of a TIFF structure; read(offset, n) -> bytes.

    Only the tags culler uses are decoded; the byte-order mark is checked, the magic number is
    not (Olympus and Panasonic RAWs use their own). Raises ValueError/struct.error on garbage.
    """
    head = read(0, 8)
    if head[:2] not in (b"II", b"MM"):
        raise ValueError("not a TIFF structure")
    order = "<" if head[:2] == b"II" else ">"
    ifd0 = _ifd(read, order, struct.unpack(order + "I", head[4:8])[0], wanted)
    sub = {}
    if follow_exif and isinstance(ifd0.get(EXIF_IFD), int):
        try:
            sub = _ifd(read, order, ifd0[EXIF_IFD], _WANTED_EXIF)
        except (ValueError, struct.error):
            pass
    return ifd0, sub


def _ifd(read, order: str, offset: int, wanted: frozenset, max_bytes: int = _MAX_VALUE_BYTES) -> dict:
    count = struct.unpack(order + "H", read(offset, 2))[0]
    entries = read(offset + 2, 12 * min(count, 2000))
    found = {}
    for i in range(0, len(entries) - 11, 12):
        tag, typ, n = struct.unpack(order + "HHI", entries[i:i + 8])
        if tag not in wanted or typ not in _FIELD_TYPES:
            continue
        unit, code = _FIELD_TYPES[typ]
        size = unit * n
        if n == 0 or size > (_MAX_XMP_BYTES if tag == XMP_PACKET else max_bytes):
            continue
        if size <= 4:
            raw = entries[i + 8:i + 8 + size]
        else:
            raw = read(struct.unpack(order + "I", entries[i + 8:i + 12])[0], size)
        if len(raw) == size:
            found[tag] = raw if tag == XMP_PACKET else _decode_value(order, typ, code, n, raw)
    return found


def _decode_value(order: str, typ: int, code: str, n: int, raw: bytes):
    if typ == 2:
        return raw.split(b"\x00", 1)[0].decode("utf-8", "replace")
    if typ == 7:
        return raw
    values = struct.unpack(f"{order}{n * len(code)}{code[0]}", raw)
    if typ in (5, 10):
        values = tuple(num / den if den else math.nan for num, den in zip(values[::2], values[1::2]))
    return values[0] if n == 1 else values


def _bytes_reader(data: bytes):
    return lambda offset, n: data[offset:offset + n]


def _file_reader(f):
    def read(offset: int, n: int) -> bytes:
        f.seek(offset)
        return f.read(n)
    return read


# ---- where camera RAWs keep their EXIF -----------------------------------------------------------

_CANON_UUID = bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")
_XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")  # CR3's top-level XMP box
_ODD_TIFF_MAGIC = (b"IIRO", b"IIRS", b"MMOR", b"IIU\x00")  # Olympus ORF; Panasonic RW2 / Leica RWL


def raw_exif_tags(path: Path) -> tuple[dict, dict] | None:
    """(IFD0 tags, EXIF sub-IFD tags) from a RAW's own structure, or None when not found."""
    try:
        with open(path, "rb") as f:
            head = f.read(16)
            if head[:4] in (b"II*\x00", b"MM\x00*") or head[:4] in _ODD_TIFF_MAGIC:
                return tiff_tags(_file_reader(f))
            if head[4:12] == b"ftypcrx ":
                return _cr3_tags(f)
            if head.startswith(b"FUJIFILMCCD-RAW"):
                f.seek(84)
                offset, _length = struct.unpack(">II", f.read(8))
                f.seek(offset)
                header = jpeg_header(f)
                return exif_tags(header.exif) if header and header.exif else None
    except (OSError, ValueError, struct.error):  # a damaged header: LibRaw gets the next word
        return None
    return None


def _cr3_tags(f) -> tuple[dict, dict] | None:
    """Canon CR3 (ISO base media): moov/uuid(Canon)/CMT1 is IFD0, CMT2 the EXIF IFD, each a TIFF;
    a top-level uuid box holds the XMP packet (the camera's rating), returned as IFD0's XMP_PACKET."""
    end = os.fstat(f.fileno()).st_size
    top = list(_boxes(f, 0, end))
    moov = next((b for b in top if b[0] == b"moov"), None)
    if moov is None:
        return None
    found = {}
    for typ, start, stop in _boxes(f, moov[1], moov[2]):
        f.seek(start)
        if typ != b"uuid" or f.read(16) != _CANON_UUID:
            continue
        for sub_typ, s0, s1 in _boxes(f, start + 16, stop):
            if sub_typ in (b"CMT1", b"CMT2") and s1 - s0 <= 1 << 20:
                f.seek(s0)
                data = f.read(s1 - s0)
                wanted = _WANTED_IFD0 if sub_typ == b"CMT1" else _WANTED_EXIF
                found[sub_typ] = tiff_tags(_bytes_reader(data), wanted, follow_exif=False)[0]
        if found:
            break
    if not found:
        return None
    ifd0 = found.get(b"CMT1", {})
    for typ, start, stop in top:
        f.seek(start)
        if typ == b"uuid" and stop - start - 16 <= _MAX_XMP_BYTES and f.read(16) == _XMP_UUID:
            ifd0[XMP_PACKET] = f.read(stop - start - 16)
    return ifd0, found.get(b"CMT2", {})


def _boxes(f, start: int, end: int):
    """(type, payload start, box end) of the ISO-BMFF boxes between start and end."""
    pos = start
    while pos + 8 <= end:
        f.seek(pos)
        size, typ = struct.unpack(">I4s", f.read(8))
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", f.read(8))[0], 16
        elif size == 0:
            size = end - pos
        if size < header:
            return
        yield typ, pos + header, min(pos + size, end)
        pos += size


# ---- is a RAW file complete? ---------------------------------------------------------------------

_DATA_TAGS = frozenset({273, 279, 324, 325, 513, 514, 330})  # strips, tiles, JPEG preview, SubIFDs
_OFFSET_COUNT_TAGS = ((273, 279), (324, 325), (513, 514))


def raw_data_end(path: Path) -> int | None:
    """Where a RAW's last image data (raw strips or tiles, previews) ends according to its own
    header, or None when the layout is unknown. Beyond the file's size means a truncated copy."""
    try:
        with open(path, "rb") as f:
            head = f.read(16)
            if head[:4] in (b"II*\x00", b"MM\x00*") or head[:4] in _ODD_TIFF_MAGIC:
                return _tiff_data_end(_file_reader(f), "<" if head[:2] == b"II" else ">")
            if head[4:8] == b"ftyp":
                return bmff_end(f, os.fstat(f.fileno()).st_size)
            if head.startswith(b"FUJIFILMCCD-RAW"):
                f.seek(84)
                jpeg_at, jpeg_len, _hdr_at, _hdr_len, cfa_at, cfa_len = struct.unpack(">6I", f.read(24))
                return max(jpeg_at + jpeg_len, cfa_at + cfa_len)
    except (OSError, ValueError, struct.error):
        return None
    return None


def bmff_end(f, size: int) -> int | None:
    """Where the last top-level ISO-BMFF box (HEIF, CR3) ends; None when one runs to the end."""
    pos = 0
    while pos + 8 <= size:
        f.seek(pos)
        box_size, _typ = struct.unpack(">I4s", f.read(8))
        if box_size == 1:
            box_size = struct.unpack(">Q", f.read(8))[0]
        elif box_size == 0:
            return None
        if box_size < 8:
            raise ValueError("a broken box")
        pos += box_size
    return pos


def _tiff_data_end(read, order: str) -> int | None:
    pending, seen, end = [struct.unpack(order + "I", read(4, 4))[0]], set(), 0
    while pending and len(seen) < 64:
        offset = pending.pop()
        if not offset or offset in seen:
            continue
        seen.add(offset)
        tags = _ifd(read, order, offset, _DATA_TAGS, max_bytes=1 << 20)
        count = struct.unpack(order + "H", read(offset, 2))[0]
        following = read(offset + 2 + 12 * count, 4)
        if len(following) == 4:
            pending.append(struct.unpack(order + "I", following)[0])
        pending.extend(_as_tuple(tags.get(330, ())))
        for offsets_tag, counts_tag in _OFFSET_COUNT_TAGS:
            offsets, counts = _as_tuple(tags.get(offsets_tag, ())), _as_tuple(tags.get(counts_tag, ()))
            end = max([end] + [o + c for o, c in zip(offsets, counts)])
    return end or None


def _as_tuple(value) -> tuple:
    """The offsets or byte counts of a tag; a tag of the wrong type (a rational or text where a
    camera writes integers) holds none, rather than a float or str that file offsets cannot be."""
    values = value if isinstance(value, tuple) else (value,)
    return tuple(v for v in values if isinstance(v, int))
