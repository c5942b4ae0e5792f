"""The running state of one time-budget review: where the user is, how much time each photo still
has, how much was spent. Plain Python (no Qt), so it is saved as JSON in the album's store and a
review survives leaving the mode and restarting the app: the plan part (photos and their times)
only when times are borrowed, the progress part (position, time spent) at every step.

The schedule comes from `culler.core.budget.plan`: photos best first, each with its seconds, the
low tail marked `sweep`. The review walks it in *stops*: one stop per photo before the sweep, then
the sweep tail in pages of `page_size` photos shown together as a grid; a page gets the sum of its
photos' seconds as one block.

Time accounting (every rule keeps "no photo is skipped without being shown"):
- `consume(dt)` spends running time on the current stop; when the stop's time is used up, what is
  left of `dt` goes on to the next stop, so photos get exactly their planned seconds however the
  ticks fall. A single `dt` is capped at MAX_TICK_S: a stalled event loop (or a laptop lid) never
  eats the review.
- Moving on early (a decision, Return) keeps the time that was not used: the review ends sooner.
- A photo counts as *seen* in the summary only when it was on screen long enough to be looked at,
  or decided during the review (culler.core.review_seen): flicking through pages with Return
  credits nothing.
- More time (`+`) and going back are *borrowed* from every photo still to come, in proportion to
  its time above the floor, so the total holds and later photos keep their order of times. When
  nothing is left to borrow (the tail is already at the floor) the review simply runs longer, and
  the summary reports the time over budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from culler.core.review_seen import counts_as_seen

VERSION = 1
MAX_TICK_S = 1.0
MORE_TIME_S = 5.0  # what `+` adds to the current photo (or sweep page)
BACK_SECONDS = 5.0  # a photo gone back to gets at least this long (or its planned time, if shorter)
DEFAULT_PAGE_SIZE = 24


@dataclass
class ReviewEntry:
    photo_id: int
    score: float | None
    planned: float  # seconds from the plan
    seconds: float  # seconds it has now (planned +/- more time and borrowing)
    spent: float = 0.0
    sweep: bool = False
    siblings: tuple[int, ...] = ()
    seen: bool = False  # was on screen (a decision can come before the first tick)
    decided: bool = False  # the user decided it during this review (deciding is looking)

    @property
    def left(self) -> float:
        return max(0.0, self.seconds - self.spent)


@dataclass
class ReviewSession:
    entries: list[ReviewEntry]
    budget_seconds: float
    scope: str = "all"
    floor_s: float = 0.5
    page_size: int = DEFAULT_PAGE_SIZE
    started_at: str = field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))
    index: int = 0  # first entry of the current stop
    sibling: int = 0  # 0: the entry's own photo; k: its k-th sibling (single stops only)
    paused: bool = False
    # sum of the time left after the current stop: only borrowing and moving change it, so the
    # countdown does not add up thousands of entries ten times a second
    edits: int = field(default=0, init=False, compare=False)  # times borrowed or photos dropped
    _later: tuple = field(default=(None, 0.0), init=False, repr=False, compare=False)

    @classmethod
    def from_plan(cls, plan, scope: str = "all", page_size: int = DEFAULT_PAGE_SIZE) -> ReviewSession:
        entries = [ReviewEntry(e.photo_id, e.score, e.seconds, e.seconds, 0.0, e.sweep, tuple(e.siblings))
                   for e in plan.entries]
        floor = plan.floor_s if 0 < plan.floor_s < float("inf") else 0.0
        return cls(entries, float(plan.total_seconds), scope, floor, max(1, int(page_size)))

    # -- where we are
    @property
    def finished(self) -> bool:
        return self.index >= len(self.entries)

    @property
    def sweep_start(self) -> int:
        return next((i for i, e in enumerate(self.entries) if e.sweep), len(self.entries))

    def stop_range(self, index: int) -> range:
        """The entries shown together with entry `index`: itself, or its sweep page."""
        start = self.sweep_start
        if index < start:
            return range(index, index + 1)
        first = start + (index - start) // self.page_size * self.page_size
        return range(first, min(len(self.entries), first + self.page_size))

    @property
    def current(self) -> range:
        return range(0) if self.finished else self.stop_range(self.index)

    @property
    def in_sweep(self) -> bool:
        return not self.finished and self.entries[self.index].sweep

    @property
    def entry(self) -> ReviewEntry | None:
        return None if self.finished else self.entries[self.index]

    def shown_id(self) -> int | None:
        """The photo on screen in a single stop (the entry or one of its siblings)."""
        e = self.entry
        if e is None or e.sweep:
            return None
        return e.photo_id if self.sibling == 0 else e.siblings[self.sibling - 1]

    def mark_seen(self) -> None:
        for i in self.current:
            self.entries[i].seen = True

    def mark_decided(self, photo_ids) -> None:
        """Photos of the current stop the user just decided (a sweep page's selection, or the photo)."""
        ids = set(photo_ids)
        for i in self.current:
            e = self.entries[i]
            if e.photo_id in ids:
                e.decided = True

    def looked_at(self, e: ReviewEntry) -> bool:
        """Seen by the rule of culler.core.review_seen: long enough on screen, or decided."""
        return e.seen and counts_as_seen(e.spent, e.sweep, e.decided)

    def page_ids(self) -> list[int]:
        return [self.entries[i].photo_id for i in self.current]

    def page_number(self) -> tuple[int, int]:
        """(page, pages) of the sweep, 1-based."""
        start, n = self.sweep_start, len(self.entries)
        pages = max(1, -(-(n - start) // self.page_size))
        return (self.index - start) // self.page_size + 1, pages

    # -- time
    def left_here(self) -> float:
        return sum(self.entries[i].left for i in self.current)

    def seconds_here(self) -> float:
        return sum(self.entries[i].seconds for i in self.current)

    def left_total(self) -> float:
        if self.finished:
            return 0.0
        key = (self.index, self.edits, len(self.entries))
        if self._later[0] != key:
            self._later = (key, sum(e.left for e in self.entries[self.current.stop:]))
        return self.left_here() + self._later[1]

    def spent_total(self) -> float:
        return sum(e.spent for e in self.entries)

    def consume(self, dt: float) -> bool:
        """Spend `dt` running seconds; True when the stop changed (time ran out)."""
        if self.paused or self.finished or dt <= 0:
            return False
        dt = min(dt, MAX_TICK_S)
        changed = False
        while dt > 1e-12 and not self.finished:
            stop = self.current
            left = sum(self.entries[i].left for i in stop)
            used = min(dt, left)
            if left > 0:
                for i in stop:
                    e = self.entries[i]
                    e.spent += used * e.left / left if used < left else e.left
            dt -= used
            if used >= left:
                self._advance()
                changed = True
        return changed

    # -- moving
    def next(self) -> None:
        """On to the next stop now; the time not used is saved."""
        if not self.finished:
            self._advance()

    def _advance(self) -> None:
        self.index = self.current.stop
        self.sibling = 0

    def back(self) -> bool:
        """Back to the previous stop, with at least BACK_SECONDS (borrowed) to look again."""
        if self.index == 0 and self.sibling == 0:
            return False
        if self.sibling > 0 and not self.finished:
            self.sibling = 0
            return True
        self.index = self.stop_range(self.index - 1).start
        self.sibling = 0
        for i in self.current:
            e = self.entries[i]
            want = min(e.planned, BACK_SECONDS)
            if e.left < want:
                self._grant([i], want - e.left)
        return True

    def more_time(self, extra: float = MORE_TIME_S) -> tuple[float, float]:
        """Give the current stop `extra` seconds: (borrowed from later photos, added to the total)."""
        if self.finished:
            return 0.0, 0.0
        return self._grant(list(self.current), extra)

    def _grant(self, stop: list[int], extra: float) -> tuple[float, float]:
        later = [e for e in self.entries[max(stop) + 1:]]
        room = [max(0.0, e.left - self.floor_s) for e in later]
        available = sum(room)
        borrowed = min(extra, available)
        self.edits += 1
        if borrowed > 0:
            for e, r in zip(later, room):
                e.seconds -= borrowed * r / available
        for i in stop:
            self.entries[i].seconds += extra / len(stop)
        return borrowed, extra - borrowed

    def step_sibling(self, step: int) -> bool:
        """Show the next (+1) or previous (-1) frame of the current photo's group in place."""
        e = self.entry
        if e is None or e.sweep or not e.siblings:
            return False
        new = max(0, min(len(e.siblings), self.sibling + step))
        changed = new != self.sibling
        self.sibling = new
        return changed

    def after_decision(self) -> None:
        """A decision in a single stop: the next frame of the burst being looked at, else move on."""
        e = self.entry
        if e is None or e.sweep:
            return
        if 0 < self.sibling < len(e.siblings):
            self.sibling += 1
        else:
            self._advance()

    def finish(self) -> None:
        self.index, self.sibling = len(self.entries), 0

    def drop_missing(self, present: set[int]) -> int:
        """Forget entries whose photo is gone (file removed since); returns how many."""
        keep = [e for e in self.entries if e.photo_id in present]
        dropped = len(self.entries) - len(keep)
        self.edits += 1
        if dropped:
            before = sum(1 for e in self.entries[:self.index] if e.photo_id in present)
            self.entries = keep
            self.index, self.sibling = before, 0
            if not self.finished:
                self.index = self.stop_range(self.index).start
        for e in self.entries:
            e.siblings = tuple(s for s in e.siblings if s in present)
        self.sibling = min(self.sibling, len(self.entry.siblings) if self.entry else 0)
        return dropped

    # -- summary and persistence
    def summary_rows(self, decision_of) -> list[tuple]:
        """(photo_id, score, decision, seconds) per planned photo, for budget.review_summary, which
        counts a photo as seen when its seconds are above 0: the seconds of a photo looked at (at
        least 1 ms for one decided within the tick that showed it), 0 for one only flicked past."""
        return [(e.photo_id, e.score, decision_of(e.photo_id), max(e.spent, 1e-3) if self.looked_at(e) else 0.0)
                for e in self.entries]

    def plan_json(self) -> dict:
        """The part that changes only when times are borrowed or photos vanish (saved rarely)."""
        return {"version": VERSION, "budget_seconds": self.budget_seconds, "scope": self.scope,
                "floor_s": self.floor_s, "page_size": self.page_size, "started_at": self.started_at,
                "edits": self.edits,
                "entries": [[e.photo_id, e.score, round(e.planned, 4), round(e.seconds, 4), int(e.sweep),
                             list(e.siblings)] for e in self.entries]}

    def progress_json(self) -> dict:
        """Where the review stands (saved at every step): small until late in a long review."""
        last_spent = max((i for i, e in enumerate(self.entries) if e.spent > 0), default=-1)
        last_seen = max((i for i, e in enumerate(self.entries) if e.seen), default=-1)
        last_decided = max((i for i, e in enumerate(self.entries) if e.decided), default=-1)
        return {"version": VERSION, "started_at": self.started_at, "edits": self.edits,
                "index": self.index, "sibling": self.sibling, "paused": self.paused,
                "spent": [round(e.spent, 3) for e in self.entries[:last_spent + 1]],
                "seen": "".join("1" if e.seen else "0" for e in self.entries[:last_seen + 1]),
                "decided": "".join("1" if e.decided else "0" for e in self.entries[:last_decided + 1])}

    def to_json(self) -> dict:
        return {**self.plan_json(), **self.progress_json()}

    @classmethod
    def from_json(cls, d: dict) -> ReviewSession:
        """A session from `to_json()` (or plan_json() and progress_json() merged). Raises ValueError
        for anything that is not a saved session of this version."""
        if not isinstance(d, dict) or d.get("version") != VERSION:
            raise ValueError("not a saved review of this version")
        try:
            entries = [ReviewEntry(int(pid), None if score is None else float(score), float(planned),
                                   float(seconds), 0.0, bool(sweep), tuple(int(s) for s in siblings))
                       for pid, score, planned, seconds, sweep, siblings in d["entries"]]
            for e, spent in zip(entries, d.get("spent", [])):
                e.spent = float(spent)
            for e, seen in zip(entries, str(d.get("seen", ""))):
                e.seen = seen == "1"
            for e, decided in zip(entries, str(d.get("decided", ""))):
                e.decided = decided == "1"
            session = cls(entries, float(d["budget_seconds"]), str(d.get("scope", "all")),
                          float(d.get("floor_s", 0.5)), max(1, int(d.get("page_size", DEFAULT_PAGE_SIZE))),
                          str(d.get("started_at", "")), int(d["index"]), int(d.get("sibling", 0)),
                          bool(d.get("paused", False)))
            session.edits = int(d.get("edits", 0))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"damaged saved review: {exc}") from exc
        session.index = max(0, min(session.index, len(entries)))
        if not session.finished:
            session.index = session.stop_range(session.index).start
            session.sibling = max(0, min(session.sibling, len(session.entries[session.index].siblings)))
        return session
