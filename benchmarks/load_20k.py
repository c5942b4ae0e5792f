"""Memory and time under load: albums of 5,000 / 10,000 / 20,000 photos are opened (scan + store
sync), analysed with the technical signals (the pipeline) and scrolled through in the grid
(offscreen MainWindow, every row shown and its thumbnail decoded); prints ONE JSON object with
the peak RSS per album size, so growth with the album is visible at a glance.

    .venv/bin/python benchmarks/load_20k.py [--sizes 5000,10000,20000] [--no-analysis] [--json OUT]

Each size runs in a fresh process (peak RSS is per process). The album is generated in seconds:
bursts of 4 frames (a 160 x 120 crop of a real photograph encoded once per burst, its bytes
copied with the EXIF capture time patched per frame), so the grouping finds realistic stacks; the
grid is scrolled with every stack expanded (every thumbnail decoded). Smaller albums are
hard links to a prefix of the largest one. Takes minutes (the analysis dominates: ~10-30 ms per
photo on 2 cores); `--no-analysis` measures opening and scrolling only (tests/hardening/test_load.py
runs that at 2,000 photos).
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
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

T0 = datetime(2024, 3, 1, 8, 0, 0)
STAMP = T0.strftime("%Y:%m:%d %H:%M:%S").encode()
BASES = ("astronaut", "chelsea", "coffee", "rocket", "motorcycle_left", "camera", "coins", "clock")


def make_album(folder: Path, count: int, burst: int = 4) -> Path:
    """`count` small JPEGs IMG_00000.jpg ... shot as bursts of `burst` frames one second apart,
    scenes two minutes apart. Each scene is a different crop of one of a few real photographs,
    encoded once; its frames are that JPEG's bytes with the capture time patched."""
    import io

    import numpy as np
    from PIL import Image

    from benchmarks.photo_factory import real_photo, resize, write_jpeg

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    bases = []
    for name in BASES:
        img = real_photo(name)
        h, w = img.shape[:2]
        bases.append(resize(img, 480, 360) if w >= h else resize(img, 360, 480))
    seed = write_jpeg(folder / "_seed.jpg", bases[0][:120, :160], captured_at=T0).read_bytes()
    exif_at = seed.find(b"Exif\x00\x00") - 4  # the APP1 segment, reused for every scene
    app1 = seed[exif_at:exif_at + 2 + int.from_bytes(seed[exif_at + 2:exif_at + 4], "big")]
    (folder / "_seed.jpg").unlink()
    for scene in range((count + burst - 1) // burst):
        base = bases[scene % len(bases)]
        y = int(rng.integers(0, base.shape[0] - 120))
        x = int(rng.integers(0, base.shape[1] - 160))
        buf = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(base[y:y + 120, x:x + 160])).save(buf, "JPEG", quality=85)
        blob = buf.getvalue()
        blob = blob[:2] + app1 + blob[2:]  # SOI, the EXIF segment, the rest
        for k in range(burst):
            i = scene * burst + k
            if i >= count:
                break
            path = folder / f"IMG_{i:05d}.jpg"
            if path.exists():
                continue
            when = T0 + timedelta(seconds=scene * 120 + k)
            path.write_bytes(blob.replace(STAMP, when.strftime("%Y:%m:%d %H:%M:%S").encode()))
    return folder


def linked_prefix(source: Path, dest: Path, count: int) -> Path:
    """An album of the first `count` photos of `source`, as hard links (no copying)."""
    dest.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        name = f"IMG_{i:05d}.jpg"
        if not (dest / name).exists():
            os.link(source / name, dest / name)
    return dest


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# ------------------------------------------------------------------ one album size, in a child
def measure(album: Path, home: Path, analyse: bool) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["HF_HUB_OFFLINE"] = "1"
    from culler.context import AppContext
    from culler.core.store import Store
    from culler.pipeline.scan import refresh_photos

    ctx = AppContext(cache_dir=home / "cache", data_dir=home / "data", config_dir=home / "config",
                     models_dir=home / "models")
    out: dict = {"photos": None, "rss_mb": {"start": round(rss_mb(), 1)}}

    t = time.perf_counter()
    store = Store.open(album, ctx.data_dir)
    photos, _ = refresh_photos(album, store)
    out["photos"] = len(photos)
    out["open_scan_sync_s"] = round(time.perf_counter() - t, 2)
    out["rss_mb"]["after_open"] = round(rss_mb(), 1)

    if analyse:
        from culler.analysis import tv_compat
        from culler.pipeline import Pipeline

        tv_compat.ensure()
        t = time.perf_counter()
        cpu = time.process_time()
        pipeline = Pipeline(album, store, ctx, signals="technical")
        last = pipeline.run_to_end()
        secs = time.perf_counter() - t
        out["analyse_s"] = round(secs, 1)
        out["analyse_cpu_s"] = round(time.process_time() - cpu, 1)
        out["analysed"] = pipeline.analysed
        out["analyse_photos_per_second"] = round(pipeline.analysed / secs, 1) if secs else None
        out["analyse_stage"] = last.stage
        out["rss_mb"]["after_analysis"] = round(rss_mb(), 1)
        out["peak_rss_mb_after_analysis"] = round(peak_rss_mb(), 1)
    store.close()

    out.update(scroll_grid(ctx, album))
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return out


def scroll_grid(ctx, album: Path, samples: int = 8) -> dict:
    """Open the window on the album and scroll the grid from the first row to the last, a page
    at a time, letting each page's thumbnails arrive; RSS sampled along the way."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from culler.ui.window.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow(ctx, signals="technical", analyse=False)
    window.resize(1400, 900)
    window.show()
    t = time.perf_counter()
    loop = QEventLoop()
    window.session.photos_shown.connect(loop.quit)
    QTimer.singleShot(600_000, loop.quit)
    window.open_album(album)
    loop.exec()
    out = {"window_open_s": round(time.perf_counter() - t, 2), "rows_with_stacks": window.model.rowCount()}
    grid = window.grid
    window.show_view("grid")
    if window.model.rowCount() < len(window.model.state.order):
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        QTest.keyClick(grid, Qt.Key.Key_S, Qt.KeyboardModifier.ShiftModifier)  # expand every stack
    out["rows"] = window.model.rowCount()
    bar = grid.verticalScrollBar()
    app.processEvents()
    rows = window.model.rowCount()
    per_page = max(1, len(grid.visible_rows()))
    steps = max(1, (rows + per_page - 1) // per_page)
    marks = {max(1, round(steps * k / samples)) for k in range(1, samples + 1)}
    rss_along = []
    seen_last_row = 0
    t = time.perf_counter()
    deadline_per_page = 5.0
    step = 0
    while True:  # a page at a time (the scroll range may still grow while the view lays out)
        step += 1
        bar.setValue(min(bar.maximum(), bar.value() + bar.pageStep()))
        started = time.perf_counter()
        app.processEvents()
        while time.perf_counter() - started < deadline_per_page:
            app.processEvents()
            if window.pool.is_idle() and all(window.thumbnails.is_settled(grid.model().id_at(r))
                                             for r in grid.visible_rows()):
                break
            time.sleep(0.002)
        seen_last_row = max(seen_last_row, grid.visible_rows().stop)
        if step in marks:
            rss_along.append(round(rss_mb(), 1))
        if seen_last_row >= rows or step > 4 * steps:
            break
    if len(rss_along) < samples:
        rss_along.append(round(rss_mb(), 1))
    out["last_row_shown"] = seen_last_row
    out["scroll_s"] = round(time.perf_counter() - t, 1)
    out["scroll_pages"] = step
    out["rss_mb_while_scrolling"] = rss_along  # at 1/8, 2/8, ... of the way down
    out["rss_growth_second_half_mb"] = round(rss_along[-1] - rss_along[len(rss_along) // 2 - 1], 1) \
        if len(rss_along) >= 2 else None
    window.close()
    app.processEvents()
    return out


# ------------------------------------------------------------------ parent
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,10000,20000")
    parser.add_argument("--no-analysis", action="store_true")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the albums here (default: a temp folder)")
    parser.add_argument("--json", dest="json_out", type=Path, default=None)
    parser.add_argument("--child", nargs=2, metavar=("ALBUM", "HOME"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        result = measure(Path(args.child[0]), Path(args.child[1]), analyse=not args.no_analysis)
        print(json.dumps(result), flush=True)
        return 0

    sizes = sorted(int(s) for s in args.sizes.split(","))
    work = args.workdir or Path(tempfile.mkdtemp(prefix="culler-load-"))
    t = time.perf_counter()
    full = make_album(work / f"album_{sizes[-1]}", sizes[-1])
    report: dict = {"generate_s": round(time.perf_counter() - t, 1), "analysis": not args.no_analysis,
                    "cpu_count": os.cpu_count(), "results": []}
    for n in sizes:
        album = full if n == sizes[-1] else linked_prefix(full, work / f"album_{n}", n)
        home = Path(tempfile.mkdtemp(prefix=f"home_{n}_", dir=work))
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(album), str(home)]
        if args.no_analysis:
            cmd.append("--no-analysis")
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT))
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            report["results"].append({"photos": n, "failed": done.stderr[-2000:]})
            continue
        report["results"].append(json.loads(done.stdout.strip().splitlines()[-1]))
    ok = [r for r in report["results"] if "peak_rss_mb" in r]
    if len(ok) >= 2:
        a, b = ok[0], ok[-1]
        report["peak_rss_mb_per_1000_photos"] = round(
            (b["peak_rss_mb"] - a["peak_rss_mb"]) / ((b["photos"] - a["photos"]) / 1000), 2)
    report["peak_rss_mb_by_size"] = {str(r["photos"]): r.get("peak_rss_mb") for r in report["results"]}
    text = json.dumps(report)
    if args.json_out:
        args.json_out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
