"""A folder full of bad, odd and hostile files: `culler analyze` and the window analyse every
readable photo, list every bad one with its reason, and go on (corpus.py says what each file is).

Also: files deleted or replaced while the analysis runs, and an album on a read-only disk.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from benchmarks.photo_factory import real_photo, resize, write_jpeg
from tests.hardening.conftest import can_drop_root_read, run_culler
from tests.hardening.corpus import Entry
from tests.ui.album_factory import make_ctx

SECRET = "TOP-SECRET-OUTSIDE-THE-ALBUM"


def _check_listing(photos: dict[str, dict], entries: list[Entry], extra_ok=(), extra_error=()) -> None:
    """Every file of the corpus is listed as it must be: ok photos analysed, bad ones with a reason."""
    expected = {e.listed_as: e for e in entries if e.expect != "skip"}
    assert set(photos) == set(expected) | set(extra_ok) | set(extra_error), \
        f"missing: {set(expected) - set(photos)}; unexpected: {set(photos) - set(expected)}"
    for path, e in expected.items():
        p = photos[path]
        if e.expect == "ok":
            assert p["status"] == "ok" and p["error"] is None, (e.kind, p["error"])
        elif e.expect == "error":
            assert p["status"] == "error", e.kind
            assert p["error"] and (e.reason or "") in p["error"], (e.kind, p["error"])
        else:  # 'any': damaged inside the compressed data
            assert p["status"] in ("ok", "error") and (p["status"] == "ok") == (p["error"] is None), e.kind


def test_culler_analyze_lists_every_file_with_its_reason_and_exits_0(corpus, tmp_path):
    album, entries = corpus
    locked = write_jpeg(album / "locked.jpg", resize(real_photo("coffee"), 120, 80))
    locked.chmod(0)
    no_reads = can_drop_root_read()
    out = tmp_path / "report.json"

    r = run_culler("analyze", str(album), "--signals", "technical", "--json", str(out), drop_root_read=no_reads)

    assert r.returncode == 0, r.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    photos = {p["path"]: p for p in report["photos"]}
    if no_reads:
        _check_listing(photos, entries, extra_error=["locked.jpg"])
        assert "permission denied" in photos["locked.jpg"]["error"]
    else:
        _check_listing(photos, entries, extra_ok=["locked.jpg"])
    ok = [p for p in photos.values() if p["status"] == "ok"]
    assert all(p["signals"].get("sharpness") is not None or p["signals"].get("brightness") is not None
               for p in ok), "every readable photo is analysed"
    assert photos["PAIR_0001.dng"]["companions"] == ["PAIR_0001.jpg"]
    # every bad file is named on stderr with its reason
    for e in entries:
        if e.expect == "error":
            assert e.listed_as in r.stderr and photos[e.listed_as]["error"] in r.stderr, e.kind
    # the absurd EXIF values are dropped, not shown
    assert photos["exif_year_0.jpg"]["captured_at"] is None
    assert photos["exif_year_9999.jpg"]["captured_at"] is None
    assert photos["exif_makernote_60k.jpg"]["captured_at"] == "2024-07-01T12:00:00"
    # hostile sidecars: no rating imported, the file outside the album never read
    assert photos["laughs.jpg"]["decision"]["rating"] == 0 and photos["xxe.jpg"]["decision"]["rating"] == 0
    session = b"".join(f.read_bytes() for f in (album / ".culler").iterdir() if f.is_file())
    assert SECRET not in out.read_text(encoding="utf-8") + r.stderr + r.stdout
    assert SECRET.encode() not in session

    again = run_culler("analyze", str(album), "--signals", "technical", "--json", str(out), drop_root_read=no_reads)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"all {len(photos)} photos already analysed" in again.stderr  # nothing redone, no rescan
    assert len(json.loads(out.read_text(encoding="utf-8"))["photos"]) == len(photos)


def test_the_window_analyses_the_hostile_album_and_shows_each_reason(qtbot, corpus, tmp_path):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from culler.ui.window.main_window import MainWindow

    album, entries = corpus
    window = MainWindow(make_ctx(tmp_path / "home"), signals="technical", analyse=True)
    idle = []
    window.analysis_idle.connect(lambda: idle.append(True))
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    try:
        with qtbot.waitSignal(window.session.photos_shown, timeout=30_000):
            window.open_album(album)
        qtbot.waitUntil(lambda: bool(idle), timeout=180_000)
        state = window.model.state
        state.refresh_analysis()
        by_path = {p.path: pid for pid, p in state.photos.items()}
        expected = {e.listed_as: e for e in entries if e.expect != "skip"}
        assert set(by_path) == set(expected)
        assert len(state.order) == len(expected)
        for path, e in expected.items():
            reason = state.error(by_path[path])
            if e.expect == "ok":
                assert reason is None and state.score(by_path[path]) is not None, (e.kind, reason)
            elif e.expect == "error":
                assert reason and (e.reason or "") in reason, (e.kind, reason)
        # every photo in the loupe, one after the other (the 100 MP panorama, CMYK, 16-bit,
        # animated, the unreadable ones with their reason), then a decision on a broken file
        assert len(window.model.ids) == len(expected)  # groups found meanwhile did not collapse
        window.show_view("loupe")
        ok_ids = {by_path[path] for path, e in expected.items() if e.expect == "ok"}
        for pid in window.model.ids:
            window.set_current(pid)
            qtbot.waitUntil(window.pool.is_idle, timeout=20_000)
            if pid in ok_ids:
                assert window.previews.failure(pid) is None, (state.photos[pid].path, window.previews.failure(pid))
        window.set_current(by_path["pipe.jpg"])
        window.grab()
        qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_X)
        assert window.session.store.decision(by_path["pipe.jpg"]).flag == "reject"
        window.show_view("grid")
        window.grab()  # paints the unreadable cells with their notices
    finally:
        window.close()


def _album(folder: Path, n: int) -> list[Path]:
    base = resize(real_photo("chelsea"), 160, 120)
    t0 = datetime(2024, 8, 1, 9, 0, 0)
    return [write_jpeg(folder / f"IMG_{i:04d}.jpg", np.roll(base, 5 * i, axis=1), captured_at=t0 + timedelta(minutes=i))
            for i in range(n)]


def test_files_deleted_or_replaced_during_the_analysis(tmp_path):
    from culler.core.store import Store
    from culler.pipeline import Pipeline

    album = tmp_path / "album"
    files = _album(album, 16)
    ctx = make_ctx(tmp_path / "home")
    store = Store.open(album, ctx.data_dir)
    deleted, garbled, swapped = files[-1], files[-2], files[-3]  # beyond the prefetch look-ahead
    saved = deleted.read_bytes()
    from culler.core import album as album_mod

    ids = {p.path: p.id for p in store.sync_photos(album_mod.scan(album))}
    store.decide([ids[deleted.name]], flag="pick", rating=4)

    def meddle(progress):
        if progress.stage == "analyse" and progress.done == 2 and deleted.exists():
            deleted.unlink()
            garbled.write_bytes(garbled.read_bytes()[:300])
            write_jpeg(swapped, resize(real_photo("rocket"), 160, 120))  # another photo, same name

    pipeline = Pipeline(album, store, ctx, signals="technical", on_progress=meddle)
    last = pipeline.run_to_end()

    assert last.stage == "done", last
    assert pipeline.vanished == [deleted.name]
    assert deleted.name not in {p.path for p in store.photos()}
    assert garbled.name in pipeline.errors and "truncated" in pipeline.errors[garbled.name]
    assert len(store.analysed_keys()) == 15

    rerun = Pipeline(album, store, ctx, signals="technical")
    assert rerun.run_to_end().stage == "done"
    assert sorted(p for p in rerun.errors) == [garbled.name]
    assert rerun.analysed == 2  # the two changed files, nothing else
    deleted.write_bytes(saved)  # the file comes back: so does its decision
    Pipeline(album, store, ctx, signals="technical").run_to_end()
    back = {p.path: p.id for p in store.photos()}
    assert store.decision(back[deleted.name]).flag == "pick" and store.decision(back[deleted.name]).rating == 4
    store.close()


def _mount(args: list[str]) -> bool:
    try:
        return subprocess.run(["mount", *args], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@pytest.fixture
def read_only_album(tmp_path):
    """An album on a real read-only file system (a tmpfs remounted ro); skipped where mounting
    is not allowed (the store's own tests cover a refused write probe)."""
    mnt = tmp_path / "card"
    mnt.mkdir()
    if not _mount(["-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mnt)]):
        pytest.skip("cannot mount a tmpfs here")
    try:
        _album(mnt / "DCIM", 6)
        (mnt / "DCIM" / "broken.jpg").write_bytes(b"\xff\xd8\xff")
        if not _mount(["-o", "remount,ro", str(mnt)]):
            pytest.skip("cannot remount read-only here")
        yield mnt / "DCIM"
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True, timeout=20)


def test_a_read_only_album_keeps_its_session_in_the_data_folder(qtbot, read_only_album, tmp_path):
    album = read_only_album
    before = sorted(os.listdir(album))
    out = tmp_path / "report.json"
    r = run_culler("analyze", str(album), "--signals", "technical", "--json", str(out))
    assert r.returncode == 0, r.stderr[-2000:]
    photos = {p["path"]: p for p in json.loads(out.read_text())["photos"]}
    assert len(photos) == 7 and photos["broken.jpg"]["status"] == "error"
    assert sorted(os.listdir(album)) == before  # nothing written into the album

    from tests.ui.album_factory import open_window

    ctx = make_ctx(tmp_path / "home")
    window = open_window(qtbot, ctx, album)
    try:
        assert "read-only" in window.notice.label.text() and not window.notice.isHidden()
        store = window.session.store
        assert not store.album_writable and Path(ctx.data_dir) in store.path.parents
        first = window.current_id()
        window.decide(flag="pick", rating=5)
        assert store.decision(first).flag == "pick"
    finally:
        window.close()
    again = open_window(qtbot, ctx, album)
    try:
        assert again.model.state.decision(first).rating == 5
    finally:
        again.close()
    assert sorted(os.listdir(album)) == before
    shutil.rmtree(ctx.data_dir)  # (nothing on the read-only card to clean)


@pytest.mark.timeout(120)
def test_exporting_every_photo_of_the_hostile_album(corpus, tmp_path, capsys):
    """Found here: a 254-byte name failed the whole export (its temp name was too long) and a
    picked named pipe hung it (opening a FIFO waits for a writer)."""
    from culler.__main__ import main

    album, entries = corpus
    dest = tmp_path / "picked"
    code = main(["export", str(album), "--select", "all", "--to", str(dest)])
    err = capsys.readouterr().err
    assert code == 1, err  # the pipe and the socket were not exported: not all that was asked
    assert "2 not exported" in err
    copied = {p.name for p in dest.iterdir()}
    ok = [e for e in entries if e.expect == "ok"]
    assert len(copied) >= len(ok) + 1  # every readable photo (+ the pair's JPEG), names sanitised
    assert any(c.startswith("é" * 100) for c in copied) and any(c.startswith("L" * 100) for c in copied)
    assert "pipe.jpg" not in copied and "pipe.jpg: not a photo file" in err
    assert "socket.jpg" in err
