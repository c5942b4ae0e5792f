"""Find and tag by words in the window, with real keys (pytest-qt) on a real album analysed by
`culler analyze` with random-initialised CLIP weights (tests/conftest.py `clip_dir`): the ranking
means nothing, the mechanism is checked against culler.core.search computed here directly.

Ctrl+F, typing and Return filter and order the grid; the Picks filter narrows the results; Esc
clears the search and gives the keyboard back. The people filter follows the faces culler counted.
K in the loupe accepts the suggested keywords, Ctrl+Z takes them back in the window's one
history, a restart keeps them, and a live XMP sidecar gets them next to another app's keywords
(read by exiftool). Without CLIP's model file the field says what it needs and nothing changes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QToolButton

from benchmarks.photo_factory import real_photo, resize, write_jpeg
from tests.ui.album_factory import make_album, open_window

ROOT = Path(__file__).resolve().parents[2]
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture(scope="module")
def analysed(tmp_path_factory, clip_dir):
    """The window tests' album plus four astronauts in a 2 x 2 grid (a group of 4 faces),
    analysed by `culler analyze` with CLIP's random weights (no CLIP-IQA / NIMA files)."""
    album = make_album(tmp_path_factory.mktemp("search-ui") / "album", broken=False)
    face = resize(real_photo("astronaut"), 320, 320)
    row = np.concatenate([face, face], axis=1)
    write_jpeg(album / "IMG_0009.jpg", np.concatenate([row, row], axis=0))
    env = dict(os.environ, CULLER_MODELS_DIR=str(clip_dir))
    done = subprocess.run([sys.executable, "-m", "culler", "analyze", str(album)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return album


@pytest.fixture
def album(analysed, tmp_path):
    return Path(shutil.copytree(analysed, tmp_path / "album"))  # with its session (.culler)


def _ctx(root: Path, models: Path):
    from culler.context import AppContext

    return AppContext(cache_dir=root / "cache", data_dir=root / "data", config_dir=root / "config",
                      models_dir=models)


@pytest.fixture
def window(qtbot, album, clip_dir, tmp_path, monkeypatch):
    monkeypatch.delenv("CULLER_MODELS_DIR", raising=False)
    w = open_window(qtbot, _ctx(tmp_path / "home", clip_dir), album)
    w.group_features.stacks.enabled = False  # every frame in the grid, so the order is the ranking's
    w.model.refilter()
    yield w
    w.close()


def _screenshot(qtbot, window, name: str) -> None:
    """Keep a picture of the window when CULLER_TEST_SHOTS names a folder (to look at by eye),
    once the loupe's preview is decoded and the layouts have settled."""
    folder = os.environ.get("CULLER_TEST_SHOTS")
    if folder:
        qtbot.wait(1000)
        window.grab().save(str(Path(folder) / name))


def _search(window) -> object:
    from culler.ui.search.search_feature import SearchFeature

    return next(f for f in window.features if isinstance(f, SearchFeature))


def _ranked(window, clip_dir, words: str) -> list[int]:
    from culler.analysis.clip_text import ClipTextEncoder
    from culler.core.search import EmbeddingIndex

    text = ClipTextEncoder(clip_dir).encode([words])[0]
    return [h.photo_id for h in EmbeddingIndex(window.store().embeddings("clip")).rank(text)]


def test_ctrl_f_words_and_return_order_the_grid_best_first_then_picks_then_esc_restores(qtbot, window, clip_dir):
    everything = list(window.model.ids)
    assert len(everything) == 9
    for row in (1, 4, 6):  # three picks, with P in the grid
        window.set_current(window.model.id_at(row))
        qtbot.keyClick(window.grid, Qt.Key.Key_P)
    picks = {window.model.id_at(r) for r in (1, 4, 6)}
    field = _search(window).field

    qtbot.keyClick(window.grid, Qt.Key.Key_F, CTRL)
    assert QApplication.focusWidget() is field.edit
    qtbot.keyClicks(field.edit, "dog on the beach")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    expected = _ranked(window, clip_dir, "dog on the beach")
    qtbot.waitUntil(lambda: window.model.ids == expected, timeout=120_000)
    assert expected != everything and sorted(expected) == sorted(everything)
    assert QApplication.focusWidget() is not field.edit  # the keys cull the results again
    assert "matching “dog on the beach”, best first" in window.filter_bar.summary.text()

    qtbot.mouseClick(window.filter_bar.buttons["picks"], Qt.MouseButton.LeftButton)
    assert window.model.ids == [i for i in expected if i in picks]

    qtbot.keyClick(window.grid, Qt.Key.Key_F, CTRL)
    qtbot.keyClick(field.edit, Qt.Key.Key_Escape)
    assert field.edit.text() == "" and QApplication.focusWidget() is not field.edit
    assert window.model.ids == [i for i in everything if i in picks]  # capture order again
    qtbot.mouseClick(window.filter_bar.buttons["all"], Qt.MouseButton.LeftButton)
    assert window.model.ids == everything

    qtbot.keyClick(window.grid, Qt.Key.Key_F, CTRL)  # other words, another order
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "a crowd at a concert at night")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    other = _ranked(window, clip_dir, "a crowd at a concert at night")
    assert other != expected
    qtbot.waitUntil(lambda: window.model.ids == other, timeout=60_000)
    _screenshot(qtbot, window, "search-grid.png")


def test_people_filter_follows_the_faces_culler_counted(qtbot, window):
    faces = {pid: (s.get("faces") or 0) for pid, s in window.store().all_signals().items()}
    order = list(window.model.ids)
    with_people = [i for i in order if faces.get(i, 0) >= 1]
    groups = [i for i in order if faces.get(i, 0) >= 3]
    assert groups and len(with_people) > len(groups) and len(with_people) < len(order)
    people = _search(window).people
    people.setCurrentIndex(1)
    assert window.model.ids == with_people and "with people" in window.filter_bar.summary.text()
    people.setCurrentIndex(2)
    assert window.model.ids == groups
    window.registry.trigger("filter.clear")
    assert window.model.ids == order and people.currentData() == "any"


def _photo_with_faces(window) -> int:
    faces = {pid: (s.get("faces") or 0) for pid, s in window.store().all_signals().items()}
    return next(i for i in window.model.ids if faces.get(i, 0) >= 3)


def test_k_accepts_the_suggestions_ctrl_z_undoes_and_a_restart_keeps_them(qtbot, window, album, clip_dir, tmp_path):
    pid = _photo_with_faces(window)
    window.set_current(pid)
    qtbot.keyClick(window.grid, Qt.Key.Key_E)
    strip = _search(window).strip
    # the vocabulary's cosines come from the worker thread
    qtbot.waitUntil(lambda: strip.note.text() == "" and bool(strip.suggested), timeout=120_000)
    suggested = list(strip.suggested)
    assert suggested[:2] == ["people", "group"]
    assert strip.accepted.text() == "none yet" and strip.hint.text() == "K: accept all"
    _screenshot(qtbot, window, "loupe-keywords-suggested.png")

    qtbot.keyClick(window.loupe, Qt.Key.Key_K)
    assert window.store().keywords.of(pid) == sorted(suggested)
    assert strip.suggested == [] and strip.accepted.text() == " · ".join(sorted(suggested))
    _screenshot(qtbot, window, "loupe-keywords-accepted.png")

    qtbot.keyClick(window.loupe, Qt.Key.Key_P)  # a decision after the keywords: undone first
    qtbot.keyClick(window.loupe, Qt.Key.Key_Z, CTRL)
    assert window.store().decision(pid).flag == "none" and window.store().keywords.of(pid) == sorted(suggested)
    qtbot.keyClick(window.loupe, Qt.Key.Key_Z, CTRL)
    assert window.store().keywords.of(pid) == [] and strip.suggested == suggested
    assert "Undone: Keywords" in window.statusBar().currentMessage()

    one = next(b for b in strip.findChildren(QToolButton) if b.text() == "+ group")
    qtbot.mouseClick(one, Qt.MouseButton.LeftButton)
    qtbot.keyClick(window.loupe, Qt.Key.Key_K)
    assert window.store().keywords.of(pid) == sorted(suggested)
    ctx = window.ctx
    window.close()

    again = open_window(qtbot, ctx, album)
    try:
        assert again.store().keywords.of(pid) == sorted(suggested)
        again.set_current(pid)
        qtbot.keyClick(again.grid, Qt.Key.Key_E)
        assert _search(again).strip.accepted.text() == " · ".join(sorted(suggested))
    finally:
        again.close()


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool (libimage-exiftool-perl) not installed")
def test_live_sidecars_get_accepted_keywords_next_to_another_apps_and_lose_undone_ones(qtbot, window, album):
    pid = _photo_with_faces(window)
    path = window.model.state.photos[pid].path
    sidecar = album / (Path(path).stem + ".xmp")
    sidecar.write_text(  # keyworded in Lightroom before
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<dc:subject><rdf:Bag><rdf:li>Clients</rdf:li></rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>')
    sync = window.export_features.sidecars
    window.registry.trigger("sidecars.live")
    assert sync.enabled and sync.wait_idle()
    window.set_current(pid)
    qtbot.keyClick(window.grid, Qt.Key.Key_E)
    strip = _search(window).strip
    qtbot.waitUntil(lambda: strip.note.text() == "" and bool(strip.suggested), timeout=120_000)
    assert strip.accepted.text() == "Clients"  # another app's keyword counts as accepted
    suggested = list(strip.suggested)
    qtbot.keyClick(window.loupe, Qt.Key.Key_K)
    assert sync.wait_idle()

    def subjects() -> list[str]:
        out = subprocess.run(["exiftool", "-j", "-XMP:Subject", str(sidecar)], capture_output=True, text=True,
                             check=True)
        found = json.loads(out.stdout)[0].get("Subject", [])
        return [found] if isinstance(found, str) else found

    assert subjects() == ["Clients", *sorted(suggested)]
    qtbot.keyClick(window.loupe, Qt.Key.Key_Z, CTRL)
    assert sync.wait_idle()
    assert subjects() == ["Clients"]


def test_without_clips_model_file_the_field_says_what_it_needs_and_nothing_changes(qtbot, album, tmp_path,
                                                                                  monkeypatch):
    monkeypatch.delenv("CULLER_MODELS_DIR", raising=False)
    w = open_window(qtbot, _ctx(tmp_path / "home", tmp_path / "no-models"), album)
    try:
        field = _search(w).field
        before = list(w.model.ids)
        assert "needs CLIP's model file" in field.edit.placeholderText()
        qtbot.keyClick(w.grid, Qt.Key.Key_F, CTRL)
        qtbot.keyClicks(field.edit, "sunset")
        qtbot.keyClick(field.edit, Qt.Key.Key_Return)
        assert field.status.text() == "needs CLIP's model file" and "culler models import" in field.status.toolTip()
        assert "culler models download clip" in w.statusBar().currentMessage()
        assert w.model.ids == before and w.model.filter.matches is None
        w.set_current(before[0])
        qtbot.keyClick(w.grid, Qt.Key.Key_E)
        assert "faces only" in _search(w).strip.note.text()
        _screenshot(qtbot, w, "search-no-clip-loupe.png")
    finally:
        w.close()
