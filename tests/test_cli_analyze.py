"""`culler analyze ALBUM --json OUT`: the JSON contract, unreadable files, missing models, progress."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from benchmarks.make_album import make_album

ROOT = Path(__file__).resolve().parents[1]
N_PHOTOS = 10
PHOTO_KEYS = {"path", "companions", "status", "error", "captured_at", "signals", "score", "group",
              "group_size", "group_rank", "suggestion", "reasons", "decision"}


@pytest.fixture(scope="session")
def album_template(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli-album-template")
    make_album(out, N_PHOTOS, megapixels=0.17, workers=1)
    return out


@pytest.fixture
def album(tmp_path, album_template) -> Path:
    dest = tmp_path / "album"
    shutil.copytree(album_template, dest)
    return dest


def run_cli(*args, models_dir: Path | None = None, cwd: Path | None = None):
    env = dict(os.environ)
    env["CULLER_MODELS_DIR"] = str(models_dir) if models_dir else str(Path(env["XDG_CACHE_HOME"]) / "no-models")
    return subprocess.run([sys.executable, "-m", "culler", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd or ROOT, timeout=300)


def check_contract(report: dict, album: Path) -> None:
    assert set(report) >= {"album", "models", "photos"}
    assert Path(report["album"]) == album.resolve()
    assert isinstance(report["models"], dict)
    for state in report["models"].values():
        assert state in ("ok", "missing") or state.startswith("failed: ")
    groups: dict[str, list[dict]] = {}
    for photo in report["photos"]:
        assert set(photo) >= PHOTO_KEYS
        assert isinstance(photo["path"], str) and not photo["path"].startswith("/")
        assert (album / photo["path"]).is_file()
        assert isinstance(photo["companions"], list)
        assert photo["status"] in ("ok", "error")
        assert (photo["error"] is None) == (photo["status"] == "ok")
        if photo["captured_at"] is not None:
            datetime.fromisoformat(photo["captured_at"])
        assert isinstance(photo["signals"], dict)
        for name, value in photo["signals"].items():
            assert isinstance(name, str) and (value is None or isinstance(value, (int, float)))
        assert photo["score"] is None or 0.0 <= photo["score"] <= 1.0
        assert isinstance(photo["group"], str) and photo["group"]
        assert isinstance(photo["group_size"], int) and photo["group_size"] >= 1
        assert isinstance(photo["group_rank"], int) and 1 <= photo["group_rank"] <= photo["group_size"]
        assert photo["suggestion"] in ("pick", "reject", None)
        assert isinstance(photo["reasons"], list) and all(isinstance(r, str) for r in photo["reasons"])
        d = photo["decision"]
        assert d["flag"] in ("pick", "reject", "none") and d["rating"] in range(6)
        assert d["label"] is None or isinstance(d["label"], str)
        groups.setdefault(photo["group"], []).append(photo)
    for members in groups.values():
        assert {m["group_size"] for m in members} == {len(members)}
        assert sorted(m["group_rank"] for m in members) == list(range(1, len(members) + 1))


def test_without_model_files_it_writes_the_contract_with_technical_signals(album, tmp_path):
    out = tmp_path / "out" / "result.json"
    done = run_cli("analyze", album, "--json", out)
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    check_contract(report, album)
    assert len(report["photos"]) == N_PHOTOS
    assert report["models"] and set(report["models"].values()) == {"missing"}
    assert "missing" in done.stderr and "clipiqa" in done.stderr  # the user is told, not just the JSON
    for photo in report["photos"]:
        assert photo["status"] == "ok"
        assert isinstance(photo["signals"]["sharpness"], float)
        assert isinstance(photo["signals"]["brightness"], float)
        assert "clipiqa" not in photo["signals"] or photo["signals"]["clipiqa"] is None
        assert photo["captured_at"].startswith("2024-06-01T")
    # bursts of the album end up in shared groups, with one suggested pick per group of several
    multi = {p["group"] for p in report["photos"] if p["group_size"] > 1}
    assert multi
    # the progress line went to stderr as plain lines (not a terminal here)
    assert "\r" not in done.stderr and f"{N_PHOTOS}/{N_PHOTOS}" in done.stderr


def test_an_unreadable_file_is_listed_as_an_error_and_the_command_succeeds(album, tmp_path):
    (album / "IMG_0004.JPG").write_bytes((album / "IMG_0004.JPG").read_bytes()[:3000])
    (album / "notes.jpg").write_text("this is not a photo")
    out = tmp_path / "result.json"
    done = run_cli("analyze", album, "--json", out, "--signals", "technical")
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    check_contract(report, album)
    by_path = {p["path"]: p for p in report["photos"]}
    assert len(by_path) == N_PHOTOS + 1
    for bad in ("IMG_0004.JPG", "notes.jpg"):
        assert by_path[bad]["status"] == "error"
        assert by_path[bad]["error"] and len(by_path[bad]["error"]) > 10
        assert by_path[bad]["score"] is None and by_path[bad]["suggestion"] is None
        assert bad in done.stderr  # named on the console too
    assert "truncated" in by_path["IMG_0004.JPG"]["error"]
    assert all(p["status"] == "ok" for name, p in by_path.items() if name not in ("IMG_0004.JPG", "notes.jpg"))


def test_decisions_and_previous_results_survive_a_rerun(album, tmp_path):
    from culler.core.store import Store

    out = tmp_path / "first.json"
    assert run_cli("analyze", album, "--json", out, "--signals", "technical").returncode == 0
    first = json.loads(out.read_text())
    data_dir = Path(os.environ["XDG_DATA_HOME"]) / "culler"
    with Store.open(album, data_dir) as store:
        target = store.photos()[0]
        store.decide([target.id], flag="pick", rating=4)

    out2 = tmp_path / "second.json"
    done = run_cli("analyze", album, "--json", out2, "--signals", "technical")
    assert done.returncode == 0, done.stderr
    second = json.loads(out2.read_text())
    assert "every photo is up to date" in done.stderr
    by_path = {p["path"]: p for p in second["photos"]}
    assert by_path[target.path]["decision"] == {"flag": "pick", "rating": 4, "label": None}
    assert [p["signals"] for p in first["photos"]] == [p["signals"] for p in second["photos"]]


def test_a_missing_album_is_a_clear_error(tmp_path):
    done = run_cli("analyze", tmp_path / "nowhere", "--json", tmp_path / "x.json")
    assert done.returncode != 0
    assert "nowhere" in done.stderr and "not a folder" in done.stderr
    assert not (tmp_path / "x.json").exists()


def test_progress_line_is_rewritten_in_place_on_a_terminal():
    import io

    from culler.cli.analyze import ProgressLine
    from culler.pipeline.progress import Progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    stream = Tty()
    line = ProgressLine(stream)
    line.show(Progress("analyse", 1, 10, 4.2, 2.1, "IMG_0001.JPG", ""))
    line.show(Progress("group", 0, 1, message="grouping"))
    line.finish()
    text = stream.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n")
    assert "1/10" in text and "4.2 photos/s" in text and "ETA 0:02" in text
