"""A first run from the terminal, as a photographer types it: command spellings and typos, what
`analyze` says without --json, export into a file, picks written as asked, and no display."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from benchmarks.photo_factory import real_photo, resize, write_jpeg

ROOT = Path(__file__).resolve().parents[1]
EXIFTOOL = shutil.which("exiftool")
NO_DISPLAY_VARS = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")


@pytest.fixture
def album(tmp_path) -> Path:
    root = tmp_path / "album"
    for i, name in enumerate(("coffee", "rocket", "chelsea")):
        write_jpeg(root / f"IMG_{i}.JPG", resize(real_photo(name), 160, 120),
                   captured_at=datetime(2024, 6, 1, 9, 0, 0) + timedelta(minutes=i))
    return root


def culler(*args, display: bool = True, timeout: float = 180, cwd: Path = ROOT):
    env = dict(os.environ, CULLER_MODELS_DIR=str(Path(os.environ["XDG_CACHE_HOME"]) / "no-models"))
    if not display:
        for var in NO_DISPLAY_VARS:
            env.pop(var, None)
    return subprocess.run([sys.executable, "-m", "culler", *map(str, args)], capture_output=True, text=True,
                          check=False, env=env, cwd=cwd, timeout=timeout)


# ---- commands and typos --------------------------------------------------------------------------

def test_analyse_is_accepted_and_without_json_says_where_the_results_are(album, tmp_path):
    done = culler("analyse", album, "--signals", "technical")

    assert done.returncode == 0, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert "session" in last and str(album / ".culler") in last and "--json OUT.json" in last
    assert (album / ".culler" / "session.sqlite").exists()


@pytest.mark.parametrize("argv, suggestion", [(["anlyze", "ALBUM"], "analyze"), (["modles"], "models"),
                                              (["exprot", "ALBUM", "--to", "x"], "export"), (["photos"], None)])
def test_a_typo_is_named_as_an_unknown_command_with_the_list(album, argv, suggestion):
    done = culler(*[str(album) if a == "ALBUM" else a for a in argv], display=False)

    assert done.returncode == 2
    assert f"unknown command '{argv[0]}'" in done.stderr
    assert "analyze (analyse), export, plan, models" in done.stderr
    assert (f"did you mean '{suggestion}'" in done.stderr) if suggestion else "did you mean" not in done.stderr
    assert "unrecognized arguments" not in done.stderr


def test_options_before_the_command_are_taken_with_it(album):
    done = culler("--signals", "technical", "analyse", album, "--json", "-")

    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["photos"]) == 3
    assert "models not available" not in done.stderr  # --signals technical was taken: none asked for


def test_words_after_an_album_say_that_the_command_comes_first(album):
    done = culler(album, "analyze")

    assert done.returncode == 2 and "a command comes first" in done.stderr


# ---- export ----------------------------------------------------------------------------------------

def test_export_into_a_file_fails_the_same_with_and_without_dry_run(album, tmp_path):
    in_the_way = tmp_path / "picks.jpg"
    in_the_way.write_bytes(b"a photo, not a folder")

    dry = culler("export", album, "--to", in_the_way, "--select", "all", "--dry-run")
    real = culler("export", album, "--to", in_the_way, "--select", "all")

    assert dry.returncode == real.returncode == 2
    assert "is a file, not a folder" in dry.stderr and dry.stderr == real.stderr
    assert "picks.jpg/IMG_0.JPG" not in dry.stdout  # no plan into the file was printed
    assert in_the_way.read_bytes() == b"a photo, not a folder"


@pytest.mark.skipif(EXIFTOOL is None, reason="exiftool missing: apt-get install libimage-exiftool-perl")
def test_export_writes_picks_the_way_asked(album, tmp_path):
    from culler.context import AppContext
    from culler.core.store import Store
    from culler.pipeline.scan import refresh_photos

    store = Store.open(album, AppContext.from_environment().data_dir)
    try:
        photos, _ = refresh_photos(album, store)
        store.decide([photos[0].id], flag="pick")
    finally:
        store.close()

    done = culler("export", album, "--to", tmp_path / "out", "--xmp", "--picks-as", "label:Green,flag")
    bad = culler("export", album, "--to", tmp_path / "out2", "--xmp", "--picks-as", "stars:3")

    assert done.returncode == 0, done.stderr
    out = subprocess.run([EXIFTOOL, "-j", "-n", "-XMP-xmp:Rating", "-XMP-xmp:Label", "-XMP-photomech:Tagged",
                          str(tmp_path / "out" / f"{Path(photos[0].path).stem}.xmp")],
                         capture_output=True, text=True, timeout=60, check=False)
    [info] = json.loads(out.stdout)
    assert (info["Label"], info["Tagged"], info.get("Rating", 0)) == ("Green", True, 0)
    assert bad.returncode == 2 and "cannot write picks as 'stars:3'" in bad.stderr
    assert not (tmp_path / "out2").exists()


# ---- no display ---------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["album", "demo"])
def test_without_a_display_the_window_says_what_to_do_instead_of_aborting(album, how):
    done = culler(*([album] if how == "album" else ["--demo"]), display=False, timeout=60)

    assert done.returncode == 3  # an exit status, not a signal (Qt's abort was -6 and a core dump)
    assert "no display" in done.stderr and "--screenshot OUT.png" in done.stderr and "./dev.sh demo" in done.stderr
    assert "culler analyze ALBUM --json" in done.stderr
    assert "xcb" not in done.stderr


def test_a_screenshot_needs_no_display(album, tmp_path):
    out = tmp_path / "shot.png"

    done = culler("--screenshot", out, "--signals", "technical", album, display=False, timeout=240)

    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"\x89PNG")


def test_the_demo_album_is_a_fresh_copy_for_each_run(tmp_path):
    from types import SimpleNamespace

    from culler.app import _demo_working_copy

    ctx = SimpleNamespace(demo_album=ROOT / "resources" / "demo", data_dir=tmp_path / "data")
    first = _demo_working_copy(ctx)
    (first / ".culler").mkdir()
    (first / ".culler" / "session.sqlite").write_bytes(b"an earlier run's decisions")

    second = _demo_working_copy(ctx)

    assert second != first and not (second / ".culler").exists()
    demo = ROOT / "resources" / "demo"
    assert sorted(p.name for p in second.glob("*.jpg")) == sorted(p.name for p in demo.glob("*.jpg"))
    assert first.exists()  # this process still runs: its copy may be open in a window


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run missing")
def test_dev_sh_demo_without_a_display_says_where_the_window_is_and_how_to_stop(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in NO_DISPLAY_VARS}
    proc = subprocess.Popen(["bash", str(ROOT / "dev.sh"), "demo", "--signals", "technical"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        text, deadline = "", time.monotonic() + 120
        while "Ctrl+C" not in text and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stderr], [], [], 1.0)  # never block past the deadline
            chunk = os.read(proc.stderr.fileno(), 4096).decode() if ready else ""
            if ready and not chunk:
                break  # dev.sh ended
            text += chunk
        assert "virtual screen" in text and "./dev.sh run --screenshot shot.png --demo" in text, text
        assert "Ctrl+C" in text
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
