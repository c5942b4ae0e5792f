"""Pixels for display and analysis: reduced-size decoding, EXIF orientation, the thumbnail cache.

`load_image(path, long_edge, orientation=None)` returns RGB uint8 (H, W, 3), upright, with the
long edge at most `long_edge`, decoding as little as it can:
- JPEG: Pillow's `draft()` makes libjpeg decode at 1/2, 1/4 or 1/8 scale (DCT scaling), then a
  bicubic resize down to `long_edge`. Unless exact=True, a DCT scale that lands within 10 %
  under `long_edge` is kept without resizing (a 4000 px photo asked for 1024 px comes back at
  1000 px: analysis saves a resize; thumbnails and previews ask for exact sizes).
- camera RAW: the embedded preview (`rawpy.extract_thumb`, a JPEG or a bitmap), never a develop;
  its orientation comes from the RAW (LibRaw's flip), not from the preview's own EXIF.
- HEIC/HEIF via pillow-heif (draft uses an embedded thumbnail when it is big enough); pillow-heif
  has already rotated the pixels, and its EXIF orientation reads 1.
- everything else: Pillow, then resize with `reducing_gap` (a fast integer `reduce` first).
CMYK (through its ICC profile when it has one), 16-bit, grey, palette and alpha (over white)
all come out as 8-bit RGB. Images over metadata.MAX_PIXELS (250 MP: a 100 MP panorama opens) are
refused as possible decompression bombs. Anything unreadable raises DecodeError with the reason
in a user's words ("IMG_1.JPG: the file is truncated ...").

`thumbnail(photo, album_root, cache_dir, size)` caches on disk (culler.core.thumbcache; key: abs
path, size, mtime_ns of the displayed file and the thumbnail size); `preview(...)` is the loupe's
uncached decode. Both show `photo.display_path` (a RAW's JPEG companion when it has one).
`first_thumbnail(...)` is the grid's first paint: the cached thumbnail when there is one, else the
JPEG's EXIF-embedded thumbnail (cameras write a 160x120 one; reading it costs ~2 ms against
20-70 ms for a reduced decode of a 12 MP file) flagged as provisional, so the caller refines it
later with `thumbnail()`, as Photo Mechanic does; else a full `thumbnail()`.

Measured with benchmarks/decode.py (CPU ms per image, 12 MP 4000x3000 JPEG of a real photo, the
2-core VM shared with a busy test run, so a quiet machine is faster):
    Pillow full decode 72-85; draft 1/2 36-40, 1/4 29, 1/8 21-23 (entropy decoding of the whole
    file is the floor); load_image at 1024 px 29-32 (1/4 scale, no resize), at 256 px 20-26;
    thumbnail cold 24-29, warm cache hit 0.9-1.1; RAW (DNG) 1616 px preview to 1024 px 47-60
    (mostly the bicubic resize). album.scan warm: 2,000 JPEGs 0.26-0.34 s CPU, 500 lone 24 MP
    DNGs 0.18 s CPU (wall time on the loaded VM 2-3x that).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from culler.core import metadata, thumbcache
from culler.core.metadata import RAW_EXTENSIONS
from culler.core.records import Photo

_ORIENTATION_TAG = 0x0112
EMBEDDED_MIN_LONG_EDGE = 120  # a camera's 160x120 EXIF thumbnail is enough for a first paint
DRAFT_SLACK = 0.9  # without exact=True, a reduced decode may land this much under long_edge
_TRANSPOSE = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE",
              6: "ROTATE_270", 7: "TRANSVERSE", 8: "ROTATE_90"}


class DecodeError(Exception):
    """A photo cannot be decoded; str() names the file and says why, in a user's words."""

    def __init__(self, reason: str, path: Path | None = None) -> None:
        self.reason = reason
        self.path = Path(path) if path is not None else None
        super().__init__(f"{self.path.name}: {reason}" if self.path is not None else reason)


def load_image(path: Path, long_edge: int | None, orientation: int | None = None, *,
               exact: bool = False) -> np.ndarray:
    """RGB uint8 (H, W, 3), EXIF orientation applied, long edge <= long_edge (None: full size).

    orientation None reads it from the file (for a RAW: from the RAW, not its preview).
    exact=False lets a JPEG's reduced decode land up to 10 % under long_edge to skip a resize
    (analysis); exact=True always resizes to long_edge when the image is larger (display).
    """
    path = Path(path)
    slack = 1.0 if exact else DRAFT_SLACK
    try:
        if os.stat(path).st_size == 0:
            raise DecodeError("the file is empty (0 bytes)", path)
        if path.suffix.lower() in RAW_EXTENSIONS:
            im, file_orientation = _raw_preview(path, long_edge, slack)
            return _finish(im, long_edge, orientation or file_orientation)
        with metadata.open_image(path) as im:
            if orientation is None:
                orientation = metadata.normalise_orientation(_exif_orientation(im))
            if long_edge:
                im.draft("RGB", _draft_size(im.size, long_edge, slack))
            im.load()
            return _finish(im, long_edge, orientation)
    except DecodeError:
        raise
    except Exception as e:  # noqa: BLE001 - whatever a broken file throws, the user gets a reason
        raise DecodeError(metadata.error_reason(e), path) from e


def thumbnail(photo: Photo, album_root: Path, cache_dir: Path, size: int = 256) -> np.ndarray:
    """The photo's thumbnail (long edge `size`), from the disk cache when the file is unchanged."""
    source, key = _thumbnail_key(photo, album_root, size)
    if cache_dir is not None:
        cached = thumbcache.read(cache_dir, key)
        if cached is not None:
            return cached
    rgb = load_image(source, size, exact=True)
    if cache_dir is not None:
        thumbcache.write(cache_dir, key, rgb)
    return rgb


def first_thumbnail(photo: Photo, album_root: Path, cache_dir: Path, size: int = 256,
                    min_embedded: int = EMBEDDED_MIN_LONG_EDGE) -> tuple[np.ndarray, bool]:
    """(pixels, final) for a first paint: the cached thumbnail (final), else the file's EXIF
    thumbnail when it has one with a long edge >= min_embedded and the photo's shape (not final:
    call thumbnail() to refine it; nothing is cached), else thumbnail() (final)."""
    source, key = _thumbnail_key(photo, album_root, size)
    if cache_dir is not None:
        cached = thumbcache.read(cache_dir, key)
        if cached is not None:
            return cached, True
    embedded = embedded_thumbnail(source, min_embedded, size)
    if embedded is not None:
        return embedded, False
    rgb = load_image(source, size, exact=True)
    if cache_dir is not None:
        thumbcache.write(cache_dir, key, rgb)
    return rgb, True


def embedded_thumbnail(path: Path, min_long_edge: int = EMBEDDED_MIN_LONG_EDGE,
                       long_edge: int | None = None) -> np.ndarray | None:
    """A JPEG's EXIF-embedded thumbnail (IFD1), upright, or None when there is none, it is smaller
    than min_long_edge, its shape differs from the photo's (letterboxed), or anything is wrong."""
    from PIL import ExifTags, Image

    try:
        with metadata.open_image(Path(path)) as im:
            if im.format != "JPEG":
                return None
            exif = im.getexif()
            ifd1 = exif.get_ifd(ExifTags.IFD.IFD1)
            offset, length = ifd1.get(0x0201), ifd1.get(0x0202)  # JPEGInterchangeFormat(Length)
            raw = im.info.get("exif", b"")
            if not offset or not length or not raw.startswith(b"Exif\x00\x00"):
                return None
            data = raw[6 + offset:6 + offset + length]
            orientation = metadata.normalise_orientation(exif.get(_ORIENTATION_TAG))
            width, height = im.size
        with Image.open(io.BytesIO(data), formats=["JPEG"]) as thumb:
            tw, th = thumb.size
            if max(tw, th) < min_long_edge or abs(tw / th - width / height) > 0.02 * width / height:
                return None
            thumb.load()
            return _finish(thumb, long_edge, orientation)
    except Exception:  # noqa: BLE001 - a broken embedded thumbnail: the full decode will tell
        return None


def _thumbnail_key(photo: Photo, album_root: Path, size: int) -> tuple[Path, str]:
    source = Path(album_root) / photo.display_path
    try:
        return source, thumbcache.key_for_file(source, size)
    except OSError as e:
        raise DecodeError(metadata.error_reason(e), source) from e


def preview(photo: Photo, album_root: Path, long_edge: int | None) -> np.ndarray:
    """The loupe's image of a photo (its display file), long edge <= long_edge."""
    return load_image(Path(album_root) / photo.display_path, long_edge, exact=True)


# ---- steps -------------------------------------------------------------------------------------

def _target_size(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    w, h = size
    scale = min(1.0, long_edge / max(w, h, 1))
    return max(1, round(w * scale)), max(1, round(h * scale))


def _draft_size(size: tuple[int, int], long_edge: int, slack: float) -> tuple[int, int]:
    """What to ask libjpeg's DCT scaling for: with slack 0.9 a result down to 90 % of the target
    is kept as is (4000 px at 1/4 gives 1000 px for a 1024 request, saving a resize from 2000)."""
    w, h = _target_size(size, long_edge)
    return max(1, int(w * slack)), max(1, int(h * slack))


def _exif_orientation(im):
    try:
        return im.getexif().get(_ORIENTATION_TAG)
    except Exception:  # noqa: BLE001 - broken EXIF: show the pixels as stored
        return None


def _finish(im, long_edge: int | None, orientation: int | None) -> np.ndarray:
    from PIL import Image

    rgb = _to_rgb(im)
    if long_edge and max(rgb.size) > long_edge:
        rgb = rgb.resize(_target_size(rgb.size, long_edge), Image.Resampling.BICUBIC, reducing_gap=2.0)
    step = _TRANSPOSE.get(metadata.normalise_orientation(orientation))
    if step:
        rgb = rgb.transpose(getattr(Image.Transpose, step))
    arr = np.asarray(rgb, dtype=np.uint8)
    return arr if arr.flags.c_contiguous else np.ascontiguousarray(arr)


def _to_rgb(im):
    """Any Pillow mode -> 8-bit RGB: 16-bit scaled down, alpha over white, CMYK via its profile."""
    from PIL import Image

    mode = im.mode
    if mode == "RGB":
        return im
    if mode.startswith("I") or mode == "F":
        return _wide_grey_to_rgb(im)
    if mode == "CMYK":
        return _cmyk_to_rgb(im)
    if mode == "P" and "transparency" in im.info or mode in ("RGBA", "RGBa", "LA", "La", "PA"):
        rgba = im.convert("RGBA")
        out = Image.new("RGB", rgba.size, (255, 255, 255))
        out.paste(rgba, mask=rgba.getchannel("A"))
        return out
    return im.convert("RGB")


def _wide_grey_to_rgb(im):
    from PIL import Image

    arr = np.asarray(im)
    if im.mode == "F":
        arr = np.nan_to_num(arr.astype(np.float32))
        peak = float(arr.max()) if arr.size else 1.0
        arr = arr * (255.0 if peak <= 1.0 else 255.0 / max(peak, 1e-9))
    else:
        peak = int(arr.max()) if arr.size else 0
        if im.mode.startswith("I;16") or 255 < peak <= 65535:
            arr = arr.astype(np.float32) / 257.0
        elif peak > 65535:
            arr = arr.astype(np.float32) * (255.0 / peak)
    grey = np.clip(arr, 0, 255).astype(np.uint8)
    return Image.fromarray(np.stack([grey] * 3, axis=-1))


def _cmyk_to_rgb(im):
    icc = im.info.get("icc_profile")
    if icc:
        try:
            from PIL import ImageCms

            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except Exception:  # noqa: BLE001 - a broken profile: fall back to the plain conversion
            pass
    return im.convert("RGB")


def _raw_preview(path: Path, long_edge: int | None, slack: float):
    """(Pillow image of the RAW's embedded preview, the RAW's orientation)."""
    import rawpy
    from PIL import Image

    try:
        with rawpy.imread(str(path)) as raw:
            orientation = metadata.LIBRAW_FLIP_TO_ORIENTATION.get(int(raw.sizes.flip), 1)
            thumb = raw.extract_thumb()
    except rawpy.LibRawNoThumbnailError as e:
        raise DecodeError("this RAW file has no embedded preview to show (culler does not develop RAWs)", path) from e
    except rawpy.LibRawUnsupportedThumbnailError as e:
        raise DecodeError("this RAW file's embedded preview is in a format culler cannot show", path) from e
    except rawpy.LibRawError as e:
        raise DecodeError(metadata.raw_error_reason(e, path), path) from e
    if thumb.format == rawpy.ThumbFormat.JPEG:
        im = metadata.open_image(io.BytesIO(thumb.data))
        if long_edge:
            im.draft("RGB", _draft_size(im.size, long_edge, slack))
        im.load()
        return im, orientation
    data = np.asarray(thumb.data)
    if data.dtype != np.uint8:
        data = (data.astype(np.float32) / max(float(data.max()), 1.0) * 255.0).astype(np.uint8)
    if data.ndim == 3 and data.shape[2] == 1:
        data = data[..., 0]
    metadata.check_pixels((data.shape[1], data.shape[0]))
    return Image.fromarray(np.ascontiguousarray(data)), orientation
