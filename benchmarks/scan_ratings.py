"""What reading camera ratings costs a scan; prints one JSON object.

    .venv/bin/python benchmarks/scan_ratings.py [--files 2000] [--repeat 5]

album.scan over N JPEGs (hard links of one 12 MP camera-style JPEG, so the page cache is warm)
three times: no rating, an EXIF Rating tag, and an embedded XMP packet with xmp:Rating (as Canon
writes it; the packet is parsed only when it mentions a rating). Medians of `repeat` runs, CPU
seconds. Needs exiftool to rate the files.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine import cpu_model
from benchmarks.photo_factory import real_photo, resize, write_jpeg
from culler.core import album


def _scan_cpu(folder: Path, repeat: int) -> tuple[float, int]:
    album.scan(folder)  # page cache warm
    times, rated = [], 0
    for _ in range(repeat):
        cpu = time.process_time()
        photos = album.scan(folder)
        times.append(time.process_time() - cpu)
        rated = sum(getattr(p.meta, "rating", None) is not None for p in photos)  # None before culler read ratings
    return statistics.median(times), rated


def main() -> int:
    args = argparse.ArgumentParser()
    args.add_argument("--files", type=int, default=2000)
    args.add_argument("--repeat", type=int, default=5)
    opts = args.parse_args()
    exiftool = shutil.which("exiftool")
    if exiftool is None:
        print(json.dumps({"error": "exiftool missing: apt-get install libimage-exiftool-perl"}))
        return 1
    result = {"files": opts.files, "repeat": opts.repeat, "cpu": cpu_model(), "load_avg_1m": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="culler-scan-ratings-") as tmp:
        tmp = Path(tmp)
        source = write_jpeg(tmp / "src.JPG", resize(real_photo("astronaut"), 4000, 3000))
        for name, tags in (("none", []), ("exif", ["-EXIF:Rating=3"]), ("xmp", ["-XMP-xmp:Rating=3"])):
            one = tmp / f"{name}.JPG"
            shutil.copy(source, one)
            if tags:
                subprocess.run([exiftool, "-q", "-overwrite_original", *tags, str(one)], check=True, timeout=60)
            folder = tmp / name
            folder.mkdir()
            for i in range(opts.files):
                os.link(one, folder / f"IMG_{i:05d}.JPG")
            seconds, rated = _scan_cpu(folder, opts.repeat)
            result[f"scan_cpu_seconds_{name}"] = round(seconds, 3)
            result[f"rated_{name}"] = rated
    print(json.dumps(result))
    return 0



if __name__ == "__main__":
    raise SystemExit(main())
