"""The time-budget review on the real window with a real album, driven by real key presses and a
clock the tests advance by hand (culler.ui.review.review_clock.ManualClock)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication

from culler.core.records import GroupRow
from culler.ui.review.review_clock import ManualClock
from tests.ui.album_factory import open_window

SCORES = {"IMG_0001.jpg": 0.30, "IMG_0002.jpg": 0.95, "IMG_0003.jpg": 0.10, "IMG_0004.jpg": 0.70,
          "IMG_0005.jpg": 0.85, "IMG_0006.jpg": 0.45, "IMG_0007.jpg": 0.20, "IMG_0008.jpg": 0.60}
BY_SCORE = sorted(SCORES, key=SCORES.get, reverse=True)


def press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(QApplication.focusWidget() or window.current_view() or window, key, modifier)


def ids_by_name(window) -> dict[str, int]:
    state = window.model.state
    return {state.name(pid): pid for pid in state.order}


def name_of(window, photo_id) -> str:
    return window.model.state.name(photo_id)


def score_album(window, groups: list[GroupRow] | None = None) -> dict[str, int]:
    ids = ids_by_name(window)
    store = window.session.store
    store.put_scores({ids[n]: (s, 0.8) for n, s in SCORES.items()})
    if groups:
        store.put_groups(groups)
    window.session.refresh_analysis()
    return ids


def start_review(qtbot, window, minutes: float = 1.0, scope: str = "all", best_seconds: float | None = None):
    press(qtbot, window, Qt.Key.Key_R)
    dialog = window.review.setup_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.scope.setCurrentIndex(dialog.scope.findData(scope))
    if best_seconds is not None:
        dialog.best_radio.setChecked(True)
        dialog.best_seconds.setValue(best_seconds)
    else:
        dialog.total_radio.setChecked(True)
        dialog.minutes.setValue(minutes)
    plan = dialog.plan()
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert window.current_view_id() == "review"
    return plan


def shown(window) -> str:
    return name_of(window, window.review.session.shown_id())


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def review_window(qtbot, ctx, album, clock):
    w = open_window(qtbot, ctx, album)
    w.review.set_clock(clock)
    score_album(w)
    yield w
    w.close()


def test_setup_dialog_previews_the_plan_and_updates_it_live(qtbot, review_window):
    w = review_window
    press(qtbot, w, Qt.Key.Key_R)
    dialog = w.review.setup_dialog
    dialog.scope.setCurrentIndex(dialog.scope.findData("all"))
    dialog.minutes.setValue(1.0)
    text = dialog.plan_label.text()
    assert "9 photos" in text and "total 1 min" in text  # 8 scored + the unreadable one, never skipped
    assert dialog.plan().total_seconds == pytest.approx(60.0)
    best_before = dialog.plan().best_seconds
    dialog.minutes.setValue(3.0)
    assert dialog.plan().total_seconds == pytest.approx(180.0) and dialog.plan().best_seconds > best_before
    assert "total 3 min" in dialog.plan_label.text()
    dialog.minutes.setValue(0.5)
    assert "Glance only from photo" in dialog.tail_label.text()  # where the swept tail begins
    dialog.best_radio.setChecked(True)
    dialog.best_seconds.setValue(12)
    assert dialog.plan().best_seconds == pytest.approx(12.0) and "best 12 s" in dialog.plan_label.text()
    assert not dialog.minutes.isEnabled()
    dialog.reject()
    assert w.current_view_id() == "grid"


def test_time_running_out_brings_the_next_photo(qtbot, review_window, clock):
    w = review_window
    plan = start_review(qtbot, w, minutes=1.0)
    first = plan.entries[0].seconds
    assert shown(w) == BY_SCORE[0]
    clock.advance(first - 0.3)
    assert shown(w) == BY_SCORE[0]
    assert "photo 1 of 9" in w.review.screen.strip.right_text
    clock.advance(0.5)
    assert shown(w) == BY_SCORE[1]
    assert w.review.session.left_here() == pytest.approx(plan.entries[1].seconds - 0.2, abs=1e-6)


def test_space_pauses_and_time_does_not_run_while_paused(qtbot, review_window, clock):
    w = review_window
    start_review(qtbot, w)
    clock.advance(1.0)
    left = w.review.session.left_here()
    press(qtbot, w, Qt.Key.Key_Space)
    assert w.review.session.paused and "Paused" in w.review.screen.strip.right_text
    assert w.review.screen.canvas.paused_text.startswith("Paused")
    clock.advance(120.0)
    assert shown(w) == BY_SCORE[0] and w.review.session.left_here() == pytest.approx(left)
    press(qtbot, w, Qt.Key.Key_Space)
    assert not w.review.session.paused and w.current_view_id() == "review"  # Space never opened the loupe
    clock.advance(0.5)
    assert w.review.session.left_here() == pytest.approx(left - 0.5)


def test_plus_gives_five_seconds_borrowed_from_the_photos_still_to_come(qtbot, review_window, clock):
    w = review_window
    start_review(qtbot, w, minutes=1.0)
    s = w.review.session
    left, total = s.left_here(), s.left_total()
    press(qtbot, w, Qt.Key.Key_Plus)
    assert s.left_here() == pytest.approx(left + 5.0)
    assert s.left_total() == pytest.approx(total)  # the budget holds
    later = [e.seconds for e in s.entries[1:]]
    assert later == sorted(later, reverse=True)  # later photos keep their order of times
    assert "borrowed" in w.statusBar().currentMessage()


def test_a_decision_is_saved_and_the_next_photo_comes(qtbot, review_window, clock):
    w = review_window
    start_review(qtbot, w)
    ids = ids_by_name(w)
    press(qtbot, w, Qt.Key.Key_P)
    assert w.session.store.decision(ids[BY_SCORE[0]]).flag == "pick"
    assert shown(w) == BY_SCORE[1]
    press(qtbot, w, Qt.Key.Key_3)
    assert w.session.store.decision(ids[BY_SCORE[1]]).rating == 3
    press(qtbot, w, Qt.Key.Key_8)  # green label
    assert w.session.store.decision(ids[BY_SCORE[2]]).label == "Green"
    assert shown(w) == BY_SCORE[3]
    press(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo works and does not move
    assert w.session.store.decision(ids[BY_SCORE[2]]).label is None and shown(w) == BY_SCORE[3]


def test_backspace_goes_back_with_time_to_look_again(qtbot, review_window, clock):
    w = review_window
    plan = start_review(qtbot, w)
    clock.advance(plan.entries[0].seconds + 0.5)
    assert shown(w) == BY_SCORE[1]
    press(qtbot, w, Qt.Key.Key_Backspace)
    assert shown(w) == BY_SCORE[0]
    assert w.review.session.left_here() >= 5.0 - 1e-6
    press(qtbot, w, Qt.Key.Key_Right)  # on again without waiting
    assert shown(w) == BY_SCORE[1]


def test_esc_leaves_and_r_resumes_at_the_same_photo_with_the_same_time(qtbot, review_window, clock):
    w = review_window
    plan = start_review(qtbot, w)
    clock.advance(plan.entries[0].seconds + 1.3)
    left = w.review.session.left_here()
    press(qtbot, w, Qt.Key.Key_Escape)
    assert w.current_view_id() == "grid" and w.filter_bar.isVisible()
    assert w.current_id() == ids_by_name(w)[BY_SCORE[1]]  # the grid is on the photo last seen
    clock.advance(30.0)  # time away does not count
    press(qtbot, w, Qt.Key.Key_R)
    assert w.review.setup_dialog is None and w.current_view_id() == "review"
    assert shown(w) == BY_SCORE[1]
    assert w.review.session.left_here() == pytest.approx(left, abs=1e-3)
    assert "resumed" in w.statusBar().currentMessage()


def test_pacing_without_keys_matches_the_plan(qtbot, review_window, clock):
    """Time actually spent per photo (and per sweep page) under the clock is the plan's, within 2 %."""
    w = review_window
    plan = start_review(qtbot, w, minutes=1.0)
    s = w.review.session
    assert plan.sweep_start_index is not None  # this budget has a glance tail: pages are paced too
    changes, last_stop, t0 = [], s.current, clock.now()
    step = 0.01
    while w.review.session is not None and clock.now() - t0 < 70:
        clock.advance(step, step)
        stop = w.review.session.current if w.review.session is not None else None
        if stop != last_stop:
            changes.append((last_stop, clock.now() - t0))
            last_stop = stop
    assert w.review.screen.on_summary()
    starts = [0.0] + [t for _stop, t in changes[:-1]]
    for (stop, end), begin in zip(changes, starts):
        planned = sum(plan.entries[i].seconds for i in stop)
        assert end - begin == pytest.approx(planned, rel=0.02, abs=step)
    assert changes[-1][1] == pytest.approx(60.0, rel=0.02)


def test_summary_counts_by_band_and_is_stored(qtbot, review_window, clock, ctx):
    w = review_window
    start_review(qtbot, w, minutes=1.0)
    press(qtbot, w, Qt.Key.Key_P)  # 0.95 -> pick
    press(qtbot, w, Qt.Key.Key_P)  # 0.85 -> pick
    press(qtbot, w, Qt.Key.Key_X)  # 0.70 -> reject
    clock.advance(0.5)
    press(qtbot, w, Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier)  # end now
    review = w.review
    assert review.screen.on_summary() and not review.screen.strip.isVisible()
    stored = w.session.store.review_summaries()[-1]
    bands = {b["band"]: b for b in stored["bands"]}
    assert bands["0.8-1.0"]["picks"] == 2 and bands["0.6-0.8"]["rejects"] == 1
    assert bands["0.0-0.2"]["picks"] == 0 and stored["photos"] == 9 and stored["seen"] == 4  # the 4th was on screen
    assert stored["ended_early"] is True
    totals = review.screen.summary.totals.text()
    assert "2 picks" in totals and "4 of 9 photos seen" in totals
    history = [json.loads(line) for line in (ctx.data_dir / "review_history.jsonl").read_text().splitlines()]
    assert history[-1]["album"] == str(w.session.album_root) and history[-1]["picks"] == 2
    assert "This album, 1 review" in review.screen.summary.history.text()
    press(qtbot, w, Qt.Key.Key_Escape)
    assert w.current_view_id() == "grid"
    press(qtbot, w, Qt.Key.Key_R)  # the finished review is not resumed: a new one is set up
    assert w.review.setup_dialog is not None
    w.review.setup_dialog.reject()


def test_sweep_page_decisions_apply_to_the_selection(qtbot, review_window, clock):
    w = review_window
    plan = start_review(qtbot, w, minutes=0.5)
    start = plan.sweep_start_index
    assert start is not None
    for _ in range(start):
        press(qtbot, w, Qt.Key.Key_Return)
    review = w.review
    assert review.session.in_sweep and review.screen.pages.currentWidget() is review.screen.sweep
    page = review.screen.sweep.model.ids
    assert page == [e.photo_id for e in plan.entries[start:start + len(page)]]
    assert "Sweep page 1" in review.screen.strip.left_text
    sel = review.screen.sweep.selection
    sel.select(review.screen.sweep.model.index(0, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect)
    sel.select(review.screen.sweep.model.index(1, 0), QItemSelectionModel.SelectionFlag.Select)
    press(qtbot, w, Qt.Key.Key_X)
    store = w.session.store
    assert store.decision(page[0]).flag == "reject" and store.decision(page[1]).flag == "reject"
    assert store.decision(page[2]).flag == "none"
    press(qtbot, w, Qt.Key.Key_Right)  # arrows move in the grid, not through the review
    press(qtbot, w, Qt.Key.Key_Right)
    press(qtbot, w, Qt.Key.Key_P)
    assert store.decision(page[2]).flag == "pick"


def test_best_of_each_group_shows_the_other_frames_in_place(qtbot, ctx, album, clock):
    w = open_window(qtbot, ctx, album)
    try:
        w.review.set_clock(clock)
        ids = ids_by_name(w)
        burst = ["IMG_0002.jpg", "IMG_0005.jpg", "IMG_0004.jpg"]  # 0.95 best, then 0.85, 0.70
        rows = [GroupRow(ids[n], "g1", 3, rank, None, [], "burst") for rank, n in enumerate(burst, start=1)]
        score_album(w, rows)
        plan = start_review(qtbot, w, scope="best")
        assert plan.count == 7 and plan.entries[0].siblings == (ids["IMG_0005.jpg"], ids["IMG_0004.jpg"])
        assert shown(w) == "IMG_0002.jpg" and "2 more frames" in w.review.screen.canvas.note
        press(qtbot, w, Qt.Key.Key_Down)
        assert shown(w) == "IMG_0005.jpg" and "frame 2 of 3" in w.review.screen.canvas.note
        press(qtbot, w, Qt.Key.Key_X)  # a decision on a frame goes to the next frame of the group
        assert w.session.store.decision(ids["IMG_0005.jpg"]).flag == "reject"
        assert shown(w) == "IMG_0004.jpg"
        press(qtbot, w, Qt.Key.Key_Up)
        press(qtbot, w, Qt.Key.Key_Up)
        assert shown(w) == "IMG_0002.jpg"
        press(qtbot, w, Qt.Key.Key_P)
        assert shown(w) == BY_SCORE[3]  # 0.60: the group's other frames had their own entry no more
    finally:
        w.close()


def test_help_overlay_stops_the_clock_and_the_filter_scope_offers_what_is_shown(qtbot, review_window, clock):
    w = review_window
    ids = ids_by_name(w)
    w.session.store.decide([ids["IMG_0001.jpg"], ids["IMG_0003.jpg"]], flag="pick")
    w.filter_bar.buttons["picks"].click()
    press(qtbot, w, Qt.Key.Key_R)
    dialog = w.review.setup_dialog
    dialog.scope.setCurrentIndex(dialog.scope.findData("filter"))
    assert "2 photos" in dialog.plan_label.text()
    dialog.scope.setCurrentIndex(dialog.scope.findData("unreviewed"))
    assert "7 photos" in dialog.plan_label.text()
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    left = w.review.session.left_here()
    press(qtbot, w, Qt.Key.Key_Question)
    clock.advance(60.0)
    assert w.review.session.left_here() == pytest.approx(left)
    press(qtbot, w, Qt.Key.Key_Escape)  # closes the help, stays in the review
    assert w.current_view_id() == "review" and not w.filter_bar.isVisible()


def test_a_damaged_saved_review_is_reported_and_a_new_one_can_start(qtbot, review_window):
    w = review_window
    w.session.store.set("review.session", {"version": 1, "entries": "garbage", "started_at": "x", "edits": 0})
    w.session.store.set("review.progress", {"version": 1, "started_at": "x", "edits": 0, "index": 3})
    press(qtbot, w, Qt.Key.Key_R)
    assert "could not be read" in w.statusBar().currentMessage()
    assert w.review.setup_dialog is not None
    w.review.setup_dialog.reject()


def test_the_real_clock_ticks_and_measures_monotonic_seconds(qtbot):
    from culler.ui.review.review_clock import QtClock

    clock = QtClock(tick_ms=10)
    ticks = []
    t0 = clock.now()
    clock.start(lambda: ticks.append(clock.now()))
    qtbot.waitUntil(lambda: len(ticks) >= 3, timeout=2000)
    clock.stop()
    assert ticks == sorted(ticks) and ticks[-1] > t0
    n = len(ticks)
    qtbot.wait(50)
    assert len(ticks) == n  # stopped means stopped
