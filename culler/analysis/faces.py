"""Frontal faces and whether their eyes are open, with the Haar cascades that ship inside OpenCV 4.x.

No downloaded weights: the cascade XML files come with `opencv-python(-headless)` 4.x in
`cv2.data.haarcascades` (OpenCV 5 ships none; Debian's `opencv-data` is a fallback location).

How it works, and why these numbers:
- Faces are found on a grey copy whose long edge is `DETECT_LONG_EDGE` (352 px) with
  `haarcascade_frontalface_alt2` (fewer false faces than `..._default` on textures), scale step
  1.25, faces at least `MIN_FACE_PX` (20 px) there, i.e. ~58 px at 1024 px (5.7 % of the long
  edge). Haar hits on small faces are spotty (a face found at one size is missed at a slightly
  different one), so this first pass keeps candidates with a single hit and each candidate is
  confirmed on a crop of the full-size grey image resized so the face is `CONFIRM_FACE_PX` wide.
  Measured on the astronaut pasted into other photos at 1024 px: found from ~57 px faces up,
  no false faces on the other bundled photos except a head on a coin. Cost grows with the
  square of the detection size: ~50-70 ms CPU at 352 px (2 threads share it), ~2x at 512 px, so
  smaller faces (big group photos) are traded for speed.
- Eyes are looked for in the upper part of each face, cropped from the full-size grey image and
  resized to `EYE_FACE_WIDTH` px wide, first with `haarcascade_eye_tree_eyeglasses` then
  `haarcascade_eye`. Haar eye cascades respond to the dark iris/pupil between lids and mostly
  fail on closed eyes, so "an eye found" = eyes open, "none found" = eyes closed. Faces narrower
  than `MIN_EYE_FACE_PX` (56 px) in the input image are too small to judge (eye cascades
  found eyes in closed-eye test faces ~48 px wide): `eyes_open` is None. At the 1024 px the
  pipeline uses, every face the detector finds (>= ~59 px) is big enough.

Cascade objects are not safe to share between threads, so `_cascade` caches one per thread.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FACE_CASCADE = "haarcascade_frontalface_alt2.xml"
CONFIRM_CASCADE = "haarcascade_frontalface_default.xml"
EYE_CASCADES = ("haarcascade_eye_tree_eyeglasses.xml", "haarcascade_eye.xml")
DETECT_LONG_EDGE = 352
DETECT_SCALE_STEP = 1.25
MIN_FACE_PX = 20
MIN_EYE_FACE_PX = 56
EYE_FACE_WIDTH = 128
CONFIRM_FACE_PX = 64
_EXTRA_CASCADE_DIRS = ("/usr/share/opencv4/haarcascades", "/usr/share/opencv/haarcascades")

Box = tuple[int, int, int, int]  # x, y, width, height in pixels of the image given to detect()


class FacesUnavailable(RuntimeError):
    """The installed OpenCV has no Haar cascades (e.g. OpenCV 5): faces cannot be looked for."""


@dataclass(frozen=True)
class Face:
    box: Box
    eyes_open: bool | None  # None: the face is too small to judge its eyes
    eyes: tuple[Box, ...] = ()  # eye boxes found (empty when closed or not judged)

    @property
    def area(self) -> int:
        return self.box[2] * self.box[3]


def cascade_path(filename: str) -> Path:
    """Where the named cascade XML lives; FacesUnavailable with the reason when nowhere."""
    import cv2

    dirs = []
    data = getattr(cv2, "data", None)
    if data is not None and getattr(data, "haarcascades", None):
        dirs.append(Path(data.haarcascades))
    dirs += [Path(d) for d in _EXTRA_CASCADE_DIRS]
    for d in dirs:
        if (d / filename).is_file():
            return d / filename
    raise FacesUnavailable(f"OpenCV {cv2.__version__} has no face cascade {filename!r} "
                           "(OpenCV 4.x ships them; 5.x does not)")


@functools.lru_cache(maxsize=32)
def _cascade(filename: str, thread_id: int):
    import cv2

    if not hasattr(cv2, "CascadeClassifier"):
        raise FacesUnavailable(f"OpenCV {cv2.__version__} has no CascadeClassifier")
    classifier = cv2.CascadeClassifier(str(cascade_path(filename)))
    if classifier.empty():
        raise FacesUnavailable(f"OpenCV could not load the face cascade {filename!r}")
    return classifier


def cascade(filename: str):
    """This thread's loaded cascade (loaded once per thread, then reused)."""
    return _cascade(filename, threading.get_ident())


def to_grey(image: np.ndarray) -> np.ndarray:
    """uint8 grey from an RGB (or already grey) uint8 array."""
    import cv2

    if image.ndim == 2:
        return np.ascontiguousarray(image)
    return cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_RGB2GRAY)


def detect(image: np.ndarray, detect_long_edge: int = DETECT_LONG_EDGE,
           min_face_px: int = MIN_FACE_PX) -> list[Face]:
    """Frontal faces in an RGB or grey uint8 image, largest first, boxes in the image's pixels."""
    import cv2

    grey = to_grey(image)
    h, w = grey.shape
    if min(h, w) < min_face_px:
        return []
    scale = min(1.0, detect_long_edge / max(h, w))
    small = grey if scale == 1.0 else cv2.resize(
        grey, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    found = cascade(FACE_CASCADE).detectMultiScale(small, scaleFactor=DETECT_SCALE_STEP, minNeighbors=1,
                                                    minSize=(min_face_px, min_face_px))
    faces = []
    for x, y, fw, fh in (found if len(found) else []):
        box = _clip_box((round(x / scale), round(y / scale), round(fw / scale), round(fh / scale)), w, h)
        confirmed = _confirm(grey, box)
        if confirmed is not None and not any(_overlap(confirmed, f.box) > 0.3 for f in faces):
            faces.append(_judge_eyes(grey, confirmed))
    faces.sort(key=lambda f: (-f.area, f.box))
    return faces


def _confirm(grey: np.ndarray, box: Box) -> Box | None:
    """Look again at a candidate at `CONFIRM_FACE_PX` resolution; the box found there, or None.

    Small faces get few neighbouring hits at the detection size, so detection is permissive
    (1 neighbour) and each candidate must be found again, closer up, to count.
    """
    region, x0, y0, k = _close_up(grey, box, pad=box[2] // 3)
    lo = int(CONFIRM_FACE_PX * 0.6)
    hits = cascade(FACE_CASCADE).detectMultiScale(region, scaleFactor=1.1, minNeighbors=3,
                                                  minSize=(lo, lo))
    if not len(hits):
        return None
    hx, hy, hw, hh = max(hits, key=lambda r: r[2] * r[3])
    return _clip_box((x0 + round(hx / k), y0 + round(hy / k), round(hw / k), round(hh / k)),
                     grey.shape[1], grey.shape[0])


def _close_up(grey: np.ndarray, box: Box, pad: int) -> tuple[np.ndarray, int, int, float]:
    """The box plus `pad` px around it (clipped to the image), scaled so the box is
    `CONFIRM_FACE_PX` wide: (region, its left, its top, scale factor)."""
    import cv2

    x, y, w, h = box
    x0, y0 = max(0, x - pad), max(0, y - pad)
    x1, y1 = min(grey.shape[1], x + w + pad), min(grey.shape[0], y + h + pad)
    k = CONFIRM_FACE_PX / w
    region = cv2.resize(grey[y0:y1, x0:x1], (max(1, round((x1 - x0) * k)), max(1, round((y1 - y0) * k))),
                        interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR)
    return region, x0, y0, k


def _overlap(a: Box, b: Box) -> float:
    """Intersection over the smaller box: two candidates that confirm to one face count once."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return 0.0 if w <= 0 or h <= 0 else w * h / min(a[2] * a[3], b[2] * b[3])


def _clip_box(box: Box, width: int, height: int) -> Box:
    x, y, w, h = box
    x, y = max(0, min(x, width - 1)), max(0, min(y, height - 1))
    return (int(x), int(y), int(max(1, min(w, width - x))), int(max(1, min(h, height - y))))


def _judge_eyes(grey: np.ndarray, box: Box) -> Face:
    import cv2

    x, y, w, h = box
    if w < MIN_EYE_FACE_PX:
        return Face(box, None)
    # Eyes sit between ~20 % and ~55 % of the face box height; look a little wider than that.
    top, bottom = y + int(0.12 * h), y + int(0.62 * h)
    region = grey[top:bottom, x:x + w]
    if region.size == 0:
        return Face(box, None)
    k = EYE_FACE_WIDTH / w
    region = cv2.resize(region, (EYE_FACE_WIDTH, max(1, round(region.shape[0] * k))),
                        interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC)
    lo, hi = int(0.12 * EYE_FACE_WIDTH), int(0.45 * EYE_FACE_WIDTH)
    for name in EYE_CASCADES:
        eyes = cascade(name).detectMultiScale(region, scaleFactor=1.1, minNeighbors=3,
                                              minSize=(lo, lo), maxSize=(hi, hi))
        if len(eyes):
            # The two largest, left to right (the cascade's own order varies between threads).
            biggest = sorted((tuple(int(v) for v in e) for e in eyes), key=lambda e: -e[2])[:2]
            boxes = tuple(sorted((x + round(ex / k), top + round(ey / k), round(ew / k), round(eh / k))
                                 for ex, ey, ew, eh in biggest))
            return Face(box, True, boxes)
    # No eye found. A false face (a pattern, a head on a coin) has no eyes either, and calling
    # its eyes closed would sink the photo: say "closed" only when a second, differently trained
    # cascade also sees a face there; otherwise we cannot tell.
    return Face(box, False if _seen_by_second_cascade(grey, box) else None)


def _seen_by_second_cascade(grey: np.ndarray, box: Box) -> bool:
    region, _x0, _y0, _k = _close_up(grey, box, pad=box[2] // 4)
    lo = int(CONFIRM_FACE_PX * 0.7)
    hits = cascade(CONFIRM_CASCADE).detectMultiScale(region, scaleFactor=1.1, minNeighbors=4,
                                                     minSize=(lo, lo))
    return bool(len(hits))
