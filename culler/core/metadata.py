"""What a photo file says about itself (EXIF), read from its headers only: pixels are never decoded.

- JPEG: culler.core.exif_reader walks the markers and decodes only the tags used (~0.1 ms).
- PNG, TIFF, WebP, GIF, AVIF through Pillow's lazy `Image.open` (it reads headers only);
  HEIC/HEIF through pillow-heif, whose opener is registered on first need. pillow-heif applies
  the HEIF rotation itself, so a HEIC's orientation reads as 1 and its size is the displayed size.
- camera RAW (`raw_meta`): the EXIF inside the RAW's own structure (exif_reader knows where
  each kind keeps it), then what LibRaw (rawpy) reads from the header: orientation ("flip",
  which knows each maker's quirks) and size; last, the EXIF of the embedded JPEG preview when
  the capture time is still unknown. (rawpy's `other`/`lens` would give ISO, shutter and lens
  too, but reading them unpacks the whole raw image: ~170 ms for a 24 MP file.)

Ratings set in the camera: the EXIF Rating tag (0x4746) and `xmp:Rating` of an embedded XMP
packet (JPEG APP1, TIFF/RAW tag 700, CR3's XMP box, what Pillow finds for HEIC/PNG/WebP); the XMP
one wins when both are there. It becomes a decision only at a scan (culler.core.store_sidecars),
and only for a photo with no sidecar and no decision of its own; the file is never written.

Absurd values (year 0 or 9999, orientation 9, NaN exposure, a 2 km focal length, a 5 kB "model
name") are dropped: a field is None rather than wrong, and nothing here raises because of what a
file contains. `open_image` is shared with decode: Pillow's lazy open plus the megapixel guard.
"""

from __future__ import annotations

import io
import math
import os
import re
import struct
import threading
from datetime import datetime
from pathlib import Path

from culler.core import exif_reader
from culler.core.records import PhotoMeta

RAW_EXTENSIONS = frozenset({
    ".3fr", ".ari", ".arw", ".bay", ".cr2", ".cr3", ".crw", ".dcr", ".dcs", ".dng", ".erf", ".fff",
    ".gpr", ".iiq", ".k25", ".kdc", ".mef", ".mos", ".mrw", ".nef", ".nrw", ".orf", ".ori", ".pef",
    ".raf", ".raw", ".rw2", ".rwl", ".sr2", ".srf", ".srw", ".x3f",
})
HEIF_EXTENSIONS = frozenset({".heic", ".heif", ".hif"})  # .hif: Canon's in-camera HEIF
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".tif", ".tiff", ".webp", ".gif",
                              ".avif"}) | HEIF_EXTENSIONS

# A 100 MP panorama must open; a 20000 x 20000 PNG bomb must not.
MAX_PIXELS = 250_000_000

_heif_lock = threading.Lock()
_heif_registered = False


def read_meta(path: Path) -> PhotoMeta:
    """The photo's EXIF metadata; fields that are missing or absurd are None. Never raises."""
    path = Path(path)
    try:
        if path.suffix.lower() in RAW_EXTENSIONS:
            return raw_meta(path)[0]
        with open(path, "rb") as f:
            header = exif_reader.jpeg_header(f)
            if header is not None:
                return meta_from_jpeg(header)
            f.seek(0)
            with open_image(f) as im:
                return meta_from_image(im)
    except Exception:  # noqa: BLE001 - an unreadable file simply has no metadata
        return PhotoMeta()


def error_reason(exc: BaseException) -> str:
    """An exception raised while reading a file, in words a photographer understands."""
    from PIL import Image, UnidentifiedImageError

    if isinstance(exc, PermissionError):
        return "permission denied: culler is not allowed to read this file"
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        return "the file is missing (moved or deleted?)"
    if isinstance(exc, IsADirectoryError):
        return "this is a folder, not a photo"
    if isinstance(exc, Image.DecompressionBombError):
        return f"the image is too large to open safely (over {MAX_PIXELS // 1_000_000} megapixels)"
    if isinstance(exc, UnidentifiedImageError):
        return "not an image, or a kind of image culler cannot read (is the extension wrong?)"
    text = str(exc)
    if "truncated" in text.lower():
        return "the file is truncated (an interrupted copy or download?)"
    if isinstance(exc, MemoryError):
        return "the image is too large for the memory available"
    if isinstance(exc, OSError) and exc.errno is not None:
        return f"cannot read the file ({exc.strerror or text})"
    return f"the file is damaged or not a supported image ({text or type(exc).__name__})"


def configure_pillow() -> None:
    """Pillow's own decompression-bomb limit, set to ours (Pillow errors at twice it, we at once)."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def ensure_heif_opener() -> None:
    """Teach Pillow HEIC/HEIF (pillow-heif), once per process, on first need."""
    global _heif_registered
    if _heif_registered:
        return
    with _heif_lock:
        if not _heif_registered:
            import pillow_heif

            pillow_heif.register_heif_opener()
            _heif_registered = True


def open_image(source):
    """Pillow's lazy open (headers only) of a path or binary file, with HEIC and the megapixel guard."""
    from PIL import Image, UnidentifiedImageError

    configure_pillow()
    name = str(getattr(source, "name", source))
    if os.path.splitext(name)[1].lower() in HEIF_EXTENSIONS:
        ensure_heif_opener()
    try:
        im = Image.open(source)
    except UnidentifiedImageError:
        if _heif_registered or not _looks_like_heif(source):
            raise
        ensure_heif_opener()  # a HEIC saved under another name (iPhone exports do this)
        if hasattr(source, "seek"):
            source.seek(0)
        im = Image.open(source)
    try:
        check_pixels(im.size)
    except Exception:
        im.close()
        raise
    return im


def check_pixels(size: tuple[int, int]) -> None:
    from PIL import Image

    w, h = size
    if w <= 0 or h <= 0:
        raise ValueError(f"the image has no pixels ({w} x {h})")
    if w * h > MAX_PIXELS:
        raise Image.DecompressionBombError(f"{w} x {h} pixels")


def _looks_like_heif(source) -> bool:
    try:
        if hasattr(source, "read"):
            source.seek(0)
            head = source.read(12)
        else:
            with open(source, "rb") as f:
                head = f.read(12)
    except OSError:
        return False
    return head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis", b"hevc")


# ---- EXIF -> PhotoMeta ----------------------------------------------------------------------

def meta_from_image(im) -> PhotoMeta:
    """PhotoMeta from an opened Pillow image (its EXIF, or none)."""
    try:
        exif = im.getexif()
        ifd0 = dict(exif)
        sub = exif.get_ifd(exif_reader.EXIF_IFD) if exif_reader.EXIF_IFD in exif else {}
    except Exception:  # noqa: BLE001 - broken EXIF: the photo still shows, without metadata
        ifd0, sub = {}, {}
    packet = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp")
    if packet:
        ifd0[exif_reader.XMP_PACKET] = packet.encode("utf-8") if isinstance(packet, str) else packet
    return meta_from_tags(ifd0, sub, im.size)


def meta_from_jpeg(header: exif_reader.JpegHeader) -> PhotoMeta:
    """PhotoMeta from a JPEG's marker walk (its Exif block, its frame size)."""
    try:
        tags = exif_reader.exif_tags(header.exif) if header.exif else ({}, {})
    except (ValueError, struct.error):  # broken EXIF: the photo still shows, without metadata
        tags = ({}, {})
    if header.xmp:
        tags[0][exif_reader.XMP_PACKET] = header.xmp
    return meta_from_tags(*tags, (header.width, header.height))


def meta_from_tags(ifd0: dict, sub: dict, size: tuple[int, int] | None = None) -> PhotoMeta:
    """PhotoMeta from EXIF tag dictionaries (IFD0 and the EXIF sub-IFD); absurd values dropped."""
    captured = (parse_exif_datetime(sub.get(exif_reader.DT_ORIGINAL), sub.get(exif_reader.SUBSEC_ORIGINAL))
                or parse_exif_datetime(sub.get(exif_reader.DT_DIGITIZED), sub.get(exif_reader.SUBSEC_DIGITIZED))
                or parse_exif_datetime(ifd0.get(exif_reader.DATETIME), sub.get(exif_reader.SUBSEC)))
    width, height = (size if size else (None, None))
    if not width:
        width, height = _positive_int(sub.get(exif_reader.PIXEL_X)), _positive_int(sub.get(exif_reader.PIXEL_Y))
    iso = _number(sub.get(exif_reader.ISO), 1, 10_000_000)
    return PhotoMeta(
        captured_at=captured,
        orientation=normalise_orientation(ifd0.get(exif_reader.ORIENTATION)),
        width=width, height=height,
        camera=camera_name(ifd0.get(exif_reader.MAKE), ifd0.get(exif_reader.MODEL)),
        lens=_text(sub.get(exif_reader.LENS_MODEL)),  # as Lightroom shows it, without the lens maker
        exposure_time=_number(sub.get(exif_reader.EXPOSURE_TIME), 1e-6, 86_400),
        f_number=_number(sub.get(exif_reader.F_NUMBER), 0.3, 512),
        iso=int(round(iso)) if iso is not None else None,
        focal_length=_number(sub.get(exif_reader.FOCAL_LENGTH), 0.5, 10_000),
        exposure_bias=_number(sub.get(exif_reader.EXPOSURE_BIAS), -20, 20),
        rating=camera_rating(ifd0),
    )


def camera_rating(ifd0: dict) -> int | None:
    """Stars set in the camera (-1 rejected, 0-5) from the XMP packet or the EXIF Rating; None
    when neither says. Only a packet that mentions a rating is parsed (a scan reads thousands)."""
    packet = ifd0.get(exif_reader.XMP_PACKET)
    if isinstance(packet, bytes) and b"Rating" in packet:
        # xmp brings defusedxml: loaded only once a photo rated in the camera turns up
        from culler.core import xmp

        rating = xmp.packet_rating(packet)
        if rating is not None:
            return rating
    value = _number(ifd0.get(exif_reader.RATING), -1, 5)
    return int(value) if value is not None and value == int(value) else None


# ---- value cleaning ----------------------------------------------------------------------------

_DATETIME_RE = re.compile(r"^\s*(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})[ T]+(\d{1,2}):(\d{1,2})"
                          r"(?::(\d{1,2}))?(?:[.,](\d+))?")
_YEARS = range(1826, 2200)  # the first photograph to well past any camera clock's sanity


def parse_exif_datetime(value, subsec=None) -> datetime | None:
    """'2024:05:01 10:11:12' + SubSecTime '345' -> 2024-05-01 10:11:12.345; None when absurd."""
    text = _text(value)
    if not text:
        return None
    m = _DATETIME_RE.match(text)
    if not m:
        return None
    year, month, day, hour, minute = (int(g) for g in m.groups()[:5])
    second = int(m.group(6) or 0)
    if year not in _YEARS:
        return None
    digits = re.match(r"\s*(\d+)", _text(subsec) or "")
    fraction = digits.group(1) if digits else (m.group(7) or "")
    microsecond = int((fraction + "000000")[:6]) if fraction else 0
    try:
        return datetime(year, month, day, hour, minute, min(second, 59), microsecond)
    except ValueError:
        return None


def normalise_orientation(value) -> int:
    """EXIF orientation 1-8; anything else (0, 9, text, a list) reads as 1 (as stored)."""
    if isinstance(value, (tuple, list)) and value:
        value = value[0]
    try:
        o = int(value)
    except (TypeError, ValueError):
        return 1
    return o if 1 <= o <= 8 else 1


def camera_name(make, model) -> str | None:
    """'Canon' + 'Canon EOS R5' -> 'Canon EOS R5'; 'NIKON CORPORATION' + 'NIKON Z 6' -> 'NIKON Z 6'."""
    make, model = _text(make), _text(model)
    if make and model:
        first = make.split()[0].lower()
        return model if model.lower().startswith(first) else f"{make} {model}"
    return model or make


def _text(value, limit: int = 120) -> str | None:
    if isinstance(value, (tuple, list)):
        value = value[0] if value else None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", " ").strip()
    if not value or len(value) > limit or not value.isprintable():
        return None
    return value


def _number(value, lo: float, hi: float) -> float | None:
    if isinstance(value, (tuple, list)):
        value = value[0] if value else None
    try:
        x = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not math.isfinite(x) or not lo <= x <= hi:
        return None
    return round(x, 6)


def _positive_int(value) -> int | None:
    x = _number(value, 1, 1_000_000)
    return int(x) if x is not None else None




# ---- camera RAW --------------------------------------------------------------------------------

LIBRAW_FLIP_TO_ORIENTATION = {0: 1, 3: 3, 5: 8, 6: 6}


def raw_meta(path: Path, use_libraw: bool = True) -> tuple[PhotoMeta, str | None]:
    """(metadata, why the RAW cannot be shown or None: truncated, or LibRaw refuses it). Never raises.

    With use_libraw=False LibRaw is asked only when the RAW's own EXIF could not be found (the
    RAW of a RAW+JPEG pair: its JPEG is what is shown, and opening LibRaw costs ~0.6 ms a file).
    """
    tags = exif_reader.raw_exif_tags(path)
    meta = meta_from_tags(*tags) if tags else PhotoMeta()
    data_end = exif_reader.raw_data_end(path)
    try:
        if data_end is not None and data_end > os.stat(path).st_size:
            return meta, "the RAW file is truncated (an interrupted copy or download?)"
    except OSError as e:
        return meta, error_reason(e)
    if not use_libraw and tags is not None:
        return meta, None
    try:
        import rawpy
    except ImportError:  # pragma: no cover - rawpy is a dependency; without it RAWs show as errors
        return meta, "camera RAW support (rawpy) is not installed"
    try:
        with rawpy.imread(str(path)) as raw:
            _merge_libraw(meta, raw)
            if meta.captured_at is None:
                _merge_preview_exif(meta, raw)
    except (rawpy.LibRawError, OSError) as e:
        return meta, raw_error_reason(e, path)
    return meta, None


# RAW formats whose files all start with one of these (the others' magic numbers vary)
_RAW_MAGIC = (b"II*\x00", b"MM\x00*", b"IIRO", b"IIRS", b"MMOR", b"IIU\x00", b"FUJIFILM", b"FOVb",
              b"\x00MRM", b"IIII", b"ARRI")
_RAW_WITH_KNOWN_MAGIC = frozenset({".3fr", ".arw", ".cr2", ".cr3", ".crw", ".dcr", ".dng", ".erf", ".gpr",
                                   ".iiq", ".kdc", ".mef", ".mos", ".mrw", ".nef", ".nrw", ".orf", ".pef",
                                   ".raf", ".rw2", ".rwl", ".sr2", ".srf", ".srw", ".x3f"})


def raw_error_reason(exc: BaseException, path: Path) -> str:
    """Why LibRaw could not open a RAW, in a user's words (also says when it is no RAW at all)."""
    import rawpy

    if isinstance(exc, OSError):
        return error_reason(exc)
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError as e:
        return error_reason(e)
    known = head.startswith(_RAW_MAGIC) or head[4:8] == b"ftyp" or head[6:14] == b"HEAPCCDR"
    if not known and Path(path).suffix.lower() in _RAW_WITH_KNOWN_MAGIC:
        return "not a camera RAW file: its content is something else (is the extension wrong?)"
    if isinstance(exc, rawpy.LibRawFileUnsupportedError):
        return "not a camera RAW file that LibRaw can read (damaged, or a camera it does not know)"
    if isinstance(exc, (rawpy.LibRawIOError, rawpy.LibRawDataError)):
        return "the RAW file is damaged or truncated (LibRaw could not read it)"
    return f"the RAW file cannot be read (LibRaw: {type(exc).__name__})"


def _merge_libraw(meta: PhotoMeta, raw) -> None:
    """Orientation and size from LibRaw's header parse; its orientation wins (it knows each
    maker's quirks). rawpy's `other`, `lens` and `raw_type` are not touched: reading any of them
    unpacks the whole raw image (~170 ms CPU for a 24 MP DNG, against 0.3 ms for the header)."""
    sizes = raw.sizes
    meta.orientation = LIBRAW_FLIP_TO_ORIENTATION.get(int(sizes.flip), meta.orientation)
    meta.width, meta.height = int(sizes.width) or meta.width, int(sizes.height) or meta.height


def _merge_preview_exif(meta: PhotoMeta, raw) -> None:
    """Some RAWs keep their EXIF only in the embedded JPEG: read its header, not its pixels."""
    import rawpy

    try:
        thumb = raw.extract_thumb()
        header = exif_reader.jpeg_header(io.BytesIO(thumb.data)) if thumb.format == rawpy.ThumbFormat.JPEG else None
        if header is None:
            return
        found = meta_from_jpeg(header)
    except Exception:  # noqa: BLE001 - no preview, or a broken one: keep what we have
        return
    for name in ("captured_at", "camera", "lens", "exposure_time", "f_number", "iso",
                 "focal_length", "exposure_bias"):
        if getattr(meta, name) is None:
            setattr(meta, name, getattr(found, name))
