"""Groups in the window: stacks in the grid, the group keys, the compare and survey views and the
grouping panel. `GroupFeatures(host)` is made once by the window (a `Feature`, see base/host.py),
which puts its views in the stack, wires its `stacks` into the model and itself into the grid as
the cells' decoration, and asks it for its actions before keymaps and menus are built.

Keys (see also the docstrings of core/group_navigation.py, views/compare_view.py, views/survey_view.py):
  Tab / Shift+Tab   next / previous group of 2+ frames (grid, loupe, compare, survey)
  ] / [             next / previous frame of the current group (expands its stack)
  S                 expand / collapse the current stack (or click the stack badge)
  Shift+S           stack the groups that arrived while you worked (the filter bar offers it),
                    else expand every stack (when any is collapsed), else collapse them all
  A                 accept the suggestions of the current group (grid: of every selected
                    photo's group); unflagged frames take them, your own flags stay; one undo step
  Shift+A           accept the suggestion of the current photo (grid: every selected photo)
  C / N             compare / survey (again: back to the view you came from)
  1-9 (survey)      make frame 1-9 the active one: decision keys then apply to it
  Z (compare)       both sides to 100 % at the same point; Esc or Z again: fit
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QToolButton

from culler.core.group_navigation import (
    GroupIndex,
    IndexCache,
    Stacks,
    decisions_summary,
    describe_group,
    step_group,
    step_within,
    suggested_changes,
)
from culler.ui.base import theme
from culler.ui.imaging.frame_images import FrameImages
from culler.ui.views.compare_view import CompareView
from culler.ui.views.survey_view import SurveyView

STACK_EDGE = QColor("#8c8c8c")


class GroupFeatures(QObject):
    regroup_idle = Signal()  # the grouping panel's regroup finished writing to the store

    def __init__(self, window) -> None:
        """`window`: a FeatureHost."""
        super().__init__(window)
        self.w = window
        self.cache = IndexCache()
        self.stacks = Stacks(self.cache, window.model)
        self.badge_rects: dict[int, QRectF] = {}  # where each stack badge was last painted
        self.badges: dict[int, tuple[str, str]] = {}  # (count, decisions inside) each stack last showed
        self.images = FrameImages(window.pool, parent=self)
        self.compare = CompareView(window, self.images, self)
        self.survey = SurveyView(window, self.images, self)
        self.panel = None  # GroupingPanel, made on first use
        self._came_from: dict[str, str] = {}
        self._before_layout: int | None = None
        self.registry = None
        # new groups are offered, never applied under the user (core/group_navigation.py: held)
        self.offer = QToolButton(objectName="stacksOffer")
        self.offer.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.offer.setToolTip("Groups found by the analysis are shown expanded until you stack them")
        self.offer.clicked.connect(self.toggle_all_stacks)
        self.offer.hide()
        self._offered = 0
        window.add_filter_control(self.offer)
        window.model.layoutAboutToBeChanged.connect(self._remember_current)
        window.model.layoutChanged.connect(self._keep_current)
        for signal in (window.model.layoutChanged, window.model.modelReset, window.model.dataChanged):
            signal.connect(self._update_offer)  # new groups repaint every cell without a new layout
        window.decisions_changed.connect(self.compare.decisions_changed)
        window.decisions_changed.connect(self.survey.decisions_changed)

    # -- Feature
    def views(self) -> list:
        return [self.compare, self.survey]

    def checkable(self) -> dict:
        return {}

    def menu_items(self) -> dict:
        return {"@View": ["view.compare", "view.survey"], "@View.end": ["group.settings"],
                "&Groups": ["group.next", "group.prev", "group.next_in", "group.prev_in", None, "group.accept",
                            "group.accept_photo", "group.accept_all", None, "group.stack", "group.stacks"]}

    # -- shared by the views
    def index(self):
        state = self.w.model.state
        return GroupIndex() if state is None else self.cache.get(state)

    def filtered_members(self, photo_id: int) -> list[int]:
        """The photo's group in capture order, limited to what the filter's flag/rating/label let
        through (the photo itself always included)."""
        state, photo_filter = self.w.model.state, self.w.model.filter
        return [m for m in self.index().members_of(photo_id)
                if m == photo_id or photo_filter.accepts(state.decision(m))]

    def shown_for(self, photo_id: int | None) -> int | None:
        """`photo_id` if the grid shows it, else the frame its collapsed stack shows."""
        model = self.w.model
        if photo_id is None or model.row_of(photo_id) >= 0:
            return photo_id
        index = self.index()
        for m in index.by_rank(index.members_of(photo_id)):
            if model.row_of(m) >= 0:
                return m
        return None

    def reveal(self, photo_id: int) -> bool:
        """Expand the stack hiding `photo_id`; True when the grid shows it."""
        gid = self.index().group_of(photo_id)
        if self.w.model.row_of(photo_id) < 0 and self.stacks.is_collapsed(gid):
            self.stacks.expanded.add(gid)
            self._restack(self.w.current_id())
        return self.w.model.row_of(photo_id) >= 0

    def _remember_current(self, *_args) -> None:
        self._before_layout = self.w.current_id()

    def _keep_current(self, *_args) -> None:
        """New groups collapsed the current photo into a stack: its stack's frame becomes current."""
        before, self._before_layout = self._before_layout, None
        if before is not None and self.w.current_id() is None:
            shown = self.shown_for(before)
            if shown is not None:
                self.w.set_current(shown)

    def _update_offer(self, *_args) -> None:
        n = len(self.stacks.held)
        if n == self._offered:
            return
        self._offered = n
        if n:
            keys = self.registry.keys_text("group.stacks") if self.registry is not None else ""
            self.offer.setText(f"{n} group{'s' if n != 1 else ''} ready — show stacks"
                               + (f" ({keys})" if keys else ""))
        self.offer.setVisible(bool(n))

    def register_actions(self, registry) -> None:
        self.registry = registry
        w = self.w
        has_album = lambda: w.model.state is not None  # noqa: E731
        r = registry.register
        r("group.next", "Next group (of 2 or more frames)", ["Tab"], lambda: self.step_group(True),
          section="Groups", enabled_when=has_album, repeatable=True)
        r("group.prev", "Previous group", ["Shift+Tab"], lambda: self.step_group(False),
          section="Groups", enabled_when=has_album, repeatable=True)
        r("group.prev_in", "Previous frame of the group", ["["], lambda: self.step_within(-1),
          section="Groups", enabled_when=has_album, repeatable=True)
        r("group.next_in", "Next frame of the group (expands its stack)", ["]"], lambda: self.step_within(1),
          section="Groups", enabled_when=has_album, repeatable=True)
        r("group.accept", "Accept the group's suggestions (your flags stay)", ["A"], self.accept_group,
          section="Groups", enabled_when=has_album)
        r("view.compare", "Compare two frames (again: back)", ["C"], lambda: self.toggle_view("compare"),
          section="View", enabled_when=has_album)
        r("view.survey", "Survey the whole group (again: back)", ["N"], lambda: self.toggle_view("survey"),
          section="View", enabled_when=has_album)
        r("group.accept_photo", "Accept this photo's suggestion (grid: the selected photos')", ["Shift+A"],
          self.accept_photos, section="Groups", enabled_when=has_album)
        r("group.accept_all", "Accept the suggestions of every group", [], self.accept_all,
          section="Groups", enabled_when=has_album)
        r("group.stack", "Expand / collapse this stack", ["S"], self.toggle_stack, section="Groups",
          enabled_when=lambda: has_album() and w.current_view_id() in ("grid", "loupe"), modes={"grid", "loupe"})
        r("group.stacks", "Expand / collapse every stack", ["Shift+S"], self.toggle_all_stacks,
          section="Groups", enabled_when=has_album)
        r("group.settings", "Grouping thresholds…", [], self.show_panel, section="Groups", enabled_when=has_album)
        for n in range(1, 10):
            r(f"survey.frame_{n}", f"Choose frame {n} (P X U then decide on it)" if n == 1 else f"Choose frame {n}",
              [str(n)], lambda n=n: self.survey.choose(n), section="Survey", enabled_when=has_album,
              modes={"survey"})

    def toggle_view(self, view_id: str) -> None:
        w = self.w
        current = w.current_view_id()
        if current == view_id:
            w.show_view(self._came_from.get(view_id, "grid"))
            return
        self._came_from[view_id] = current if current in ("grid", "loupe") else "grid"
        w.show_view(view_id)

    # -- moving
    def step_group(self, forward: bool) -> None:
        w = self.w
        target = step_group(w.model.ids, self.index(), w.current_id(), forward)
        if target is None:
            w.show_message(f"No {'next' if forward else 'previous'} group (groups of 2 or more frames)")
            return
        w.set_current(target)
        view = w.current_view()
        if hasattr(view, "follow_group"):
            view.follow_group(target)
        index = self.index()
        ordered = list(dict.fromkeys(g for g in map(index.group_of, w.model.ids) if g is not None))
        gid = index.group_of(target)
        where = f" — group {ordered.index(gid) + 1} of {len(ordered)}" if gid in ordered else ""
        if where and len(ordered) != len(index.members):  # the filter shows fewer groups
            where += f" shown ({len(index.members)} in the album)"
        w.show_message(f"{index.title(target)}{where}")

    def step_within(self, step: int) -> None:
        w = self.w
        view = w.current_view()
        if hasattr(view, "step_in_group"):
            view.step_in_group(step)
            return
        current = w.current_id()
        members = self.filtered_members(current) if current is not None else []
        if len(members) < 2:
            w.show_message("A single photo: no other frame in its group")
            return
        gid = self.index().group_of(current)
        if self.stacks.is_collapsed(gid):
            self.stacks.expanded.add(gid)
            self._restack(current)
        shown = [m for m in members if w.model.row_of(m) >= 0]
        target = step_within(shown, current, step)
        if target is not None and target != current:
            w.set_current(target)

    # -- stacks
    def toggle_stack(self) -> None:
        current = self.w.current_id()
        gid = self.index().group_of(current)
        if gid is None:
            self.w.show_message("A single photo: not part of a stack")
            return
        self._toggle(gid, current)

    def _toggle(self, gid: str, keep: int | None) -> None:
        if not self.stacks.enabled:
            # stacks were off (every frame shown): turn them on with every other stack expanded
            self.stacks.enabled, self.stacks.expanded = True, set(self.index().members)
        expanded = self.stacks.toggle(gid)
        self._restack(keep)
        n = len(self.index().members.get(gid, []))
        self.w.show_message(f"Stack of {n} expanded ([ ] step through it, S collapses it)" if expanded
                            else f"Stack of {n} collapsed to its best frame")

    def toggle_all_stacks(self) -> None:
        """Shift+S: stack the held groups when there are any; else expand every stack when any is
        collapsed, else collapse them all."""
        stacks = self.stacks
        if stacks.held:
            n = stacks.stack_held()
            self._restack(self.w.current_id())
            self.w.show_message(f"{n} new group{'s' if n != 1 else ''} stacked under their best frame "
                                "(S expands one)")
            return
        any_collapsed = stacks.enabled and any(g not in stacks.expanded for g in self.index().members)
        stacks.enabled = not any_collapsed
        stacks.expanded.clear()
        stacks.held.clear()
        self._restack(self.w.current_id())
        self.w.show_message("Every stack collapsed to its best frame (S expands one)" if stacks.enabled
                            else "Every stack expanded: all frames show")

    def _restack(self, keep: int | None) -> None:
        w = self.w
        w.model.refilter()
        shown = self.shown_for(keep)
        if shown is not None and shown != w.current_id():
            w.set_current(shown)
        elif w.current_id() is None and w.model.rowCount():
            w.set_current(w.model.id_at(0))
        view = w.current_view()
        if view is not None and view.view_id == "grid":
            view.activate()
        self._update_offer()

    def is_stack_cell(self, photo_id: int) -> bool:
        """Drawn as a stack (cards behind it): the frame a collapsed group shows, when the filter
        lets at least one other frame of it through."""
        return (self.stacks.is_collapsed(self.index().group_of(photo_id))
                and len(self.filtered_members(photo_id)) > 1)

    def paint_stack_badge(self, p: QPainter, image: QRectF, photo_id: int, group) -> None:
        """Bottom right of the photo: a stack icon and how many frames it holds when collapsed
        ("2 of 3" when the filter shows fewer than the group has), the frame's rank in its group
        when expanded; above it on a collapsed stack, what was decided on the frames it hides.
        Clicking the badge expands / collapses the stack."""
        index = self.index()
        gid = index.group_of(photo_id)
        if gid is None:
            self.badge_rects.pop(photo_id, None)
            return
        size = len(index.members[gid])
        collapsed = self.stacks.is_collapsed(gid)
        inside = self.filtered_members(photo_id) if collapsed else []
        stacked = len(inside) > 1
        if collapsed:
            text = str(size) if len(inside) == size else f"{len(inside)} of {size}"
        else:
            text = f"{group.group_rank}/{size}"
        if group.kind in ("bracket", "panorama"):
            text += f" {group.kind}"
        fm = QFontMetrics(p.font())
        icon_w = 14 if stacked else 0
        w = fm.horizontalAdvance(text) + 12 + icon_w
        box = QRectF(image.right() - w - 5, image.bottom() - 22, w, 17)
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setBrush(theme.BADGE_BG)
        p.setPen(QPen(STACK_EDGE, 1) if stacked else Qt.PenStyle.NoPen)
        p.drawRoundedRect(box, 3, 3)
        if stacked:  # two offset cards
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(theme.TEXT, 1))
            p.drawRect(QRectF(box.left() + 7, box.top() + 4, 7, 6))
            p.setBrush(theme.TEXT)
            p.drawRect(QRectF(box.left() + 5, box.top() + 7, 7, 6))
        p.setPen(theme.TEXT)
        p.drawText(box.adjusted(icon_w, 0, 0, 0), Qt.AlignmentFlag.AlignCenter, text)
        state = self.w.model.state
        summary = decisions_summary([state.decision(m) for m in inside if m != photo_id]) if stacked else ""
        if summary:  # on its own line above the count, as wide as the photo
            summary = fm.elidedText(summary, Qt.TextElideMode.ElideRight, int(image.width() - 20))
            sbox = QRectF(image.right() - fm.horizontalAdvance(summary) - 15, box.top() - 20,
                          fm.horizontalAdvance(summary) + 10, 17)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(theme.BADGE_BG)
            p.drawRoundedRect(sbox, 3, 3)
            p.setPen(theme.TEXT)
            p.drawText(sbox, Qt.AlignmentFlag.AlignCenter, summary)
        if not collapsed:  # a bar under each frame of an expanded stack ties them together
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(STACK_EDGE)
            p.drawRoundedRect(QRectF(image.left(), image.bottom() + 3, image.width(), 3), 1.5, 1.5)
        p.restore()
        self.badge_rects[photo_id] = box
        self.badges[photo_id] = (text, summary)

    def badge_clicked(self, photo_id: int | None, pos) -> bool:
        """A click on a stack badge in the grid expands / collapses that stack."""
        box = self.badge_rects.get(photo_id)
        if photo_id is None or box is None or not box.contains(pos):
            return False
        gid = self.index().group_of(photo_id)
        if gid is None:
            return False
        self.w.set_current(photo_id)
        self._toggle(gid, photo_id)
        return True

    # -- accepting suggestions
    def _shown_ids(self) -> list[int]:
        view = self.w.current_view()
        if view is self.compare:
            return [i for i in self.compare.ids if i is not None]
        if view is self.survey:
            return [self.survey.active] if self.survey.source == "group" else list(self.survey.ids)
        return view.target_ids() if view is not None else []

    def accept_group(self) -> None:
        w = self.w
        index = self.index()
        seeds = self._shown_ids()
        if not seeds:
            return
        ids = list(dict.fromkeys(m for s in seeds for m in index.members_of(s)))
        groups = {index.group_of(i) or i for i in ids}
        what = (describe_group(index, seeds[0], w.model.state.name(seeds[0])) if len(groups) == 1
                else f"{len(groups)} groups")
        self._apply(ids, keep_user_flags=True, description=f"Accept the suggestions for {what}")

    def accept_photos(self) -> None:
        view = self.w.current_view()
        ids = view.target_ids() if view is not None else []
        if ids:
            what = self.w.model.state.describe(ids)
            self._apply(ids, keep_user_flags=False, description=f"Accept the suggestion for {what}")

    def accept_all(self) -> None:
        state = self.w.model.state
        if state is not None:
            self._apply(list(state.order), keep_user_flags=True,
                        description=f"Accept every suggestion ({len(state.order)} photos)")

    def _apply(self, ids: list[int], keep_user_flags: bool, description: str) -> None:
        w, store, state = self.w, self.w.store(), self.w.model.state
        if store is None or state is None:
            return
        accepted = suggested_changes(ids, state.groups, state.decisions, keep_user_flags)
        if not accepted.changes:
            reason = "no suggestions here" if not accepted.suggested else "already done"
            w.show_message(f"Nothing to accept: {reason}" + (f" ({accepted.summary()})" if accepted.kept else ""))
            return
        current = w.current_id()
        row = w.model.row_of(current)
        try:
            store.set_decisions(accepted.changes, description)
        except Exception as exc:  # say so; nothing was changed
            w.show_message(f"Could not save the decisions: {exc}", 8000)
            return
        if w.model.row_of(current) < 0 and w.model.rowCount():
            w.set_current(w.model.id_at(min(row, w.model.rowCount() - 1)))
        w.show_message(f"{description} — {accepted.summary()} (Ctrl+Z undoes)", 6000)

    # -- grouping thresholds
    def show_panel(self) -> None:
        from culler.ui.groups.grouping_panel import GroupingPanel

        if self.panel is None:
            self.panel = GroupingPanel(self.w)
            self.panel.regrouper.finished.connect(self._regroup_finished)
        self.panel.open_for_album()

    def regrouping(self) -> bool:
        """A regroup is writing groups to the store (an analysis run must wait for it)."""
        return self.panel is not None and self.panel.regrouper.busy()

    def _regroup_finished(self, *_args) -> None:
        if not self.regrouping():  # not followed by a run of requests made meanwhile
            self.regroup_idle.emit()

