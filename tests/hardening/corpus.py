"""A hostile album, made on the spot: every kind of bad, odd or huge file a photographer's folder
can hold, next to good photos, each with what culler must make of it.

`build_corpus(folder)` writes the files and returns one `Entry` per name in the folder:
- expect 'ok': a photo culler must show and analyse (odd but valid: CMYK, 16-bit, grey,
  animated, a 100 MP panorama, absurd EXIF values, unicode / 255-byte / non-UTF-8 names,
  hostile XMP sidecars next to it);
- expect 'error': a file culler must list as a photo with status 'error' and a reason that
  contains `reason` (empty, truncated, not an image, a decompression bomb, a pipe, a socket);
- expect 'any': damaged in a way a decoder may or may not shrug off (bytes flipped inside the
  compressed data): either outcome is fine as long as nothing crashes and nothing is lost;
- expect 'skip': not a photo of the album at all (a folder named x.jpg, symlink loops, a broken
  symlink): it must not appear, and must not trap or stop the scan.

Everything is generated from scikit-image's bundled photographs in ~1-2 s (the 100 MP panorama
is a flat-ish grey JPEG so it encodes in ~0.5 s). Build it once per session and copy it.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import stat
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.decode import write_dng, write_png_bomb
from benchmarks.photo_factory import real_photo, resize, write_jpeg

T0 = datetime(2024, 7, 1, 12, 0, 0)
PANORAMA_SIZE = (12_500, 8_000)  # 100 megapixels
BOMB_SIZE = (50_000, 50_000)  # 2.5 gigapixels claimed by a 100-byte file

# Reasons culler gives (substrings of culler.core.metadata.error_reason / album.TRUNCATED).
EMPTY, TRUNCATED, NOT_IMAGE, TOO_LARGE = "empty", "truncated", "not an image", "too large"

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="5" xmp:Label="&lol9;"/>
</rdf:RDF></x:xmpmeta>
"""


def external_entity_sidecar(target: Path) -> str:
    return f"""<?xml version="1.0"?>
<!DOCTYPE x [ <!ENTITY secret SYSTEM "file://{target}"> ]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="4" xmp:Label="&secret;"/>
</rdf:RDF></x:xmpmeta>
"""


@dataclass
class Entry:
    name: str  # album-relative path (os.fsdecode form: a non-UTF-8 byte shows as a surrogate)
    kind: str  # what it is, for the report ("truncated JPEG", "FIFO named .jpg", ...)
    expect: str  # 'ok' | 'error' | 'any' | 'skip'
    reason: str | None = None  # a substring the error message must contain (expect 'error')

    @property
    def listed_as(self) -> str:
        """The path culler lists it under (undecodable bytes escaped as \\xNN)."""
        return os.fsencode(self.name).decode("utf-8", "backslashreplace")


def _small(name: str, width: int = 240) -> np.ndarray:
    img = real_photo(name)
    h, w = img.shape[:2]
    return resize(img, width, max(1, round(width * h / w)))


def _encode(img: np.ndarray | Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    (img if isinstance(img, Image.Image) else Image.fromarray(img)).save(buf, fmt, **kw)
    return buf.getvalue()


def _flip_bytes(data: bytes, start_frac: float, seed: int) -> bytes:
    """Garble 64 bytes in the compressed data (after the headers)."""
    rng = np.random.default_rng(seed)
    b = bytearray(data)
    at = max(64, int(len(b) * start_frac))
    b[at:at + 64] = rng.integers(0, 256, 64, dtype=np.uint8).tobytes()
    return bytes(b)


def _png_with_bad_crc(data: bytes) -> bytes:
    b = bytearray(data)
    idat = b.find(b"IDAT")
    length = struct.unpack(">I", b[idat - 4:idat])[0]
    crc_at = idat + 4 + length
    b[crc_at:crc_at + 4] = struct.pack(">I", (zlib.crc32(b"nope") & 0xFFFFFFFF))
    b[idat + 10:idat + 40] = b"\x00" * 30
    return bytes(b)


def _absurd_exif_jpeg(path: Path, img: np.ndarray, **fields) -> None:
    """A JPEG whose EXIF holds values no camera writes (set by tag number)."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Culler", "Absurd"
    ifd = exif.get_ifd(0x8769)
    for tag, value in fields.items():
        tag = int(tag[1:], 16)
        (exif if tag in (0x0112, 0x0132) else ifd)[tag] = value
    Image.fromarray(img).save(path, "JPEG", quality=85, exif=exif.tobytes())


def _panorama(path: Path) -> None:
    grey = np.asarray(Image.fromarray(real_photo("camera")[..., 0]).resize((250, 160), Image.BILINEAR))
    big = Image.fromarray(grey).resize(PANORAMA_SIZE, Image.NEAREST)
    big.save(path, "JPEG", quality=40)


def build_corpus(folder: Path) -> list[Entry]:
    """Write the hostile album into `folder` (created) and return what each name must become."""
    folder.mkdir(parents=True, exist_ok=True)
    entries: list[Entry] = []

    def add(name: str, kind: str, expect: str, reason: str | None = None) -> Path:
        entries.append(Entry(name, kind, expect, reason))
        return folder / name

    names = ("astronaut", "chelsea", "coffee", "rocket", "motorcycle_left", "coins")
    photos = {n: _small(n) for n in names}
    t = iter(T0 + timedelta(seconds=10 * i) for i in range(1000))

    # --- good photos, plain ------------------------------------------------------------------
    for i, n in enumerate(names):
        write_jpeg(add(f"IMG_{i + 1:04d}.jpg", "good JPEG", "ok"), photos[n], captured_at=next(t))
    good_jpeg = (folder / "IMG_0001.jpg").read_bytes()
    png = _encode(photos["chelsea"], "PNG")
    add("good.png", "good PNG", "ok").write_bytes(png)
    from culler.core.metadata import ensure_heif_opener

    ensure_heif_opener()
    heic = _encode(photos["coffee"], "HEIF", quality=60)
    add("good.heic", "good HEIC", "ok").write_bytes(heic)
    write_dng(add("lone.dng", "good DNG (RAW, embedded preview)", "ok"), photos["rocket"], captured_at=next(t))
    dng = (folder / "lone.dng").read_bytes()
    write_dng(add("PAIR_0001.dng", "RAW+JPEG pair", "ok"), photos["coins"], captured_at=next(t))
    write_jpeg(folder / "PAIR_0001.jpg", photos["coins"], captured_at=T0)

    # --- valid but odd -------------------------------------------------------------------------
    _panorama(add("panorama_100MP.jpg", "100-megapixel panorama", "ok"))
    cmyk = Image.fromarray(photos["astronaut"]).convert("CMYK")
    add("cmyk.jpg", "CMYK JPEG", "ok").write_bytes(_encode(cmyk, "JPEG", quality=85))
    add("cmyk.tif", "CMYK TIFF", "ok").write_bytes(_encode(cmyk, "TIFF"))
    import cv2

    rgb16 = photos["chelsea"].astype(np.uint16) * 257
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(rgb16[..., ::-1]))
    add("rgb16.png", "16-bit RGB PNG", "ok").write_bytes(buf.tobytes())
    ok, buf = cv2.imencode(".tif", np.ascontiguousarray(rgb16[..., ::-1]))
    add("rgb16.tif", "16-bit RGB TIFF", "ok").write_bytes(buf.tobytes())
    grey = Image.fromarray(photos["coffee"]).convert("L")
    add("grey.jpg", "greyscale JPEG", "ok").write_bytes(_encode(grey, "JPEG"))
    add("grey16.png", "16-bit greyscale PNG", "ok").write_bytes(
        _encode(Image.fromarray(np.asarray(grey).astype(np.uint16) * 257), "PNG"))
    frames = [Image.fromarray(np.roll(photos["rocket"], 20 * k, axis=1)) for k in range(4)]
    add("animated.gif", "animated GIF", "ok").write_bytes(
        _encode(frames[0].convert("P"), "GIF", save_all=True,
                append_images=[f.convert("P") for f in frames[1:]], duration=100, loop=0))
    add("animated.webp", "animated WebP", "ok").write_bytes(
        _encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100, loop=0))
    rgba = Image.fromarray(photos["coins"]).convert("RGBA")
    add("transparent.png", "PNG with alpha", "ok").write_bytes(_encode(rgba, "PNG"))

    # absurd EXIF values (tag numbers: 0x0112 orientation, 0x9003 DateTimeOriginal, 0x927C
    # MakerNote, 0x920A FocalLength, 0x829A ExposureTime, 0x8827 ISO)
    img = photos["motorcycle_left"]
    _absurd_exif_jpeg(add("exif_orientation_9.jpg", "EXIF orientation 9", "ok"), img, t0112=9)
    _absurd_exif_jpeg(add("exif_year_0.jpg", "EXIF date in year 0", "ok"), img, t9003="0000:00:00 00:00:00")
    _absurd_exif_jpeg(add("exif_year_9999.jpg", "EXIF date in year 9999", "ok"), img, t9003="9999:12:31 23:59:59")
    _absurd_exif_jpeg(add("exif_garbage_date.jpg", "EXIF date that is not a date", "ok"), img,
                      t9003="yesterday at noon!!", t0132="\x00\x01\x02")
    _absurd_exif_jpeg(add("exif_makernote_60k.jpg", "60 kB maker note", "ok"), img,
                      t927C=os.urandom(60_000), t9003="2024:07:01 12:00:00")
    _absurd_exif_jpeg(add("exif_absurd_numbers.jpg", "absurd focal length / shutter / ISO", "ok"), img,
                      t920A=1e9, t829A=-5.0, t8827=65535)

    # names: unicode, 255 bytes (the file system's limit), non-UTF-8 bytes, control characters
    write_jpeg(add("été_🌅_фото_写真.jpg", "unicode name", "ok"), photos["coffee"], captured_at=next(t))
    long_ascii = "L" * 251 + ".jpg"
    long_utf8 = "é" * 125 + ".jpg"  # 250 + 4 = 254 bytes, 129 characters
    assert len(os.fsencode(long_ascii)) == 255 and len(os.fsencode(long_utf8)) == 254
    write_jpeg(add(long_ascii, "255-byte name", "ok"), photos["chelsea"], captured_at=next(t))
    write_jpeg(add(long_utf8, "254-byte multi-byte name", "ok"), photos["rocket"], captured_at=next(t))
    bad_utf8 = os.fsdecode(b"latin1_caf\xe9.jpg")  # a name written by an old Windows/FAT tool
    write_jpeg(add(bad_utf8, "name that is not valid UTF-8", "error", "UTF-8"), photos["coins"], captured_at=next(t))
    write_jpeg(add("new\nline.jpg", "name with a newline", "ok"), photos["astronaut"], captured_at=next(t))
    write_jpeg(add("-rf --help.jpg", "name that looks like options", "ok"), photos["coffee"], captured_at=next(t))

    # good photos with hostile sidecars: the photo opens, the sidecar gives no decision
    write_jpeg(add("laughs.jpg", "billion-laughs XMP sidecar", "ok"), photos["chelsea"], captured_at=next(t))
    (folder / "laughs.xmp").write_text(BILLION_LAUGHS)
    write_jpeg(add("xxe.jpg", "external-entity XMP sidecar", "ok"), photos["rocket"], captured_at=next(t))
    secret = folder.parent / f"{folder.name}-secret.txt"
    secret.write_text("TOP-SECRET-OUTSIDE-THE-ALBUM")
    (folder / "xxe.xmp").write_text(external_entity_sidecar(secret))

    write_jpeg(add("fifo_sidecar.jpg", "named pipe as its XMP sidecar", "ok"), photos["coins"], captured_at=next(t))
    os.mkfifo(folder / "fifo_sidecar.xmp")

    # --- bad: must be listed with a reason ----------------------------------------------------
    # (every bad file has a stem of its own: a .dng and a .jpg of one stem would be a RAW+JPEG pair)
    for ext in ("jpg", "png", "heic", "dng", "webp"):
        add(f"zero_{ext}.{ext}", f"zero-byte .{ext}", "error", EMPTY).write_bytes(b"")
    add("cut_jpeg.jpg", "truncated JPEG", "error", TRUNCATED).write_bytes(good_jpeg[: len(good_jpeg) // 2])
    add("header_only.jpg", "JPEG cut after its header", "error", TRUNCATED).write_bytes(good_jpeg[:700])
    add("cut_png.png", "truncated PNG", "error", TRUNCATED).write_bytes(png[: len(png) // 2])
    add("cut_heic.heic", "truncated HEIC", "error", TRUNCATED).write_bytes(heic[: len(heic) // 2])
    add("cut_raw.dng", "truncated DNG", "error").write_bytes(dng[: len(dng) // 3])
    add("notes.jpg", "text file named .jpg", "error", NOT_IMAGE).write_text("shopping list: milk, film\n" * 40)
    add("page.png", "HTML page named .png", "error", NOT_IMAGE).write_text(
        "<!doctype html><html><body>404 not found</body></html>")
    add("random.heic", "random bytes named .heic", "error").write_bytes(os.urandom(5000))
    add("archive.webp", "zip archive named .webp", "error").write_bytes(_zip_bytes())
    add("program.nef", "executable named .nef", "error").write_bytes(b"\x7fELF" + os.urandom(3000))
    add("tiff_header_only.cr2", "RAW that is only a TIFF header", "error").write_bytes(
        b"II*\x00\x08\x00\x00\x00" + b"\xff\xff" + b"\x00" * 10)
    write_png_bomb(add("bomb.png", f"decompression bomb ({BOMB_SIZE[0]} x {BOMB_SIZE[1]} PNG)", "error",
                       TOO_LARGE), *BOMB_SIZE)
    add("bomb.jpg", "JPEG header claiming 65,000 x 65,000", "error").write_bytes(_jpeg_claiming(65_000, 65_000))
    os.mkfifo(add("pipe.jpg", "FIFO (named pipe) named .jpg", "error", "not a photo file"))
    _make_socket(add("socket.jpg", "UNIX socket named .jpg (open() fails even for root)", "error",
                     "not a photo file"))

    # --- damaged inside the compressed data: ok or error, never a crash -----------------------
    add("garbled_jpeg.jpg", "JPEG with garbled scan data", "any").write_bytes(_flip_bytes(good_jpeg, 0.5, 1))
    add("badcrc.png", "PNG with a bad CRC and zeroed data", "any").write_bytes(_png_with_bad_crc(png))
    add("garbled_heic.heic", "HEIC with garbled data", "any").write_bytes(_flip_bytes(heic, 0.6, 2))
    add("garbled_raw.dng", "DNG with a garbled IFD", "any").write_bytes(dng[:20] + os.urandom(200) + dng[220:])

    # --- not photos of the album ---------------------------------------------------------------
    (add("folder.jpg", "directory named .jpg", "skip")).mkdir()
    write_jpeg(folder / "folder.jpg" / "inside.jpg", photos["coins"])  # only seen when recursive
    os.symlink(".", add("loop", "symlink loop to the album itself", "skip"))
    os.symlink("loop_b.jpg", add("loop_a.jpg", "symlink loop between two .jpg names", "skip"))
    os.symlink("loop_a.jpg", add("loop_b.jpg", "symlink loop between two .jpg names", "skip"))
    os.symlink("nowhere.jpg", add("dangling.jpg", "dangling symlink", "skip"))
    return entries


def _zip_bytes() -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "not a photo")
    return buf.getvalue()


def _jpeg_claiming(width: int, height: int) -> bytes:
    """SOI + a baseline frame header claiming width x height + a tiny scan: a JPEG bomb header."""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x00\x03\x11\x00"
    return b"\xff\xd8" + sof + b"\xff\xda\x00\x0c\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00" + b"\x00" * 64 + b"\xff\xd9"


def _make_socket(path: Path) -> None:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.bind(str(path))
    finally:
        s.close()  # the socket file stays; open() on it fails with ENXIO


def copy_corpus(template: Path, dest: Path) -> Path:
    """A fresh copy (symlinks as symlinks, the FIFO and socket recreated)."""
    dest.mkdir(parents=True)
    for entry in os.scandir(template):
        src, dst = Path(entry.path), dest / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(src), dst)
        elif entry.is_dir():
            shutil.copytree(src, dst)
        elif entry.is_file():
            shutil.copy2(src, dst)
        elif stat.S_ISFIFO(entry.stat(follow_symlinks=False).st_mode):
            os.mkfifo(dst)
        else:
            _make_socket(dst)
    secret = template.parent / f"{template.name}-secret.txt"
    if secret.exists():
        shutil.copy2(secret, dest.parent / f"{dest.name}-secret.txt")
        (dest / "xxe.xmp").write_text(external_entity_sidecar(dest.parent / f"{dest.name}-secret.txt"))
    return dest


def summary(entries: list[Entry]) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in entries:
        out[e.expect] = out.get(e.expect, 0) + 1
    return out
