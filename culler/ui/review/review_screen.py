"""What the review shows, given a ReviewSession: the photo (or a sweep page, or the summary) and the
countdown strip under it. No timing and no decisions here: review_mode.py drives it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from culler.ui.imaging.previews import display_size
from culler.ui.review.review_summary import ReviewSummaryPage
from culler.ui.review.review_widgets import CountdownStrip, ReviewCanvas, SweepPage, clock_text

PAUSED_TEXT = ("Paused\nSpace go on  ·  + more time  ·  Backspace back\n"
               "Esc leave (R resumes)  ·  Shift+R end and see the summary")


class ReviewScreen(QWidget):
    """The pages (photo canvas, sweep grid, summary) over the countdown strip."""

    def __init__(self, host, parent=None) -> None:
        super().__init__(parent)
        self.host = host
        self.canvas = ReviewCanvas()
        self.sweep = SweepPage(host.thumbnails)
        self.summary = ReviewSummaryPage()
        self.pages = QStackedWidget()
        for page in (self.canvas, self.sweep, self.summary):
            self.pages.addWidget(page)
        self.strip = CountdownStrip()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.strip)

    def on_summary(self) -> bool:
        return self.pages.currentWidget() is self.summary

    def show_stop(self, s, active: bool) -> None:
        """Show the session's current stop: one photo, or a page of the sweep."""
        state = self.host.model.state
        if s is None or state is None or s.finished:
            return
        self.strip.show()
        if s.in_sweep:
            page, pages = s.page_number()
            rng = s.current
            header = (f"<span style='color:#e0e0e0'>Glance sweep</span> — the lowest scores, page {page} of "
                      f"{pages} (photos {rng.start + 1}–{rng.stop} of {len(s.entries)}).  "
                      f"<span style='color:#8a8a8a'>Arrows and Shift select; P X U 0–5 6–9 apply to the "
                      f"selection; Return: next page.</span>")
            next_page = s.stop_range(rng.stop) if rng.stop < len(s.entries) else range(0)
            self.sweep.show_page(state, s.page_ids(), header, [s.entries[i].photo_id for i in next_page])
            self.pages.setCurrentWidget(self.sweep)
            if active:
                self.sweep.list.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.pages.setCurrentWidget(self.canvas)
            self.show_photo(s, active)
        self.update_strip(s)

    def show_photo(self, s, active: bool) -> None:
        host, state = self.host, self.host.model.state
        photo_id = s.shown_id()
        photo = state.photos.get(photo_id)
        size = self.canvas.request_size()
        preview = host.previews.get(photo_id, size)
        error = state.error(photo_id) if photo is not None and photo.status == "error" else None
        error = error or host.previews.failure(photo_id)
        placeholder = None
        if preview is None and not error:
            thumb = host.thumbnails.pixmap(photo_id)
            placeholder = thumb.toImage() if thumb is not None else None
        self.canvas.show_photo(photo_id, preview.image if preview else None, display_size(photo, preview),
                               placeholder, f"Unreadable: {error}" if error else "")
        note = ""
        if s.entry.siblings:
            n = len(s.entry.siblings) + 1
            note = (f"frame {s.sibling + 1} of {n} in this group   [ ] other frames" if s.sibling
                    else f"{n - 1} more frame{'s' if n > 2 else ''} in this group   ] to see")
        self.canvas.set_overlays(PAUSED_TEXT if s.paused else "", note)
        if host.model.row_of(photo_id) >= 0 and host.current_id() != photo_id:
            host.set_current(photo_id)  # leaving the review lands on the photo last seen
        if active:
            host.previews.want(self._prefetch(s, photo_id), size)

    def _prefetch(self, s, shown: int) -> list[int]:
        """The photo on screen, then the next two, the next frame of its group and the previous one;
        thumbnails of the first sweep page once it is near."""
        ids = [shown]
        i = s.current.stop
        while i < len(s.entries) and len(ids) < 3 and not s.entries[i].sweep:
            ids.append(s.entries[i].photo_id)
            i += 1
        ids += list(s.entry.siblings[s.sibling:s.sibling + 1])
        if s.index > 0:
            ids.append(s.entries[s.stop_range(s.index - 1).start].photo_id)
        if i < len(s.entries):
            self.host.thumbnails.want([s.entries[j].photo_id for j in s.stop_range(i)])
        return list(dict.fromkeys(ids))

    def update_strip(self, s) -> None:
        state = self.host.model.state
        if s is None or s.finished or state is None:
            return
        here, total, planned = s.left_here(), s.left_total(), s.seconds_here()
        fraction = here / planned if planned > 0 else 0.0
        if s.in_sweep:
            page, pages = s.page_number()
            left = f"Sweep page {page} of {pages}  ·  {len(s.current)} photos"
            right = f"{clock_text(here)} on this page   ·   {clock_text(total)} left in all"
        else:
            left = describe_photo(state, s.shown_id())
            right = (f"{clock_text(here)}   ·   photo {s.index + 1} of {len(s.entries)}   ·   "
                     f"{clock_text(total)} left in all")
        if s.paused:
            right = "Paused   ·   " + right
        self.strip.set_state(fraction, left, right, s.paused)

    def show_summary(self, summary: dict, album_reviews: list[dict], all_reviews: list[dict],
                     ended_early: bool) -> None:
        self.summary.show_summary(summary, album_reviews, all_reviews, ended_early)
        self.pages.setCurrentWidget(self.summary)
        self.strip.hide()


def describe_photo(state, photo_id: int) -> str:
    """The strip's left side: name, score (advice), the decision so far."""
    parts = [state.name(photo_id)]
    score = state.score(photo_id)
    parts.append(f"score {round(score * 100)}" if score is not None else "no score")
    d = state.decision(photo_id)
    if d.flag != "none":
        parts.append("picked" if d.flag == "pick" else "rejected")
    if d.rating:
        parts.append("★" * d.rating)
    if d.label:
        parts.append(d.label.lower())
    return "   ·   ".join(parts)
