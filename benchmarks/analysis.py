"""How fast culler analyses an album, against the naive pyiqa loop a user would write.

    python benchmarks/analysis.py --album DIR --json [--count N] [--models DIR] [--naive-photos K]

Prints ONE JSON object. Phases, each in its own process so peaks and caches do not mix:
- pipeline: culler's Pipeline with every signal (technical + clipiqa + nima + clip embedding),
  end to end on a fresh session store: scan, model loading, analysis, grouping, ranking.
  -> photos, seconds, photos_per_second, peak_rss_mb, and where the time went.
- technical: the same with signals='technical' -> technical_photos_per_second.
- naive: what a user writes with pyiqa: `metric(str(path))` per photo, per metric (clipiqa, nima),
  on the first K photos (clipiqa runs at full resolution: ~30 s per 12 MP photo)
  -> naive_seconds_per_photo (clipiqa + nima), speedup = naive / culler seconds per photo.
Without --models, random-initialised weights of the real architectures (benchmarks/random_weights.py:
same compute and memory as the real weights) are written once to $TMPDIR/culler-bench-random-models
and reused, so the one-off OpenVINO conversion is not timed again (run once first to warm it).
--count N first makes (or completes) a 12 MP album of N photos in DIR (benchmarks/make_album.py).
The album itself is never written to: each run analyses a temporary folder of hard links to it
(copies across file systems; culler refuses symlinks that lead out of an album).

The machine may be shared: `load_before` (1-minute load average) and `cpu_seconds` say how much
of the wall time was this process's own work.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.machine import cpu_info  # noqa: E402  (after the path set-up above)

PHOTO_SUFFIXES = (".jpg", ".jpeg")


def album_photos(album: Path) -> list[Path]:
    return sorted(p for p in album.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES and not p.name.startswith("."))


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def _link_or_copy(src: Path, dst: Path) -> None:
    import shutil

    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _linked_view(album: Path, into: Path, limit: int | None) -> Path:
    """A fresh folder of the album's photos (hard links, else copies), so every run starts from an
    empty store. Not symlinks: culler lists a symlink leading out of the album as an error."""
    view = into / "album"
    view.mkdir(parents=True)
    for p in album_photos(album)[:limit]:
        _link_or_copy(p.resolve(), view / p.name)
    return view


# ---- phase: culler's pipeline ------------------------------------------------------------------
def run_pipeline(album: Path, models: Path, signals: str, threads: int | None, limit: int | None) -> dict:
    from culler.context import AppContext
    from culler.core.store import Store
    from culler.pipeline import Pipeline

    with tempfile.TemporaryDirectory(prefix="culler-bench-") as tmp:
        tmp = Path(tmp)
        view = _linked_view(album, tmp, limit)
        ctx = AppContext(cache_dir=tmp / "cache", data_dir=tmp / "data", config_dir=tmp / "config",
                         models_dir=models)
        store = Store.open(view, ctx.data_dir)
        first_result = None
        t0 = time.perf_counter()
        c0 = time.process_time()
        pipeline = Pipeline(view, store, ctx, signals=signals, threads=threads)
        last = None
        last_print = 0.0
        for last in pipeline.run():
            now = time.perf_counter()
            if first_result is None and last.stage == "analyse" and last.done:
                first_result = now
            if now - last_print > 5 or last.stage != "analyse":
                last_print = now
                rate = f"{last.photos_per_second:.2f}/s" if last.photos_per_second else ""
                print(f"  [{signals}] {last.stage} {last.done}/{last.total} {rate} {last.message}",
                      file=sys.stderr)
        seconds = time.perf_counter() - t0
        cpu = time.process_time() - c0
        n = len(store.photos())
        errors = len(store.analysis_errors())
        signals_seen = sorted({k for s in store.all_signals().values() for k, v in s.items() if v is not None})
        embeddings = len(store.embeddings("clip"))
        store.close()

    report = last.run_report if last else None
    return {
        "photos": n, "errors": errors, "seconds": round(seconds, 2),
        "photos_per_second": round(n / seconds, 3), "cpu_seconds": round(cpu, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1), "final_stage": last.stage if last else None,
        "model_status": pipeline.model_status, "signals": signals_seen, "clip_embeddings": embeddings,
        "stage_seconds": {k: round(v, 2) for k, v in report.stage_seconds.items()} if report else None,
        "run_report": report.lines() if report else None,
        # Pipeline start -> first photo stored with every signal (scan, models loaded, one batch)
        "first_result_seconds": round(first_result - t0, 2) if first_result is not None else None,
        "torch_threads": threads,
        "deep_groups": [list(g) for g in getattr(pipeline, "deep_groups", [])],
        "deep_precision": getattr(pipeline, "deep_precision", None),
        "deep_paths": getattr(pipeline, "deep_paths", {}),
        "steps": pipeline.times.summary(),
    }


# ---- phase: the naive pyiqa loop -----------------------------------------------------------
def naive_metrics(models: Path) -> dict:
    """pyiqa metrics built the way a user would, from local files (no network here)."""
    from culler.analysis import model_files, tv_compat

    os.environ["HF_HUB_OFFLINE"] = "1"
    tv_compat.ensure()
    import pyiqa
    import timm
    from pyiqa.archs import nima_arch

    rn50 = model_files.locate("clipiqa", models)["RN50.pt"]
    nima_file = next(iter(model_files.locate("nima", models).values()))
    metrics = {"clipiqa": pyiqa.create_metric("clipiqa", device="cpu", backbone=str(rn50))}
    # pyiqa's NIMA asks timm for ImageNet weights (a download) before loading its own file.
    real_create = timm.create_model
    nima_arch.timm.create_model = lambda *a, **k: real_create(*a, **{**k, "pretrained": False})
    try:
        metrics["nima"] = pyiqa.create_metric("nima", device="cpu", pretrained_model_path=str(nima_file))
    finally:
        nima_arch.timm.create_model = real_create
    return metrics


def run_naive(album: Path, models: Path, k: int) -> dict:
    import torch
    from PIL import Image

    paths = album_photos(album)[:k]
    metrics = naive_metrics(models)
    warmup = Path(tempfile.mkdtemp(prefix="culler-naive-")) / "warmup.jpg"
    Image.new("RGB", (320, 240), (120, 130, 140)).save(warmup)
    per_metric = {}
    for name, metric in metrics.items():
        with torch.no_grad():
            metric(str(warmup))  # first-call costs are not per-photo costs
        times = []
        for p in paths:
            t = time.perf_counter()
            with torch.no_grad():
                metric(str(p))
            times.append(time.perf_counter() - t)
            print(f"  [naive] {name} {p.name}: {times[-1]:.1f} s", file=sys.stderr)
        per_metric[name] = round(sum(times) / len(times), 3)
    return {"naive_photos": len(paths), "naive_seconds_per_metric": per_metric,
            "naive_seconds_per_photo": round(sum(per_metric.values()), 3),
            "naive_peak_rss_mb": round(_peak_rss_mb(), 1), "naive_torch_threads": torch.get_num_threads()}


# ---- orchestration -------------------------------------------------------------------------
def _phase(args: list[str]) -> dict:
    """Run one phase in a fresh interpreter; its last stdout line is its JSON."""
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], stdout=subprocess.PIPE,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _random_models() -> Path:
    """Random weights of the real architectures, written once and reused: the deep models are
    converted for OpenVINO once per set of weight files (deep_openvino.py), which is a first-use
    cost, not a per-album one; new files on every run would time that conversion each time."""
    from culler.analysis import model_files

    out = Path(tempfile.gettempdir()) / "culler-bench-random-models"
    if set(model_files.status(out).values()) != {"ok"}:
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "random_weights.py"), str(out)], check=True,
                       stdout=subprocess.DEVNULL, env=dict(os.environ, HF_HUB_OFFLINE="1"))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--album", type=Path, required=True)
    p.add_argument("--json", action="store_true", help="print one JSON object (the only output format)")
    p.add_argument("--count", type=int, help="first make/complete a 12 MP album of this many photos")
    p.add_argument("--limit", type=int, help="analyse only the first N photos of the album")
    p.add_argument("--models", type=Path, help="models folder (default: random weights in a temp folder)")
    p.add_argument("--naive-photos", type=int, default=2, help="photos for the naive pyiqa loop (0: skip)")
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="torch threads for culler")
    p.add_argument("--skip-technical", action="store_true")
    p.add_argument("--phase", choices=("pipeline", "technical", "naive"), help=argparse.SUPPRESS)
    a = p.parse_args(argv)

    if a.phase:  # child process
        if a.phase == "naive":
            result = run_naive(a.album, a.models, a.naive_photos)
        else:
            signals = "all" if a.phase == "pipeline" else "technical"
            result = run_pipeline(a.album, a.models, signals, a.threads, a.limit)
        print(json.dumps(result))
        return 0

    if a.count:
        from benchmarks.make_album import make_album

        print(f"making album: {json.dumps(make_album(a.album, a.count))}", file=sys.stderr)
    if not a.album.is_dir() or not album_photos(a.album):
        p.error(f"{a.album}: no JPEG photos (use --count N to make a benchmark album)")
    models = a.models or _random_models()
    common = ["--album", str(a.album), "--models", str(models), "--threads", str(a.threads)]
    if a.limit:
        common += ["--limit", str(a.limit)]
    load_before = os.getloadavg()[0]
    result = {"album": str(a.album), "cores": os.cpu_count(), **cpu_info(),
              "load_before": round(load_before, 2), "weights": "given" if a.models else "random"}
    result.update(_phase(common + ["--phase", "pipeline"]))
    if not a.skip_technical:
        tech = _phase(common + ["--phase", "technical"])
        result.update({"technical_photos_per_second": tech["photos_per_second"],
                       "technical_seconds": tech["seconds"], "technical_peak_rss_mb": tech["peak_rss_mb"]})
    if a.naive_photos > 0:
        naive = _phase(common + ["--phase", "naive", "--naive-photos", str(a.naive_photos)])
        result.update(naive)
        culler_spp = result["seconds"] / max(1, result["photos"])
        result["seconds_per_photo"] = round(culler_spp, 4)
        result["speedup"] = round(naive["naive_seconds_per_photo"] / culler_spp, 1)
    result["load_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
