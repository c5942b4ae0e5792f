"""`culler plan` and `culler export` as a user runs them, on real files and a real session store."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from benchmarks.photo_factory import real_photo, resize, write_jpeg
from culler.cli import export as export_cli
from culler.cli import plan as plan_cli
from culler.context import AppContext
from culler.core.records import GroupRow
from culler.core.store import Store

T0 = datetime(2024, 6, 1, 9, 0, 0)
NAMES = ("astronaut", "chelsea", "coffee", "rocket", "camera", "coins")


def parse(module, argv):
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return parser.parse_args(argv)


@pytest.fixture
def ctx(tmp_path):
    home = tmp_path / "home"
    return AppContext(cache_dir=home / "cache", data_dir=home / "data", config_dir=home / "config",
                      models_dir=home / "models")


def make_album(root: Path, n: int = 6, raw_for=(0,)):
    for i in range(n):
        img = resize(real_photo(NAMES[i % len(NAMES)]), 240, 180)
        write_jpeg(root / f"IMG_{i + 1:04d}.JPG", img, captured_at=T0 + timedelta(seconds=10 * i))
        if i in raw_for:
            (root / f"IMG_{i + 1:04d}.CR3").write_bytes(os.urandom(50_000))
    return root


def stored_album(root: Path, ctx, scores=None):
    """Scan into the store and give every photo a score, as an earlier analysis would have."""
    from culler.pipeline.scan import refresh_photos

    store = Store.open(root, ctx.data_dir)
    photos, _ = refresh_photos(root, store)
    for p in photos:
        store.put_analysis(p.id, (p.size, p.mtime_ns), {"sharpness": 0.5})
    values = scores or [0.9, 0.2, 0.55, 0.7, None, 0.4]
    store.put_scores({p.id: (values[i % len(values)], 0.8) for i, p in enumerate(photos)})
    return store, photos


def test_plan_json_follows_the_contract(tmp_path, ctx):
    album = make_album(tmp_path / "album")
    store, photos = stored_album(album, ctx)
    store.close()
    out = tmp_path / "plan.json"
    assert plan_cli.run(ctx, parse(plan_cli, [str(album), "--minutes", "2", "--json", str(out)])) == 0
    doc = json.loads(out.read_text())
    assert doc["album"] == str(album.resolve()) and doc["minutes"] == 2
    rows = doc["photos"]
    assert sorted(r["path"] for r in rows) == sorted(p.path for p in photos)  # every photo, once
    assert [r["order"] for r in rows] == list(range(1, len(rows) + 1))
    assert abs(sum(r["seconds"] for r in rows) - 120) <= 1.2
    assert abs(doc["total_seconds"] - 120) <= 1.2
    scored = [r for r in rows if r["score"] is not None]
    for a in scored:
        for b in scored:
            if a["score"] > b["score"]:
                assert a["seconds"] >= b["seconds"] - 1e-6
    assert rows[0]["score"] == 0.9 and rows[-1]["score"] is None
    assert "IMG_0001.CR3" in {r["path"] for r in rows}  # the pair is one photo, RAW as its path


def test_plan_best_of_each_group_lists_siblings(tmp_path, ctx):
    album = make_album(tmp_path / "album", n=4, raw_for=())
    store, photos = stored_album(album, ctx, scores=[0.9, 0.3, 0.6, 0.5])
    ids = [p.id for p in photos]
    store.put_groups([GroupRow(ids[0], "g", 2, 1, "pick", [], "burst"),
                      GroupRow(ids[1], "g", 2, 2, "reject", [], "burst"),
                      GroupRow(ids[2], "h", 1, 1), GroupRow(ids[3], "i", 1, 1)])
    store.close()
    out = tmp_path / "plan.json"
    args = parse(plan_cli, [str(album), "--minutes", "1", "--json", str(out), "--scope", "best"])
    assert plan_cli.run(ctx, args) == 0
    rows = json.loads(out.read_text())["photos"]
    assert [r["path"] for r in rows] == ["IMG_0001.JPG", "IMG_0003.JPG", "IMG_0004.JPG"]
    assert rows[0]["siblings"] == ["IMG_0002.JPG"]


def test_plan_refuses_a_bad_budget_and_a_missing_album(tmp_path, ctx, capsys):
    assert plan_cli.run(ctx, parse(plan_cli, [str(tmp_path / "nope"), "--minutes", "5"])) == 2
    album = make_album(tmp_path / "album", n=1)
    assert plan_cli.run(ctx, parse(plan_cli, [str(album), "--minutes", "-1"])) == 2
    assert "positive" in capsys.readouterr().err


@pytest.mark.slow
def test_plan_analyses_unscored_photos_first(tmp_path, ctx):
    pytest.importorskip("culler.analysis.technical")
    album = make_album(tmp_path / "album", n=3, raw_for=())
    out = tmp_path / "plan.json"
    args = parse(plan_cli, [str(album), "--minutes", "1", "--json", str(out), "--signals", "technical"])
    assert plan_cli.run(ctx, args) == 0
    rows = json.loads(out.read_text())["photos"]
    assert len(rows) == 3 and all(r["score"] is not None for r in rows)
    assert abs(sum(r["seconds"] for r in rows) - 60) <= 0.6


def pick(store, photos, indexes):
    store.decide([photos[i].id for i in indexes], flag="pick")


def test_export_dry_run_then_copy_with_progress(tmp_path, ctx, capsys):
    album = make_album(tmp_path / "album")
    store, photos = stored_album(album, ctx)
    pick(store, photos, [0, 2])
    store.close()
    dest = tmp_path / "out"
    argv = [str(album), "--to", str(dest), "--name", "{date:%Y%m%d}_{seq:03d}_{name}"]
    assert export_cli.run(ctx, parse(export_cli, argv + ["--dry-run"])) == 0
    out = capsys.readouterr()
    assert out.out.splitlines() == [
        f"copy  {album.resolve() / 'IMG_0001.CR3'} -> {dest / '20240601_001_IMG_0001.CR3'}",
        f"copy  {album.resolve() / 'IMG_0001.JPG'} -> {dest / '20240601_001_IMG_0001.JPG'}",
        f"copy  {album.resolve() / 'IMG_0003.JPG'} -> {dest / '20240601_002_IMG_0003.JPG'}"]
    assert "dry run" in out.err and not dest.exists()
    assert export_cli.run(ctx, parse(export_cli, argv)) == 0
    err = capsys.readouterr().err
    assert "export  3/3 files" in err and "copied 2 of 2 photos" in err
    assert sorted(f.name for f in dest.iterdir()) == ["20240601_001_IMG_0001.CR3", "20240601_001_IMG_0001.JPG",
                                                      "20240601_002_IMG_0003.JPG"]


def test_export_move_and_undo_last(tmp_path, ctx, capsys):
    album = make_album(tmp_path / "album")
    store, photos = stored_album(album, ctx)
    pick(store, photos, [0, 1])
    store.close()
    before = sorted(p.name for p in album.iterdir() if not p.name.startswith("."))
    dest = tmp_path / "out"
    assert export_cli.run(ctx, parse(export_cli, [str(album), "--to", str(dest), "--mode", "move"])) == 0
    assert not (album / "IMG_0001.CR3").exists() and (dest / "IMG_0001.CR3").exists()
    assert export_cli.run(ctx, parse(export_cli, [str(album), "--undo", "last"])) == 0
    assert sorted(p.name for p in album.iterdir() if not p.name.startswith(".")) == before
    assert not dest.exists()  # the folder the export made went too
    assert export_cli.run(ctx, parse(export_cli, [str(album), "--undo", "last"])) == 1  # nothing left
    assert "no export to undo" in capsys.readouterr().err


def test_export_says_what_is_wrong(tmp_path, ctx, capsys):
    album = make_album(tmp_path / "album", n=2)
    Store.open(album, ctx.data_dir).close()
    dest = str(tmp_path / "out")
    assert export_cli.run(ctx, parse(export_cli, [str(album), "--to", dest, "--select", "rated:9"])) == 2
    assert "cannot select" in capsys.readouterr().err
    assert export_cli.run(ctx, parse(export_cli, [str(album), "--to", dest, "--name", "{oops}"])) == 2
    assert "{oops}" in capsys.readouterr().err
    assert export_cli.run(ctx, parse(export_cli, [str(album), "--to", dest])) == 0
    assert "nothing to export" in capsys.readouterr().err


def test_export_writes_a_report(tmp_path, ctx):
    album = make_album(tmp_path / "album", n=2)
    store, photos = stored_album(album, ctx)
    pick(store, photos, [0])
    store.close()
    report = tmp_path / "report.csv"
    argv = [str(album), "--to", str(tmp_path / "out"), "--dry-run", "--report", str(report)]
    assert export_cli.run(ctx, parse(export_cli, argv)) == 0
    lines = report.read_text().splitlines()
    assert len(lines) == 3 and "IMG_0001.CR3" in lines[1] and ",pick," in lines[1]


def test_plan_still_covers_every_photo_when_the_analysis_fails(tmp_path, ctx, capsys, monkeypatch):
    import culler.pipeline

    class BrokenPipeline:
        def __init__(self, *a, **k):
            pass

        def run(self):
            raise RuntimeError("no analysis today")
            yield

    monkeypatch.setattr(culler.pipeline, "Pipeline", BrokenPipeline)
    album = make_album(tmp_path / "album", n=3)
    out = tmp_path / "plan.json"
    # the schedule is written, but the command says it is not the whole job (exit 1)
    assert plan_cli.run(ctx, parse(plan_cli, [str(album), "--minutes", "1", "--json", str(out)])) == 1
    assert "no analysis today" in capsys.readouterr().err
    rows = json.loads(out.read_text())["photos"]
    assert len(rows) == 3 and all(r["score"] is None for r in rows)
    assert [r["seconds"] for r in rows] == pytest.approx([20.0] * 3)
    assert [r["path"] for r in rows] == ["IMG_0001.CR3", "IMG_0002.JPG", "IMG_0003.JPG"]  # capture order


def test_export_html_report_embeds_real_thumbnails(tmp_path, ctx):
    from html.parser import HTMLParser

    album = make_album(tmp_path / "album", n=2)
    Store.open(album, ctx.data_dir).close()
    report = tmp_path / "sheet.html"
    argv = [str(album), "--to", str(tmp_path / "out"), "--select", "all", "--dry-run", "--report", str(report)]
    assert export_cli.run(ctx, parse(export_cli, argv)) == 0
    sources = []

    class Images(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "img":
                sources.append(dict(attrs)["src"])

    Images().feed(report.read_text(encoding="utf-8"))
    assert len(sources) == 2 and all(s.startswith("data:image/jpeg;base64,") and len(s) > 1000 for s in sources)


def run_culler(*args):
    """`python -m culler ARGS` as a user types it."""
    root = Path(__file__).resolve().parents[2]
    return subprocess.run([sys.executable, "-m", "culler", *map(str, args)], capture_output=True,
                          text=True, cwd=root, timeout=120, env=dict(os.environ, PYTHONPATH=str(root)))


def test_export_report_into_a_destination_that_does_not_exist_yet(tmp_path, ctx):
    album = make_album(tmp_path / "album", n=3)
    store, photos = stored_album(album, ctx)
    pick(store, photos, [0, 2])
    store.close()
    dest = tmp_path / "delivery" / "2024-06-01"
    r = run_culler("export", album, "--to", dest, "--report", dest / "report.csv")
    assert r.returncode == 0, r.stderr
    assert f"report written to {dest / 'report.csv'}" in r.stderr
    rows = (dest / "report.csv").read_text().splitlines()
    assert len(rows) == 4 and sum(",pick," in row for row in rows) == 2
    assert sorted(f.name for f in dest.iterdir()) == ["IMG_0001.CR3", "IMG_0001.JPG", "IMG_0003.JPG",
                                                      "report.csv"]
    # a dry run's report may go into a new folder of its own too
    sheet = tmp_path / "sheets" / "day1" / "sheet.html"
    r = run_culler("export", album, "--to", tmp_path / "elsewhere", "--dry-run", "--report", sheet)
    assert r.returncode == 0, r.stderr
    assert "<img" in sheet.read_text(encoding="utf-8") and not (tmp_path / "elsewhere").exists()


def test_export_report_that_cannot_be_written_fails_the_command_naming_it(tmp_path, ctx):
    album = make_album(tmp_path / "album", n=2)
    store, photos = stored_album(album, ctx)
    pick(store, photos, [1])
    store.close()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the report's folder should be")
    report = blocker / "report.csv"
    r = run_culler("export", album, "--to", tmp_path / "out", "--report", report)
    assert r.returncode == 1
    assert f"could not write the report {report}" in r.stderr and ".tmp" not in r.stderr
    assert (tmp_path / "out" / "IMG_0002.JPG").is_file()  # the export itself still happened
