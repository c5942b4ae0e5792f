"""Groups in the window, driven by real keys on a real album and Store: stacks, "best of each
group", moving between and within groups, accepting suggestions, survey.

The groups are written into the store the way the pipeline's last stage writes them
(Store.put_groups); tests/e2e/test_groups_keys.py runs the real analysis instead.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from culler.core.records import GroupRow


def key(qtbot, window, k, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(QApplication.focusWidget() or window.current_view() or window, k, modifier)


def shown(window):
    return [window.model.state.name(i) for i in window.model.ids]


def current(window):
    return window.model.state.name(window.current_id())


def flags(window, names):
    store = window.session.store
    by_name = {p.path: p.id for p in store.photos()}
    return [store.decision(by_name[n]).flag for n in names]


def put_bursts(window):
    """IMG_0001-0003: a burst (best: 0002); IMG_0004-0005: near-duplicates (best: 0005)."""
    store = window.session.store
    ids = {p.path: p.id for p in store.photos()}
    g = lambda name, gid, size, rank, sug, kind="burst": GroupRow(  # noqa: E731
        ids[name], gid, size, rank, sug, [f"reason for {name}"], kind)
    rows = [g("IMG_0001.jpg", "g1", 3, 3, "reject"), g("IMG_0002.jpg", "g1", 3, 1, "pick"),
            g("IMG_0003.jpg", "g1", 3, 2, None),
            g("IMG_0004.jpg", "g4", 2, 2, "reject", "duplicates"), g("IMG_0005.jpg", "g4", 2, 1, "pick", "duplicates")]
    singles = ("IMG_0006.jpg", "IMG_0007.jpg", "IMG_0008.jpg")
    rows += [GroupRow(ids[n], f"s{n}", 1, 1, None, [], "single") for n in singles]
    store.put_groups(rows)
    window.session.refresh_analysis()


def stack(qtbot, window):
    """Take the offer of the groups that arrived while the window was open (Shift+S)."""
    key(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ShiftModifier)


def test_groups_show_as_stacks_that_expand_and_collapse(qtbot, window):
    assert window.model.rowCount() == 9
    put_bursts(window)
    stack(qtbot, window)
    assert shown(window) == ["IMG_0002.jpg", "IMG_0005.jpg", "IMG_0006.jpg", "IMG_0007.jpg", "IMG_0008.jpg",
                             "IMG_9999.jpg"]  # each group collapsed to its best frame
    assert current(window) == "IMG_0002.jpg"  # IMG_0001 was current: its stack's frame takes over
    assert window.group_features.is_stack_cell(window.current_id())
    key(qtbot, window, Qt.Key.Key_S)
    assert shown(window)[:4] == ["IMG_0001.jpg", "IMG_0002.jpg", "IMG_0003.jpg", "IMG_0005.jpg"]
    key(qtbot, window, Qt.Key.Key_BracketRight)  # the next frame of the group
    assert current(window) == "IMG_0003.jpg"
    key(qtbot, window, Qt.Key.Key_BracketRight)  # wraps around
    assert current(window) == "IMG_0001.jpg"
    key(qtbot, window, Qt.Key.Key_S)  # collapse: the current frame is hidden, its stack shows
    assert shown(window)[0] == "IMG_0002.jpg" and current(window) == "IMG_0002.jpg"

    # a click on the stack badge expands it
    window.grid.viewport().repaint()
    box = window.group_features.badge_rects[window.current_id()]
    qtbot.mouseClick(window.grid.viewport(), Qt.MouseButton.LeftButton, pos=box.center().toPoint())
    assert "IMG_0001.jpg" in shown(window)
    key(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ShiftModifier)  # expand every stack
    assert window.model.rowCount() == 9
    key(qtbot, window, Qt.Key.Key_S)  # S on one group collapses just that one
    assert window.model.rowCount() == 7 and current(window) == "IMG_0002.jpg"
    key(qtbot, window, Qt.Key.Key_S)
    assert window.model.rowCount() == 9
    key(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ShiftModifier)
    assert window.model.rowCount() == 6


def test_best_of_each_group_filter(qtbot, window):
    put_bursts(window)
    window.filter_bar.best.click()
    assert shown(window) == ["IMG_0002.jpg", "IMG_0005.jpg", "IMG_0006.jpg", "IMG_0007.jpg", "IMG_0008.jpg",
                             "IMG_9999.jpg"]
    assert "best of each group" in window.filter_bar.summary.text()
    window.filter_bar.best.click()
    assert window.model.rowCount() == 9


def test_tab_moves_between_groups_and_a_accepts_the_group_in_one_undo_step(qtbot, window):
    put_bursts(window)
    stack(qtbot, window)
    key(qtbot, window, Qt.Key.Key_Home)
    key(qtbot, window, Qt.Key.Key_Tab)
    assert current(window) == "IMG_0005.jpg"
    assert "group 2 of 2" in window.statusBar().currentMessage()
    key(qtbot, window, Qt.Key.Key_Tab)  # no further group: stays
    assert current(window) == "IMG_0005.jpg"
    key(qtbot, window, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert current(window) == "IMG_0002.jpg"

    key(qtbot, window, Qt.Key.Key_S)
    key(qtbot, window, Qt.Key.Key_BracketRight)  # IMG_0003, no suggestion: the user picks it
    key(qtbot, window, Qt.Key.Key_P)
    names = ["IMG_0001.jpg", "IMG_0002.jpg", "IMG_0003.jpg"]
    key(qtbot, window, Qt.Key.Key_A)
    assert flags(window, names) == ["reject", "pick", "pick"]
    assert flags(window, ["IMG_0004.jpg", "IMG_0005.jpg"]) == ["none", "none"]  # another group
    assert window.filter_bar.buttons["rejects"].text().endswith("1")
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert flags(window, names) == ["none", "none", "pick"]  # one step undone, the user's pick stays
    assert "Undone: Accept the suggestions for burst of 3" in window.statusBar().currentMessage()

    key(qtbot, window, Qt.Key.Key_Home)  # IMG_0001, suggested reject: Shift+A accepts this one only
    key(qtbot, window, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    assert flags(window, names) == ["reject", "none", "pick"]

    key(qtbot, window, Qt.Key.Key_E)  # the loupe moves between groups too
    key(qtbot, window, Qt.Key.Key_Tab)
    assert current(window) == "IMG_0005.jpg" and window.loupe.canvas.photo_id == window.current_id()
    key(qtbot, window, Qt.Key.Key_BracketLeft)  # into the hidden frame of its stack
    assert current(window) == "IMG_0004.jpg" and window.loupe.canvas.photo_id == window.current_id()


def test_survey_shows_the_group_and_digits_choose_a_frame(qtbot, window):
    put_bursts(window)
    stack(qtbot, window)
    key(qtbot, window, Qt.Key.Key_N)
    survey = window.group_features.survey
    assert window.current_view_id() == "survey"
    assert [window.model.state.name(i) for i in survey.ids] == ["IMG_0001.jpg", "IMG_0002.jpg", "IMG_0003.jpg"]
    key(qtbot, window, Qt.Key.Key_3)
    assert window.model.state.name(survey.active) == "IMG_0003.jpg"
    assert window.model.state.decision(survey.active).rating == 0  # in survey digits choose, never rate
    key(qtbot, window, Qt.Key.Key_X)
    assert flags(window, ["IMG_0001.jpg", "IMG_0002.jpg", "IMG_0003.jpg"]) == ["none", "none", "reject"]
    qtbot.mouseClick(survey, Qt.MouseButton.LeftButton, pos=survey.tiles()[0].center().toPoint())
    assert window.model.state.name(survey.active) == "IMG_0001.jpg"
    key(qtbot, window, Qt.Key.Key_Tab)  # the next group, surveyed
    assert [window.model.state.name(i) for i in survey.ids] == ["IMG_0004.jpg", "IMG_0005.jpg"]
    key(qtbot, window, Qt.Key.Key_N)  # again: back where we came from, on that group
    assert window.current_view_id() == "grid" and current(window) == "IMG_0005.jpg"
    key(qtbot, window, Qt.Key.Key_2)  # outside survey, 2 rates again
    assert window.model.state.decision(window.current_id()).rating == 2


def test_compare_starts_with_the_best_frame_and_its_runner_up(qtbot, window):
    put_bursts(window)
    stack(qtbot, window)
    key(qtbot, window, Qt.Key.Key_C)
    compare = window.group_features.compare
    names = lambda: [window.model.state.name(i) for i in compare.ids]  # noqa: E731
    assert window.current_view_id() == "compare" and names() == ["IMG_0002.jpg", "IMG_0003.jpg"]
    key(qtbot, window, Qt.Key.Key_Right)  # the right side becomes active
    key(qtbot, window, Qt.Key.Key_X)
    assert flags(window, ["IMG_0002.jpg", "IMG_0003.jpg"]) == ["none", "reject"]
    key(qtbot, window, Qt.Key.Key_Right)  # again: the next candidate on the right
    assert names() == ["IMG_0002.jpg", "IMG_0001.jpg"]
    key(qtbot, window, Qt.Key.Key_Left)
    key(qtbot, window, Qt.Key.Key_P)
    assert flags(window, ["IMG_0002.jpg"]) == ["pick"]
    qtbot.mouseClick(compare.canvases[1], Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    assert compare.active_side == 1
    key(qtbot, window, Qt.Key.Key_Escape)
    assert window.current_view_id() == "grid"
    window.set_current(window.model.ids[2])  # a single photo: compared with the next one shown
    key(qtbot, window, Qt.Key.Key_C)
    assert names() == ["IMG_0006.jpg", "IMG_0007.jpg"]
