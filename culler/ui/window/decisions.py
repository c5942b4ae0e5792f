"""The window's decisions: flag, rate and label the current view's photos, undo and redo, and
auto-advance. A mixin of MainWindow (the action registry's handlers call these on the window);
it uses the window's session, model, settings and current view, and says what happened in the
status bar."""

from __future__ import annotations

from culler.core.store import UNSET


class Decisions:
    """MainWindow's decision, undo and auto-advance methods."""

    def decide(self, *, flag=None, rating=None, label=UNSET) -> None:
        """Apply a decision to the view's target photos (the grid's selection, the loupe's photo);
        the view may wrap it (the review moves on after it)."""
        view = self.current_view()
        if view is not None and self.session.store is not None:
            view.decide_with(lambda: self._decide(view, flag, rating, label))

    def _decide(self, view, flag, rating, label) -> None:
        store = self.session.store
        ids = view.target_ids()
        if not ids:
            return
        description = _describe(flag, rating, label, self.model.state.describe(ids))
        current = self.current_id()
        row = self.model.row_of(current)
        try:
            store.decide(ids, flag=flag, rating=rating, label=label, description=description)
        except Exception as exc:  # say so; the previous decision is still saved
            self.show_message(f"Could not save the decision: {exc}", 8000)
            return
        if self.model.row_of(current) < 0:
            # the photo left the filter: the one that took its place becomes current
            if self.model.rowCount():
                self.set_current(self.model.id_at(min(row, self.model.rowCount() - 1)))
        elif self.settings.auto_advance and len(ids) == 1:
            view.move("next")
        self.show_message(description)

    def toggle_label(self, label: str) -> None:
        view = self.current_view()
        if view is None or self.model.state is None:
            return
        ids = view.target_ids()
        same = ids and all(self.model.state.decision(i).label == label for i in ids)
        self.decide(label=None if same else label)

    def undo(self) -> None:
        self._travel(undo=True)

    def redo(self) -> None:
        self._travel(undo=False)

    def _travel(self, undo: bool) -> None:
        store = self.session.store
        if store is None:
            return
        description = store.undo_description() if undo else store.redo_description()
        ids = store.undo() if undo else store.redo()
        if not ids:
            self.show_message("Nothing to undo" if undo else "Nothing to redo")
            return
        self.show_message(f"{'Undone' if undo else 'Redone'}: {description or 'the last change'}", 6000)
        if len(ids) == 1 and self.model.row_of(ids[0]) >= 0:
            self.set_current(ids[0])  # show the photo that changed back

    def toggle_auto_advance(self) -> None:
        self.set_auto_advance(not self.settings.auto_advance)

    def set_auto_advance(self, on: bool) -> None:
        self.settings.auto_advance = bool(on)
        self.settings.save()
        self.auto_label.setVisible(self.settings.auto_advance)
        self.update_menu_check("mode.auto_advance")
        self.show_message("Auto-advance on" if on else "Auto-advance off")


def _describe(flag, rating, label, what: str) -> str:
    """The decision in words, for the status bar and Edit > Undo: "Pick IMG_0001.jpg", "3 stars on
    12 photos", "Reject, red label on IMG_0001.jpg"."""
    parts = []
    if flag is not None:
        parts.append({"pick": "Pick", "reject": "Reject", "none": "Unflag"}[flag])
    if rating is not None:
        parts.append(f"{rating} star{'s' if rating != 1 else ''}" if rating else "no rating")
    if label is not UNSET:
        parts.append(f"{label.lower()} label" if label else "no label")
    text = ", ".join(parts)
    text = text[:1].upper() + text[1:]
    return f"{text} {what}" if len(parts) == 1 and flag is not None else f"{text} on {what}"
