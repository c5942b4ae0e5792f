"""Decode and scan timings; prints one JSON object (CPU milliseconds per image unless named otherwise).

    .venv/bin/python benchmarks/decode.py [--scan-files 2000] [--scan-raw-files 500]

Measures, on a 12 MP (4000x3000) JPEG made from a real photograph: Pillow full decode vs
`draft()` decodes at 1/2, 1/4, 1/8 scale, culler.core.decode.load_image at 1024 and 256 px, a thumbnail on a cold and
a warm disk cache, a RAW preview from a minimal DNG, and album.scan over N JPEGs and M lone
24 MP DNGs (hard links of one file each, so the page cache is warm: the "warm" scan time).

Also home of two test-file makers: `write_png_bomb` (a tiny PNG claiming a huge size) and
`write_dng`, a minimal valid DNG (a tiny CFA raw image plus a full-size JPEG preview in IFD0,
the way cameras and Adobe's converter store it) that LibRaw opens and `rawpy.extract_thumb`
reads: no real RAW file can be downloaded here, and the tests use this one.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import struct
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# TIFF field types
_BYTE, _ASCII, _SHORT, _LONG, _RATIONAL, _SRATIONAL = 1, 2, 3, 4, 5, 10
_SIZES = {_BYTE: 1, _ASCII: 1, _SHORT: 2, _LONG: 4, _RATIONAL: 8, _SRATIONAL: 8}


def write_dng(path: Path, preview_rgb: np.ndarray, captured_at: datetime | None = None,
              orientation: int = 1, camera: tuple[str, str] = ("Culler", "Test DNG"),
              raw_size: tuple[int, int] = (64, 48), exposure_bias: float | None = None) -> Path:
    """A minimal DNG 1.4: IFD0 = JPEG preview (+ EXIF pointer), SubIFD = 16-bit RGGB raw data."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(preview_rgb).save(buf, "JPEG", quality=90)
    jpeg = buf.getvalue()
    rw, rh = raw_size
    raw = np.random.default_rng(0).integers(0, 4000, size=(rh, rw)).astype("<u2").tobytes()
    ph, pw = preview_rgb.shape[:2]
    make, model = camera

    def text(s: str) -> bytes:
        return s.encode() + b"\0"

    ifd0 = [(254, _LONG, [1]), (256, _LONG, [pw]), (257, _LONG, [ph]), (258, _SHORT, [8, 8, 8]),
            (259, _SHORT, [7]), (262, _SHORT, [6]), (271, _ASCII, text(make)), (272, _ASCII, text(model)),
            (273, _LONG, ["preview"]), (274, _SHORT, [orientation]), (277, _SHORT, [3]),
            (278, _LONG, [ph]), (279, _LONG, [len(jpeg)]), (330, _LONG, ["raw_ifd"]),
            (34665, _LONG, ["exif_ifd"]), (50706, _BYTE, [1, 4, 0, 0]), (50707, _BYTE, [1, 1, 0, 0]),
            (50708, _ASCII, text(f"{make} {model}")),
            (50721, _SRATIONAL, [(1, 1), (0, 1), (0, 1), (0, 1), (1, 1), (0, 1), (0, 1), (0, 1), (1, 1)]),
            (50778, _SHORT, [21])]
    raw_ifd = [(254, _LONG, [0]), (256, _LONG, [rw]), (257, _LONG, [rh]), (258, _SHORT, [16]),
               (259, _SHORT, [1]), (262, _SHORT, [32803]), (273, _LONG, ["raw"]), (277, _SHORT, [1]),
               (278, _LONG, [rh]), (279, _LONG, [len(raw)]), (284, _SHORT, [1]),
               (33421, _SHORT, [2, 2]), (33422, _BYTE, [0, 1, 1, 2]), (50717, _LONG, [4095])]
    exif_ifd = [(33434, _RATIONAL, [(1, 250)]), (34855, _SHORT, [400])]
    if captured_at is not None:
        exif_ifd += [(36867, _ASCII, text(captured_at.strftime("%Y:%m:%d %H:%M:%S"))),
                     (37521, _ASCII, text(f"{captured_at.microsecond // 1000:03d}"))]
    if exposure_bias is not None:
        exif_ifd.append((37380, _SRATIONAL, [(int(round(exposure_bias * 100)), 100)]))

    def ifd_size(entries) -> int:
        return 2 + 12 * len(entries) + 4

    refs = {"raw_ifd": 8 + ifd_size(ifd0)}
    refs["exif_ifd"] = refs["raw_ifd"] + ifd_size(raw_ifd)
    data_start = refs["exif_ifd"] + ifd_size(exif_ifd)
    data = bytearray()

    def place(blob: bytes) -> int:
        data.extend(b"\0" * (len(data) % 2))
        offset = data_start + len(data)
        data.extend(blob)
        return offset

    refs["preview"], refs["raw"] = place(jpeg), place(raw)

    def pack(typ: int, values) -> bytes:
        if typ == _ASCII:
            return values
        out = b""
        for v in values:
            v = refs[v] if isinstance(v, str) else v
            out += {_BYTE: lambda v=v: struct.pack("<B", v), _SHORT: lambda v=v: struct.pack("<H", v),
                    _LONG: lambda v=v: struct.pack("<I", v), _RATIONAL: lambda v=v: struct.pack("<II", *v),
                    _SRATIONAL: lambda v=v: struct.pack("<ii", *v)}[typ]()
        return out

    def build(entries) -> bytes:
        out = struct.pack("<H", len(entries))
        for tag, typ, values in sorted(entries, key=lambda e: e[0]):
            payload = pack(typ, values)
            count = len(payload) // _SIZES[typ]
            if len(payload) <= 4:
                out += struct.pack("<HHI", tag, typ, count) + payload.ljust(4, b"\0")
            else:
                out += struct.pack("<HHII", tag, typ, count, place(payload))
        return out + struct.pack("<I", 0)

    body = build(ifd0) + build(raw_ifd) + build(exif_ifd)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"II*\0" + struct.pack("<I", 8) + body + bytes(data))
    return path


def write_png_bomb(path: Path, width: int, height: int) -> Path:
    """A tiny PNG whose header claims width x height pixels: a decompression bomb."""
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    Path(path).write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                           + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
    return Path(path)


def _ms(fn, repeat: int) -> float:
    """CPU milliseconds per call (process time: other work on a shared machine does not count)."""
    fn()  # warm-up
    start = time.process_time()
    for _ in range(repeat):
        fn()
    return round((time.process_time() - start) / repeat * 1000, 2)


def main(argv=None) -> int:
    from PIL import Image

    from benchmarks.photo_factory import real_photo, resize, write_jpeg
    from culler.core import album, decode
    from culler.core.records import Photo

    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--scan-files", type=int, default=2000)
    args.add_argument("--scan-raw-files", type=int, default=500)
    args.add_argument("--repeat", type=int, default=10)
    opts = args.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="culler-decode-bench-") as tmp:
        tmp = Path(tmp)
        big = resize(real_photo("chelsea"), 4000, 3000)
        jpeg = write_jpeg(tmp / "photo" / "IMG_0001.JPG", big, datetime(2024, 5, 1, 10, 0, 0, 120000), orientation=6)
        dng = write_dng(tmp / "photo" / "IMG_0002.DNG", resize(big, 1616, 1212), datetime(2024, 5, 1, 10, 0, 1))

        def pil(scale):
            with Image.open(jpeg) as im:
                if scale > 1:
                    im.draft("RGB", (4000 // scale, 3000 // scale))  # libjpeg's DCT scaling
                im.load()

        cache = tmp / "cache"
        photo = Photo(path=jpeg.name, kind="jpeg")
        cold = []
        for i in range(opts.repeat):
            start = time.process_time()
            decode.thumbnail(photo, jpeg.parent, cache / str(i), 256)
            cold.append(time.process_time() - start)
        result = {
            "jpeg_12mp_full_ms": _ms(lambda: pil(1), opts.repeat),
            "jpeg_12mp_draft_half_ms": _ms(lambda: pil(2), opts.repeat),
            "jpeg_12mp_draft_quarter_ms": _ms(lambda: pil(4), opts.repeat),
            "jpeg_12mp_draft_eighth_ms": _ms(lambda: pil(8), opts.repeat),
            "load_image_1024_ms": _ms(lambda: decode.load_image(jpeg, 1024), opts.repeat),
            "load_image_256_ms": _ms(lambda: decode.load_image(jpeg, 256), opts.repeat),
            "thumbnail_cold_ms": round(sum(cold) / len(cold) * 1000, 2),
            "thumbnail_warm_ms": _ms(lambda: decode.thumbnail(photo, jpeg.parent, cache / "0", 256), opts.repeat * 20),
            "raw_preview_1024_ms": _ms(lambda: decode.load_image(dng, 1024), opts.repeat),
        }
        folder = tmp / "scan"
        folder.mkdir()
        for i in range(opts.scan_files):
            os.link(jpeg, folder / f"IMG_{i:05d}.JPG")
        album.scan(folder)  # page cache warm
        start, cpu = time.perf_counter(), time.process_time()
        photos = album.scan(folder)
        result.update(scan_files=len(photos), scan_seconds=round(time.perf_counter() - start, 3),
                      scan_cpu_seconds=round(time.process_time() - cpu, 3))
        raws = tmp / "scan_raw"  # lone 24 MP DNGs: EXIF from the TIFF header, LibRaw's header parse
        raws.mkdir()
        big_dng = write_dng(tmp / "big.DNG", resize(big, 1616, 1212), datetime(2024, 5, 1, 10, 0, 2),
                            raw_size=(6000, 4000))
        for i in range(opts.scan_raw_files):
            os.link(big_dng, raws / f"RAW_{i:05d}.DNG")
        album.scan(raws)
        start, cpu = time.perf_counter(), time.process_time()
        photos = album.scan(raws)
        result.update(scan_raw_files=len(photos), scan_raw_seconds=round(time.perf_counter() - start, 3),
                      scan_raw_cpu_seconds=round(time.process_time() - cpu, 3))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
