"""Build the bundled demo album (resources/demo) from scikit-image's CC0 photographs.

Run: .venv/bin/python resources/make_demo_album.py [OUTDIR]
The album shows what culler does: bursts of near-identical hand-held frames where one is clearly
best (the others blurred, shaken, noisy, badly exposed, or with eyes closed), a natural
near-duplicate (a stereo pair), an exposure bracket, and single shots — all with EXIF capture
times. The output is deterministic and committed (a few MB); rerun only to change it.
"""

from __future__ import annotations

import shutil
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import photo_factory as pf  # noqa: E402

LONG_EDGE = 1600
SHOOT_START = datetime(2024, 6, 15, 10, 0, 0)

# (photo, [frame kinds in shooting order]); 'clean' is the frame that should win.
BURSTS = [
    ("astronaut", ["eyes_closed", "clean", "motion", "blur"]),
    ("chelsea", ["blur", "dark", "clean", "noise"]),
    ("coffee", ["clean", "bright", "motion"]),
    ("rocket", ["motion", "clean", "noise"]),
]
SINGLES = ["camera", "coins", "hubble_deep_field", "clock", "retina", "immunohistochemistry"]


def upscaled(name: str) -> np.ndarray:
    img = pf.real_photo(name)
    h, w = img.shape[:2]
    scale = min(LONG_EDGE / max(h, w), 2.0)  # never more than 2x: upscaling invents no detail
    return pf.resize(img, int(round(w * scale)), int(round(h * scale)))


def degrade(frame: np.ndarray, kind: str, seed: int) -> np.ndarray:
    s = max(frame.shape[:2]) / 1000.0
    if kind == "eyes_closed":
        return pf.close_eyes(frame)
    if kind == "blur":
        return pf.gaussian_blur(frame, 2.2 * s)
    if kind == "motion":
        return pf.motion_blur(frame, max(7, int(16 * s)), 20.0 + 40 * (seed % 3))
    if kind == "noise":
        return pf.add_noise(frame, 20, seed=seed)
    if kind == "dark":
        return pf.exposure(frame, -2.3)
    if kind == "bright":
        return pf.exposure(frame, 1.8)
    return frame


def build(out: Path) -> list[Path]:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    written, n, t = [], 1, SHOOT_START
    rng = np.random.default_rng(7)

    def save(img, when, bias=None):
        nonlocal n
        path = pf.write_jpeg(out / f"DSC_{n:04d}.jpg", img, when, exposure_bias=bias, quality=86,
                             camera=("Culler", "Demo Camera"))
        written.append(path)
        n += 1

    for b, (name, kinds) in enumerate(BURSTS):
        base = upscaled(name)
        for i, kind in enumerate(kinds):
            dx, dy = (int(v) for v in rng.integers(-8, 9, size=2))
            frame = pf.shift_crop(base, dx, dy, crop=float(rng.uniform(0, 0.02)))
            save(degrade(frame, kind, seed=b * 10 + i), t + timedelta(milliseconds=180 * i))
        t += timedelta(minutes=4, seconds=17 * b)
        # a single between scenes
        save(upscaled(SINGLES[b]), t)
        t += timedelta(minutes=3)

    # A natural near-duplicate: the two views of a real stereo pair, 0.4 s apart.
    for i, side in enumerate(("motorcycle_left", "motorcycle_right")):
        save(upscaled(side), t + timedelta(milliseconds=400 * i))
    t += timedelta(minutes=5)

    # An exposure bracket: -2, 0, +2 EV within a second; not duplicates to cull.
    base = upscaled("moon")
    for i, stops in enumerate((-2.0, 0.0, 2.0)):
        save(pf.exposure(base, stops) if stops else base, t + timedelta(milliseconds=300 * i), bias=stops)
    t += timedelta(minutes=6)

    for name in SINGLES[len(BURSTS):]:
        save(upscaled(name), t)
        t += timedelta(minutes=2, seconds=31)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "demo"
    files = build(target)
    (target / "CREDITS.txt").write_text(
        "Demo album for culler, made by resources/make_demo_album.py from scikit-image's bundled sample\n"
        "photographs (public domain / CC0; see https://scikit-image.org/docs/stable/api/skimage.data.html).\n"
        "Burst frames are edited copies (shifted, blurred, shaken, noisy, re-exposed, eyes painted shut).\n")
    total = sum(p.stat().st_size for p in files)
    print(f"{len(files)} photos, {total / 1e6:.1f} MB in {target}")
