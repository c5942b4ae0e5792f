"""The taste in the window, on real albums analysed by the real pipeline and decided with real keys:
a photographer who keeps the frame a stop darker than the rest of each burst teaches it in 60
decisions, the profile is refitted and saved in the background, a later album's best frames and
order follow it, and resetting it (or switching it off for that album) restores culler's order."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from benchmarks.photo_factory import exposure, real_photo, resize, shift_crop, write_jpeg
from culler.core import taste
from culler.core.ranking import TASTE_REASON
from culler.ui.taste.taste_feature import TasteFeature
from tests.ui.album_factory import make_ctx, open_window

SOURCES = ("astronaut", "chelsea", "coffee", "rocket", "motorcycle_left", "camera", "coins")
OFFSETS = (-1.0, 0.0, 0.0, 0.0)  # stops: one frame of each burst is a stop darker


def make_bursts(folder: Path, bursts: int, seed: int) -> dict[str, float]:
    """Bursts of 4 hand-held frames a minute apart; file name -> exposure offset in stops."""
    rng = np.random.default_rng(seed)
    start = datetime(2024, 6, 1, 9, 0, 0)
    offsets = {}
    for b in range(bursts):
        img = real_photo(SOURCES[b % len(SOURCES)])
        h, w = img.shape[:2]
        x0, y0 = (int(v) for v in rng.integers(0, [w // 4, h // 4]))
        img = resize(img[y0:y0 + 3 * h // 4, x0:x0 + 3 * w // 4], 320, 240)
        for i, k in enumerate(rng.permutation(len(OFFSETS))):
            frame = exposure(shift_crop(img, int(rng.integers(-3, 4)), int(rng.integers(-3, 4))), OFFSETS[k])
            name = f"B{b:02d}_{i}.jpg"
            write_jpeg(folder / name, frame, captured_at=start + timedelta(seconds=60 * b + 0.3 * i))
            offsets[name] = OFFSETS[k]
    return offsets


def key(qtbot, window, k, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(QApplication.focusWidget() or window.current_view() or window, k, modifier)


def open_analysed(qtbot, window, album: Path) -> None:
    with qtbot.waitSignal(window.analysis_idle, timeout=180_000):
        window.open_album(album)
    qtbot.waitUntil(lambda: window.model.state is not None and len(window.model.state.groups) > 0, timeout=20_000)


def best_offsets(window, offsets: dict[str, float]) -> list[float]:
    state = window.model.state
    return sorted(offsets[state.name(pid)] for pid, g in state.groups.items() if g.group_rank == 1)


def taste_reasons(window) -> int:
    return sum(TASTE_REASON in g.reasons for g in window.model.state.groups.values())


def album_order(window) -> list[str]:
    state = window.model.state
    return [state.name(pid) for pid in sorted(state.scores, key=lambda i: (-(state.scores[i][0] or 0), i))]


@pytest.fixture
def taste_window(qtbot, tmp_path):
    ctx = make_ctx(tmp_path / "home")
    window = open_window(qtbot, ctx, None, analyse=True)
    yield window, next(f for f in window.features if isinstance(f, TasteFeature))
    window.close()


def test_sixty_decisions_teach_a_taste_that_orders_a_later_album_and_reset_restores_it(
        qtbot, tmp_path, taste_window, monkeypatch):
    window, feature = taste_window
    first = make_bursts(tmp_path / "first", 16, seed=1)
    later = make_bursts(tmp_path / "later", 8, seed=2)

    # the later album first, with nothing learned: culler's own order
    open_analysed(qtbot, window, tmp_path / "later")
    generic_best, generic_order = best_offsets(window, later), album_order(window)
    assert -1.0 not in generic_best and taste_reasons(window) == 0
    assert feature.status.text() == "Taste: nothing learned yet"

    # 60 decisions with the keys: the darker frame of each burst picked, the others rejected
    open_analysed(qtbot, window, tmp_path / "first")
    if not window.group_features.stacks.held:  # groups that arrived while open stay expanded (offered)
        key(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ShiftModifier)  # expand every stack
    key(qtbot, window, Qt.Key.Key_Home)
    decided = []
    for _ in range(60):
        name = window.model.state.name(window.current_id())
        key(qtbot, window, Qt.Key.Key_P if first[name] == -1.0 else Qt.Key.Key_X)
        decided.append(name)
        key(qtbot, window, Qt.Key.Key_Right)
    assert len(set(decided)) == 60
    store = window.session.store
    assert sum(d.flag != "none" for d in store.decisions().values()) == 60
    qtbot.waitUntil(lambda: feature.profile is not None and feature.profile.decisions == 60
                    and not feature.worker.busy(), timeout=60_000)
    saved = taste.load(taste.default_path(Path(window.ctx.data_dir)))
    assert saved.decisions == 60 and saved.alpha > 0
    assert feature.status.text().startswith("Taste: 60 decisions · agrees ")
    assert "darker" in feature.status.toolTip() and "stop under the others' exposure" in feature.status.toolTip()
    assert "noise" not in feature.status.toolTip()  # only exposure was preferred ("you mind noise" was said)

    # the later album's best frames and order follow the taste, and say so
    open_analysed(qtbot, window, tmp_path / "later")
    assert best_offsets(window, later) == [-1.0] * 8
    assert taste_reasons(window) >= 8
    assert album_order(window) != generic_order

    # reset: the later album is in culler's order again
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(feature.profile_changed, timeout=20_000):
        window.registry.trigger("taste.reset")
    qtbot.waitUntil(lambda: taste_reasons(window) == 0 and not feature.worker.busy(), timeout=60_000)
    assert not taste.default_path(Path(window.ctx.data_dir)).exists()
    assert best_offsets(window, later) == generic_best
    assert album_order(window) == generic_order
    assert feature.status.text() == "Taste: nothing learned yet"


def rate_like_lightroom(folder: Path, offsets: dict[str, float]) -> None:
    """XMP sidecars as another app leaves them: one star on the darker frame, the others rejected."""
    from culler.core.records import Decision
    from culler.core.xmp import sidecar_path_for, write_sidecar

    for name, off in offsets.items():
        photo = folder / name
        write_sidecar(sidecar_path_for(photo), Decision(rating=1) if off == -1.0 else Decision(flag="reject"))


def test_learn_from_a_rated_folder_switch_off_per_album_export_and_import(qtbot, tmp_path, taste_window, monkeypatch):
    window, feature = taste_window
    archive = make_bursts(tmp_path / "archive", 16, seed=3)
    rate_like_lightroom(tmp_path / "archive", archive)
    later = make_bursts(tmp_path / "later", 8, seed=2)
    open_analysed(qtbot, window, tmp_path / "later")
    generic_best, generic_order = best_offsets(window, later), album_order(window)

    # Taste › Learn from rated folders…: the sidecars' stars and rejects teach it, the open album follows
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getExistingDirectory", lambda *a, **k: str(tmp_path / "archive"))
    window.registry.trigger("taste.learn")
    qtbot.waitUntil(lambda: feature.profile is not None and taste_reasons(window) > 0 and not feature.worker.busy(),
                    timeout=180_000)
    assert feature.profile.decisions == 64 and feature.profile.albums == [str((tmp_path / "archive").resolve())]
    assert best_offsets(window, later) == [-1.0] * 8
    assert window.menu_actions["taste.album"].isChecked()

    # switched off for this album: culler's order, remembered by the album, and the profile unchanged
    window.registry.trigger("taste.album")
    qtbot.waitUntil(lambda: taste_reasons(window) == 0 and not feature.worker.busy(), timeout=60_000)
    assert best_offsets(window, later) == generic_best and album_order(window) == generic_order
    assert not window.menu_actions["taste.album"].isChecked()
    assert feature.status.text() == "Taste: off in this album"
    assert feature.profile.decisions == 64
    open_analysed(qtbot, window, tmp_path / "later")  # opened again: still off, still culler's order
    assert feature.status.text() == "Taste: off in this album" and taste_reasons(window) == 0
    window.registry.trigger("taste.album")
    qtbot.waitUntil(lambda: taste_reasons(window) > 0 and not feature.worker.busy(), timeout=60_000)

    # export, reset, import: the same profile and the same order back
    exported = tmp_path / "carry" / "my-taste.json"
    exported.parent.mkdir()
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getSaveFileName", lambda *a, **k: (str(exported), ""))
    window.registry.trigger("taste.export")
    qtbot.waitUntil(lambda: exported.exists() and not feature.worker.busy(), timeout=20_000)
    profile_file = taste.default_path(Path(window.ctx.data_dir))
    assert exported.read_bytes() == profile_file.read_bytes()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.registry.trigger("taste.reset")
    qtbot.waitUntil(lambda: taste_reasons(window) == 0 and not feature.worker.busy(), timeout=60_000)
    assert feature.profile is None and not profile_file.exists()

    garbage = tmp_path / "carry" / "not-a-profile.json"
    garbage.write_text('{"format": "something else"}')
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getOpenFileName", lambda *a, **k: (str(garbage), ""))
    window.registry.trigger("taste.import")
    qtbot.waitUntil(lambda: not feature.worker.busy(), timeout=20_000)
    assert "not a culler taste profile" in window.statusBar().currentMessage() and not profile_file.exists()

    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getOpenFileName", lambda *a, **k: (str(exported), ""))
    window.registry.trigger("taste.import")
    qtbot.waitUntil(lambda: taste_reasons(window) > 0 and not feature.worker.busy(), timeout=60_000)
    assert feature.profile.decisions == 64 and best_offsets(window, later) == [-1.0] * 8


def test_a_damaged_profile_is_reported_never_overwritten_and_the_order_stays_cullers(qtbot, tmp_path, taste_window,
                                                                                     monkeypatch):
    window, feature = taste_window
    profile_file = taste.default_path(Path(window.ctx.data_dir))
    profile_file.parent.mkdir(parents=True, exist_ok=True)
    profile_file.write_text("{damaged")
    make_bursts(tmp_path / "album", 3, seed=4)
    open_analysed(qtbot, window, tmp_path / "album")
    for _ in range(6):
        key(qtbot, window, Qt.Key.Key_P)
        key(qtbot, window, Qt.Key.Key_Right)
    qtbot.wait(feature._timer.interval() + 200)
    qtbot.waitUntil(lambda: not feature.worker.busy(), timeout=20_000)
    assert feature.status.text() == "Taste: cannot read the profile"
    assert "cannot read the taste profile" in feature.status.toolTip()
    assert profile_file.read_text() == "{damaged" and taste_reasons(window) == 0
    # the user may still forget it on purpose, and learning starts again
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.registry.trigger("taste.reset")
    qtbot.waitUntil(lambda: not profile_file.exists() and not feature.worker.busy(), timeout=20_000)
    assert feature.status.text() == "Taste: nothing learned yet"
    key(qtbot, window, Qt.Key.Key_X)
    decided = sum(d.flag != "none" for d in window.session.store.decisions().values())
    qtbot.waitUntil(lambda: feature.profile is not None and feature.profile.decisions == decided, timeout=30_000)
    assert decided > 0 and feature.status.text() == f"Taste: learning ({decided} decisions)"
