"""UI latency benchmark: how late the GUI thread's event loop runs while the analysis works.

    python benchmarks/ui_latency.py [--album DIR] [--count 60] [--seconds 20] [--signals all]

Opens the window (offscreen) on the album with the analysis starting as usual, and once the
analysis is in its "analyse" stage, runs a 10 ms precise QTimer on the GUI thread and records
how late each tick fires (lateness = interval - 10 ms), while a simulated user moves through the
grid with the arrow key every 150 ms (so thumbnails decode too). Target: p95 < 100 ms.
Deep models run only when their files are present (CULLER_MODELS_DIR, e.g. made by
benchmarks/random_weights.py); the JSON says which ran. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.loupe import percentile, spin_until  # noqa: E402


def run(album: Path, seconds: float, signals: str) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    home = Path(tempfile.mkdtemp(prefix="culler-latency-"))
    for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        os.environ[var] = str(home / var.lower())
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest

    from culler.app import create_application
    from culler.context import AppContext
    from culler.ui.window.main_window import MainWindow

    app = create_application()
    window = MainWindow(AppContext.from_environment(), signals=signals, analyse=True)
    window.resize(1440, 900)
    window.show()
    stages: list = []
    window.open_album(album)

    def on_progress(report):
        stages.append((time.perf_counter(), report.stage, report.done))

    spin_until(app, lambda: window.session._worker is not None, 60)
    window.session._worker.progress.connect(on_progress)
    spin_until(app, lambda: any(s == "analyse" for _, s, _ in stages), 300)

    lateness: list[float] = []
    by_stage: dict[str, list[float]] = {}
    last = [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        late = max(0.0, (now - last[0]) * 1000 - 10)
        lateness.append(late)
        by_stage.setdefault(stages[-1][1] if stages else "none", []).append(late)
        last[0] = now

    moves = [0]

    def user_moves():
        QTest.keyClick(window.current_view(), Qt.Key.Key_Right)
        moves[0] += 1

    timer = QTimer(timerType=Qt.TimerType.PreciseTimer, interval=10)
    timer.timeout.connect(tick)
    user = QTimer(interval=150)
    user.timeout.connect(user_moves)
    done_before = max((d for _, s, d in stages if s == "analyse"), default=0)
    t0 = time.perf_counter()
    last[0] = t0
    timer.start()
    user.start()
    spin_until(app, lambda: time.perf_counter() - t0 > seconds or any(s in ("done", "cancelled") for _, s, _ in stages),
               seconds + 5)
    timer.stop()
    user.stop()
    elapsed = time.perf_counter() - t0
    done_after = max((d for _, s, d in stages if s == "analyse"), default=0)
    pipeline = getattr(window.session._worker, "_pipeline", None)
    models = dict(getattr(pipeline, "model_status", None) or {})
    window.close()
    return {"seconds": round(elapsed, 1), "ticks": len(lateness), "user_moves": moves[0],
            "lateness_ms": {"p50": round(percentile(lateness, 50), 1), "p95": round(percentile(lateness, 95), 1),
                            "p99": round(percentile(lateness, 99), 1), "max": round(max(lateness), 1)},
            "p95_by_stage_ms": {k: round(percentile(v, 95), 1) for k, v in by_stage.items()},
            "photos_analysed_meanwhile": done_after - done_before,
            "analysis_photos_per_second": round((done_after - done_before) / elapsed, 2),
            "models": models}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--album", type=Path)
    p.add_argument("--count", type=int, default=60)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--signals", choices=("all", "technical"), default="all")
    args = p.parse_args(argv)
    album = args.album
    if album is None:
        from benchmarks.make_album import make_album

        album = Path(tempfile.gettempdir()) / f"culler-bench-{args.count}x12mp"
        make_album(album, args.count)
    import shutil

    shutil.rmtree(album / ".culler", ignore_errors=True)  # analyse from scratch
    result = run(album.absolute(), args.seconds, args.signals)
    print(json.dumps({"benchmark": "ui_latency", "album": str(album), "signals": args.signals,
                      "cpu_count": os.cpu_count(), "load_average_1min": round(os.getloadavg()[0], 2),
                      **result, "target_p95_ms": 100,
                      "meets_target": result["lateness_ms"]["p95"] < 100}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
