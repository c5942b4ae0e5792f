"""Request/response sizes and time per photo of `culler critique` against a loopback server;
print one JSON object.

    .venv/bin/python benchmarks/vlm.py [--photos 12] [--megapixels 12] [--group 6]

The server (tests/vlm/chat_server.py, http.server on 127.0.0.1) answers at once, so the times are
culler's own share of a critique: decoding the photo, the 1024 px JPEG data URI, the request and
reading the answer; a real model adds its own seconds on top. Photos come from make_album.py (real
photographs upscaled to 12 MP). Also one burst-ranking request of `--group` frames. Reports the
medians, the machine's CPU model and load average.

`--window` also drives the window (offscreen) on the same album: V in the loupe on each photo,
timed from the key to the verdict in the critique strip (worker thread, request, cache, strip),
then V again on each (answered from the cache, nothing sent), and the longest the event loop was
held up meanwhile (the window must never wait on the model).
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

from benchmarks.machine import cpu_model  # noqa: E402
from benchmarks.make_album import make_album  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=int, default=12)
    ap.add_argument("--megapixels", type=float, default=12.0)
    ap.add_argument("--group", type=int, default=6, help="frames in the burst-ranking request")
    ap.add_argument("--window", action="store_true", help="also time asking from the window's loupe")
    args = ap.parse_args()

    from culler.analysis.vlm_client import VlmClient
    from culler.analysis.vlm_config import VlmConfig
    from culler.analysis.vlm_run import plan_critique, run_critique
    from culler.core.store import Store
    from culler.pipeline.scan import refresh_photos
    from tests.vlm.chat_server import ChatServer

    with tempfile.TemporaryDirectory(prefix="culler-vlm-bench-") as tmp:
        album, data = Path(tmp) / "album", Path(tmp) / "data"
        make_album(album, args.photos, megapixels=args.megapixels, workers=1)
        store = Store.open(album, data)
        photos, _ = refresh_photos(album, store)
        ids = [p.id for p in photos]
        with ChatServer("ok") as server:
            config = VlmConfig(url=server.url, model="bench", max_photos_per_run=10_000, daily_photos=10_000)
            client = VlmClient(config)
            stamps: list[float] = []
            plan = plan_critique(store, album, config, data, photo_ids=ids)
            cpu0 = time.process_time()
            report = run_critique(store, album, config, data, plan, client,
                                  progress=lambda done, total, msg: stamps.append(time.perf_counter()))
            cpu = time.process_time() - cpu0
            singles = list(server.requests)
            group_plan = plan_critique(store, album, config, data, groups=[ids[:args.group]])
            t0 = time.perf_counter()
            run_critique(store, album, config, data, group_plan, client)
            group_seconds = time.perf_counter() - t0
            group_request = server.requests[-1]
        store.close()
        window = None
        if args.window:  # a copy without the session, so nothing is cached yet
            import shutil

            shutil.copytree(album, Path(tmp) / "window-album", ignore=shutil.ignore_patterns(".culler"))
            window = window_figures(Path(tmp) / "window-album", Path(tmp) / "home")
    per_photo = [b - a for a, b in zip(stamps, stamps[1:])]
    print(json.dumps({
        "photos": len(ids), "megapixels": args.megapixels,
        "answered": report.answered,
        "seconds_per_photo_median": round(statistics.median(per_photo), 4),
        "seconds_per_photo_max": round(max(per_photo), 4),
        "cpu_seconds_per_photo": round(cpu / len(ids), 4),
        "request_kb_median": round(statistics.median(r["bytes"] for r in singles) / 1e3, 1),
        "request_kb_max": round(max(r["bytes"] for r in singles) / 1e3, 1),
        "response_bytes_per_photo": round(report.response_bytes / max(1, report.answered)),
        "group_frames": min(args.group, len(ids)),
        "group_request_kb": round(group_request["bytes"] / 1e3, 1),
        "group_seconds": round(group_seconds, 3),
        **({"window": window} if window else {}),
        "cpu": cpu_model(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }))


def window_figures(album: Path, home: Path) -> dict:
    """Key-to-verdict times in the window's loupe, asked and then cached, and the event loop's
    longest stall meanwhile (a 5 ms timer's lateness)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from culler.context import AppContext
    from culler.ui.window.main_window import MainWindow
    from tests.vlm.chat_server import ChatServer

    app = QApplication.instance() or QApplication([])
    ctx = AppContext(cache_dir=home / "cache", data_dir=home / "data", config_dir=home / "config",
                     models_dir=home / "models")
    stalls: list[float] = []
    clock = QElapsedTimer()

    def tick() -> None:
        if clock.isValid():
            stalls.append(max(0.0, clock.elapsed() - 5.0))
        clock.restart()

    def wait(condition, limit_s: float = 60.0) -> None:
        end = time.perf_counter() + limit_s
        while not condition() and time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.001)

    with ChatServer("ok") as server:
        os.environ.update(CULLER_VLM_URL=server.url, CULLER_VLM_MODEL="bench")
        window = MainWindow(ctx, signals="technical", analyse=False)
        window.resize(1200, 800)
        window.show()
        window.open_album(album)
        wait(lambda: window.model.state is not None and window.model.rowCount() > 0)
        feature = window.features[-1]
        window.show_view("loupe")
        timer = QTimer(interval=5)
        timer.timeout.connect(tick)
        timer.start()
        times = {"asked": [], "cached": []}
        for kind in times:
            for row in range(window.model.rowCount()):
                window.set_current(window.model.id_at(row))
                sent = len(server.requests)
                t0 = time.perf_counter()
                QTest.keyClick(window.current_view(), Qt.Key.Key_V)
                wait(lambda: feature.worker is None and "KEEP" in feature.loupe_strip.label.text())
                times[kind].append(time.perf_counter() - t0)
                if kind == "cached":
                    assert len(server.requests) == sent, "a cached answer was asked for again"
        timer.stop()
        window.close()
    return {"photos": len(times["asked"]),
            "key_to_verdict_s_median": round(statistics.median(times["asked"]), 3),
            "key_to_verdict_s_max": round(max(times["asked"]), 3),
            "cached_key_to_verdict_s_median": round(statistics.median(times["cached"]), 3),
            "event_loop_stall_ms_max": round(max(stalls or [0.0]), 1),
            "event_loop_stall_ms_p95": round(sorted(stalls)[int(0.95 * (len(stalls) - 1))], 1) if stalls else 0.0}


if __name__ == "__main__":
    main()
