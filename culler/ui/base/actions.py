"""The one action registry: every keyboard command of the window, its keys, the modes in which
its keys are live, and the keymap overrides.

The window and each feature register their own actions here; key presses are dispatched through
`ActionRegistry.dispatch(event, mode)`, the help overlay and the menus are generated from it, and a
user keymap (JSON: {"action.id": ["Key", ...] | "Key" | []}) replaces an action's default keys.

Modes say where a key means what: the window's mode is the view on screen (grid, loupe, compare,
survey, review) or "dialog" while one of its dialogs has the keyboard. One key may serve several
actions only in different modes (Space: loupe in the views, pause in the review; 1-5: ratings,
but frames in the survey). Two actions on one key in one mode are refused when registered
(`KeyConflict`), and a user keymap entry that would make such a clash is refused with a message.

Destructive actions (flags, ratings, labels) are registered with repeatable=False: holding a key
down applies them once, never a run of auto-repeated decisions.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QKeyCombination, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence

log = logging.getLogger(__name__)

VIEW_MODES = frozenset({"grid", "loupe", "compare", "survey"})
MODES = VIEW_MODES | {"review", "dialog"}
WINDOW_MODES = VIEW_MODES | {"review"}  # the default: live wherever the window has the keyboard


class KeyConflict(ValueError):
    """Two actions bound to one key in one mode."""


_MODIFIER_KEYS = {Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta,
                  Qt.Key.Key_AltGr, Qt.Key.Key_Super_L, Qt.Key.Key_Super_R}


@dataclass
class Action:
    """One command: what it is called, which keys trigger it, and what it does."""

    id: str  # stable name used by keymap files, e.g. "flag.pick"
    label: str  # shown in menus and in the help overlay
    keys: tuple[str, ...]  # portable key names ("P", "Ctrl+Z", "Space", "?")
    handler: Callable[[], object] | None = None  # None: a hook for a view that is not there yet
    repeatable: bool = False  # False: auto-repeated key presses are ignored
    section: str = "General"  # heading in the help overlay
    default_keys: tuple[str, ...] = field(default=(), repr=False)
    enabled_when: Callable[[], bool] | None = None  # e.g. only while a view is shown
    modes: frozenset[str] = WINDOW_MODES  # where its keys are live (menus and trigger ignore modes)

    @property
    def enabled(self) -> bool:
        if self.handler is None:
            return False
        return True if self.enabled_when is None else bool(self.enabled_when())


def normalize_key(text: str) -> str:
    """A key name in the one spelling the registry compares: Qt's portable text.

    Shift is dropped from symbol keys ("Shift+?" -> "?") because the symbol already says it was
    typed with Shift, and keyboards disagree on which symbols need it.
    """
    seq = QKeySequence.fromString(text.strip(), QKeySequence.SequenceFormat.PortableText)
    if seq.isEmpty() or seq.count() != 1:
        raise ValueError(f"not a single key: {text!r}")
    combo = seq[0]
    text = _combination_text(combo.keyboardModifiers(), combo.key())
    if not text or combo.key() == Qt.Key.Key_unknown:
        raise ValueError(f"not a key Qt knows: {text!r}")
    return text


def _combination_text(modifiers, key) -> str:
    modifiers = Qt.KeyboardModifier(modifiers) & ~Qt.KeyboardModifier.KeypadModifier
    key = Qt.Key(key)
    if key == Qt.Key.Key_Backtab:  # what Shift+Tab arrives as
        key, modifiers = Qt.Key.Key_Tab, modifiers | Qt.KeyboardModifier.ShiftModifier
    if _is_symbol(key):
        modifiers &= ~Qt.KeyboardModifier.ShiftModifier
    return QKeySequence(QKeyCombination(modifiers, key)).toString(QKeySequence.SequenceFormat.PortableText)


def _is_symbol(key: Qt.Key) -> bool:
    """Printable keys other than letters, digits and space: their character already implies Shift."""
    code = int(key.value if hasattr(key, "value") else key)
    if not (0x21 <= code <= 0x7E):
        return False
    ch = chr(code)
    return not ch.isalnum()


def event_key(event: QKeyEvent) -> str | None:
    """The portable key name of a key press, or None for a bare modifier."""
    key = Qt.Key(event.key())
    if key in _MODIFIER_KEYS or key == Qt.Key.Key_unknown:
        return None
    return _combination_text(event.modifiers(), key)


def load_keymap(path: Path) -> dict[str, tuple[str, ...]]:
    """Read a keymap JSON file: {"action.id": "Key" | ["Key", ...] | []}. Bad entries are skipped
    with a warning naming the file; a missing file is an empty keymap."""
    path = Path(path)
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("keymap %s ignored: %s", path, exc)
        return {}
    if not isinstance(raw, dict):
        log.warning("keymap %s ignored: expected an object of action ids to keys", path)
        return {}
    keymap: dict[str, tuple[str, ...]] = {}
    for action_id, keys in raw.items():
        if action_id.startswith("_"):  # comments
            continue
        keys = [keys] if isinstance(keys, str) else keys
        try:
            keymap[action_id] = tuple(normalize_key(k) for k in keys)
        except (TypeError, ValueError) as exc:
            log.warning("keymap %s: %s ignored (%s)", path, action_id, exc)
    return keymap


class ActionRegistry:
    """All actions of one window, looked up by id or by key and mode."""

    def __init__(self) -> None:
        self._actions: dict[str, Action] = {}
        self._overrides: dict[str, tuple[str, ...]] = {}
        self._by_key: dict[str, list[str]] = {}
        self.refused: list[str] = []  # keymap entries refused because they would clash
        self.on_change: list[Callable[[], None]] = []

    # -- building
    def register(self, id: str, label: str, keys: Iterable[str] = (), handler=None, *,
                 repeatable: bool = False, section: str = "General", enabled_when=None,
                 modes: Iterable[str] = WINDOW_MODES) -> Action:
        """Add an action. An id is registered once, and its keys may not clash with another
        action's in any of its modes: both raise (a programming error, found at start-up)."""
        if id in self._actions:
            raise KeyConflict(f"action {id!r} is registered twice")
        modes = frozenset(modes)
        if not modes <= MODES:
            raise ValueError(f"action {id!r}: unknown modes {sorted(modes - MODES)}")
        defaults = tuple(normalize_key(k) for k in keys)
        action = Action(id, label, defaults, handler, repeatable, section, defaults, enabled_when, modes)
        clash = self._clash(action, defaults, defaults=True)
        if clash:
            raise KeyConflict(f"{id}: {clash}")
        override = self._overrides.get(id)
        if override is not None:
            clash = self._clash(action, override)
            if clash:
                self._refuse(f"{id}: {clash}")
            else:
                action.keys = override
        self._actions[id] = action
        self._reindex()
        return action

    def set_handler(self, id: str, handler, enabled_when=None) -> None:
        """Give a hook (an action registered without a handler) its handler."""
        action = self._actions[id]
        action.handler = handler
        if enabled_when is not None:
            action.enabled_when = enabled_when
        self._notify()

    def apply_keymap(self, keymap: dict[str, tuple[str, ...]]) -> list[str]:
        """User keys replace defaults; later keymaps win. Unknown ids are kept for actions
        registered later (a view added after the keymap was read). An entry that would put two
        actions on one key in one mode is refused (the action keeps its keys); returns why, one
        line per refused entry."""
        refused, accepted, before = [], {}, {}
        for action_id, keys in keymap.items():
            action = self._actions.get(action_id)
            if action is None:
                self._overrides[action_id] = keys
                continue
            clash = self._clash(action, keys, pending=keymap)
            if clash:
                refused.append(self._refuse(f"{action_id}: {clash}"))
                continue
            accepted[action_id], before[action_id] = keys, action.keys
            action.keys = keys
        # an entry judged against a keys swap that was then refused may clash after all: undo it
        clashing = True
        while clashing:
            clashing = False
            for action_id in list(accepted):
                action = self._actions[action_id]
                clash = self._clash(action, action.keys)
                if clash:
                    action.keys = before[action_id]
                    del accepted[action_id]
                    refused.append(self._refuse(f"{action_id}: {clash}"))
                    clashing = True
        self._overrides.update(accepted)
        self._reindex()
        return refused

    def _refuse(self, why: str) -> str:
        log.warning("keymap entry refused: %s", why)
        self.refused.append(why)
        return why

    def _clash(self, action: Action, keys: Iterable[str], pending: dict | None = None,
               defaults: bool = False) -> str | None:
        """Why `action` may not have `keys`: another action holds one of them in a shared mode.
        `pending`: a keymap being applied, whose keys the other actions are about to take;
        `defaults`: compare with the other actions' default keys (the code's own map)."""
        for other in self._actions.values():
            if other.id == action.id:
                continue
            theirs = other.default_keys if defaults else other.keys
            if pending:
                theirs = pending.get(other.id, theirs)
            shared = set(keys) & set(theirs)
            modes = action.modes & other.modes
            if shared and modes:
                return (f"key {sorted(shared)[0]} is already {other.id!r} in mode "
                        f"{', '.join(sorted(modes))}")
        return None

    # -- looking up
    def __getitem__(self, id: str) -> Action:
        return self._actions[id]

    def __contains__(self, id: str) -> bool:
        return id in self._actions

    def actions(self) -> list[Action]:
        return list(self._actions.values())

    def sections(self) -> dict[str, list[Action]]:
        out: dict[str, list[Action]] = {}
        for a in self._actions.values():
            out.setdefault(a.section, []).append(a)
        return out

    def for_key(self, key: str, mode: str = "grid") -> Action | None:
        """The action bound to `key` in `mode` when it can run now (at most one holds the key there)."""
        for action_id in self._by_key.get(key, ()):
            action = self._actions[action_id]
            if mode in action.modes:
                return action if action.enabled else None
        return None

    def keys_text(self, id: str) -> str:
        """Keys for display: "P", "E, Space"."""
        return ", ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) or k
                         for k in self._actions[id].keys)

    # -- running
    def trigger(self, id: str) -> bool:
        action = self._actions.get(id)
        if action is None or not action.enabled:
            return False
        action.handler()
        return True

    def dispatch(self, event: QKeyEvent, mode: str = "grid") -> bool:
        """Run the action bound to a key press in `mode`; True when the event was consumed.

        An auto-repeated press of a non-repeatable action is consumed and ignored, so holding
        "X" rejects one photo, not a dozen.
        """
        key = event_key(event)
        if key is None:
            return False
        action = self.for_key(key, mode)
        if action is None:
            return False
        if event.isAutoRepeat() and not action.repeatable:
            return True
        action.handler()
        return True

    def _reindex(self) -> None:
        by_key: dict[str, list[str]] = {}
        for a in self._actions.values():
            for k in a.keys:
                by_key.setdefault(k, []).append(a.id)
        self._by_key = by_key
        self._notify()

    def _notify(self) -> None:
        for fn in list(self.on_change):
            fn()
