"""Make a benchmark album: N full-size (default 12-megapixel) JPEGs made from real photographs.

    python benchmarks/make_album.py DIR --count 700 [--megapixels 12] [--seed 0] [--no-exif-thumb]

Each scene is a real photograph from scikit-image (photo_factory.REAL_PHOTOS), re-framed (crop,
flip, colour cast) so scenes differ, shot either as a single frame, as a hand-held burst
(photo_factory.burst: shifted frames, some blurred, shaken, noisy, dark or bright), or now and then
as an exposure bracket (-2/0/+2 EV). Frames are upscaled to the target size with a fine film grain,
so a file decodes like a camera JPEG (a few MB, real entropy), and carry EXIF capture times
(0.2 s apart within a burst, seconds to minutes between scenes) and sometimes an EXIF orientation.
Like camera files, each carries an EXIF-embedded 160x120 thumbnail (IFD1; benchmarks/exif_thumb.py)
unless `--no-exif-thumb`; existing files are brought in line with that choice (only their EXIF
block is rewritten, so switching is quick).

Cache-friendly: each file is a pure function of (its number, megapixels, seed) and a smaller
album is a prefix of a bigger one; files that already exist are not written again, so re-running
it is instant and `--count 700` after `--count 100` only adds the new 600. Prints one JSON line with what it did.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import photo_factory as pf  # noqa: E402
from benchmarks.exif_thumb import set_exif_thumbnail  # noqa: E402

START = datetime(2024, 6, 1, 9, 0, 0)
BASE_LONG_EDGE = 1000  # scenes are composed at this size, then upscaled


@dataclass(frozen=True)
class Frame:
    """One file to write: which scene, which frame of it, when, with what EXIF."""

    name: str
    scene: int
    index: int  # frame number within the scene
    kind: str  # 'single' | 'burst' | 'bracket'
    scene_size: int  # frames of the whole scene (the album may end inside a scene)
    captured_at: datetime
    exposure_bias: float | None
    orientation: int | None


def plan(count: int, seed: int) -> list[Frame]:
    """The album's frames in capture order; deterministic for (count, seed)."""
    rng = np.random.default_rng(seed)
    frames: list[Frame] = []
    at = START
    scene = 0
    while len(frames) < count:
        roll = rng.random()
        if roll < 0.55:
            kind, n = "burst", int(rng.integers(3, 7))
        elif roll < 0.62:
            kind, n = "bracket", 3
        else:
            kind, n = "single", 1
        orientation = 6 if rng.random() < 0.08 else None
        for i in range(n):
            bias = (-2.0, 0.0, 2.0)[i] if kind == "bracket" else (0.0 if rng.random() < 0.5 else None)
            frames.append(Frame(f"IMG_{len(frames) + 1:04d}.JPG", scene, i, kind, n,
                                at + timedelta(seconds=0.2 * i), bias, orientation))
        at += timedelta(seconds=0.2 * n + float(rng.uniform(4, 90)))
        scene += 1
    # Cut only at the end, so a smaller album is a prefix of a bigger one (files can be reused).
    return frames[:count]


def _scene_base(scene: int, seed: int) -> np.ndarray:
    """A distinct 4:3 composition of one real photograph for this scene."""
    rng = np.random.default_rng((seed, scene))
    names = pf.REAL_PHOTOS
    img = pf.real_photo(names[scene % len(names)])
    h, w = img.shape[:2]
    frac = float(rng.uniform(0.6, 1.0))
    ch = int(h * frac)
    cw = min(w, int(ch * 4 / 3))
    ch = min(ch, int(cw * 3 / 4))
    y0 = int(rng.integers(0, h - ch + 1))
    x0 = int(rng.integers(0, w - cw + 1))
    img = img[y0:y0 + ch, x0:x0 + cw]
    if rng.random() < 0.5:
        img = img[:, ::-1]
    cast = rng.uniform(0.85, 1.15, size=3)
    img = np.clip(img.astype(np.float32) * cast, 0, 255).astype(np.uint8)
    return pf.resize(np.ascontiguousarray(img), BASE_LONG_EDGE, BASE_LONG_EDGE * 3 // 4)


def _scene_frames(scene: int, kind: str, n: int, seed: int) -> list[np.ndarray]:
    base = _scene_base(scene, seed)
    if kind == "single":
        return [base]
    if kind == "bracket":
        return [pf.exposure(base, stops) for stops in (-2.0, 0.0, 2.0)][:n]
    return [img for _kind, img, _at in pf.burst(base, START, n_bad=n - 1, seed=seed * 100003 + scene)]


def _grain(width: int, height: int, seed: int) -> np.ndarray:
    """Fine film grain (int16), the same for every frame; decoding cost needs real entropy."""
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, 4.0, (height, width, 1)).astype(np.int16)


def _upscale(img: np.ndarray, width: int, height: int, grain: np.ndarray, shift: int) -> np.ndarray:
    import cv2

    big = cv2.resize(img, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.int16)
    big += np.roll(grain, shift, axis=1)
    return np.clip(big, 0, 255).astype(np.uint8)


def _write_scene(args: tuple) -> int:
    """Write the missing files of one scene (and give existing ones the EXIF thumbnail or not,
    as asked); returns (files written, existing files whose EXIF thumbnail was changed)."""
    out_dir, frames, width, height, seed, exif_thumb = args
    missing = [f for f in frames if not (out_dir / f.name).exists()]
    updated = sum(set_exif_thumbnail(out_dir / f.name, exif_thumb) for f in frames if f not in missing)
    if not missing:
        return 0, updated
    images = _scene_frames(frames[0].scene, frames[0].kind, frames[0].scene_size, seed)
    grain = _grain(width, height, seed)
    written = 0
    for f in missing:
        img = _upscale(images[f.index], width, height, grain, shift=(f.scene * 7 + f.index * 13) % width)
        if f.orientation == 6:
            img = np.ascontiguousarray(np.rot90(img, 1))  # stored rotated; EXIF says turn it back
        tmp = out_dir / (f.name + ".part")
        pf.write_jpeg(tmp, img, captured_at=f.captured_at, exposure_bias=f.exposure_bias,
                      orientation=f.orientation, quality=92)
        if exif_thumb:
            set_exif_thumbnail(tmp, True)
        os.replace(tmp, out_dir / f.name)  # never leave a half-written file under the final name
        written += 1
    return written, updated


def size_for(megapixels: float) -> tuple[int, int]:
    width = int(round(math.sqrt(megapixels * 1e6 * 4 / 3) / 16) * 16)
    return width, width * 3 // 4


def make_album(out_dir: Path, count: int, megapixels: float = 12.0, seed: int = 0,
               workers: int | None = None, exif_thumb: bool = True) -> dict:
    """Create (or complete) the album; returns a summary."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    width, height = size_for(megapixels)
    frames = plan(count, seed)
    by_scene: dict[int, list[Frame]] = {}
    for f in frames:
        by_scene.setdefault(f.scene, []).append(f)
    jobs = [(out_dir, fs, width, height, seed, exif_thumb) for fs in by_scene.values()]
    t0 = time.perf_counter()
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        results = list(map(_write_scene, jobs))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_write_scene, jobs, chunksize=1))
    written = sum(w for w, _ in results)
    return {"album": str(out_dir), "photos": len(frames), "written": written,
            "exif_thumbnail": exif_thumb, "exif_thumbnail_changed": sum(u for _, u in results),
            "scenes": len(by_scene), "width": width, "height": height,
            "seconds": round(time.perf_counter() - t0, 1)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dir", type=Path)
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--megapixels", type=float, default=12.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--no-exif-thumb", action="store_true",
                   help="no EXIF-embedded thumbnail (cameras write one; this tests the full decode path)")
    a = p.parse_args(argv)
    print(json.dumps(make_album(a.dir, a.count, a.megapixels, a.seed, a.workers, exif_thumb=not a.no_exif_thumb)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
