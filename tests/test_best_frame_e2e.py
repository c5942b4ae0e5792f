"""End to end: bursts re-shot through a simulated camera, analysed by `culler analyze --json`.

The clean frame of each burst must come first, never be suggested for reject, and outscore its
clearly faulty siblings in the album-wide score; brackets and panoramas stay whole and uncut.
The faults here are clear ones (the held-out evaluation in benchmarks/burst_eval.py covers the
barely visible ones and reports its figures in the README).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta

import numpy as np

from benchmarks.burst_album import _frame
from benchmarks.camera_sim import Scene
from benchmarks.photo_factory import write_jpeg
from benchmarks.photo_sources import load
from culler.context import AppContext
from culler.core.store import Store
from tests.test_cli_analyze import run_cli

FAULTS = {"defocus": {"defocus": 3.0}, "shake": {"shake": 12.0, "shake_angle": 30.0},
          "iso": {"iso_stops": 3.0}, "under": {"stops": -2.0}, "over": {"stops": 1.5}, "jpeg": {"jpeg": 20}}


def _album(root):
    rng = np.random.default_rng(3)
    photos = dict(load("skimage"))
    truth, t = {}, datetime(2024, 5, 4, 10, 0, 0)
    shots = [("burst", "skimage:astronaut", ["defocus", "clean", "iso", "under"]),
             ("burst", "skimage:rocket", ["shake", "over", "clean"]),
             ("burst", "skimage:chelsea", ["clean", "jpeg", "under", "defocus"]),
             ("burst", "skimage:coffee", ["iso", "clean", "over"])]
    n = 0
    for _, name, kinds in shots:
        scene = Scene.from_photo(photos[name][:400, :560], rng)
        for i, kind in enumerate(kinds):
            img = _frame(scene, rng, 2.0, FAULTS.get(kind, {}), shift=(i, -i))
            n += 1
            write_jpeg(root / f"IMG_{n:03d}.jpg", img, captured_at=t + timedelta(seconds=0.2 * i), quality=92)
            truth[f"IMG_{n:03d}.jpg"] = (name, kind)
        t += timedelta(minutes=3)
    scene = Scene.from_photo(photos["skimage:motorcycle_left"][:400, :560], rng)
    for i, ev in enumerate((-2.0, 0.0, 2.0)):
        n += 1
        write_jpeg(root / f"IMG_{n:03d}.jpg", _frame(scene, rng, 1.0, {"stops": ev}),
                   captured_at=t + timedelta(seconds=0.4 * i), exposure_bias=ev, quality=92)
        truth[f"IMG_{n:03d}.jpg"] = ("bracket", "bracket")
    return truth


def test_the_clean_frame_of_each_burst_wins_and_is_never_suggested_for_reject(tmp_path):
    album = tmp_path / "album"
    truth = _album(album)
    out = tmp_path / "out.json"
    done = run_cli("analyze", album, "--json", out, "--signals", "technical")
    assert done.returncode == 0, done.stderr
    photos = {p["path"]: p for p in json.loads(out.read_text())["photos"]}
    by_scene = defaultdict(list)
    for path, (scene, kind) in truth.items():
        by_scene[scene].append((kind, photos[path]))
    for scene, frames in by_scene.items():
        assert len({p["group"] for _, p in frames}) == 1, f"{scene} split across groups"
        if scene == "bracket":
            assert all(p["suggestion"] is None for _, p in frames)
            continue
        clean = next(p for kind, p in frames if kind == "clean")
        assert clean["group_rank"] == 1 and clean["suggestion"] == "pick", (scene, clean["reasons"])
        for kind, p in frames:
            if kind != "clean":
                assert p["score"] < clean["score"], (scene, kind)
    assert not any(p["suggestion"] == "reject" for kind, p in sum(by_scene.values(), []) if kind == "clean")
    assert sum(p["suggestion"] == "reject" for p in photos.values()) >= 3  # clear faults are named and flagged
    # every frame's detail map is kept, so regrouping later compares siblings' pixels again
    with Store.open(album, AppContext.from_environment().data_dir) as store:
        assert set(store.embeddings("detail")) == {p.id for p in store.photos()}
