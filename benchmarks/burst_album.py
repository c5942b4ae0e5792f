"""Albums of bursts re-shot in linear light from real photographs, with the truth of each file.

`build(root, photos, seed)` writes JPEGs (with EXIF capture times, some without) and returns one
record per file: its truth group, what it is ('clean', a fault kind, 'single', 'reframe',
'bracket', 'panorama') and the fault's strength. Events, in shooting order:

- bursts: one clean frame and 2-5 siblings 0.1-0.3 s apart, hand-held (every frame shifted a few
  pixels), each sibling with one fault (15 % with two) of a strength drawn from barely visible at
  100 % to obvious: defocus (disc radius 0.8-4 px), shake (a line 3-14 px long at any angle),
  auto-ISO jump (1-3 stops of gain: same brightness, more noise), under-exposure (0.5-2.5 stops at
  the same ISO: darker and noisier) and over-exposure (0.5-2 stops, clipping at the full well),
  JPEG re-encoding (quality 15-55). Scenes are shot low key (-1.3 stops), normally or high key
  (+0.8) at a base ISO gain of 1-8 shared by the whole burst; 20 % of bursts carry no EXIF time;
- hard negatives: the same spot re-framed 30-90 s after a burst (another photo: never grouped),
  exposure brackets (-2/0/+2 or five frames 1 EV apart, EXIF exposure bias set) and panoramas
  (3-4 overlapping frames panned across the scene): both must stay whole and never be culled;
- single photos between events.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from benchmarks.camera_sim import Scene, jpeg_roundtrip
from benchmarks.photo_factory import write_jpeg

FAULTS = ("defocus", "shake", "iso", "under", "over", "jpeg")
CAMERA_QUALITY = 92  # the JPEG quality every frame is saved at, as a camera does


def _log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def _fault(rng: np.random.Generator, kind: str) -> dict:
    if kind == "defocus":
        return {"defocus": _log_uniform(rng, 0.8, 4.0)}
    if kind == "shake":
        return {"shake": _log_uniform(rng, 3.0, 14.0), "shake_angle": float(rng.uniform(0, 180))}
    if kind == "iso":
        return {"iso_stops": _log_uniform(rng, 1.0, 3.0)}
    if kind == "under":
        return {"stops": -_log_uniform(rng, 0.5, 2.5)}
    if kind == "over":
        return {"stops": _log_uniform(rng, 0.5, 2.0)}
    return {"jpeg": int(rng.integers(15, 56))}


def _strength(kind: str, f: dict) -> float:
    """The fault's size on one scale per kind (px, stops or 100 - JPEG quality)."""
    return {"defocus": f.get("defocus"), "shake": f.get("shake"), "iso": f.get("iso_stops"),
            "under": -f.get("stops", 0.0), "over": f.get("stops"), "jpeg": 100 - f.get("jpeg", 100)}[kind]


def _frame(scene: Scene, rng, gain: float, fault: dict, shift=(0, 0), crop=0.0) -> np.ndarray:
    iso = fault.get("iso_stops", 0.0)
    img = scene.shoot(rng, stops=fault.get("stops", 0.0), iso_gain=gain * 2.0 ** iso,
                      defocus=fault.get("defocus", 0.0), shake=fault.get("shake", 0.0),
                      shake_angle=fault.get("shake_angle", 0.0), shift=shift, crop=crop)
    return jpeg_roundtrip(img, fault["jpeg"]) if "jpeg" in fault else img


def _crop(img: np.ndarray, rng, area: tuple[float, float]) -> np.ndarray:
    h, w = img.shape[:2]
    f = float(np.sqrt(rng.uniform(*area)))
    ch, cw = max(96, int(h * f)), max(96, int(w * f))
    y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    out = img[y:y + ch, x:x + cw]
    return np.ascontiguousarray(out[:, ::-1] if rng.random() < 0.4 else out)


def build(root: Path, photos: list[tuple[str, np.ndarray]], seed: int = 0, bursts: int = 60,
          singles: int = 16, brackets: int = 5, panoramas: int = 5, reframe_share: float = 0.3,
          quality: int = CAMERA_QUALITY) -> list[dict]:
    """Write the album under `root`; one truth record per file, in file-name (= shooting) order.
    `quality`: the camera's own JPEG quality (a phone or a quick script may save at 75-85)."""
    rng = np.random.default_rng(seed)
    kinds = ["burst"] * bursts + ["single"] * singles + ["bracket"] * brackets + ["panorama"] * panoramas
    rng.shuffle(kinds)
    t = datetime(2024, 7, 1, 9, 0, 0)
    shots: list[dict] = []
    group = 0

    def add(img, what, at, strength=None, bias=0.0, **extra):
        shots.append({"img": img, "what": what, "at": at, "group": group, "strength": strength,
                      "bias": bias, **extra})

    for k, kind in enumerate(kinds):
        name, base = photos[k % len(photos)]
        key = float(rng.choice([-1.3, 0.0, 0.0, 0.0, 0.8]))
        gain = float(rng.choice([1.0, 1.0, 2.0, 4.0, 8.0]))
        if kind == "burst":
            scene = Scene.from_photo(_crop(base, rng, (0.55, 1.0)), rng, key)
            timed = rng.random() >= 0.2
            n_bad = int(rng.integers(2, 6))
            clean_at = int(rng.integers(0, n_bad + 1))
            for i in range(n_bad + 1):
                shift = tuple(int(v) for v in rng.integers(-4, 5, size=2))
                crop = float(rng.uniform(0, 0.02))
                at = t + timedelta(seconds=float(i * rng.uniform(0.1, 0.3))) if timed else None
                if i == clean_at:
                    add(_frame(scene, rng, gain, {}, shift, crop), "clean", at, scene_key=key, source=name)
                    continue
                what = str(rng.choice(FAULTS))
                fault = _fault(rng, what)
                if rng.random() < 0.15:
                    fault = {**_fault(rng, str(rng.choice([f for f in FAULTS if f != what]))), **fault}
                add(_frame(scene, rng, gain, fault, shift, crop), what, at, _strength(what, fault),
                    scene_key=key, source=name)
            t += timedelta(seconds=2)
            group += 1
            if rng.random() < reframe_share:  # the same spot, re-framed a little later
                t += timedelta(seconds=float(rng.uniform(30, 90)))
                add(_frame(Scene.from_photo(_crop(base, rng, (0.3, 0.5)), rng, key), rng, gain, {}),
                    "reframe", t, source=name)
                group += 1
        elif kind == "single":
            add(_frame(Scene.from_photo(_crop(base, rng, (0.3, 0.6)), rng, key), rng, gain, {}),
                "single", t, source=name)
            group += 1
        elif kind == "bracket":
            scene = Scene.from_photo(_crop(base, rng, (0.6, 1.0)), rng, 0.0)
            evs = (-2.0, 0.0, 2.0) if rng.random() < 0.6 else (-2.0, -1.0, 0.0, 1.0, 2.0)
            for i, ev in enumerate(evs):
                add(_frame(scene, rng, gain, {"stops": ev}, tuple(int(v) for v in rng.integers(-2, 3, size=2))),
                    "bracket", t + timedelta(seconds=0.4 * i), bias=ev, source=name)
            group += 1
        else:
            h, w = base.shape[:2]
            n = int(rng.integers(3, 5))
            fw = int(w * 0.5)
            step = (w - fw) // (n - 1)
            scene = Scene.from_photo(base, rng, 0.0)
            for i in range(n):
                part = Scene(scene.radiance[:, i * step:i * step + fw])
                add(_frame(part, rng, gain, {}), "panorama", t + timedelta(seconds=1.5 * i), source=name)
            group += 1
        t += timedelta(seconds=float(rng.uniform(5, 40)) + (float(rng.uniform(200, 600)) if k % 6 == 5 else 0))

    for i, s in enumerate(shots):
        s["path"] = write_jpeg(root / f"IMG_{i + 1:04d}.jpg", s.pop("img"), captured_at=s["at"],
                               exposure_bias=s["bias"], quality=quality)
    return shots
