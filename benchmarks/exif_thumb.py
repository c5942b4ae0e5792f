"""Give a JPEG an EXIF-embedded thumbnail (IFD1, JPEGInterchangeFormat) like a camera does, or take it away.

Cameras store a small JPEG (typically 160x120, in the stored pixel orientation) inside the APP1
EXIF block; fast viewers show it before decoding the photo. `set_exif_thumbnail(path, True)`
rewrites only the APP1 segment (the photo's compressed data is copied byte for byte), through a
temporary file and a rename. Used by benchmarks/make_album.py.
"""

from __future__ import annotations

import io
import os
import struct
from pathlib import Path

THUMB_LONG_EDGE = 160
THUMB_QUALITY = 80
_EXIF_HEADER = b"Exif\x00\x00"


def make_thumbnail_jpeg(im) -> bytes:
    """A camera-style thumbnail (long edge 160) of a Pillow image, as JPEG bytes."""
    from PIL import Image

    small = im.convert("RGB")
    w, h = small.size
    scale = THUMB_LONG_EDGE / max(w, h)
    small = small.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.BICUBIC)
    buf = io.BytesIO()
    small.save(buf, "JPEG", quality=THUMB_QUALITY)
    return buf.getvalue()


def exif_with_thumbnail(exif: bytes, thumb: bytes | None) -> bytes:
    """EXIF bytes ("Exif\\0\\0" + TIFF) whose IFD0 links to an IFD1 holding `thumb` (None: no IFD1)."""
    tiff = bytearray(exif[len(_EXIF_HEADER):] if exif.startswith(_EXIF_HEADER) else exif)
    e = "<" if tiff[:2] == b"II" else ">"
    ifd0 = struct.unpack(e + "I", tiff[4:8])[0]
    n = struct.unpack(e + "H", tiff[ifd0:ifd0 + 2])[0]
    next_pos = ifd0 + 2 + 12 * n
    struct.pack_into(e + "I", tiff, next_pos, 0)
    if thumb:
        if len(tiff) % 2:
            tiff += b"\x00"
        ifd1 = len(tiff)
        data_at = ifd1 + 2 + 3 * 12 + 4
        tiff += struct.pack(e + "H", 3)
        tiff += struct.pack(e + "HHIH2x", 0x0103, 3, 1, 6)  # Compression: JPEG (old-style)
        tiff += struct.pack(e + "HHII", 0x0201, 4, 1, data_at)  # JPEGInterchangeFormat
        tiff += struct.pack(e + "HHII", 0x0202, 4, 1, len(thumb))  # JPEGInterchangeFormatLength
        tiff += struct.pack(e + "I", 0)
        tiff += thumb
        struct.pack_into(e + "I", tiff, next_pos, ifd1)
    return _EXIF_HEADER + bytes(tiff)


def _replace_app1(data: bytes, exif: bytes) -> bytes:
    """The JPEG with its EXIF APP1 segment replaced (or inserted after SOI/APP0)."""
    if len(exif) + 2 > 0xFFFF:
        raise ValueError("EXIF block too large for one APP1 segment")
    segment = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    pos = 2
    insert_at = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        end = pos + 2 + length
        if marker == 0xE1 and data[pos + 4:pos + 10] == _EXIF_HEADER:
            return data[:pos] + segment + data[end:]
        if marker == 0xE0:
            insert_at = end
        if marker == 0xDA:  # start of scan: no EXIF segment before the image data
            break
        pos = end
    return data[:insert_at] + segment + data[insert_at:]


def has_exif_thumbnail(path: Path) -> bool:
    from PIL import ExifTags, Image

    with Image.open(path) as im:
        return 0x0201 in im.getexif().get_ifd(ExifTags.IFD.IFD1)


def set_exif_thumbnail(path: Path, embed: bool) -> bool:
    """Add (embed=True) or remove the EXIF thumbnail; True when the file was rewritten."""
    from PIL import Image

    path = Path(path)
    if has_exif_thumbnail(path) == embed:
        return False
    with Image.open(path) as im:
        exif = im.info.get("exif") or im.getexif().tobytes()
        thumb = None
        if embed:
            im.draft("RGB", (THUMB_LONG_EDGE * 2, THUMB_LONG_EDGE * 2))
            thumb = make_thumbnail_jpeg(im)
    data = path.read_bytes()
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(_replace_app1(data, exif_with_thumbnail(exif, thumb)))
    os.replace(tmp, path)
    return True
