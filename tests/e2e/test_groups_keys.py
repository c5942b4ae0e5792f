"""Culling bursts by keyboard on an album analysed by the real pipeline: move between groups with
Tab, accept a group's suggestions with A (and undo it), compare two frames with synced zoom and
pan, survey a burst and choose its second frame with 2, regroup live from the grouping panel."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from benchmarks.photo_factory import burst, real_photo, resize, write_jpeg
from tests.ui.album_factory import make_ctx, open_window

pytest.importorskip("culler.analysis.technical", reason="the technical signals are not in this tree yet")
pytest.importorskip("culler.analysis.score", reason="score fusion is not in this tree yet")

LONG_EDGE = 1400  # larger than one side of compare, so 100 % can be panned


def big(name):
    img = real_photo(name)
    h, w = img.shape[:2]
    s = LONG_EDGE / max(h, w)
    return resize(img, round(w * s), round(h * s))


def make_shoot(folder):
    """Two bursts (4 and 3 frames) and two single photos, minutes apart."""
    t0 = datetime(2024, 7, 1, 15, 0, 0)
    n = 0

    def save(img, when):
        nonlocal n
        n += 1
        write_jpeg(folder / f"IMG_{n:04d}.jpg", img, captured_at=when)

    for _kind, img, when in burst(big("astronaut"), t0, n_bad=3, seed=1):
        save(img, when)
    save(big("camera"), t0 + timedelta(minutes=3))
    for _kind, img, when in burst(big("chelsea"), t0 + timedelta(minutes=6), n_bad=2, seed=2):
        save(img, when)
    save(big("coffee"), t0 + timedelta(minutes=9))
    return folder


def analyse(album, ctx):
    from culler.core.store import Store
    from culler.pipeline import Pipeline

    store = Store.open(album, ctx.data_dir)
    try:
        for _progress in Pipeline(album, store, ctx, signals="technical").run():
            pass
    finally:
        store.close()


def press(qtbot, window, k, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(QApplication.focusWidget() or window.current_view() or window, k, modifier)


def drag(widget, start: QPointF, end: QPointF):
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    for kind, pos, button, buttons in ((QEvent.Type.MouseButtonPress, start, left, left),
                                       (QEvent.Type.MouseMove, (start + end) / 2, none, left),
                                       (QEvent.Type.MouseMove, end, none, left),
                                       (QEvent.Type.MouseButtonRelease, end, left, none)):
        QApplication.sendEvent(widget, QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons,
                                                   Qt.KeyboardModifier.NoModifier))


def test_cull_bursts_group_by_group(qtbot, tmp_path):
    album = make_shoot(tmp_path / "shoot")
    ctx = make_ctx(tmp_path / "home")
    analyse(album, ctx)
    window = open_window(qtbot, ctx, album)
    try:
        state, features = window.model.state, window.group_features
        index = features.index()
        bursts = sorted(index.members.values(), key=len, reverse=True)
        assert [len(b) for b in bursts] == [4, 3]  # the analysis found both bursts
        first, second = sorted(bursts, key=lambda b: state.order.index(b[0]))
        assert window.model.rowCount() == 4  # two stacks and two single photos
        best_first = index.by_rank(first)[0]

        # Tab moves between the groups, skipping the single photo between them
        press(qtbot, window, Qt.Key.Key_Home)
        assert window.current_id() == best_first
        press(qtbot, window, Qt.Key.Key_Tab)
        assert window.current_id() == index.by_rank(second)[0]
        press(qtbot, window, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        assert window.current_id() == best_first

        # A accepts the group's suggestions as one step; Ctrl+Z takes them all back
        suggested = {pid: state.groups[pid].suggestion for pid in first}
        assert suggested[best_first] == "pick"
        press(qtbot, window, Qt.Key.Key_A)
        store = window.session.store
        assert {pid: store.decision(pid).flag for pid in first} == {
            pid: s or "none" for pid, s in suggested.items()}
        assert all(store.decision(pid).flag == "none" for pid in second)
        press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert all(store.decision(pid).flag == "none" for pid in first)

        # compare: the best frame and the runner-up, zoomed and panned together
        press(qtbot, window, Qt.Key.Key_C)
        compare = features.compare
        assert compare.ids == index.by_rank(first)[:2]
        press(qtbot, window, Qt.Key.Key_Z)
        assert compare.zoom_factors() == [1.0, 1.0]
        left, right = compare.canvases
        before = left.relative_centre()
        assert right.relative_centre() == pytest.approx(before, abs=0.01)
        centre = QPointF(left.width() / 2, left.height() / 2)
        drag(left, centre, centre + QPointF(-150, -90))
        moved = left.relative_centre()
        assert moved[0] > before[0] + 0.02 and moved[1] > before[1] + 0.02
        assert right.relative_centre() == pytest.approx(moved, abs=0.01)
        press(qtbot, window, Qt.Key.Key_Right)  # decisions apply to the active side
        press(qtbot, window, Qt.Key.Key_X)
        assert store.decision(compare.ids[1]).flag == "reject"
        press(qtbot, window, Qt.Key.Key_Escape)  # zoom out first ...
        assert compare.zoom_factors()[0] < 1.0
        press(qtbot, window, Qt.Key.Key_Escape)  # ... then back to the grid
        assert window.current_view_id() == "grid"

        # survey: the whole burst in capture order; 2 makes the second frame the active one
        press(qtbot, window, Qt.Key.Key_N)
        survey = features.survey
        assert survey.ids == first
        press(qtbot, window, Qt.Key.Key_2)
        assert survey.active == first[1]
        press(qtbot, window, Qt.Key.Key_P)
        assert store.decision(first[1]).flag == "pick"
        qtbot.waitUntil(lambda: features.images.fitted(first[0], survey._request_size(survey.tiles()[0])) is not None,
                        timeout=10_000)  # the tiles get their own decoded images

        # grouping panel: keep 2 per group, regrouped live and stored for the next analysis
        window.registry.trigger("group.settings")
        panel = features.panel
        assert panel.isVisible()
        with qtbot.waitSignal(panel.regrouped, timeout=10_000):
            panel.keep_n.setValue(2)
        picks = [pid for pid in first if window.model.state.groups[pid].suggestion == "pick"]
        assert len(picks) == 2
        assert store.get("grouping.keep_n") == 2 and "pixel_corr" in store.get("grouping.params")
        assert "groups of 2 or more frames" in panel.status.text()
        panel.close()
    finally:
        window.close()
