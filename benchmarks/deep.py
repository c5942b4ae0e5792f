"""Time the deep models per photo (batch 8) on this machine; prints one JSON object.

    python benchmarks/deep.py [--models-dir DIR] [--threads 1,2] [--backend auto,torch] [--precision auto,fp32]
                              [--batch 8] [--photos 16] [--repeats 3]

Without --models-dir, random-initialised weights of the real architectures are written to a temp
folder first (same compute as the real weights). For each backend x precision x thread count:
seconds to build the models (an OpenVINO conversion at first use, then the cached model), how each
model ran (`paths`), wall and CPU ms per photo for each model on a ready batch (CLIP-IQA on whole
frames of the photos' aspect), to prepare the inputs from a ~1024 px decode, and end to end through
`DeepAnalyzer.run`; the CPU model and flags; peak RSS of the process at the end.
--backend: 'auto' (OpenVINO when installed, culler/analysis/deep_openvino.py) and/or 'torch';
--precision: 'auto' (bf16 where the CPU has it natively) and/or 'fp32'.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _photos(count: int):
    import numpy as np
    from PIL import Image

    from benchmarks.photo_factory import REAL_PHOTOS, real_photo

    photos = []
    for i in range(count):
        img = Image.fromarray(real_photo(REAL_PHOTOS[i % len(REAL_PHOTOS)]))
        scale = 1024 / max(img.size)  # what the pipeline decodes: ~1024 px long edge
        photos.append(np.asarray(img.convert("RGB").resize((round(img.width * scale), round(img.height * scale)))))
    return photos


CPU_MS: dict = {}  # label -> process CPU ms per photo, filled by _median_ms alongside wall time


def _median_ms(fn, repeats: int, per: int, label: str | None = None) -> float:
    """Median wall-clock ms per photo; the CPU time is kept too, since on a machine shared with other
    busy processes wall time overstates the cost (with 1 thread, CPU time ~ uncontended wall time)."""
    fn()  # warm-up (allocations, oneDNN kernels)
    times, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    if label:
        CPU_MS[label] = round(1000 * statistics.median(cpu) / per, 1)
    return round(1000 * statistics.median(times) / per, 1)


def _measure(models_dir: Path, threads: int, batch: int, photos, repeats: int, precision: str = "auto",
             backend: str = "auto") -> dict:
    import numpy as np
    from PIL import Image

    from culler.analysis.deep import DeepAnalyzer, prepare

    start = time.perf_counter()
    deep = DeepAnalyzer(models_dir, threads=threads, batch_size=batch, precision=precision, backend=backend)
    available = deep.available()
    build_s = time.perf_counter() - start
    out: dict = {"threads": threads, "backend": backend, "paths": deep.paths, "build_seconds": round(build_s, 2),
                 "available": available, "status": deep.status(), "ms_per_photo": {}}
    pil = [Image.fromarray(p) for p in photos[:batch]]  # same aspect (4:3 and 3:2 photos mixed otherwise)
    pil = [p.resize(pil[0].size) for p in pil]
    for name in available:
        model = deep._models[name]
        x = np.stack([prepare(p, model) for p in pil])
        out["ms_per_photo"][name] = _median_ms(lambda m=model, x=x: m(x), repeats, batch, name)
        out.setdefault("input_shapes", {})[name] = list(x.shape[1:])
    models = list(deep._models.values())
    out["ms_per_photo"]["prepare_inputs"] = _median_ms(lambda: [prepare(p, m) for p in pil for m in models],
                                                       repeats, batch, "prepare_inputs")
    out["ms_per_photo"]["end_to_end_run"] = _median_ms(lambda: deep.run(photos), max(1, repeats - 1), len(photos),
                                                       "end_to_end_run")
    out["cpu_ms_per_photo"] = dict(CPU_MS)
    CPU_MS.clear()
    deep.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", type=Path)
    parser.add_argument("--threads", default=None, help="comma-separated thread counts (default: 1 and all cores)")
    parser.add_argument("--precision", default="auto", help="comma-separated: auto (bf16 where native), fp32")
    parser.add_argument("--backend", default="auto", help="comma-separated: auto (OpenVINO when installed), torch")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--photos", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    cores = os.cpu_count() or 1
    thread_counts = [int(t) for t in args.threads.split(",")] if args.threads else sorted({1, cores})
    with tempfile.TemporaryDirectory(prefix="culler-deep-bench-") as tmp:
        models_dir = args.models_dir
        weights = "given"
        if models_dir is None:
            from benchmarks.random_weights import write_all

            models_dir, weights = Path(tmp), "random"
            write_all(models_dir)
        photos = _photos(args.photos)
        runs = [_measure(models_dir, t, args.batch, photos, args.repeats, precision, backend)
                for backend in args.backend.split(",") for precision in args.precision.split(",")
                for t in thread_counts]
    try:
        load = [round(x, 2) for x in os.getloadavg()]  # other processes competing for the cores
    except (OSError, AttributeError):
        load = None
    from benchmarks.machine import cpu_info

    print(json.dumps({"cores": cores, **cpu_info(), "load_average": load, "weights": weights, "batch": args.batch,
                      "photos": args.photos, "runs": runs, "peak_rss_mb": _peak_rss_mb()}))
    return 0


def _peak_rss_mb() -> int:
    try:
        import resource
    except ImportError:  # Windows
        import psutil

        return round(psutil.Process().memory_info().peak_wset / 1e6)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024))


if __name__ == "__main__":
    sys.exit(main())
