"""The menu bar, generated from the action registry. Menu items show each action's keys but do
not own them (the keys go through the registry's one dispatcher, which knows about auto-repeat).

The window lays out its own entries; features declare theirs (`Feature.menu_items()`): a list for
a slot ("@File", "@Photo", "@View", "@View.end") lands at that place in the window's menus, and a
whole menu (its title, e.g. "&Groups") is added before Help. Absent features leave no trace."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

MENUS = {
    "&File": ["album.open", "@recent", None, "@File", None,
              "analysis.start", "analysis.cancel", "@analyse_on_open", None, "app.quit"],
    "&Edit": ["edit.undo", "edit.redo", None, "edit.select_all"],
    "&Photo": ["flag.pick", "flag.reject", "flag.unflag", None, "rating.0", "rating.1", "rating.2",
               "rating.3", "rating.4", "rating.5", None, "label.red", "label.yellow", "label.green",
               "label.blue", "label.purple", None, "@Photo"],
    "&View": ["view.grid", "view.loupe", "view.zoom", "@View", "@View.end", None,
              "sort.time", "sort.name", "sort.score", None, "view.larger", "view.smaller", None,
              "filter.all", "filter.picks", "filter.rejects", "filter.unflagged", "filter.rated_0", "filter.rated_1",
              "filter.rated_2", "filter.rated_3", "filter.rated_4", "filter.rated_5", "filter.clear",
              None, "nav.next", "nav.prev", "nav.first", "nav.last", None, "mode.auto_advance", "help.show"],
    "&Help": ["help.show", "help.about"],
}


def menu_layout(features) -> dict[str, list]:
    """The window's menus with the features' entries in their slots and their menus before Help."""
    slots: dict[str, list] = {}
    menus = {title: items for title, items in MENUS.items() if title != "&Help"}
    for feature in features:
        for where, items in feature.menu_items().items():
            if where.startswith("@"):
                slots.setdefault(where, []).extend(items)
            else:
                menus[where] = list(items)
    menus["&Help"] = MENUS["&Help"]
    return {title: _fill_slots(items, slots) for title, items in menus.items()}


def _fill_slots(items: list, slots: dict[str, list]) -> list:
    out = []
    for item in items:
        if isinstance(item, str) and item.startswith("@") and item[1:2].isupper():  # a features' slot
            out += slots.get(item, [])
        else:
            out.append(item)
    return out


def _text(registry, action_id: str) -> str:
    keys = registry.keys_text(action_id)
    label = registry[action_id].label
    return f"{label}\t{keys}" if keys else label


def build_menus(w) -> dict[str, QAction]:
    """Create the menu bar of MainWindow `w`; returns the QActions by action id."""
    registry = w.registry
    actions: dict[str, QAction] = {}
    for title, items in menu_layout(w.features).items():
        menu = w.menuBar().addMenu(title)
        for item in items:
            if item is None:
                menu.addSeparator()
            elif item == "@recent":
                recent = menu.addMenu("Open &recent")
                recent.aboutToShow.connect(lambda m=recent: _fill_recent(w, m))
            elif item == "@analyse_on_open":
                a = menu.addAction("Analyse when an album opens")
                a.setCheckable(True)
                a.setChecked(w.settings.analyse_on_open)
                a.toggled.connect(lambda on: _set_analyse_on_open(w, on))
            elif item in registry:
                a = menu.addAction(_text(registry, item))
                a.setObjectName(f"menu_{item}")
                if item in w.checkable:  # id -> whether it is on now (the action's handler toggles it)
                    is_on = w.checkable[item]
                    a.setCheckable(True)
                    a.setChecked(is_on())
                    a.toggled.connect(lambda on, i=item, is_on=is_on: registry.trigger(i) if on != is_on() else None)
                else:
                    a.triggered.connect(lambda _=False, i=item: registry.trigger(i))
                actions[item] = a
        menu.aboutToShow.connect(lambda m=menu: _refresh(w, m, actions))
    return actions


def _refresh(w, menu: QMenu, actions: dict[str, QAction]) -> None:
    """Enable what can run now; name what Undo/Redo would do."""
    store = w.session.store
    for action_id, a in actions.items():
        a.setEnabled(w.registry[action_id].enabled)
        a.setText(_text(w.registry, action_id))
        if action_id in w.checkable:
            a.setChecked(w.checkable[action_id]())
    if store is not None:
        for action_id, describe in (("edit.undo", store.undo_description), ("edit.redo", store.redo_description)):
            what = describe()
            base = "Undo" if action_id == "edit.undo" else "Redo"
            keys = w.registry.keys_text(action_id)
            actions[action_id].setText(f"{base} {what}\t{keys}" if what else f"{base}\t{keys}")
            actions[action_id].setEnabled(bool(what))


def _fill_recent(w, menu: QMenu) -> None:
    menu.clear()
    for path in w.settings.recent_albums:
        a = menu.addAction(path)
        a.setEnabled(Path(path).is_dir())
        a.triggered.connect(lambda _=False, p=path: w.open_album(Path(p)))
    if not w.settings.recent_albums:
        menu.addAction("No recent albums").setEnabled(False)


def _set_analyse_on_open(w, on: bool) -> None:
    w.settings.analyse_on_open = on
    w.session.analyse = on
    w.settings.save()
