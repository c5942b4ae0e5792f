"""How late the window's event loop runs while a search loads CLIP's text tower and ranks, and how
long until the grid shows the results; prints one JSON object.

    python benchmarks/search_ui.py [--photos 5000] [--models DIR]

An album of N small JPEGs (copies of a few real photographs) whose session holds a random 512-d
CLIP embedding per photo (the timing does not depend on what the vectors mean), opened in the
window (offscreen, no analysis). A 10 ms precise timer on the GUI thread records how late each
tick fires while Return runs a first search (text tower loaded, 5-8 s here) and then 5 more
(tower loaded: encode one query and rank on the worker thread, then filter the grid on the GUI
thread). Needs CLIP's weight file: --models DIR
(e.g. made by benchmarks/random_weights.py), else CULLER_MODELS_DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.loupe import percentile, spin_until  # noqa: E402
from benchmarks.machine import cpu_model  # noqa: E402


def make_album(folder: Path, n: int) -> None:
    from benchmarks.photo_factory import real_photo, resize, write_jpeg

    folder.mkdir(parents=True)
    sources = []
    for i, name in enumerate(("astronaut", "chelsea", "coffee", "rocket")):
        img = real_photo(name)
        path = folder / f"src{i}.jpg"
        write_jpeg(path, resize(img, 320, max(1, round(320 * img.shape[0] / img.shape[1]))))
        sources.append(path)
    for i in range(n):
        shutil.copyfile(sources[i % len(sources)], folder / f"IMG_{i:05d}.jpg")
    for path in sources:
        path.unlink()


def run(album: Path, models: Path, queries: int) -> dict:
    import numpy as np
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest

    from culler.app import create_application
    from culler.context import AppContext
    from culler.ui.window.main_window import MainWindow

    app = create_application()
    ctx = AppContext.from_environment()
    ctx = AppContext(cache_dir=ctx.cache_dir, data_dir=ctx.data_dir, config_dir=ctx.config_dir, models_dir=models)
    window = MainWindow(ctx, signals="technical", analyse=False)
    window.resize(1440, 900)
    window.show()
    window.open_album(album)
    spin_until(app, lambda: window.model.rowCount() > 0 and window.store() is not None, 120)
    store = window.store()
    rng = np.random.default_rng(0)
    with store._write() as conn:  # what `culler analyze` stores, in bulk
        conn.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, 'clip', ?)",
                         [(p.id, (v / np.linalg.norm(v)).astype(np.float32).tobytes())
                          for p, v in zip(store.photos(), rng.standard_normal((window.model.rowCount(), 512)))])
    search = window.features[-1]
    lateness: list[float] = []
    last = [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        lateness.append(max(0.0, (now - last[0]) * 1000 - 10))
        last[0] = now

    timer = QTimer(timerType=Qt.TimerType.PreciseTimer, interval=10)
    timer.timeout.connect(tick)
    words = ["dog on the beach", "bride and groom", "sunset", "a crowd at night", "red car", "mountains"]
    seconds, first_lateness, ranked = [], [], []
    search.jobs.finished.connect(lambda kind, _r: ranked.append(time.perf_counter()) if kind == "search" else None)
    for i, query in enumerate(words[:queries + 1]):
        QTest.keyClick(window.grid, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        search.field.edit.setText(query)
        last[0] = t0 = time.perf_counter()
        timer.start()
        QTest.keyClick(search.field.edit, Qt.Key.Key_Return)
        spin_until(app, lambda q=query: window.model.filter.query == q and window.model.filter.matches is not None, 300)
        seconds.append(time.perf_counter() - t0)
        ranked[-1] -= t0
        timer.stop()
        if i == 0:
            first_lateness, lateness[:] = list(lateness), []
    shown = window.model.rowCount()
    window.close()
    return {"photos_shown": shown,
            "first_search_s": round(seconds[0], 2),
            "later_searches_ms_median": round(statistics.median(seconds[1:]) * 1000, 1),
            "later_encode_and_rank_ms_median": round(statistics.median(ranked[1:]) * 1000, 1),
            "lateness_first_search_ms": {"p50": round(percentile(first_lateness, 50), 1),
                                         "p95": round(percentile(first_lateness, 95), 1),
                                         "max": round(max(first_lateness), 1)},
            "lateness_later_searches_ms": {"p95": round(percentile(lateness, 95), 1),
                                           "max": round(max(lateness), 1)}}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--photos", type=int, default=5000)
    p.add_argument("--models", type=Path, default=os.environ.get("CULLER_MODELS_DIR"))
    p.add_argument("--queries", type=int, default=5, help="searches after the first")
    args = p.parse_args(argv)
    if args.models is None:
        p.error("CLIP's weight file is needed: --models DIR (benchmarks/random_weights.py makes one)")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.pop("CULLER_MODELS_DIR", None)
    home = Path(tempfile.mkdtemp(prefix="culler-search-ui-"))
    for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        os.environ[var] = str(home / var.lower())
    album = home / "album"
    make_album(album, args.photos)
    result = run(album, Path(args.models).absolute(), args.queries)
    shutil.rmtree(home, ignore_errors=True)
    print(json.dumps({"benchmark": "search_ui", "photos": args.photos, "cpu": cpu_model(),
                      "load_average_1min": round(os.getloadavg()[0], 2), **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
