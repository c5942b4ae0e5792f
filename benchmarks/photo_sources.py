"""Real photographs that installed packages ship, by independent source (for out-of-sample evaluation).

- `skimage`: scikit-image's bundled photos (CC0/public domain): portrait, cat, coffee, rocket on
  a bright sky, motorcycle, street camera-man, coins, deep-field (low key), moon, and three fine
  textures (brick, grass, gravel).
- `sklearn`: scikit-learn's two sample photos (a temple on a bright sky, a flower).
- `opencv`: the real photographs among OpenCV's samples (Debian package `opencv-doc`, folder
  /usr/share/doc/opencv-doc/examples/data): aerial view, plant, fruit, mandrill, people indoors,
  circuit board, buildings, butterfly, notebook (low key), graffiti, palace on a blue sky,
  street, football, sweets on white (high key), squirrel, desk, boxes.

Never used here (kept for independent checks): Debian's mate-backgrounds,
plasma-workspace-wallpapers, ukui-wallpapers and lomiri-wallpapers*.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

OPENCV_SAMPLES = Path("/usr/share/doc/opencv-doc/examples/data")
OPENCV_PHOTOS = ("aero1.jpg", "aloeL.jpg", "apple.jpg", "baboon.jpg", "basketball1.png", "board.jpg",
                 "building.jpg", "butterfly.jpg", "ela_original.jpg", "fruits.jpg", "graf1.png", "home.jpg",
                 "leuvenA.jpg", "messi5.jpg", "orange.jpg", "rubberwhale1.png", "smarties.png",
                 "squirrel_cls.jpg", "stuff.jpg", "box_in_scene.png", "left.jpg")
SKIMAGE_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "motorcycle_left", "camera", "coins",
                  "hubble_deep_field", "moon", "brick", "grass", "gravel")
SOURCES = ("skimage", "sklearn", "opencv")
MAX_EDGE = 1024


class SourceMissing(RuntimeError):
    """A source's files are not installed (the message says how to install them)."""


def load(source: str) -> list[tuple[str, np.ndarray]]:
    """(name, RGB uint8 array with a long edge <= 1024 px) for every photo of one source."""
    if source == "skimage":
        from benchmarks.photo_factory import real_photo

        photos = [(n, real_photo(n)) for n in SKIMAGE_PHOTOS]
    elif source == "sklearn":
        from sklearn.datasets import load_sample_images

        bunch = load_sample_images()
        photos = [(Path(f).stem, np.asarray(img)) for f, img in zip(bunch.filenames, bunch.images)]
    elif source == "opencv":
        photos = [(Path(f).stem, _read(OPENCV_SAMPLES / f)) for f in OPENCV_PHOTOS]
    else:
        raise ValueError(f"unknown source {source!r} (known: {', '.join(SOURCES)})")
    return [(f"{source}:{n}", _fit(img)) for n, img in photos]


def _read(path: Path) -> np.ndarray:
    import cv2

    if not path.is_file():
        raise SourceMissing(f"{path} is missing: install Debian's opencv-doc (apt-get install opencv-doc)")
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise SourceMissing(f"{path} could not be read")
    return np.ascontiguousarray(img[..., ::-1])


def _fit(img: np.ndarray) -> np.ndarray:
    import cv2

    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    h, w = img.shape[:2]
    k = MAX_EDGE / max(h, w)
    if k < 1:
        img = cv2.resize(img, (round(w * k), round(h * k)), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(img[..., :3].astype(np.uint8))
