"""The pipeline's scan stage passes on what the album scan found wrong beyond the photo list:
unreadable or malformed XMP sidecars reach the Progress messages (and `culler analyze`'s output)
naming the file and the reason, also on a rerun that finds the folder unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from benchmarks.photo_factory import real_photo, resize, write_jpeg
from culler.context import AppContext
from culler.core.records import Decision
from culler.core.store import Store
from culler.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2024, 7, 1, 12, 0, 0)
GOOD_XMP = """<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="4" xmp:Label="Green"/>
</rdf:RDF></x:xmpmeta>"""


def make_album(root: Path) -> Path:
    """Four photos: a good sidecar, a malformed one, a dangling-symlink one, a truncated JPEG."""
    root.mkdir()
    img = resize(real_photo("astronaut"), 160, 120)
    for i in range(4):
        write_jpeg(root / f"IMG_{i:04d}.JPG", img, captured_at=T0 + timedelta(seconds=i))
    (root / "IMG_0000.xmp").write_text(GOOD_XMP)
    (root / "IMG_0001.xmp").write_text(GOOD_XMP[:-30])  # cut off mid-element
    os.symlink(root / "gone" / "IMG_0002.JPG.xmp", root / "IMG_0002.JPG.xmp")  # darktable-style, dangling
    data = (root / "IMG_0003.JPG").read_bytes()
    (root / "IMG_0003.JPG").write_bytes(data[:len(data) // 2])
    return root


@pytest.fixture
def album(tmp_path):
    return make_album(tmp_path / "album")


@pytest.fixture
def ctx(tmp_path) -> AppContext:
    return AppContext(cache_dir=tmp_path / "cache", data_dir=tmp_path / "data",
                      config_dir=tmp_path / "config", models_dir=tmp_path / "no-models")


def scan_messages(album: Path, ctx: AppContext) -> tuple[list[str], bool]:
    """The scan stage's messages of one pipeline run (cancelled right after the scan)."""
    store = Store.open(album, ctx.data_dir)
    try:
        pipeline = Pipeline(album, store, ctx, signals="technical")
        messages = []
        for progress in pipeline.run():
            if progress.stage != "scan":
                break
            messages.append(progress.message)
            pipeline.cancel()  # the scan is what this is about; skip the analysis
        return messages, pipeline.scanned
    finally:
        store.close()


def test_bad_sidecars_reach_the_progress_messages_naming_file_and_reason(album, ctx):
    messages, scanned = scan_messages(album, ctx)
    assert scanned
    malformed = [m for m in messages if m.startswith("IMG_0001.xmp: ")]
    dangling = [m for m in messages if m.startswith("IMG_0002.JPG.xmp: ")]
    assert len(malformed) == 1 and "not valid XML" in malformed[0]
    assert len(dangling) == 1 and "cannot read the sidecar" in dangling[0]
    assert not any(m.startswith("IMG_0000") for m in messages)  # the good sidecar is no news
    assert not any(m.startswith("IMG_0003.JPG") for m in messages)  # listed as an error photo instead
    store = Store.open(album, ctx.data_dir)
    try:
        decisions = {p.path: store.decision(p.id) for p in store.photos()}
        errors = {p.path: p.status for p in store.photos()}
    finally:
        store.close()
    assert decisions["IMG_0000.JPG"] == Decision("pick", 4, "Green")  # stars, no flag field: a pick
    assert decisions["IMG_0001.JPG"] == Decision()
    assert errors["IMG_0003.JPG"] == "error"


def test_an_unchanged_folder_still_reports_them_and_a_fixed_one_stops(album, ctx):
    from culler.pipeline.scan import refresh_photos

    store = Store.open(album, ctx.data_dir)
    try:
        refresh_photos(album, store)  # what the window's loader does before the analysis starts
    finally:
        store.close()
    messages, scanned = scan_messages(album, ctx)
    assert not scanned  # the cheap check found nothing changed...
    assert sum(m.startswith(("IMG_0001.xmp: ", "IMG_0002.JPG.xmp: ")) for m in messages) == 2  # ...yet they show

    (album / "IMG_0002.JPG.xmp").unlink()
    (album / "IMG_0003.JPG").unlink()  # a photo file changes: a full scan runs again
    (album / "IMG_0001.xmp").write_text(GOOD_XMP)
    messages, scanned = scan_messages(album, ctx)
    assert scanned and not any(".xmp: " in m for m in messages)


def test_culler_analyze_names_the_bad_sidecar_on_stderr(album, tmp_path):
    out = tmp_path / "report.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT), CULLER_MODELS_DIR=str(tmp_path / "no-models"))
    r = subprocess.run([sys.executable, "-m", "culler", "analyze", str(album), "--signals", "technical",
                        "--json", str(out)], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "IMG_0001.xmp: the sidecar is not valid XML" in r.stderr
    assert "IMG_0002.JPG.xmp: cannot read the sidecar" in r.stderr
    assert out.is_file()
