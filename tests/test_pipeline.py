"""The analysis pipeline on a real small album: progress, cancel/resume, pause, changed, vanished
and unreadable files, and the deep models (random weights: same code path as real ones)."""

from __future__ import annotations

import os
import shutil
import threading
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from benchmarks import photo_factory as pf
from benchmarks.make_album import make_album
from culler.context import AppContext
from culler.pipeline import Pipeline

N_PHOTOS = 12


@pytest.fixture(scope="session")
def small_album_template(tmp_path_factory) -> Path:
    """12 small JPEGs (bursts, a bracket, singles) with EXIF capture times, made once."""
    out = tmp_path_factory.mktemp("album-template")
    make_album(out, N_PHOTOS, megapixels=0.17, workers=1)
    return out


@pytest.fixture
def album(tmp_path, small_album_template) -> Path:
    dest = tmp_path / "album"
    shutil.copytree(small_album_template, dest)
    return dest


@pytest.fixture
def ctx(tmp_path) -> AppContext:
    return AppContext(cache_dir=tmp_path / "cache", data_dir=tmp_path / "data",
                      config_dir=tmp_path / "config", models_dir=tmp_path / "no-models")


@pytest.fixture
def store(album, ctx):
    from culler.core.store import Store

    s = Store.open(album, ctx.data_dir)
    yield s
    s.close()


@pytest.fixture(scope="session")
def random_models(tmp_path_factory) -> Path:
    """Random-initialised weights of the real architectures, in the CULLER_MODELS_DIR layout."""
    from benchmarks.random_weights import write_all

    out = tmp_path_factory.mktemp("random-models")
    write_all(out)
    return out


class DecodeCounter:
    """Wraps culler.core.decode.load_image to count which files the pipeline decodes."""

    def __init__(self, monkeypatch):
        from culler.core import decode

        self.paths: list[str] = []
        self._real = decode.load_image
        monkeypatch.setattr(decode, "load_image", self)

    def __call__(self, path, *args, **kwargs):
        self.paths.append(Path(path).name)
        return self._real(path, *args, **kwargs)


def _analyse_reports(reports):
    return [r for r in reports if r.stage == "analyse"]


def test_progress_counts_every_photo_with_rate_and_eta(album, store, ctx):
    seen = []
    reports = list(Pipeline(album, store, ctx, signals="technical", on_progress=seen.append).run())

    assert seen == reports  # the callback sees exactly what the generator yields
    assert [r.stage for r in reports][0] == "scan" and reports[-1].stage == "done"
    analysed = _analyse_reports(reports)
    assert {r.total for r in analysed} == {N_PHOTOS}
    dones = [r.done for r in analysed]
    assert dones == sorted(dones) and dones[-1] == N_PHOTOS
    # one report per photo, naming it
    assert {r.current_path for r in analysed if r.current_path} == {p.path for p in store.photos()}
    later = [r for r in analysed if r.done >= 3]
    assert all(r.photos_per_second and r.photos_per_second > 0 for r in later)
    assert all(r.eta_seconds is not None and r.eta_seconds >= 0 for r in later)
    assert analysed[-1].eta_seconds == 0.0
    # every photo analysed, scored and grouped
    ids = {p.id for p in store.photos()}
    assert set(store.analysed_keys()) == ids
    assert set(store.groups()) == ids
    assert set(store.scores()) == ids
    assert all(0.0 <= s <= 1.0 for s, _c in store.scores().values() if s is not None)
    assert all(t.shape == (32, 32) for t in store.tiny_images().values())


def test_cancel_keeps_finished_photos_and_the_next_run_resumes(album, store, ctx, monkeypatch):
    pipeline = Pipeline(album, store, ctx, signals="technical")
    for report in pipeline.run():
        if report.stage == "analyse" and report.done == 4:
            pipeline.cancel()
    assert report.stage == "cancelled"
    finished = set(store.analysed_keys())
    assert 4 <= len(finished) < N_PHOTOS

    counter = DecodeCounter(monkeypatch)
    last = Pipeline(album, store, ctx, signals="technical").run_to_end()
    assert last.stage == "done"
    by_id = {p.id: p.path for p in store.photos()}
    assert not {by_id[i].split("/")[-1] for i in finished} & set(counter.paths)
    assert len(counter.paths) == N_PHOTOS - len(finished)
    assert set(store.analysed_keys()) == set(by_id)

    # a third run has nothing left to do
    counter.paths.clear()
    Pipeline(album, store, ctx, signals="technical").run_to_end()
    assert counter.paths == []


def test_pause_holds_the_run_until_resume(album, store, ctx):
    reached = threading.Event()
    paused = threading.Event()

    def watch(report):
        if report.stage == "analyse" and report.done >= 2:
            reached.set()
        if report.stage == "paused":
            paused.set()

    pipeline = Pipeline(album, store, ctx, signals="technical", on_progress=watch)
    worker = threading.Thread(target=pipeline.run_to_end)
    worker.start()
    try:
        assert reached.wait(60)
        pipeline.pause()
        assert paused.wait(30)
        count = len(store.analysed_keys())
        time.sleep(0.6)
        assert len(store.analysed_keys()) == count < N_PHOTOS
        assert worker.is_alive()
    finally:
        pipeline.resume()
        worker.join(60)
    assert not worker.is_alive()
    assert len(store.analysed_keys()) == N_PHOTOS


def test_cancel_wakes_a_paused_run(album, store, ctx):
    pipeline = Pipeline(album, store, ctx, signals="technical")
    pipeline.pause()
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("last", pipeline.run_to_end()))
    worker.start()
    time.sleep(0.3)
    pipeline.cancel()
    worker.join(30)
    assert not worker.is_alive() and result["last"].stage == "cancelled"


def test_a_changed_file_is_analysed_again(album, store, ctx, monkeypatch):
    Pipeline(album, store, ctx, signals="technical").run_to_end()
    target = store.photos()[0]
    before = store.signals(target.id)["sharpness"]

    path = album / target.path
    img = pf.gaussian_blur(np.asarray(pf.real_photo("astronaut")), 6)
    pf.write_jpeg(path, pf.resize(img, 480, 360), captured_at=target.meta.captured_at)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))

    counter = DecodeCounter(monkeypatch)
    Pipeline(album, store, ctx, signals="technical").run_to_end()
    assert counter.paths == [Path(target.path).name]
    changed = next(p for p in store.photos() if p.path == target.path)
    assert store.analysed_keys()[changed.id] == (path.stat().st_size, path.stat().st_mtime_ns)
    assert store.signals(changed.id)["sharpness"] < before  # the blurred copy was measured


def test_a_rerun_of_an_unchanged_album_rescans_nothing_and_finds_new_files(album, store, ctx, monkeypatch):
    Pipeline(album, store, ctx, signals="technical").run_to_end()
    counter = DecodeCounter(monkeypatch)
    again = Pipeline(album, store, ctx, signals="technical")
    assert again.run_to_end().stage == "done"
    assert not again.scanned and counter.paths == []  # one stat per file, nothing opened

    pf.write_jpeg(album / "IMG_9999.JPG", pf.resize(pf.real_photo("coffee"), 480, 360),
                  captured_at=datetime(2024, 6, 2, 12, 0, 0))
    later = Pipeline(album, store, ctx, signals="technical")
    assert later.run_to_end().stage == "done"
    assert later.scanned and counter.paths == ["IMG_9999.JPG"]
    assert len(store.analysed_keys()) == N_PHOTOS + 1


def test_a_file_that_vanishes_mid_run_is_reported_and_skipped(album, store, ctx):
    names = sorted(p.name for p in album.iterdir())
    victim = names[-1]

    def delete_when_analysis_starts(report):
        if report.stage == "analyse" and report.done == 0 and (album / victim).exists():
            (album / victim).unlink()

    pipeline = Pipeline(album, store, ctx, signals="technical", on_progress=delete_when_analysis_starts,
                        prefetch_workers=1)
    reports = list(pipeline.run())
    assert reports[-1].stage == "done"
    assert pipeline.vanished == [victim]
    assert any(victim in r.message and "vanished" in r.message for r in reports)
    assert victim not in {p.path for p in store.photos()}
    assert len(store.analysed_keys()) == N_PHOTOS - 1
    assert len(store.groups()) == N_PHOTOS - 1


def test_an_unreadable_file_is_stored_as_an_error_and_the_run_goes_on(album, store, ctx):
    broken = album / "IMG_0003.JPG"
    broken.write_bytes(broken.read_bytes()[:2000])  # truncated mid-scan, like a failed copy
    pipeline = Pipeline(album, store, ctx, signals="technical")
    assert pipeline.run_to_end().stage == "done"
    by_path = {p.path: p for p in store.photos()}
    errors = store.analysis_errors()
    bad = by_path["IMG_0003.JPG"]
    message = bad.error if bad.status != "ok" else errors.get(bad.id)
    assert message
    assert len(store.analysed_keys()) == N_PHOTOS
    assert all(store.signals(p.id).get("sharpness") is not None
               for p in by_path.values() if p.path != "IMG_0003.JPG")


def test_grouping_settings_of_the_album_are_used(album, store, ctx):
    Pipeline(album, store, ctx, signals="technical").run_to_end()
    default_groups = {g.group for g in store.groups().values()}
    assert len(default_groups) < N_PHOTOS  # bursts were grouped
    store.set("grouping.params", {"time_gap_s": 0.0})
    Pipeline(album, store, ctx, signals="technical").run_to_end()
    assert len({g.group for g in store.groups().values()}) >= len(default_groups)


@pytest.mark.slow
def test_deep_signals_and_embeddings_for_every_photo(album, store, ctx, random_models):
    deep_ctx = AppContext(ctx.cache_dir, ctx.data_dir, ctx.config_dir, random_models)
    # analysed technical-only first: the deep run must add the missing signals to those photos
    Pipeline(album, store, ctx, signals="technical").run_to_end()
    pipeline = Pipeline(album, store, deep_ctx, signals="all", threads=2)
    assert pipeline.run_to_end().stage == "done"
    assert pipeline.model_status == {"clipiqa": "ok", "nima": "ok", "clip": "ok"}
    ids = {p.id for p in store.photos()}
    signals = store.all_signals()
    for pid in ids:
        assert signals[pid]["clipiqa"] is not None and 0.0 <= signals[pid]["clipiqa"] <= 1.0
        assert signals[pid]["nima"] is not None and 1.0 <= signals[pid]["nima"] <= 10.0
        assert signals[pid]["sharpness"] is not None
    embeddings = store.embeddings("clip")
    assert set(embeddings) == ids
    assert all(abs(float(np.linalg.norm(v)) - 1.0) < 1e-3 for v in embeddings.values())


def test_deep_models_are_split_over_the_threads_allowed():
    from culler.pipeline.deep import plan_groups

    everything = ["clipiqa", "nima", "clip"]
    assert plan_groups(everything, 1) == ([("clipiqa", "nima", "clip")], 1)  # the GUI's one core: in turn
    assert plan_groups(everything, 2) == ([("nima",), ("clipiqa", "clip")], 1)
    assert plan_groups(everything, 8) == ([("nima",), ("clipiqa", "clip")], 4)
    assert plan_groups(["clip"], 2) == ([("clip",)], 2)
