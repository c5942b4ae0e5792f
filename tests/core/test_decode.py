"""Decoding real files: orientation, reduced sizes, RAW previews, odd pixel modes, bombs and broken
files with clear reasons, and the thumbnail disk cache."""

from __future__ import annotations

import os
import time
from datetime import datetime

import numpy as np
import pytest
from PIL import Image

from benchmarks.decode import write_dng, write_png_bomb
from benchmarks.photo_factory import real_photo, resize, write_jpeg
from culler.core import decode
from culler.core.decode import DecodeError, load_image
from culler.core.records import Photo

T0 = datetime(2024, 6, 1, 14, 30, 5)


@pytest.fixture(scope="module")
def photo():
    """A 300x200 real photo with a pure red block in its top-left corner."""
    img = resize(real_photo("astronaut"), 300, 200).copy()
    img[:40, :40] = (255, 0, 0)
    return img


def red_corner(rgb: np.ndarray) -> str:
    h, w = rgb.shape[:2]
    corners = {"top-left": rgb[5, 5], "top-right": rgb[5, w - 6], "bottom-left": rgb[h - 6, 5],
               "bottom-right": rgb[h - 6, w - 6]}
    return next(name for name, px in corners.items() if px[0] > 200 and px[1] < 60 and px[2] < 60)


@pytest.mark.parametrize("orientation, shape, corner", [
    (1, (200, 300, 3), "top-left"), (3, (200, 300, 3), "bottom-right"),
    (6, (300, 200, 3), "top-right"), (8, (300, 200, 3), "bottom-left"),
    (2, (200, 300, 3), "top-right"), (5, (300, 200, 3), "top-left")])
def test_exif_orientation_is_applied(tmp_path, photo, orientation, shape, corner):
    path = write_jpeg(tmp_path / "o.jpg", photo, orientation=orientation, quality=95)

    rgb = load_image(path, None)

    assert rgb.shape == shape and rgb.dtype == np.uint8
    assert red_corner(rgb) == corner


def test_a_given_orientation_overrides_the_file(tmp_path, photo):
    path = write_jpeg(tmp_path / "o.jpg", photo, orientation=6)

    assert load_image(path, None, orientation=1).shape == (200, 300, 3)


def test_reduced_decode_respects_the_long_edge(tmp_path):
    big = write_jpeg(tmp_path / "big.jpg", resize(real_photo("chelsea"), 4000, 3000), orientation=6)

    analysis = load_image(big, 1024)
    thumb = load_image(big, 256)

    assert analysis.shape[2] == 3 and 0.9 * 1024 <= max(analysis.shape[:2]) <= 1024
    assert analysis.shape[0] > analysis.shape[1]  # rotated to portrait
    assert thumb.shape == (256, 192, 3)
    assert load_image(big, 1024, exact=True).shape == (1024, 768, 3)


def test_a_raw_shows_its_embedded_preview_upright(tmp_path, photo):
    dng = write_dng(tmp_path / "r.dng", photo, T0, orientation=6)

    rgb = load_image(dng, None)

    assert rgb.shape == (300, 200, 3)  # the 300x200 preview, turned by the RAW's orientation
    assert red_corner(rgb) == "top-right"
    assert load_image(dng, 100).shape == (100, 67, 3)


def test_a_100_megapixel_panorama_opens_and_a_bomb_does_not(tmp_path):
    pano = tmp_path / "pano.jpg"
    Image.new("L", (20000, 5000), 128).save(pano, quality=20)
    bomb = write_png_bomb(tmp_path / "bomb.png", 30000, 30000)

    assert load_image(pano, 512).shape == (128, 512, 3)
    with pytest.raises(DecodeError, match="too large"):
        load_image(bomb, 256)


@pytest.mark.parametrize("make", ["cmyk", "grey16", "grey", "palette_alpha", "rgba", "la", "bilevel", "float"])
def test_every_pixel_mode_comes_out_as_rgb_uint8(tmp_path, photo, make):
    rgba = np.dstack([photo, np.full(photo.shape[:2], 255, np.uint8)])
    rgba[:20, -20:, 3] = 0  # a transparent corner: shown as white
    grey16 = (photo[..., 1].astype(np.uint16) * 257)
    images = {
        "cmyk": (Image.fromarray(photo).convert("CMYK"), "x.jpg"),
        "grey16": (Image.fromarray(grey16), "x.png"),
        "grey": (Image.fromarray(photo).convert("L"), "x.jpg"),
        "palette_alpha": (Image.fromarray(rgba).convert("RGBA").quantize(64).convert("P"), "x.gif"),
        "rgba": (Image.fromarray(rgba), "x.png"),
        "la": (Image.fromarray(rgba).convert("LA"), "x.png"),
        "bilevel": (Image.fromarray(photo).convert("1"), "x.tif"),
        "float": (Image.fromarray(photo[..., 0].astype(np.float32) / 255.0), "x.tif"),
    }
    im, name = images[make]
    path = tmp_path / name
    im.save(path)

    rgb = load_image(path, None)

    assert rgb.dtype == np.uint8 and rgb.shape == (200, 300, 3)
    assert rgb.mean() > 40  # not black: 16-bit and float values were scaled, not clipped
    if make == "grey16":
        assert abs(int(rgb[100, 150, 0]) - int(photo[100, 150, 1])) <= 1
    if make in ("rgba", "la"):
        assert (rgb[5, -5] == 255).all()


def test_first_frame_of_a_gif_and_a_heic(tmp_path, photo):
    import pillow_heif

    frames = [Image.fromarray(photo), Image.fromarray(255 - photo)]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:])
    pillow_heif.from_pillow(Image.fromarray(photo)).save(tmp_path / "a.heic", quality=70)

    gif = load_image(tmp_path / "a.gif", None)
    heic = load_image(tmp_path / "a.heic", 150)

    assert red_corner(gif) == "top-left"
    assert heic.shape == (100, 150, 3) and red_corner(heic) == "top-left"


def test_unreadable_files_raise_decode_error_naming_the_file_and_the_reason(tmp_path, photo):
    good = write_jpeg(tmp_path / "good.jpg", photo).read_bytes()
    (tmp_path / "cut.jpg").write_bytes(good[: len(good) // 2])
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "text.jpg").write_text("not a photo")
    (tmp_path / "fake.cr2").write_text("not a raw")
    Image.fromarray(photo).save(tmp_path / "tiff.nef", "TIFF")

    expected = {"cut.jpg": "truncated", "empty.jpg": "empty", "text.jpg": "not an image",
                "fake.cr2": "not a camera RAW", "tiff.nef": "LibRaw", "gone.jpg": "missing"}
    for name, words in expected.items():
        with pytest.raises(DecodeError) as err:
            load_image(tmp_path / name, 256)
        assert str(err.value).startswith(f"{name}: ") and words in str(err.value)


# ---- thumbnails --------------------------------------------------------------------------------

def test_thumbnails_are_cached_and_a_changed_file_is_read_again(tmp_path, photo):
    album, cache = tmp_path / "album", tmp_path / "cache"
    path = write_jpeg(album / "a.jpg", photo)
    p = Photo(path="a.jpg", kind="jpeg")

    first = decode.thumbnail(p, album, cache, 128)
    entries = list(cache.rglob("*.jpg"))
    again = decode.thumbnail(p, album, cache, 128)

    assert first.shape == (85, 128, 3) and len(entries) == 1
    assert np.abs(again.astype(int) - first.astype(int)).mean() < 3  # the cached copy
    assert list(cache.rglob("*.jpg")) == entries  # a hit writes nothing

    write_jpeg(path, 255 - photo)  # the photographer edits the file
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    changed = decode.thumbnail(p, album, cache, 128)

    assert np.abs(changed.astype(int) - (255 - first.astype(int))).mean() < 10
    assert len(list(cache.rglob("*.jpg"))) == 2
    assert not [f for f in cache.rglob("*") if f.is_file() and f.suffix != ".jpg"]  # no temp files left


def test_an_unwritable_cache_still_gives_thumbnails(tmp_path, photo):
    write_jpeg(tmp_path / "a.jpg", photo)
    blocked = tmp_path / "cache-is-a-file"
    blocked.write_text("")

    rgb = decode.thumbnail(Photo(path="a.jpg", kind="jpeg"), tmp_path, blocked, 64)

    assert rgb.shape == (43, 64, 3)


def test_a_damaged_cache_entry_is_a_miss(tmp_path, photo):
    write_jpeg(tmp_path / "a.jpg", photo)
    p = Photo(path="a.jpg", kind="jpeg")
    cache = tmp_path / "cache"
    decode.thumbnail(p, tmp_path, cache, 64)
    [entry] = cache.rglob("*.jpg")
    entry.write_bytes(b"\xff\xd8broken")

    assert decode.thumbnail(p, tmp_path, cache, 64).shape == (43, 64, 3)


def test_a_raw_pair_is_shown_through_its_jpeg_and_a_lone_raw_through_its_preview(tmp_path, photo):
    write_dng(tmp_path / "IMG_1.DNG", 255 - photo, T0)
    write_jpeg(tmp_path / "IMG_1.JPG", photo, T0)
    write_dng(tmp_path / "IMG_2.DNG", photo, T0, orientation=6)
    pair = Photo(path="IMG_1.DNG", kind="raw", companions=["IMG_1.JPG"])
    lone = Photo(path="IMG_2.DNG", kind="raw")

    shown = decode.preview(pair, tmp_path, 300)
    thumb = decode.thumbnail(lone, tmp_path, tmp_path / "cache", 150)

    assert red_corner(shown) == "top-left"  # the JPEG, not the inverted RAW preview
    assert thumb.shape == (150, 100, 3) and red_corner(thumb) == "top-right"


def test_a_missing_file_raises_decode_error_from_thumbnail(tmp_path):
    with pytest.raises(DecodeError, match="missing"):
        decode.thumbnail(Photo(path="gone.jpg", kind="jpeg"), tmp_path, tmp_path / "cache")


@pytest.mark.parametrize("orientation", [1, 6])
def test_a_camera_exif_thumbnail_is_the_first_paint_and_the_proper_decode_refines_it(tmp_path, photo, orientation):
    from benchmarks.exif_thumb import set_exif_thumbnail

    big = resize(photo, 1200, 800).copy()
    stored = np.ascontiguousarray(np.rot90(big, 1)) if orientation == 6 else big  # as a camera stores it
    path = write_jpeg(tmp_path / "IMG_1.JPG", stored, T0, orientation=orientation)
    set_exif_thumbnail(path, True)
    shoot = Photo(path="IMG_1.JPG", kind="jpeg", size=path.stat().st_size, mtime_ns=path.stat().st_mtime_ns)
    cache = tmp_path / "cache"

    quick, final = decode.first_thumbnail(shoot, tmp_path, cache, 256)
    assert not final and quick.shape == (107, 160, 3)  # the embedded 160 px one, upright
    assert red_corner(quick) == "top-left"
    assert not any(cache.rglob("*.jpg"))  # the blurry one is never cached

    sharp = decode.thumbnail(shoot, tmp_path, cache, 256)
    assert sharp.shape == (171, 256, 3) and red_corner(sharp) == "top-left"
    again, final = decode.first_thumbnail(shoot, tmp_path, cache, 256)
    assert final and again.shape == sharp.shape  # next launch: the cached sharp thumbnail


def test_without_an_exif_thumbnail_the_first_paint_is_the_proper_one(tmp_path, photo):
    path = write_jpeg(tmp_path / "IMG_2.JPG", resize(photo, 1200, 800).copy(), T0)
    shoot = Photo(path="IMG_2.JPG", kind="jpeg", size=path.stat().st_size, mtime_ns=path.stat().st_mtime_ns)
    rgb, final = decode.first_thumbnail(shoot, tmp_path, tmp_path / "cache", 256)
    assert final and rgb.shape == (171, 256, 3)
    assert decode.embedded_thumbnail(path) is None
