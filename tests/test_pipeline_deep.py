"""The deep models' scheduling in the pipeline: model groups run their batches independently (no
barrier at the end of a batch), results are stored in photo order, and a cancel keeps what finished
while the photos whose deep work was dropped are analysed again by the next run; the photos asked
for (`Pipeline.prioritise`) go first. Fake model groups
stand in for torch here (the real models: tests/test_pipeline.py, tests/analysis/)."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from benchmarks.make_album import make_album
from culler.context import AppContext
from culler.pipeline.deep import DeepRunner

N_PHOTOS = 20


class FakeAnalyzer:
    """A model group: 'nima' is slow, 'clipiqa'+'clip' fast; records when each batch ran."""

    def __init__(self, names, seconds_per_batch, log):
        self.names, self.seconds, self.log, self.precision = tuple(names), seconds_per_batch, log, "fp32"

    def available(self):
        return list(self.names)

    def status(self):
        return {n: "ok" for n in self.names}

    def run(self, images):
        start = time.monotonic()
        time.sleep(self.seconds)
        self.log.append((self.names, len(images), start, time.monotonic()))
        out = []
        for image in images:
            level = float(np.asarray(image).mean()) / 255.0
            signals = {n: (1.0 + 9.0 * level if n == "nima" else level) for n in self.names if n != "clip"}
            vector = np.zeros(512, np.float32)
            vector[0] = 1.0
            out.append((signals, {"clip": vector} if "clip" in self.names else {}))
        return out

    def close(self):
        pass


def fake_runner(log, slow=0.12, fast=0.02):
    runner = DeepRunner(Path("/nonexistent-models"), ["nima", "clipiqa", "clip"], threads=2)
    assert runner.groups == [("nima",), ("clipiqa", "clip")]
    runner.analyzers = [FakeAnalyzer(("nima",), slow, log), FakeAnalyzer(("clipiqa", "clip"), fast, log)]
    return runner


def test_a_fast_group_runs_ahead_instead_of_waiting_for_the_slow_one():
    log: list = []
    runner = fake_runner(log)
    try:
        batches = [runner.submit([np.full((8, 8, 3), 10 * i, np.uint8)] * 2) for i in range(3)]
        results = [b.result() for b in batches]
    finally:
        runner.close()
    fast_ends = [end for names, _n, _s, end in log if names == ("clipiqa", "clip")]
    slow_ends = [end for names, _n, _s, end in log if names == ("nima",)]
    assert len(fast_ends) == len(slow_ends) == 3
    assert fast_ends[-1] < slow_ends[0]  # all fast batches done before the first slow one
    for i, result in enumerate(results):  # merged per photo, in submission order
        for signals, embeddings in result:
            assert signals["clipiqa"] == pytest.approx(10 * i / 255.0)
            assert signals["nima"] == pytest.approx(1.0 + 9.0 * 10 * i / 255.0)
            assert embeddings["clip"].shape == (512,)


def test_cancelling_a_batch_drops_only_the_work_not_started():
    log: list = []
    runner = fake_runner(log, slow=0.3)
    try:
        first = runner.submit([np.zeros((4, 4, 3), np.uint8)])
        second = runner.submit([np.zeros((4, 4, 3), np.uint8)])
        time.sleep(0.1)
        assert not first.cancel()  # both groups have started or finished it
        assert second.cancel()  # the slow group had not started it
        assert set(first.result()[0][0]) == {"nima", "clipiqa"}
        assert set(second.result()[0][0]) == {"clipiqa"}  # what finished is kept
    finally:
        runner.close()


@pytest.fixture(scope="module")
def album_template(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("album-deep-template")
    make_album(out, N_PHOTOS, megapixels=0.1, workers=1)
    return out


@pytest.fixture
def fake_models(monkeypatch):
    """The pipeline sees all three models as present and gets the fake groups."""
    import culler.pipeline.deep as pipeline_deep
    from culler.analysis import model_files

    log: list = []
    monkeypatch.setattr(model_files, "status", lambda *a, **k: {"clipiqa": "ok", "nima": "ok", "clip": "ok"})
    monkeypatch.setattr(pipeline_deep, "DeepRunner", lambda *a, **k: fake_runner(log, slow=0.05, fast=0.01))
    return log


def _open(tmp_path, album_template):
    from culler.core.store import Store

    album = tmp_path / "album"
    shutil.copytree(album_template, album)
    ctx = AppContext(cache_dir=tmp_path / "cache", data_dir=tmp_path / "data", config_dir=tmp_path / "config",
                     models_dir=tmp_path / "models")
    return album, ctx, Store.open(album, ctx.data_dir)


def _complete(store) -> set[int]:
    signals, embedded = store.all_signals(), set(store.embeddings("clip"))
    return {pid for pid, s in signals.items()
            if s.get("nima") is not None and s.get("clipiqa") is not None and pid in embedded}


def test_every_photo_gets_every_deep_signal_with_batches_in_flight(tmp_path, album_template, fake_models):
    from culler.pipeline import Pipeline

    album, ctx, store = _open(tmp_path, album_template)
    try:
        reports = list(Pipeline(album, store, ctx, threads=2, batch_size=3).run())
        assert reports[-1].stage == "done"
        dones = [r.done for r in reports if r.stage == "analyse"]
        assert dones == sorted(dones) and dones[-1] == N_PHOTOS
        assert _complete(store) == {p.id for p in store.photos()}
        # each photo's own numbers (the fakes score a photo by its mean level)
        levels = {s["clipiqa"] for s in store.all_signals().values()}
        assert len(levels) > N_PHOTOS // 2
    finally:
        store.close()


def test_cancel_with_batches_in_flight_keeps_finished_work_and_the_next_run_completes(
        tmp_path, album_template, fake_models):
    from culler.pipeline import Pipeline

    album, ctx, store = _open(tmp_path, album_template)
    try:
        pipeline = Pipeline(album, store, ctx, threads=2, batch_size=2)
        for report in pipeline.run():
            if report.stage == "analyse" and report.done >= 4:
                pipeline.cancel()
        assert report.stage == "cancelled"
        assert 4 <= len(store.analysed_keys()) < N_PHOTOS
        assert len(_complete(store)) >= 4

        again = Pipeline(album, store, ctx, threads=2, batch_size=2)
        assert again.run_to_end().stage == "done"
        assert _complete(store) == {p.id for p in store.photos()}
    finally:
        store.close()


def test_pause_stores_the_batches_in_flight_then_holds(tmp_path, album_template, fake_models):
    from culler.pipeline import Pipeline

    album, ctx, store = _open(tmp_path, album_template)
    paused = threading.Event()
    pipeline = Pipeline(album, store, ctx, threads=2, batch_size=2,
                        on_progress=lambda r: r.stage == "paused" and paused.set())
    reached = threading.Event()
    watcher = pipeline.on_progress
    pipeline.on_progress = lambda r: (watcher(r), r.stage == "analyse" and r.done >= 2 and reached.set())
    worker = threading.Thread(target=pipeline.run_to_end)
    worker.start()
    try:
        assert reached.wait(60)
        pipeline.pause()
        assert paused.wait(30)
        count = len(store.analysed_keys())
        assert set(store.analysed_keys()) <= _complete(store)  # nothing half-done while paused
        time.sleep(0.4)
        assert len(store.analysed_keys()) == count < N_PHOTOS
    finally:
        pipeline.resume()
        worker.join(60)
        store.close()
    assert not worker.is_alive()


def _analysed_order(reports) -> list[str]:
    return [r.current_path for r in reports if r.stage == "analyse" and r.current_path]


def test_the_photos_asked_for_are_analysed_first(tmp_path, album_template, fake_models):
    """Photos on screen (prioritise, before the run) come first; asked for during the run, they
    come right after the few already decoding."""
    from culler.pipeline import Pipeline

    album, ctx, store = _open(tmp_path, album_template)
    try:
        paths = sorted(f.name for f in album.iterdir() if f.suffix.lower() == ".jpg")
        assert len(paths) == N_PHOTOS
        wanted = paths[-3:][::-1]
        pipeline = Pipeline(album, store, ctx, threads=2, batch_size=2)
        pipeline.prioritise(wanted + ["not/in/the/album.jpg"])
        assert _analysed_order(pipeline.run())[:3] == wanted

        for photo in store.photos():
            store.put_analysis(photo.id, (0, 0), {})  # stale: everything is analysed again
        # technical only: no model loading, during which the first photos are decoded ahead
        pipeline = Pipeline(album, store, ctx, signals="technical", batch_size=2, prefetch_workers=1)
        reports = []
        for report in pipeline.run():
            reports.append(report)
            if report.stage == "analyse" and report.done == 1:
                pipeline.prioritise(paths[-2:])
        order = _analysed_order(reports)
        lookahead = 2 * 2 + 1  # the photos already decoding when asked (Pipeline._analyse)
        assert order[0] == paths[0] and set(order[:1 + lookahead + 2]) >= set(paths[-2:])
        assert sorted(order) == sorted(paths)
    finally:
        store.close()
