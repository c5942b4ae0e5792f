"""What the grid's ordering and stacking cost on a 20,000-photo album, with no files: sorting by
capture time / file name / score, opening the album into the list model (filter, sort, stacks of
4 frames), a decision under the Picks filter (the refilter each key press runs), and the
analysis's groups arriving (the check that holds new stacks open). Prints one JSON object:
medians of 5 runs, in milliseconds, with the CPU and the load average.

    .venv/bin/python benchmarks/grid_order.py [--photos 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks.machine import cpu_model  # noqa: E402
from culler.core.album_state import AlbumState  # noqa: E402
from culler.core.filters import PhotoFilter  # noqa: E402
from culler.core.records import Decision, GroupRow, Photo, PhotoMeta  # noqa: E402


class Decisions:
    """The one thing AlbumState reads from a store here: the decisions (the Store's own timings
    are benchmarks/store.py's)."""

    def __init__(self) -> None:
        self.flags: dict[int, Decision] = {}

    def decisions(self) -> dict[int, Decision]:
        return dict(self.flags)

    def decision(self, photo_id: int) -> Decision:
        return self.flags.get(photo_id, Decision())


def album(n: int) -> tuple[AlbumState, dict[int, GroupRow]]:
    t0 = datetime(2024, 1, 1)
    photos = [Photo(f"IMG_{i:05d}.jpg", "jpeg", 1, 1_700_000_000_000_000_000 + i,
                    meta=PhotoMeta(None if i % 50 == 0 else t0 + timedelta(seconds=i / 3)), id=i + 1)
              for i in range(n)]
    state = AlbumState("/album", Decisions())
    state.set_photos(photos)
    state.scores = {p.id: ((p.id * 7919) % 1000 / 1000, 0.8) for p in photos}
    groups = {p.id: GroupRow(p.id, f"g{i // 4}", 4, i % 4 + 1, None, [], "burst") for i, p in enumerate(photos)}
    return state, groups


def median_ms(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=20_000)
    n = parser.parse_args().photos

    from PySide6.QtWidgets import QApplication

    from culler.core.group_navigation import IndexCache, Stacks
    from culler.ui.album.photo_model import PhotoListModel

    QApplication.instance() or QApplication([])
    state, groups = album(n)
    out = {"photos": n, "cpu_model": cpu_model(), "load_avg_before": round(os.getloadavg()[0], 2)}
    for sort in ("time", "name", "score"):
        out[f"sort_{sort}_ms"] = median_ms(lambda sort=sort: state.ordered(sort, again=True))

    model = PhotoListModel()
    model.set_stacks(Stacks(IndexCache(), model))

    def open_album():
        model.set_state(None)
        state.groups = dict(groups)
        model.set_state(state)

    out["open_with_stacks_ms"] = median_ms(open_album)
    model.set_filter(PhotoFilter(flag="picks"))
    store, ids = state.store, state.order

    def decide():
        pid = ids[len(store.flags) * 37 % n]
        store.flags[pid] = Decision("pick")
        model.decisions_changed([pid])

    out["decision_under_a_filter_ms"] = median_ms(decide)
    model.set_filter(PhotoFilter())

    def groups_arrive():
        model.set_state(None)
        state.groups = {}
        model.set_state(state)  # opened before the analysis: no groups yet
        state.groups = dict(groups)  # the analysis wrote them
        model.photos_changed(None)

    out["groups_arrive_ms"] = median_ms(groups_arrive)
    out["rows_after_groups_arrive"] = model.rowCount()  # every photo: the new stacks are held open
    print(json.dumps(out))


if __name__ == "__main__":
    main()
