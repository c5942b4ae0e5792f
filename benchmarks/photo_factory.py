"""Test and benchmark photographs made from real ones (scikit-image's bundled CC0 photos).

Shared by tests, benchmarks and the demo-album builder so every one of them degrades photos the
same way: a hand-held burst is a few small shifts/crops of one frame, and its bad frames are
blurred, shaken (motion blur), noisy, under- or over-exposed copies.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image

# Real photographs that ship inside the scikit-image wheel (no network needed).
# "motorcycle_left"/"motorcycle_right" are a real stereo pair: a natural near-duplicate.
REAL_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "motorcycle_left", "camera", "coins",
               "hubble_deep_field", "retina", "clock", "moon", "immunohistochemistry")

# EXIF tag numbers used below.
_DATETIME_ORIGINAL, _SUBSEC_ORIGINAL, _EXPOSURE_BIAS = 0x9003, 0x9291, 0x9204
_ORIENTATION, _MAKE, _MODEL, _EXIF_IFD = 0x0112, 0x010F, 0x0110, 0x8769


def real_photo(name: str = "astronaut") -> np.ndarray:
    """An RGB uint8 array of one of scikit-image's bundled photographs."""
    from skimage import data

    if name.startswith("motorcycle_"):
        left, right, _disparity = data.stereo_motorcycle()
        img = left if name.endswith("left") else right
    else:
        img = getattr(data, name)()
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    if img.dtype != np.uint8:
        img = (255 * (img.astype(np.float64) / max(float(img.max()), 1e-9))).astype(np.uint8)
    return np.ascontiguousarray(img[..., :3])


def resize(img: np.ndarray, width: int, height: int) -> np.ndarray:
    return np.asarray(Image.fromarray(img).resize((width, height), Image.Resampling.LANCZOS))


def shift_crop(img: np.ndarray, dx: int, dy: int, crop: float = 0.0) -> np.ndarray:
    """A hand-held neighbour frame: shifted by (dx, dy) px and cropped by `crop` (0-0.1), same size."""
    h, w = img.shape[:2]
    m = int(round(crop * min(h, w))) + max(abs(dx), abs(dy))
    y0, x0 = m + dy, m + dx
    part = img[y0:h - 2 * m + y0, x0:w - 2 * m + x0]
    return resize(part, w, h)


def gaussian_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    import cv2

    return cv2.GaussianBlur(img, (0, 0), sigma)


def motion_blur(img: np.ndarray, length: int, angle_deg: float = 0.0) -> np.ndarray:
    import cv2

    k = np.zeros((length, length), np.float32)
    k[length // 2, :] = 1.0
    rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle_deg, 1.0)
    k = cv2.warpAffine(k, rot, (length, length))
    k /= max(k.sum(), 1e-6)
    return cv2.filter2D(img, -1, k)


def add_noise(img: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noisy = img.astype(np.float32) + rng.normal(0.0, sigma, img.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def exposure(img: np.ndarray, stops: float) -> np.ndarray:
    """Under- (negative) or over-exposed (positive) copy, clipping like a sensor would."""
    lin = (img.astype(np.float32) / 255.0) ** 2.2 * (2.0 ** stops)
    return (np.clip(lin, 0, 1) ** (1 / 2.2) * 255).astype(np.uint8)


def write_jpeg(path: Path, img: np.ndarray, captured_at: datetime | None = None,
               exposure_bias: float | None = None, orientation: int | None = None,
               quality: int = 90, camera: tuple[str, str] = ("Culler", "Test Camera")) -> Path:
    """Write an RGB array as a JPEG with the EXIF fields culler reads."""
    exif = Image.Exif()
    exif[_MAKE], exif[_MODEL] = camera
    if orientation is not None:
        exif[_ORIENTATION] = orientation
    ifd = exif.get_ifd(_EXIF_IFD)
    if captured_at is not None:
        ifd[_DATETIME_ORIGINAL] = captured_at.strftime("%Y:%m:%d %H:%M:%S")
        ifd[_SUBSEC_ORIGINAL] = f"{captured_at.microsecond // 1000:03d}"
    if exposure_bias is not None:
        from fractions import Fraction

        f = Fraction(exposure_bias).limit_denominator(100)
        ifd[_EXPOSURE_BIAS] = float(f)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(img).save(path, "JPEG", quality=quality, exif=exif.tobytes())
    return path


def burst(base: np.ndarray, start: datetime, n_bad: int = 4, seed: int = 0,
          interval_s: float = 0.2) -> list[tuple[str, np.ndarray, datetime]]:
    """One hand-held burst: a clean frame and `n_bad` degraded neighbours at varied strengths.

    Returns (kind, image, capture time) with kind 'clean' for the frame that should win.
    """
    rng = np.random.default_rng(seed)
    kinds = ["blur", "motion", "noise", "dark", "bright"]
    rng.shuffle(kinds)
    frames = []
    clean_at = int(rng.integers(0, n_bad + 1))
    bad = iter((kinds * 3)[:n_bad])
    scale = max(base.shape[:2]) / 1000.0
    for i in range(n_bad + 1):
        dx, dy = (int(v) for v in rng.integers(-6, 7, size=2) * max(scale, 0.3))
        frame = shift_crop(base, dx, dy, crop=float(rng.uniform(0, 0.03)))
        kind = "clean"
        if i != clean_at:
            kind = next(bad)
            s = float(rng.uniform(0.6, 1.4))
            if kind == "blur":
                frame = gaussian_blur(frame, 2.5 * s * max(scale, 0.5))
            elif kind == "motion":
                frame = motion_blur(frame, max(5, int(15 * s * max(scale, 0.5))), float(rng.uniform(0, 180)))
            elif kind == "noise":
                frame = add_noise(frame, 18 * s, seed=seed + i)
            elif kind == "dark":
                frame = exposure(frame, -2.0 * s)
            else:
                frame = exposure(frame, 1.6 * s)
        frames.append((kind, frame, start + timedelta(seconds=interval_s * i)))
    return frames


def find_eyes(img: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Eye boxes (x, y, w, h) of the first face with two eyes found by OpenCV's Haar cascades."""
    import cv2

    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    face_cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    eye_cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_eye.xml")
    for (fx, fy, fw, fh) in face_cascade.detectMultiScale(grey, 1.1, 5, minSize=(40, 40)):
        eyes = eye_cascade.detectMultiScale(grey[fy:fy + fh // 2 + fh // 10, fx:fx + fw], 1.1, 5)
        if len(eyes) >= 2:
            return [(fx + ex, fy + ey, ew, eh) for (ex, ey, ew, eh) in eyes[:2]]
    raise ValueError("no face with two visible eyes found")


def close_eyes(img: np.ndarray, eyes=None, lash: float = 0.5, socket: float = 0.1) -> np.ndarray:
    """The same face with its eyes shut, the way a blink looks.

    No photo of a closed-eyed face ships offline, so this edits a real one (e.g. astronaut): each
    eye box (found by `find_eyes` unless given) is filled from the surrounding skin (OpenCV
    inpainting), given the fine skin texture of the lid just above it, shaded slightly (the eye
    socket) and crossed by a soft dark lash line along the closed lid. Side by side with the
    original it reads as the same person blinking; it is still a synthetic blink, not a real one.
    """
    import cv2

    eyes = find_eyes(img) if eyes is None else eyes
    out = img.copy()
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    for ex, ey, ew, eh in eyes:
        cx, cy = ex + ew / 2, ey + eh * 0.52
        ax, ay = ew * 0.6, eh * 0.32
        inside = ((xx - cx) / ax) ** 2 + ((yy - cy) / ay) ** 2 <= 1
        filled = cv2.inpaint(out, inside.astype(np.uint8) * 255, 3, cv2.INPAINT_TELEA).astype(np.float32)
        src = out.astype(np.float32)
        above = np.roll(src, int(round(2 * ay)), axis=0)  # the lid just above, moved down
        filled += 0.4 * (above - cv2.GaussianBlur(above, (0, 0), 1.0))
        shade = cv2.GaussianBlur(inside.astype(np.float32), (0, 0), max(1.0, ay / 3))
        filled *= (1 - socket * shade)[..., None]
        line = np.zeros((h, w), np.float32)
        xs = np.arange(int(cx - ax * 0.85), int(cx + ax * 0.85) + 1)
        for xv, yv in zip(xs, cy + ay * 0.4 * (1 - ((xs - cx) / ax) ** 2)):
            line[int(round(yv)), xv] = 1
        line = cv2.GaussianBlur(line, (0, 0), 0.9)
        filled *= (1 - lash * line / max(float(line.max()), 1e-6))[..., None]
        edge = cv2.GaussianBlur(inside.astype(np.float32), (0, 0), 1.0)[..., None]
        out = np.clip(edge * filled + (1 - edge) * src, 0, 255).astype(np.uint8)
    return out
