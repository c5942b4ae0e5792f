"""The action registry: key names, keymap files, auto-repeat of destructive keys."""

from __future__ import annotations

import json

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent

from culler.ui.base.actions import ActionRegistry, load_keymap, normalize_key


def _press(key, modifiers=Qt.KeyboardModifier.NoModifier, text="", autorepeat=False):
    return QKeyEvent(QEvent.Type.KeyPress, key, modifiers, text, autorepeat)


def test_keys_are_compared_in_one_spelling(qapp):
    assert normalize_key("shift+?") == "?"
    assert normalize_key("ctrl+shift+z") == "Ctrl+Shift+Z"
    assert normalize_key("p") == "P"
    assert normalize_key("CapsLock") == "CapsLock"


def test_question_mark_typed_with_shift_triggers_help(qapp):
    registry, calls = ActionRegistry(), []
    registry.register("help.show", "Help", ["?"], lambda: calls.append("help"))
    assert registry.dispatch(_press(Qt.Key.Key_Question, Qt.KeyboardModifier.ShiftModifier, "?"))
    assert registry.dispatch(_press(Qt.Key.Key_Question, text="?"))
    assert calls == ["help", "help"]


def test_held_down_destructive_key_acts_once_but_moves_repeat(qapp):
    registry, calls = ActionRegistry(), []
    registry.register("flag.reject", "Reject", ["X"], lambda: calls.append("reject"))
    registry.register("nav.next", "Next", ["Right"], lambda: calls.append("next"), repeatable=True)
    registry.dispatch(_press(Qt.Key.Key_X, text="x"))
    for _ in range(5):
        assert registry.dispatch(_press(Qt.Key.Key_X, text="x", autorepeat=True))  # consumed, ignored
        registry.dispatch(_press(Qt.Key.Key_Right, autorepeat=True))
    assert calls.count("reject") == 1
    assert calls.count("next") == 5


def test_keymap_file_replaces_defaults_and_reports_bad_entries(qapp, tmp_path, caplog):
    path = tmp_path / "keymap.json"
    path.write_text(json.dumps({"flag.pick": "K", "flag.reject": ["Shift+X", "Delete"],
                                "rating.1": ["not a key at all+++"], "_comment": "ignored"}))
    keymap = load_keymap(path)
    assert keymap["flag.pick"] == ("K",)
    assert keymap["flag.reject"] == ("Shift+X", "Del")
    assert "rating.1" not in keymap and "keymap" in caplog.text

    registry, calls = ActionRegistry(), []
    registry.apply_keymap(keymap)  # read before the action exists (a view added later)
    registry.register("flag.pick", "Pick", ["P"], lambda: calls.append("pick"))
    assert not registry.dispatch(_press(Qt.Key.Key_P, text="p"))
    assert registry.dispatch(_press(Qt.Key.Key_K, text="k"))
    assert calls == ["pick"]


def test_a_broken_keymap_file_is_ignored(qapp, tmp_path):
    path = tmp_path / "keymap.json"
    path.write_text("{not json")
    assert load_keymap(path) == {}
    assert load_keymap(tmp_path / "missing.json") == {}


def test_hooks_without_a_view_are_listed_but_do_nothing(qapp):
    registry = ActionRegistry()
    registry.register("view.compare", "Compare", ["C"], None, section="View")
    assert not registry["view.compare"].enabled
    assert not registry.dispatch(_press(Qt.Key.Key_C, text="c"))
    calls = []
    registry.set_handler("view.compare", lambda: calls.append("compare"))
    assert registry.dispatch(_press(Qt.Key.Key_C, text="c")) and calls == ["compare"]


def test_shipped_default_keymap_matches_the_registry(qtbot, tmp_path):
    """resources/keymap.json is the template users copy: it must list every action's real keys."""
    from culler.context import resources_dir
    from tests.ui.album_factory import make_ctx, open_window

    window = open_window(qtbot, make_ctx(tmp_path), None)
    try:
        shipped = load_keymap(resources_dir() / "keymap.json")
        assert shipped == {a.id: a.default_keys for a in window.registry.actions()}
    finally:
        window.close()
