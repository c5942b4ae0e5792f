"""Time-budget review (key R): the best photos first, less time as the scores fall.

R opens the setup dialog (review_setup.py), or resumes the review in progress for this album at
the same photo with the same time left: the session (core/review_session.py) is saved in the album's
store at every step and every few seconds while the clock runs, so it survives leaving the mode
and restarting the app. Each photo fills the window with a quiet countdown under it; when its time
is out the next one comes. The low tail is a grid sweep, a page at a time. At the end (or Shift+R)
the summary (review_summary.py) is shown and stored in the album and in the history across albums.

Keys while reviewing (all in the action registry, so the help overlay and keymaps know them):
  P X U, 0-5, 6-9   decide (the sweep: on the selection) and move on
  Space             pause / go on (the clock also stops while the help overlay is open)
  + (or =)          5 s more for this photo or page, borrowed from the photos still to come
  Return / Right    next photo now; time not used is saved, the review ends sooner
  Backspace / Left  back to the previous photo (it gets at least 5 s, borrowed)
  ] [ / Down Up     the other frames of this photo's group, in place (the clock keeps running)
  Esc               leave (R resumes);  Shift+R  end now and see the summary

These keys are registered in the "review" mode, which is the window's mode while this view is on
screen; decision keys still run the window's own actions (one undo step each), which hand the
decision to `decide_with` so the review moves on. What is on screen is drawn by review_screen.py.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from culler.core.review_session import MORE_TIME_S, ReviewSession
from culler.ui.review.review_clock import QtClock
from culler.ui.review.review_screen import ReviewScreen
from culler.ui.review.review_setup import ReviewSetupDialog, duration_text
from culler.ui.review.review_summary import append_history, read_history
from culler.ui.review.review_widgets import SweepPage
from culler.ui.views.photo_view import PhotoView

log = logging.getLogger(__name__)
SESSION_KEY = "review.session"  # the plan part of the session in progress (None when there is none)
PROGRESS_KEY = "review.progress"  # where it stands; written at every step
SETUP_KEY = "review.setup"
SAVE_EVERY_S = 3.0  # clock seconds between saves while the clock runs (every step also saves)


class ReviewView(QWidget, PhotoView):
    view_id = "review"
    title = "Review"

    def __init__(self, host, clock=None, parent=None) -> None:
        """`host`: a FeatureHost. The view is also the review feature's entry (a `Feature`)."""
        super().__init__(parent)
        self.host = host
        self.setObjectName("review")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("QWidget#review { background-color: #181818; }")
        self.clock = clock or QtClock(parent=self)
        self.session: ReviewSession | None = None
        self.store = None  # the store the session belongs to (the album's)
        self.setup_dialog: ReviewSetupDialog | None = None
        self._active = False
        self._deciding = False
        self._last = 0.0
        self._last_save = 0.0
        self._return_to = "grid"
        self._saved_plan: tuple | None = None  # (started_at, edits) of the plan part last written
        self._resize_timer = QTimer(self, singleShot=True, interval=80)
        self._resize_timer.timeout.connect(lambda: self.show_stop() if self._active else None)
        self.screen = ReviewScreen(host)
        self.screen.summary.closed.connect(self.leave)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.screen)

        host.previews.ready.connect(self._preview_ready)
        host.previews.failed.connect(lambda pid, _m: self._preview_ready(pid))
        host.model.counts_changed.connect(self._decisions_changed)
        host.model.modelReset.connect(self._album_changed)
        host.closing.connect(self.save)  # keep the exact position

    # -- Feature
    def views(self) -> list:
        return [self]

    def checkable(self) -> dict:
        return {}

    def menu_items(self) -> dict:
        return {"@View": ["review.start"]}

    def register_actions(self, registry) -> None:
        """R starts or resumes from any view; the others are live only in the review."""
        has_album = lambda: self.host.model.state is not None  # noqa: E731
        running = self.running
        r = registry.register
        r("review.start", "Time-budget review", ["R"], self.start_or_resume, section="View", enabled_when=has_album)
        review = {"review"}
        r("review.pause", "Pause / go on", ["Space"], self.toggle_pause, section="Review", enabled_when=running,
          modes=review)
        r("review.more_time", f"{MORE_TIME_S:.0f} s more", ["+", "="], self.more_time,
          section="Review", enabled_when=running, modes=review)
        r("review.next", "Next photo now", ["Return", "Enter"], self.skip, section="Review", enabled_when=running,
          modes=review)
        r("review.back", "Back to the previous photo", ["Backspace"], self.back, repeatable=True,
          section="Review", enabled_when=running, modes=review)
        r("review.leave", "Leave the review (R resumes)", ["Esc"], self.leave, section="Review",
          enabled_when=self.is_current, modes=review)
        r("review.end", "End now, see the summary", ["Shift+R"], self.end_now, section="Review",
          enabled_when=running, modes=review)

    # -- the clock (tests and screenshots inject a ManualClock)
    def set_clock(self, clock) -> None:
        if self._ticking():
            self.clock.stop()
        self.clock = clock
        self._last = clock.now()
        if self._active and self.running():
            clock.start(self._tick)

    def _ticking(self) -> bool:
        return self._active and self.session is not None and not self.session.finished

    # -- state queries (also the actions' enabled_when)
    def is_current(self) -> bool:
        return self.host.current_view() is self

    def running(self) -> bool:
        return (self.is_current() and self.session is not None and not self.session.finished
                and self.host.model.state is not None
                and not self.screen.on_summary())

    # -- PhotoView
    def activate(self) -> None:
        store = self.host.store()
        if self.session is not None and store is not self.store:
            self.session, self.store = None, None  # another album was opened meanwhile
        if self.session is None and not self.screen.on_summary():
            QTimer.singleShot(0, lambda: self.host.show_view(self._return_to))
            return
        if not self._active:
            self._active = True
            self.host.set_filter_bar_visible(False)
            self._last = self._last_save = self.clock.now()
            if self.session is not None and not self.session.finished:
                self.clock.start(self._tick)
        if self.session is not None and self.session.drop_missing(set(self.host.model.state.photos)):
            self.save()
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        self.show_stop()

    def deactivate(self) -> None:
        if not self._active:
            return
        self._active = False
        self.clock.stop()
        self.save()
        self.host.set_filter_bar_visible(True)
        self.host.previews.pool.submit("preview", [])

    def _album_changed(self) -> None:
        """The album closed (or another opened) under the review: stop; R resumes from the store."""
        if self.host.model.state is None and self._active:
            self.deactivate()
            self.session, self.store = None, None

    def target_ids(self) -> list[int]:
        if not self.running():
            return []
        if self.session.in_sweep:
            return self.screen.sweep.selected_ids()
        shown = self.session.shown_id()
        return [] if shown is None else [shown]

    def move(self, step: str) -> None:
        if self._deciding or not self.running():
            return  # a decision moves on by itself (auto-advance must not move twice)
        if self.session.in_sweep:
            self.screen.sweep.move(step)
        elif step == "next":
            self.skip()
        elif step == "prev":
            self.back()
        elif step in ("down", "up"):
            self.step_in_group(1 if step == "down" else -1)

    def step_in_group(self, step: int) -> None:
        """`]` / `[` (through the group keys) and Down / Up: the other frames of this photo's group."""
        if not self.running() or self.session.in_sweep:
            return
        entry = self.session.entry
        if not entry.siblings:
            self.host.show_message("No other frames of this photo in the review")
        elif self.session.step_sibling(step):
            self.show_stop()

    # -- starting, resuming, leaving
    def start_or_resume(self) -> None:
        host = self.host
        if self.is_current():
            self.leave()
            return
        store, state = host.store(), host.model.state
        if store is None or state is None:
            return
        current = host.current_view_id()
        self._return_to = current if current in ("grid", "loupe") else "grid"
        saved = self._load(store)
        if saved is not None:
            dropped = saved.drop_missing(set(state.photos))
            if not saved.finished:
                saved.paused = False
                self._begin(saved, store)
                note = f" ({dropped} photos no longer in the folder)" if dropped else ""
                host.show_message(f"Review resumed at photo {saved.index + 1} of {len(saved.entries)}, "
                                  f"{duration_text(saved.left_total())} left{note}", 6000)
                return
        self.open_setup(store, state)

    def _load(self, store) -> ReviewSession | None:
        try:
            plan, progress = store.get(SESSION_KEY), store.get(PROGRESS_KEY)
        except Exception as exc:  # a damaged setting must not block a new review
            log.warning("review session not readable: %s", exc)
            return None
        if not plan:
            return None
        try:
            if not isinstance(plan, dict) or not isinstance(progress, dict) \
                    or any(progress.get(k) != plan.get(k) for k in ("started_at", "edits")):
                raise ValueError("its progress does not match its plan")
            return ReviewSession.from_json({**plan, **progress})
        except ValueError as exc:
            self.host.show_message(f"The saved review could not be read ({exc}); start a new one", 8000)
            return None

    def open_setup(self, store, state) -> None:
        from culler.core import budget

        photos = [state.photos[i] for i in state.order]
        items = {scope: budget.build_items(photos, state.scores, state.groups, state.decisions, scope)
                 for scope in ("all", "unreviewed", "best")}
        items["filter"] = budget.build_items(photos, state.scores, state.groups, state.decisions,
                                             list(self.host.model.ids))
        try:
            settings = store.get(SETUP_KEY) or {}
        except Exception:  # only the defaults are lost
            settings = {}
        dialog = ReviewSetupDialog(items, settings=settings if isinstance(settings, dict) else {},
                                   parent=self.host)
        dialog.start_requested.connect(lambda plan, scope, s: self._start_new(store, plan, scope, s))
        dialog.finished.connect(lambda _r: setattr(self, "setup_dialog", None))
        self.setup_dialog = dialog
        dialog.open()

    def _start_new(self, store, plan, scope: str, settings: dict) -> None:
        if store is not self.host.store():
            return  # the album changed while the dialog was open
        try:
            store.set(SETUP_KEY, settings)
        except Exception:  # a preference
            log.exception("could not remember the review settings")
        page = SweepPage.page_size_for(self.host.view_area_size())
        self._begin(ReviewSession.from_plan(plan, scope, page_size=page), store)

    def _begin(self, session: ReviewSession, store) -> None:
        self.session, self.store = session, store
        self._saved_plan = None
        self.save()
        self.host.show_view(self.view_id)

    def leave(self) -> None:
        """Esc: back to the view the review was started from; R resumes."""
        if self.is_current():
            self.host.show_view(self._return_to)

    def save(self) -> None:
        s = self.session
        if s is None or self.store is None or s.finished:
            return
        try:
            if self._saved_plan != (s.started_at, s.edits):
                self.store.set(SESSION_KEY, s.plan_json())
                self._saved_plan = (s.started_at, s.edits)
            self.store.set(PROGRESS_KEY, s.progress_json())
        except Exception as exc:  # decisions are saved apart; only the position is at stake
            log.warning("could not save the review position: %s", exc)
        self._last_save = self.clock.now()

    # -- the clock
    def _tick(self) -> None:
        now = self.clock.now()
        dt, self._last = now - self._last, now
        if not self.running() or self.host.help_visible():
            return
        if self.session.consume(dt):
            if self.session.finished:
                self.finish(ended_early=False)
                return
            self.show_stop()
            self.save()
        elif now - self._last_save >= SAVE_EVERY_S:
            self.save()
        self._update_strip()

    # -- the user's keys
    def toggle_pause(self) -> None:
        self.session.paused = not self.session.paused
        self._last = self.clock.now()
        self.save()
        self.show_stop()

    def more_time(self) -> None:
        borrowed, added = self.session.more_time(MORE_TIME_S)
        where = "this page" if self.session.in_sweep else "this photo"
        if added <= 1e-6:
            self.host.show_message(f"{MORE_TIME_S:.0f} s more for {where}, borrowed from the photos still to come")
        else:
            self.host.show_message(f"{MORE_TIME_S:.0f} s more for {where}; the review runs "
                                   f"{duration_text(added)} longer (nothing left to borrow)")
        self.save()
        self._update_strip()

    def skip(self) -> None:
        self.session.next()
        self._stepped()

    def back(self) -> None:
        if not self.session.back():
            self.host.show_message("This is the first photo of the review")
            return
        self._stepped()

    def decide_with(self, handler) -> None:
        """Run a window decision on what the review shows, then move on (only while it runs)."""
        if self._deciding or not self.running():
            handler()
            return
        in_sweep = self.session.in_sweep
        targets = self.target_ids()
        self._deciding = True
        try:
            handler()
        finally:
            self._deciding = False
        if not targets or self.session is None or self.session.finished:
            return
        self.session.mark_decided(targets)
        if in_sweep:
            if len(targets) == 1:
                self.screen.sweep.move("next")
            return
        self.session.after_decision()
        self._stepped()

    def _stepped(self) -> None:
        self._last = self.clock.now()  # the step itself costs no photo's time
        if self.session.finished:
            self.finish(ended_early=False)
            return
        self.save()
        self.show_stop()

    def end_now(self) -> None:
        self.finish(ended_early=True)

    def show_stop(self) -> None:
        if self.session is not None and not self.session.finished:
            self.session.mark_seen()
            self.screen.show_stop(self.session, self._active)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._active:
            self._resize_timer.start()  # decode the photo again at the new size, once resizing pauses

    def _update_strip(self) -> None:
        self.screen.update_strip(self.session)

    def _preview_ready(self, photo_id: int) -> None:
        if self._active and self.running() and not self.session.in_sweep and photo_id == self.session.shown_id():
            self.screen.show_photo(self.session, self._active)

    def _decisions_changed(self) -> None:
        if not self._active or not self.running():
            return
        if self.session.in_sweep:
            self.screen.sweep.list.viewport().update()
        self._update_strip()

    # -- the end
    def finish(self, ended_early: bool) -> None:
        from culler.core.budget import review_summary

        s, store, state = self.session, self.store, self.host.model.state
        self.clock.stop()
        s.finish()
        summary = review_summary(s.summary_rows(state.decision), s.budget_seconds, s.scope)
        # the time is the time spent, on photos counted as seen or not
        summary["seconds_spent"] = s.spent_total()
        summary["over_budget_seconds"] = max(0.0, summary["seconds_spent"] - s.budget_seconds)
        summary["album"] = str(self.host.album_root())
        summary["ended_early"] = ended_early
        album_reviews: list[dict] = []
        try:
            store.add_review_summary(summary)
            store.set(SESSION_KEY, None)
            store.set(PROGRESS_KEY, None)
            album_reviews = store.review_summaries()
        except Exception as exc:  # show the summary anyway
            self.host.show_message(f"Could not store the review summary: {exc}", 8000)
            album_reviews = [summary]
        error = append_history(self.host.ctx.data_dir, summary["album"], summary)
        if error:
            self.host.show_message(error, 8000)
        self.screen.show_summary(summary, album_reviews, read_history(self.host.ctx.data_dir), ended_early)
        self.session = None
        if not self.is_current():
            self.host.show_view(self.view_id)
