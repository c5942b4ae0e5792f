"""Loupe benchmark: how long "next photo" takes to paint, with the neighbours prefetched.

    python benchmarks/loupe.py [--album DIR] [--count 60] [--steps 40]

Opens the window (offscreen, 1440x900) on the album, shows the loupe, then presses Right
`--steps` times through real key events. "prefetched": after each step the decode pool is
allowed to finish (as when a photographer looks at a photo for a moment), then the next key
press is timed until the canvas has painted the new photo's own preview. "rapid": key presses
back to back (each timed until painted, without waiting for the prefetch of the next).
Target: prefetched p95 < 50 ms. Prints one JSON object.
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


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def spin_until(app, cond, timeout: float = 60.0) -> bool:
    """Run the event loop until cond() holds. It sleeps in the event loop between events (a
    2 ms wake-up timer re-checks cond), so the harness does not steal the CPU it measures."""
    from PySide6.QtCore import QEventLoop, QTimer

    wake = QTimer()
    wake.start(2)
    end = time.perf_counter() + timeout
    while not cond() and time.perf_counter() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    wake.stop()
    return cond()


def run(album: Path, steps: int) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = Path(tempfile.mkdtemp(prefix="culler-loupe-"))
    for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        os.environ[var] = str(home / var.lower())
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from culler.app import create_application
    from culler.context import AppContext
    from culler.ui.window.main_window import MainWindow

    app = create_application()
    window = MainWindow(AppContext.from_environment(), analyse=False)
    window.resize(1440, 900)
    window.show()
    shown = []
    window.session.photos_shown.connect(lambda: shown.append(True))
    window.open_album(album)

    spin_until(app, lambda: bool(shown))
    canvas = window.loupe.canvas
    painted: list[int] = []
    canvas.painted.connect(painted.append)
    QTest.keyClick(window.current_view(), Qt.Key.Key_Home)
    QTest.keyClick(window.current_view(), Qt.Key.Key_E)
    spin_until(app, lambda: canvas.fitted is not None)

    def step(wait_prefetch: bool) -> tuple[float, float] | None:
        """(wall ms, GUI-thread CPU ms) from the key press to the new photo painted."""
        if wait_prefetch:
            spin_until(app, window.pool.is_idle)
        before = window.current_id()
        painted.clear()
        c0 = time.thread_time()
        t0 = time.perf_counter()
        QTest.keyClick(window.current_view(), Qt.Key.Key_Right)
        target = window.current_id()
        if target == before:
            return None
        ok = spin_until(app, lambda: target in painted and canvas.photo_id == target and canvas.fitted is not None)
        return ((time.perf_counter() - t0) * 1000, (time.thread_time() - c0) * 1000) if ok else None

    results = {}
    for mode, wait in (("prefetched", True), ("rapid", False)):
        measured = [t for t in (step(wait) for _ in range(steps)) if t is not None]
        times = [wall for wall, _ in measured]
        gui_cpu = [cpu for _, cpu in measured]
        results[mode] = {"steps": len(times), "median_ms": round(statistics.median(times), 1),
                         "p95_ms": round(percentile(times, 95), 1), "max_ms": round(max(times), 1),
                         "gui_thread_cpu_median_ms": round(statistics.median(gui_cpu), 1),
                         "gui_thread_cpu_p95_ms": round(percentile(gui_cpu, 95), 1)}
    size = canvas.fitted.size()
    window.close()
    return {"preview_px": [size.width(), size.height()], **results}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--album", type=Path)
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--steps", type=int, default=40)
    args = p.parse_args(argv)
    album = args.album
    if album is None:
        from benchmarks.make_album import make_album

        album = Path(tempfile.gettempdir()) / f"culler-bench-{args.count}x12mp"
        make_album(album, args.count)
    result = run(album.absolute(), args.steps)
    print(json.dumps({"benchmark": "loupe", "album": str(album), "cpu_count": os.cpu_count(),
                      "load_average_1min": round(os.getloadavg()[0], 2),
                      **result, "target_p95_ms": 50,
                      "meets_target": result["prefetched"]["p95_ms"] < 50}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
