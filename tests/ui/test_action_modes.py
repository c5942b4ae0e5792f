"""Modes of the action registry: one key may mean different things in different modes, never two
things in one mode (refused at registration, and in a user's keymap with a message)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent

from culler.ui.base.actions import VIEW_MODES, ActionRegistry, KeyConflict
from tests.ui.album_factory import make_album, make_ctx, open_window


def _press(key, text=""):
    return QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier, text)


def test_two_actions_on_one_key_in_one_mode_are_refused(qapp):
    registry = ActionRegistry()
    registry.register("view.loupe", "Loupe", ["Space"], lambda: None, modes=VIEW_MODES)
    with pytest.raises(KeyConflict, match="key Space is already 'view.loupe' in mode grid"):
        registry.register("other.pause", "Pause", ["Space"], lambda: None, modes={"grid", "review"})
    assert "other.pause" not in registry
    with pytest.raises(KeyConflict, match="registered twice"):
        registry.register("view.loupe", "Loupe again", ["E"], lambda: None)


def test_one_key_runs_the_action_of_the_current_mode(qapp):
    registry, calls = ActionRegistry(), []
    registry.register("view.loupe", "Loupe", ["Space"], lambda: calls.append("loupe"), modes=VIEW_MODES)
    registry.register("review.pause", "Pause", ["Space"], lambda: calls.append("pause"), modes={"review"})
    registry.register("survey.frame_1", "Frame 1", ["1"], lambda: calls.append("frame"), modes={"survey"})
    registry.register("rating.1", "One star", ["1"], lambda: calls.append("star"), modes={"grid", "loupe"})
    assert registry.dispatch(_press(Qt.Key.Key_Space, " "), "grid")
    assert registry.dispatch(_press(Qt.Key.Key_Space, " "), "review")
    assert registry.dispatch(_press(Qt.Key.Key_1, "1"), "survey")
    assert registry.dispatch(_press(Qt.Key.Key_1, "1"), "loupe")
    assert not registry.dispatch(_press(Qt.Key.Key_1, "1"), "review")  # neither is live there
    assert not registry.dispatch(_press(Qt.Key.Key_Space, " "), "dialog")
    assert calls == ["loupe", "pause", "frame", "star"]


def test_a_keymap_entry_that_would_clash_is_refused_and_the_keys_stay(qapp, caplog):
    registry, calls = ActionRegistry(), []
    registry.register("flag.pick", "Pick", ["P"], lambda: calls.append("pick"))
    registry.register("flag.reject", "Reject", ["X"], lambda: calls.append("reject"))
    refused = registry.apply_keymap({"flag.pick": ("X",)})
    assert refused == ["flag.pick: key X is already 'flag.reject' in mode compare, grid, loupe, review, survey"]
    assert "keymap entry refused" in caplog.text
    assert registry["flag.pick"].keys == ("P",)
    # swapping two keys in one keymap is fine: the clash is judged against the keymap's own keys
    assert registry.apply_keymap({"flag.pick": ("X",), "flag.reject": ("P",)}) == []
    registry.dispatch(_press(Qt.Key.Key_X, "x"), "grid")
    assert calls == ["pick"]


def test_the_window_says_which_keymap_entries_it_refused(qtbot, tmp_path):
    album = make_album(tmp_path / "album", n=2)
    keymap = tmp_path / "mine.json"
    keymap.write_text(json.dumps({"flag.pick": ["X"], "flag.unflag": ["J"]}))
    window = open_window(qtbot, make_ctx(tmp_path / "home"), album, keymap_files=[keymap])
    try:
        assert "flag.pick: key X is already 'flag.reject'" in window.notice.label.text()
        assert window.registry["flag.pick"].keys == ("P",) and window.registry["flag.unflag"].keys == ("J",)
    finally:
        window.close()


def test_a_keymap_never_leaves_two_actions_on_one_key(qapp):
    """b takes a's key, but a's own new key clashes with c and is refused: a keeps its key, so b's
    entry must be refused too, or a and b would share it."""
    registry = ActionRegistry()
    registry.register("a", "A", ["K"], lambda: None)
    registry.register("b", "B", ["L"], lambda: None)
    registry.register("c", "C", ["M"], lambda: None)
    refused = registry.apply_keymap({"a": ("M",), "b": ("K",)})
    assert [line.split(":")[0] for line in refused] == ["a", "b"]
    assert [registry[i].keys for i in "abc"] == [("K",), ("L",), ("M",)]
