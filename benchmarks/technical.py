"""Time `technical.measure` per photo at the pipeline's size (1024 px long edge); print one JSON object.

    .venv/bin/python benchmarks/technical.py [--repeats 3] [--threads 2]

Photos: scikit-image's bundled photographs, resized to 1024 px on the long edge, clean and with
the degradations a burst has. Reports wall and CPU milliseconds per photo for the whole call and
for each stage (exposure, noise, edges = sharpness + motion blur, faces), the time per photo when
a pool of worker threads measures photos side by side (as the pipeline does), and the machine's
load average, since other work on the machine slows every number here. For comparison it also times
skimage.restoration.estimate_sigma (the wavelet noise estimator) on the same grey image when
PyWavelets is installed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.photo_factory import add_noise, exposure, gaussian_blur, motion_blur, real_photo, resize  # noqa: E402

PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "camera", "motorcycle_left", "coins", "hubble_deep_field")


def _at_1024(img):
    h, w = img.shape[:2]
    return resize(img, 1024, round(1024 * h / w)) if w >= h else resize(img, round(1024 * w / h), 1024)


def _photos():
    out = []
    for name in PHOTOS:
        base = _at_1024(real_photo(name))
        out += [base, gaussian_blur(base, 2.0), add_noise(base, 15), exposure(base, -1.5), motion_blur(base, 15, 30)]
    return out


def _timed(fn, repeats):
    walls, cpus = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - w) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    return min(walls), min(cpus)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="best of N per photo (default 3)")
    parser.add_argument("--threads", type=int, default=2, help="OpenCV threads (default 2)")
    args = parser.parse_args(argv)

    import cv2
    import numpy as np

    from culler.analysis import faces, technical

    cv2.setNumThreads(args.threads)
    images = _photos()
    technical.measure(images[0])  # load the cascades once, as the pipeline's worker does

    stages = {"total": [], "exposure": [], "noise": [], "edges": [], "faces": []}
    for img in images:
        grey8 = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
        grey = grey8.astype(np.float32)
        sigma = technical.noise_sigma(grey, grey8)
        found = faces.detect(grey8)
        for stage, fn in (("total", partial(technical.measure, img)),
                          ("exposure", partial(technical.exposure_signals, img, grey8)),
                          ("noise", partial(technical.noise_sigma, grey, grey8)),
                          ("edges", partial(technical.edge_signals, grey, sigma, found)),
                          ("faces", partial(faces.detect, grey8))):
            stages[stage].append(_timed(fn, args.repeats))

    # The pipeline measures photos on a pool of worker threads: time that too (one photo per
    # worker at a time, OpenCV's own threads set to 1 so the workers do not fight over cores).
    from concurrent.futures import ThreadPoolExecutor

    cv2.setNumThreads(1)
    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        list(pool.map(technical.measure, images[:args.threads]))  # cascades load per thread
        start = time.perf_counter()
        list(pool.map(technical.measure, images))
        pooled_ms = (time.perf_counter() - start) * 1000 / len(images)
    cv2.setNumThreads(args.threads)

    grey_f = cv2.cvtColor(images[0], cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    try:  # needs PyWavelets, which culler does not install
        from skimage.restoration import estimate_sigma

        estimate_sigma(grey_f[:16, :16])
        wavelet_ms: float | str = round(_timed(lambda: estimate_sigma(grey_f), args.repeats)[0], 1)
    except ImportError as e:
        wavelet_ms = f"unavailable: {e}"

    def summary(rows):
        walls, cpus = [r[0] for r in rows], [r[1] for r in rows]
        return {"wall_ms_median": round(statistics.median(walls), 1), "wall_ms_max": round(max(walls), 1),
                "cpu_ms_median": round(statistics.median(cpus), 1)}

    total = summary(stages["total"])
    result = {
        "photos": len(images),
        "long_edge": 1024,
        "opencv_threads": args.threads,
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "ms_per_photo": total["wall_ms_median"],
        "ms_per_photo_with_worker_pool": round(pooled_ms, 1),
        "worker_threads": args.threads,
        "target_ms_per_photo": 40,
        "meets_target": total["wall_ms_median"] < 40,
        "pool_meets_target": pooled_ms < 40,
        "stages": {k: summary(v) for k, v in stages.items()},
        "skimage_estimate_sigma_wall_ms": wavelet_ms,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
