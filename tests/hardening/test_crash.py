"""Crashes and damage: SIGKILL in the middle of a review and of an analysis, a damaged or locked
session database. Nothing the user was told is saved may be lost; finished analysis is not redone.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from benchmarks.photo_factory import real_photo, resize, write_jpeg
from tests.hardening.conftest import ROOT, culler_command, run_culler
from tests.tmpfs import small_tmpfs
from tests.ui.album_factory import make_ctx, open_window

T0 = datetime(2024, 9, 1, 8, 0, 0)


def make_album(folder: Path, n: int, width: int = 160) -> Path:
    names = ("astronaut", "chelsea", "coffee", "rocket", "motorcycle_left", "camera", "coins", "clock")
    bases = {}
    for k in names[:n]:
        img = real_photo(k)
        h, w = img.shape[:2]
        bases[k] = resize(img, width, round(width * h / w))
    for i in range(n):
        img = bases[names[i % len(names)]]
        write_jpeg(folder / f"IMG_{i:04d}.jpg", np.roll(img, 7 * i, axis=1), captured_at=T0 + timedelta(minutes=i))
    return folder


def kill9(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=20)
    assert child.returncode == -signal.SIGKILL


def decisions_by_path(store) -> dict[str, tuple[str, int, str | None]]:
    paths = {p.id: p.path for p in store.photos()}
    return {paths[i]: (d.flag, d.rating, d.label) for i, d in store.decisions().items() if i in paths}


def test_killed_mid_review_every_committed_decision_is_back_after_restart(qtbot, tmp_path):
    album = make_album(tmp_path / "shoot", 14)
    home = tmp_path / "home"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, str(ROOT / "tests/hardening/review_child.py"), str(album), str(home)],
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        first = child.stdout.readline()
        assert first and json.loads(first)["ready"] == 14, child.stderr.read() if not first else first
        while len(lines) < 20:  # past the end of the album once: some photos decided twice
            line = child.stdout.readline()
            assert line, child.stderr.read()
            lines.append(json.loads(line))
    finally:
        kill9(child)
    lines += [json.loads(x) for x in child.stdout.read().splitlines() if x.strip()]  # printed before death
    committed: dict[str, tuple] = {}
    state: dict[str, dict] = {}
    for e in lines:
        committed[e["path"]] = (e["flag"], e["rating"], e["label"])
        state[e["path"]] = e
    in_flight = {f"IMG_{(int(lines[-1]['path'][4:8]) + 1) % 14:04d}.jpg"}  # decided, not yet printed

    window = open_window(qtbot, make_ctx(home), album)
    try:
        s = window.model.state
        got = {s.photos[i].path: (d.flag, d.rating, d.label) for i, d in s.decisions.items()}
    finally:
        window.close()
    for path, decision in committed.items():
        if path not in in_flight:
            assert got.get(path) == decision, (path, got.get(path), decision)
    assert set(got) - set(committed) <= in_flight  # nothing invented
    assert len(lines) >= 20


def _analysed_count(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM analysis").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_killed_mid_analysis_the_rerun_does_only_what_was_not_finished(tmp_path):
    n = 24
    album = make_album(tmp_path / "shoot", n, width=720)
    db = album / ".culler" / "session.sqlite"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = culler_command("analyze", str(album), "--signals", "technical", "--json", str(tmp_path / "out.json"))
    child = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while _analysed_count(db) < 3 and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.02)
    finally:
        kill9(child)
    from culler.core.store import Store

    store = Store.open(album, tmp_path / "data")
    finished = len(store.analysed_keys())
    store.close()
    assert 3 <= finished < n, f"killed after {finished} of {n} photos"

    r = run_culler("analyze", str(album), "--signals", "technical", "--json", str(tmp_path / "out.json"))
    assert r.returncode == 0, r.stderr[-2000:]
    m = re.search(r"analysed (\d+) of (\d+) photos", r.stderr)
    assert m, r.stderr
    assert int(m.group(1)) == int(m.group(2)) == n - finished  # finished photos are not redone
    report = json.loads((tmp_path / "out.json").read_text())
    assert len(report["photos"]) == n and all(p["status"] == "ok" and p["signals"] for p in report["photos"])


def _garble(db: Path) -> None:
    with open(db, "r+b") as f:
        f.write(np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8).tobytes())


def test_a_damaged_database_is_rebuilt_with_every_decision_and_the_user_is_told(qtbot, tmp_path):
    album = make_album(tmp_path / "shoot", 8)
    ctx = make_ctx(tmp_path / "home")
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    def press(w, key, mod=Qt.KeyboardModifier.NoModifier):
        qtbot.keyClick(QApplication.focusWidget() or w, key, mod)

    window = open_window(qtbot, ctx, album)
    try:
        press(window, Qt.Key.Key_P)
        press(window, Qt.Key.Key_Right)
        press(window, Qt.Key.Key_X)
        press(window, Qt.Key.Key_Right)
        press(window, Qt.Key.Key_4)
        press(window, Qt.Key.Key_8)  # green label
        press(window, Qt.Key.Key_Right)
        press(window, Qt.Key.Key_P)
        press(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undone: not a decision
        before = decisions_by_path(window.session.store)
    finally:
        window.close()
    expected = {k: v for k, v in before.items() if v != ("none", 0, None)}
    assert expected == {"IMG_0000.jpg": ("pick", 0, None), "IMG_0001.jpg": ("reject", 0, None),
                        "IMG_0002.jpg": ("none", 4, "Green")}
    db = album / ".culler" / "session.sqlite"
    _garble(db)

    again = open_window(qtbot, ctx, album)
    try:
        got = {k: v for k, v in decisions_by_path(again.session.store).items() if v != ("none", 0, None)}
        assert got == expected
        notice = again.notice.label.text()
        assert not again.notice.isHidden() and "damaged" in notice and "restored" in notice
        assert list(db.parent.glob("session.sqlite.corrupt-*")), "the damaged file is kept aside"
        press(again, Qt.Key.Key_End)
        press(again, Qt.Key.Key_1)  # and the rebuilt session takes new decisions
        expected["IMG_0007.jpg"] = ("none", 1, None)
    finally:
        again.close()

    # the same through the command line: damaged again, analysed, every decision in the report
    _garble(db)
    out = tmp_path / "out.json"
    r = run_culler("analyze", str(album), "--signals", "technical", "--json", str(out))
    assert r.returncode == 0, r.stderr[-2000:]
    report = {p["path"]: p["decision"] for p in json.loads(out.read_text())["photos"]}
    assert {k: (d["flag"], d["rating"], d["label"]) for k, d in report.items()
            if (d["flag"], d["rating"], d["label"]) != ("none", 0, None)} == expected
    assert "damaged" in r.stderr and "restored" in r.stderr


def test_a_locked_database_is_reported_not_waited_on_forever(qtbot, tmp_path):
    album = make_album(tmp_path / "shoot", 3)
    ctx = make_ctx(tmp_path / "home")
    from culler.core.store import Store

    Store.open(album, ctx.data_dir).close()
    holder = sqlite3.connect(album / ".culler" / "session.sqlite", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program holds the session
    try:
        from culler.ui.window.main_window import MainWindow

        window = MainWindow(ctx, signals="technical", analyse=False)
        window.show()
        try:
            window.open_album(album)
            qtbot.waitUntil(lambda: not window.notice.isHidden(), timeout=30_000)
            assert "locked" in window.notice.label.text().lower() or "in use" in window.notice.label.text().lower()
        finally:
            window.close()
        r = run_culler("analyze", str(album), "--signals", "technical", timeout=60)
        assert r.returncode != 0 and "Traceback" not in r.stderr
        assert "session.sqlite" in r.stderr
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    window = open_window(qtbot, ctx, album)  # once released, the album opens
    window.close()


def test_the_whole_session_folder_lost_decisions_come_back_from_the_sidecars(qtbot, tmp_path):
    """The third copy: with "Write XMP sidecars as I decide" on, even a deleted .culler folder
    (database AND decision log) gives every decision back when the album is opened again."""
    import shutil

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    album = make_album(tmp_path / "shoot", 4)
    ctx = make_ctx(tmp_path / "home")
    window = open_window(qtbot, ctx, album)
    try:
        window.export_features.set_live_sidecars(True)
        for keys in ([Qt.Key.Key_P, Qt.Key.Key_3], [Qt.Key.Key_X], [Qt.Key.Key_6, Qt.Key.Key_2]):
            for key in keys:
                qtbot.keyClick(QApplication.focusWidget() or window, key)
            qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Right)
        assert window.export_features.wait_idle(20_000)
    finally:
        window.close()
    assert sorted(p.name for p in album.glob("*.xmp")) == ["IMG_0000.xmp", "IMG_0001.xmp", "IMG_0002.xmp"]
    shutil.rmtree(album / ".culler")

    again = open_window(qtbot, ctx, album)
    try:
        got = {k: v for k, v in decisions_by_path(again.session.store).items() if v != ("none", 0, None)}
    finally:
        again.close()
    assert got == {"IMG_0000.jpg": ("pick", 3, None), "IMG_0001.jpg": ("reject", 0, None),
                   "IMG_0002.jpg": ("none", 2, "Red")}


def test_a_full_disk_refuses_the_decision_with_a_message_and_keeps_the_earlier_ones(qtbot, tmp_path):
    """The album (and so its session) on a small real tmpfs that fills up mid-session."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    with small_tmpfs(tmp_path / "card") as disk:
        album = make_album(disk / "DCIM", 4, width=120)
        ctx = make_ctx(tmp_path / "home")
        window = open_window(qtbot, ctx, album)
        try:
            def press(key):
                qtbot.keyClick(QApplication.focusWidget() or window, key)

            press(Qt.Key.Key_P)
            filler = disk / "filler"
            with pytest.raises(OSError), open(filler, "wb") as f:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            press(Qt.Key.Key_Right)
            current = window.current_id()
            press(Qt.Key.Key_X)
            assert "Could not save the decision" in window.statusBar().currentMessage()
            assert window.session.store.decision(current).flag == "none"  # not shown as saved
            filler.unlink()
            press(Qt.Key.Key_X)
            assert window.session.store.decision(current).flag == "reject"
        finally:
            window.close()
        again = open_window(qtbot, ctx, album)
        try:
            got = {k: v for k, v in decisions_by_path(again.session.store).items() if v != ("none", 0, None)}
        finally:
            again.close()
        assert got == {"IMG_0000.jpg": ("pick", 0, None), "IMG_0001.jpg": ("reject", 0, None)}
