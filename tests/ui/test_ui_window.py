"""The main window driven by real key presses on a real album, with the real Store."""

from __future__ import annotations

import json

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QTextDocument
from PySide6.QtWidgets import QApplication

from culler.core.records import GroupRow
from tests.ui.album_factory import BROKEN, open_window


def key(qtbot, window, k, modifier=Qt.KeyboardModifier.NoModifier):
    target = QApplication.focusWidget() or window.current_view() or window
    qtbot.keyClick(target, k, modifier)


def plain_text(html):
    doc = QTextDocument()
    doc.setHtml(html)
    return doc.toPlainText()


def names(window, ids):
    return [window.model.state.name(i) for i in ids]


def current_name(window):
    return window.model.state.name(window.current_id())


def decision_of(window, name):
    store = window.session.store
    pid = next(p.id for p in store.photos() if p.path == name)
    return store.decision(pid)


def test_grid_lists_the_album_with_the_unreadable_file_and_its_reason(window):
    assert window.current_view_id() == "grid"
    assert window.model.rowCount() == 9
    broken = next(i for i in window.model.ids if window.model.state.name(i) == BROKEN)
    index = window.model.index_of(broken)
    tooltip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert "Unreadable:" in tooltip and "truncated" in tooltip
    assert window.filter_bar.buttons["all"].text().endswith("9")


def test_decision_keys_apply_to_every_selected_photo_as_one_undo_step(qtbot, window):
    key(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)  # the view's own selection keys
    key(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert names(window, window.grid.target_ids()) == ["IMG_0001.jpg", "IMG_0002.jpg", "IMG_0003.jpg"]
    key(qtbot, window, Qt.Key.Key_X)
    assert all(decision_of(window, f"IMG_000{i}.jpg").flag == "reject" for i in (1, 2, 3))
    assert decision_of(window, "IMG_0004.jpg").flag == "none"
    assert window.filter_bar.buttons["rejects"].text().endswith("3")
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert all(decision_of(window, f"IMG_000{i}.jpg").flag == "none" for i in (1, 2, 3))
    assert window.statusBar().currentMessage() == "Undone: Reject 3 photos"  # reads as a sentence


def test_auto_advance_moves_on_after_each_decision(qtbot, window):
    key(qtbot, window, Qt.Key.Key_CapsLock)
    assert window.settings.auto_advance and window.auto_label.isVisible()
    key(qtbot, window, Qt.Key.Key_P)
    key(qtbot, window, Qt.Key.Key_4)
    assert decision_of(window, "IMG_0001.jpg").flag == "pick"
    assert decision_of(window, "IMG_0002.jpg").rating == 4
    assert current_name(window) == "IMG_0003.jpg"
    key(qtbot, window, Qt.Key.Key_CapsLock)
    key(qtbot, window, Qt.Key.Key_X)
    assert current_name(window) == "IMG_0003.jpg"


def test_held_down_reject_key_rejects_one_photo(qtbot, window):
    key(qtbot, window, Qt.Key.Key_CapsLock)  # auto-advance on: repeats would reject a run of photos
    target = window.current_view()
    QApplication.sendEvent(target, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_X, Qt.KeyboardModifier.NoModifier, "x"))
    for _ in range(4):
        QApplication.sendEvent(target, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_X,
                                                 Qt.KeyboardModifier.NoModifier, "x", True))
    flags = [decision_of(window, f"IMG_000{i}.jpg").flag for i in range(1, 6)]
    assert flags == ["reject", "none", "none", "none", "none"]
    assert current_name(window) == "IMG_0002.jpg"


def test_label_keys_toggle_and_filters_show_counts(qtbot, window):
    key(qtbot, window, Qt.Key.Key_6)
    assert decision_of(window, "IMG_0001.jpg").label == "Red"
    key(qtbot, window, Qt.Key.Key_Right)
    key(qtbot, window, Qt.Key.Key_9)
    key(qtbot, window, Qt.Key.Key_3)
    key(qtbot, window, Qt.Key.Key_Right)
    key(qtbot, window, Qt.Key.Key_9)
    key(qtbot, window, Qt.Key.Key_9)  # again: clears it
    assert decision_of(window, "IMG_0002.jpg").label == "Blue"
    assert decision_of(window, "IMG_0003.jpg").label is None
    window.filter_bar.label.setCurrentText("Blue")
    assert names(window, window.model.ids) == ["IMG_0002.jpg"]
    window.filter_bar.label.setCurrentText("any")
    window.filter_bar.rating.setCurrentIndex(3)
    assert names(window, window.model.ids) == ["IMG_0002.jpg"]
    assert "rated 3+" in window.filter_bar.summary.text()


def test_help_overlay_lists_every_registered_action(qtbot, window):
    key(qtbot, window, "?")
    assert window.help.isVisible()
    text = plain_text(window.help.text.text())
    for action in window.registry.actions():
        assert action.label in text
    assert "Compare" in text
    # hooks for views not added yet are marked as coming; once every view is in, none is
    assert ("(coming)" in text) == any(a.handler is None for a in window.registry.actions())
    key(qtbot, window, Qt.Key.Key_P)  # keys do not act behind the overlay
    assert decision_of(window, "IMG_0001.jpg").flag == "none"
    key(qtbot, window, Qt.Key.Key_Escape)
    assert not window.help.isVisible()


def test_user_keymap_overrides_default_keys(qtbot, ctx, album, tmp_path):
    (tmp_path / "home" / "config").mkdir(parents=True)
    (tmp_path / "home" / "config" / "keymap.json").write_text(json.dumps({"flag.reject": "D"}))
    override = tmp_path / "mine.json"
    override.write_text(json.dumps({"flag.pick": ["J"]}))
    window = open_window(qtbot, ctx, album, keymap_files=[override])
    try:
        key(qtbot, window, Qt.Key.Key_P)
        assert decision_of(window, "IMG_0001.jpg").flag == "none"
        key(qtbot, window, Qt.Key.Key_J)
        assert decision_of(window, "IMG_0001.jpg").flag == "pick"
        key(qtbot, window, Qt.Key.Key_D)
        assert decision_of(window, "IMG_0001.jpg").flag == "reject"
        key(qtbot, window, "?")
        assert "J\nPick\nD\nReject" in plain_text(window.help.text.text())
    finally:
        window.close()


def test_scores_and_suggestions_show_as_advice_not_decisions(qtbot, window):
    store = window.session.store
    ids = [p.id for p in store.photos()][:3]
    store.put_scores({ids[0]: (0.91, 0.8), ids[1]: (0.42, 0.7), ids[2]: (0.2, 0.5)})
    store.put_groups([GroupRow(ids[0], "g1", 3, 1, "pick", ["sharpest of 3"], "burst"),
                      GroupRow(ids[1], "g1", 3, 2, None, [], "burst"),
                      GroupRow(ids[2], "g1", 3, 3, "reject", ["eyes closed (1 of 1 faces)"], "burst")])
    window.session.refresh_analysis()
    tip = window.model.index_of(ids[0]).data(Qt.ItemDataRole.ToolTipRole)
    assert "Score 91" in tip and "Suggested pick: sharpest of 3" in tip and "#1 of 3" in tip
    assert store.decision(ids[0]).flag == "none"  # a suggestion is not a decision
    window.filter_bar.buttons["picks"].click()
    assert window.model.rowCount() == 0


def test_loupe_shows_the_photo_its_shooting_data_and_zooms(qtbot, window):
    key(qtbot, window, Qt.Key.Key_E)
    assert window.current_view_id() == "loupe"
    with qtbot.waitSignal(window.loupe.canvas.painted, timeout=10_000):
        window.loupe.canvas.update()
    assert window.loupe.canvas.fitted is not None
    assert "Culler Test Camera" in window.loupe.exif_label.text()
    assert "1 of 9" in window.loupe.name_label.text()
    key(qtbot, window, Qt.Key.Key_Right)
    key(qtbot, window, Qt.Key.Key_P)  # in the loupe a decision applies to the photo shown
    assert decision_of(window, "IMG_0002.jpg").flag == "pick"
    assert decision_of(window, "IMG_0001.jpg").flag == "none"
    key(qtbot, window, Qt.Key.Key_Z)
    assert window.loupe.canvas.zoomed
    qtbot.waitUntil(lambda: window.loupe.canvas.full is not None, timeout=10_000)
    key(qtbot, window, Qt.Key.Key_Escape)
    assert not window.loupe.canvas.zoomed
    key(qtbot, window, Qt.Key.Key_Space)
    assert window.current_view_id() == "grid"
    assert current_name(window) == "IMG_0002.jpg"


def test_loupe_stops_suggesting_a_pick_once_the_user_has_picked_it(qtbot, window):
    store = window.session.store
    ids = [p.id for p in store.photos()][:2]
    store.put_groups([GroupRow(ids[0], "g1", 2, 1, "pick", ["sharpest of 2"], "burst"),
                      GroupRow(ids[1], "g1", 2, 2, "reject", ["blurred"], "burst")])
    window.session.refresh_analysis()
    key(qtbot, window, Qt.Key.Key_E)
    assert current_name(window) == "IMG_0001.jpg"
    advice = window.loupe.advice_label
    assert "suggested pick?" in plain_text(advice.text()) and "sharpest of 2" in plain_text(advice.text())
    key(qtbot, window, Qt.Key.Key_P)  # the user follows the suggestion
    assert decision_of(window, "IMG_0001.jpg").flag == "pick"
    assert "suggested" not in plain_text(advice.text())
    assert "sharpest of 2" in plain_text(advice.text())  # the reasons stay
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undone: advice again
    assert "suggested pick?" in plain_text(advice.text())
    key(qtbot, window, Qt.Key.Key_X)  # a decision replaces the advice, whichever way it goes
    assert "suggested" not in plain_text(advice.text()) and "Rejected" in plain_text(window.loupe.decision_label.text())


def test_loupe_names_an_unreadable_photo_instead_of_stopping(qtbot, window):
    key(qtbot, window, Qt.Key.Key_End)
    assert current_name(window) == BROKEN
    key(qtbot, window, Qt.Key.Key_E)
    assert "Unreadable" in window.loupe.canvas.message and "truncated" in window.loupe.canvas.message
    key(qtbot, window, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: window.loupe.canvas.fitted is not None, timeout=10_000)
    assert window.loupe.canvas.message == ""


def test_empty_state_when_no_album(qtbot, ctx):
    window = open_window(qtbot, ctx, None)
    try:
        assert window.current_view() is None
        assert window.empty.open_button.isVisible()
        key(qtbot, window, Qt.Key.Key_P)  # nothing to decide on: no error
        key(qtbot, window, Qt.Key.Key_E)
        assert window.current_view() is None
    finally:
        window.close()


def test_analysis_runs_on_open_and_names_missing_model_files_without_blocking(qtbot, ctx, album):
    window = open_window(qtbot, ctx, album, signals="all", analyse=True)
    idle = []
    window.analysis_idle.connect(lambda: idle.append(True))  # the analysis waits for the thumbnails
    try:
        banner = window.models.banner
        qtbot.waitUntil(banner.isVisible, timeout=60_000)
        text = banner.label.text()
        assert "AI models not installed (quality, aesthetics, similarity)" in text
        assert banner.get.text() == "Get models…"
        key(qtbot, window, Qt.Key.Key_P)  # the window works while the analysis runs
        assert decision_of(window, "IMG_0001.jpg").flag == "pick"
        qtbot.waitUntil(lambda: bool(idle), timeout=120_000)
        assert window.analysis_status.isVisible()
    finally:
        window.close()


def test_help_menu_opens_about_with_version_and_licences(window, qtbot):
    from PySide6.QtWidgets import QDialog, QLabel, QTableWidget

    import culler

    help_menu = next(m for m in window.menuBar().actions() if m.text() == "&Help").menu()
    next(a for a in help_menu.actions() if a.text().startswith("About")).trigger()
    dialog = window.findChild(QDialog, "about_dialog")
    assert dialog is not None and dialog.isVisible()
    assert any(culler.__version__ in label.text() for label in dialog.findChildren(QLabel))
    table = dialog.findChild(QTableWidget)
    names = {table.item(r, 0).text().lower() for r in range(table.rowCount())}
    assert {"torch", "pyiqa", "open_clip_torch", "opencv-python-headless"} <= names
    assert any(n.startswith("pyside6") for n in names)
    dialog.close()


def test_a_sidecar_rated_elsewhere_shows_on_reopen_without_rebuilding_the_grid(qtbot, ctx, album):
    from culler.core.records import Decision
    from culler.core.xmp import write_sidecar

    first = open_window(qtbot, ctx, album)
    key(qtbot, first, Qt.Key.Key_Right)
    assert current_name(first) == "IMG_0002.jpg"
    key(qtbot, first, Qt.Key.Key_2)  # IMG_0002 rated here; IMG_0003 never touched in culler
    first.close()
    write_sidecar(album / "IMG_0003.xmp", Decision("pick", 5, "Green"))  # Lightroom, meanwhile

    again = open_window(qtbot, ctx, album)
    resets = []
    again.model.modelReset.connect(lambda: resets.append(True))
    qtbot.waitUntil(lambda: decision_of(again, "IMG_0003.jpg") == Decision("pick", 5, "Green"), timeout=10_000)
    shown = next(i for i in again.model.ids if again.model.state.name(i) == "IMG_0003.jpg")
    qtbot.waitUntil(lambda: again.model.state.decision(shown).rating == 5, timeout=5_000)  # the grid shows it
    assert decision_of(again, "IMG_0002.jpg").rating == 2
    assert current_name(again) == "IMG_0002.jpg" and resets == []  # the user's place was kept
    again.close()


def test_features_add_a_strip_under_a_view_and_a_control_to_the_filter_bar(qtbot, window):
    from PySide6.QtWidgets import QLabel, QLineEdit

    strip, field = QLabel("a feature's strip"), QLineEdit(placeholderText="a feature's field")
    window.add_view_panel("loupe", strip)
    window.add_filter_control(field)
    assert strip.parentWidget() is window.views["loupe"]
    bar = window.filter_bar
    assert bar.features_row.indexOf(field) == bar.features_row.count() - 2  # the last, before the stretch
    qtbot.waitUntil(field.isVisible)
    assert field.geometry().top() > bar.best.geometry().bottom()  # on the features' row, under the built-ins
    assert window.minimumSizeHint().width() <= 1100  # every feature's control in, the window still fits
    key(qtbot, window, Qt.Key.Key_E)  # the loupe, with the strip under the photo
    assert window.current_view_id() == "loupe" and strip.isVisible()
