"""The run report: what a pipeline run did (photos analysed, up to date, failed with reasons; models
used, missing, failed; time per stage), on the last Progress and as `culler analyze`'s last lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.photo_factory import real_photo, resize, write_jpeg
from culler.context import AppContext
from culler.pipeline import Pipeline, RunReport

ROOT = Path(__file__).resolve().parents[1]
GOOD = ("astronaut", "coffee", "chelsea", "rocket")


@pytest.fixture
def album(tmp_path) -> Path:
    album = tmp_path / "album"
    for i, name in enumerate(GOOD):
        write_jpeg(album / f"IMG_{i}.jpg", resize(real_photo(name), 240, 160))
    (album / "bad.jpg").write_bytes(b"this is not a jpeg")
    return album


@pytest.fixture
def ctx(tmp_path) -> AppContext:
    return AppContext(cache_dir=tmp_path / "cache", data_dir=tmp_path / "data",
                      config_dir=tmp_path / "config", models_dir=tmp_path / "no-models")


def _run(album, ctx, **kwargs):
    from culler.core.store import Store

    store = Store.open(album, ctx.data_dir)
    try:
        reports = list(Pipeline(album, store, ctx, **kwargs).run())
    finally:
        store.close()
    assert all(p.run_report is None for p in reports[:-1])  # only the last one carries it
    return reports[-1]


def test_a_run_reports_analysed_failed_missing_models_and_stage_times(album, ctx):
    last = _run(album, ctx, signals="all")
    report = last.run_report
    assert last.stage == "done" and isinstance(report, RunReport)
    assert (report.photos, report.analysed, report.up_to_date) == (5, 4, 0)
    assert list(report.failed) == ["bad.jpg"] and "not an image" in report.failed["bad.jpg"]
    assert report.models == {"clipiqa": "missing", "nima": "missing", "clip": "missing"}
    assert report.models_used == () and report.models_missing == ("clipiqa", "nima", "clip")
    assert set(report.stage_seconds) == {"scan", "analyse", "group"} and report.groups == 0  # four different photos
    assert all(s >= 0 for s in report.stage_seconds.values()) and report.seconds > 0

    first, second = report.lines()
    assert first.startswith("Run finished: 5 photos - 4 analysed, 0 already up to date, 1 failed (1 not an image)")
    assert second.startswith("Models: used none; missing clipiqa, nima, clip (`culler models download`")
    assert "Time: scan " in second and "s in all)." in second

    again = _run(album, ctx, signals="technical").run_report
    assert (again.analysed, again.up_to_date, again.failed) == (0, 5, {})  # the bad file is known: not retried
    assert again.models == {} and "Models: none asked for." in again.lines()[1]


def test_a_cancelled_run_says_how_many_photos_it_did_not_reach(album, ctx):
    from culler.core.store import Store

    store = Store.open(album, ctx.data_dir)
    pipeline = Pipeline(album, store, ctx, signals="technical", batch_size=1)
    try:
        for progress in pipeline.run():
            if progress.stage == "analyse" and progress.done == 1:
                pipeline.cancel()
            last = progress
    finally:
        store.close()
    report = last.run_report
    assert last.stage == "cancelled" and report.cancelled and report.groups is None
    assert report.analysed + len(report.failed) < 5
    assert report.lines()[0].startswith("Run cancelled: 5 photos - ")
    assert f"{5 - report.analysed - len(report.failed)} not reached" in report.lines()[0]


def test_culler_analyze_ends_with_the_report(album, tmp_path):
    env = {**os.environ, "CULLER_MODELS_DIR": str(tmp_path / "no-models")}
    done = subprocess.run([sys.executable, "-m", "culler", "analyze", str(album), "--json", str(tmp_path / "o.json")],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    tail = done.stderr.strip().splitlines()[-2:]
    assert tail[0].startswith("culler analyze: Run finished: 5 photos - 4 analysed, 0 already up to date, "
                              "1 failed (1 not an image)")
    assert tail[1].startswith("culler analyze: Models: used none; missing clipiqa, nima, clip")
