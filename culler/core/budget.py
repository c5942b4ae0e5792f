"""Time-budget review: how many seconds each photo gets when the user has M minutes for a shoot.

The schedule ("plan") puts photos in review order — fused score descending, unscored photos last,
ties and unscored photos by capture time — and gives each one a number of seconds:

    p_i = percentile of score_i in the album (1 = best; ties share their mean percentile)
    w_i = W_MIN + (1 - W_MIN) * p_i ** GAMMA                    (monotone in the score)
    t_i = clamp(k * w_i, floor_s, cap_s)

with the single scale k found by bisection so that sum(t_i) equals the budget exactly. Percentiles
(not raw scores) drive the weights, so a narrow score spread — technical-only scores often sit
between 0.4 and 0.6 — still spreads the time. An unscored photo gets the smallest weight of the
scored ones (it comes last and must not get more time than photos reviewed before it); when no
photo is scored, all weights are equal and every photo gets the same time.

When the budget cannot respect the bounds, the bound in the way is dropped: fewer than
`floor_s` seconds per photo on average -> no floor (time stays proportional to the weight); more
than `cap_s` -> no cap. With `best_seconds` instead of a budget, k is set so the best photo gets
exactly that and the total follows.

Seconds never rise as the score falls. The tail of photos whose time falls under `glance_s` is
marked `sweep=True`: it is reviewed as a fast grid sweep, so it gets its share of time as one
block, spread evenly over its photos (which keeps both the sum and the order of the seconds).

Also here: choosing which photos a review covers (`build_items`) and the summary stored after a
review (`review_summary`). Pure functions over plain records; no store, no Qt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from culler.core.records import Decision, GroupRow, Photo

W_MIN = 0.05  # weight of the worst photo relative to the best (before floor and cap)
GAMMA = 3.0  # > 1: time goes mostly to the top; the tail is swept in a grid, which is cheap
DEFAULT_FLOOR_S = 0.5
DEFAULT_CAP_S = 20.0
DEFAULT_GLANCE_S = 1.5
SCOPES = ("all", "unreviewed", "best")
SCORE_BANDS = ((0.0, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 1.0))


@dataclass(frozen=True)
class BudgetItem:
    """One photo to schedule. `siblings`: other frames of its group reachable from this entry."""

    photo_id: int
    score: float | None = None
    captured_at: datetime | None = None
    siblings: tuple[int, ...] = ()


@dataclass(frozen=True)
class PlanEntry:
    photo_id: int
    seconds: float
    score: float | None
    sweep: bool
    siblings: tuple[int, ...] = ()


@dataclass
class Plan:
    """A review schedule; `entries` are in review order."""

    entries: list[PlanEntry] = field(default_factory=list)
    total_seconds: float = 0.0
    floor_s: float = DEFAULT_FLOOR_S  # bounds actually applied (0 / inf when dropped)
    cap_s: float = DEFAULT_CAP_S
    glance_s: float = DEFAULT_GLANCE_S

    @property
    def count(self) -> int:
        return len(self.entries)

    @property
    def best_seconds(self) -> float:
        return self.entries[0].seconds if self.entries else 0.0

    @property
    def worst_seconds(self) -> float:
        return self.entries[-1].seconds if self.entries else 0.0

    @property
    def sweep_start_index(self) -> int | None:
        """Index of the first entry of the sweep tail, None when every photo gets a real look."""
        for i, e in enumerate(self.entries):
            if e.sweep:
                return i
        return None

    @property
    def sweep_seconds(self) -> float:
        return sum(e.seconds for e in self.entries if e.sweep)

    def to_json(self) -> dict:
        return {
            "total_seconds": self.total_seconds,
            "count": self.count,
            "best_seconds": self.best_seconds,
            "worst_seconds": self.worst_seconds,
            "sweep_start_index": self.sweep_start_index,
            "sweep_seconds": self.sweep_seconds,
            "entries": [{"photo_id": e.photo_id, "seconds": e.seconds, "score": e.score,
                         "sweep": e.sweep, "siblings": list(e.siblings)} for e in self.entries],
        }


def review_order(items: list[BudgetItem]) -> list[BudgetItem]:
    """Score descending, unscored last; ties (and the unscored) by capture time, then input order."""
    def key(indexed):
        i, it = indexed
        unscored = it.score is None
        time_key = (it.captured_at is None, it.captured_at or datetime.min)
        return (unscored, 0.0 if unscored else -float(it.score), time_key, i)

    return [it for _, it in sorted(enumerate(items), key=key)]


def weights(ordered: list[BudgetItem]) -> list[float]:
    """w_i for items already in review order (see the module docstring)."""
    scores = [it.score for it in ordered if it.score is not None]
    if not scores:
        return [1.0] * len(ordered)
    percentile = _percentiles(scores)
    scored_w = {s: W_MIN + (1.0 - W_MIN) * p ** GAMMA for s, p in percentile.items()}
    w_none = min(scored_w.values())
    return [w_none if it.score is None else scored_w[it.score] for it in ordered]


def _percentiles(scores: list[float]) -> dict[float, float]:
    """score -> percentile in [0, 1], 1 for the best; equal scores share their mean rank."""
    ranked = sorted(scores)
    n = len(ranked)
    if n == 1:
        return {ranked[0]: 1.0}
    first: dict[float, int] = {}
    last: dict[float, int] = {}
    for i, s in enumerate(ranked):
        first.setdefault(s, i)
        last[s] = i
    return {s: (first[s] + last[s]) / 2.0 / (n - 1) for s in first}


def plan(items: list[BudgetItem], total_seconds: float | None = None, best_seconds: float | None = None,
         floor_s: float = DEFAULT_FLOOR_S, cap_s: float = DEFAULT_CAP_S,
         glance_s: float = DEFAULT_GLANCE_S) -> Plan:
    """The review schedule for `items` within `total_seconds` (or giving the best `best_seconds`)."""
    if (total_seconds is None) == (best_seconds is None):
        raise ValueError("give exactly one of total_seconds or best_seconds")
    if not (0 < floor_s <= cap_s):
        raise ValueError(f"need 0 < floor_s <= cap_s, got floor {floor_s}, cap {cap_s}")
    budget = total_seconds if total_seconds is not None else best_seconds
    if not (isinstance(budget, (int, float)) and math.isfinite(budget) and budget > 0):
        raise ValueError(f"the time budget must be a positive number of seconds, not {budget!r}")
    ordered = review_order(items)
    if not ordered:
        return Plan([], 0.0, floor_s, cap_s, glance_s)
    w = weights(ordered)
    n = len(ordered)
    if total_seconds is not None:
        lo = floor_s if n * floor_s <= total_seconds else 0.0
        hi = cap_s if n * cap_s >= total_seconds else math.inf
        k = _solve_scale(w, lo, hi, float(total_seconds))
    else:
        lo = floor_s if best_seconds >= floor_s else 0.0
        hi = max(cap_s, float(best_seconds))
        k = best_seconds / max(w)
    seconds = [min(max(k * wi, lo), hi) for wi in w]
    if total_seconds is not None:  # remove the bisection's last rounding so the sum is exact
        drift = total_seconds / sum(seconds)
        seconds = [s * drift for s in seconds]
    sweep_from = next((i for i, s in enumerate(seconds) if s < glance_s), n)
    if sweep_from < n:
        block = sum(seconds[sweep_from:])
        seconds[sweep_from:] = [block / (n - sweep_from)] * (n - sweep_from)
    entries = [PlanEntry(it.photo_id, s, it.score, i >= sweep_from, tuple(it.siblings))
               for i, (it, s) in enumerate(zip(ordered, seconds))]
    return Plan(entries, float(sum(seconds)), lo, hi, glance_s)


def _solve_scale(w: list[float], lo: float, hi: float, total: float) -> float:
    """k with sum(clamp(k*w_i, lo, hi)) == total; the sum is continuous and non-decreasing in k."""
    import numpy as np

    weights_ = np.asarray(w, dtype=np.float64)

    def spent(k: float) -> float:
        return float(np.clip(k * weights_, lo, hi).sum())

    low, high = 0.0, total / float(weights_.min())  # at `high` every photo gets >= total
    for _ in range(200):
        mid = (low + high) / 2.0
        if spent(mid) < total:
            low = mid
        else:
            high = mid
        if high - low <= 1e-12 * high:
            break
    return high


def build_items(photos: list[Photo], scores: dict[int, tuple[float | None, float | None]],
                groups: dict[int, GroupRow], decisions: dict[int, Decision],
                scope: str | list[int] = "all") -> list[BudgetItem]:
    """The photos a review covers.

    scope: 'all' | 'unreviewed' (flag none and rating 0) | 'best' (the best frame of each group,
    its siblings one key away) | a list of photo ids. `siblings` lists the other frames of the
    photo's group that have no entry of their own, best first.
    """
    by_id = {p.id: p for p in photos if p.id is not None}
    if isinstance(scope, str):
        if scope == "all":
            chosen = list(by_id)
        elif scope == "unreviewed":
            chosen = [i for i in by_id if _unreviewed(decisions.get(i))]
        elif scope == "best":
            with_best = {r.group for r in groups.values() if r.group_rank == 1 and r.photo_id in by_id}
            chosen = [i for i in by_id if i not in groups or groups[i].group_rank == 1
                      or groups[i].group not in with_best]
        else:
            raise ValueError(f"scope must be one of {SCOPES} or a list of photo ids, not {scope!r}")
    else:
        wanted = set(scope)
        chosen = [i for i in by_id if i in wanted]
    in_scope = set(chosen)
    members: dict[str, list[GroupRow]] = {}
    for row in groups.values():
        if row.photo_id in by_id:
            members.setdefault(row.group, []).append(row)
    items = []
    for pid in chosen:
        row = groups.get(pid)
        siblings: tuple[int, ...] = ()
        if row is not None:
            others = sorted((r for r in members.get(row.group, []) if r.photo_id != pid
                             and r.photo_id not in in_scope), key=lambda r: (r.group_rank, r.photo_id))
            siblings = tuple(r.photo_id for r in others)
        score = (scores.get(pid) or (None, None))[0]
        items.append(BudgetItem(pid, score, by_id[pid].meta.captured_at, siblings))
    return items


def plan_from_store(store, total_seconds: float | None = None, scope: str | list[int] = "all",
                    **kwargs) -> Plan:
    """`plan` over an album's session store (anything with photos(), scores(), groups(),
    decisions()); kwargs go to `plan` (best_seconds, floor_s, cap_s, glance_s)."""
    items = build_items(store.photos(), store.scores(), store.groups(), store.decisions(), scope)
    return plan(items, total_seconds=total_seconds, **kwargs)


def _unreviewed(d: Decision | None) -> bool:
    return d is None or (d.flag == "none" and d.rating == 0)


def review_summary(rows, budget_seconds: float, scope: str = "all",
                   finished_at: datetime | None = None) -> dict:
    """What a review did, as a JSON-able dict for `Store.add_review_summary`.

    rows: (photo_id, score | None, decision: Decision | dict | None, seconds_spent) per planned
    photo. A photo counts as seen when the user spent any time on it. Picks and rejects are
    counted per fixed score band (0-0.2 ... 0.8-1.0, plus 'unscored').
    """
    bands = [{"band": f"{lo:.1f}-{hi:.1f}", "lo": lo, "hi": hi} for lo, hi in SCORE_BANDS]
    bands.append({"band": "unscored", "lo": None, "hi": None})
    for b in bands:
        b.update(photos=0, seen=0, picks=0, rejects=0, rated=0, seconds_spent=0.0)
    for _photo_id, score, decision, spent in rows:
        d = _as_decision(decision)
        b = bands[-1] if score is None else bands[_band_index(float(score))]
        spent = max(0.0, float(spent or 0.0))
        b["photos"] += 1
        b["seen"] += spent > 0
        b["picks"] += d.flag == "pick"
        b["rejects"] += d.flag == "reject"
        b["rated"] += d.rating > 0
        b["seconds_spent"] += spent
    spent_total = sum(b["seconds_spent"] for b in bands)
    total = {k: sum(b[k] for b in bands) for k in ("photos", "seen", "picks", "rejects", "rated")}
    return {
        "finished_at": (finished_at or datetime.now()).isoformat(timespec="seconds"),
        "scope": scope,
        "budget_seconds": float(budget_seconds),
        "seconds_spent": spent_total,
        "over_budget_seconds": max(0.0, spent_total - float(budget_seconds)),
        **total,
        "bands": [b for b in bands if b["band"] != "unscored" or b["photos"]],
    }


def _band_index(score: float) -> int:
    score = min(max(score, 0.0), 1.0)
    return min(int(score / 0.2 + 1e-9), len(SCORE_BANDS) - 1)


def _as_decision(d) -> Decision:
    if d is None:
        return Decision()
    if isinstance(d, Decision):
        return d
    if isinstance(d, dict):
        return Decision.from_json(d)
    raise TypeError(f"expected a Decision or its JSON dict, not {type(d).__name__}")
