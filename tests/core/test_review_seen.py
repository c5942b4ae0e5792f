"""A review credits "seen" only for photos on screen long enough to be looked at (issue 15, #10):
flicking through sweep pages with Return no longer makes 80 of 80 photos "seen" in 3 s."""

from __future__ import annotations

from datetime import datetime, timedelta

from culler.core.budget import BudgetItem, plan
from culler.core.review_seen import (
    MIN_ALONE_S,
    RULE,
    counts_as_seen,
    page_seconds_needed,
)

PAGE = 24


def schedule(n: int = 80, minutes: float = 1.0):
    t0 = datetime(2024, 5, 1, 10, 0, 0)
    items = [BudgetItem(i + 1, 1 - i / n, t0 + timedelta(seconds=i)) for i in range(n)]
    return plan(items, total_seconds=60 * minutes).entries


def seen_after(entries, seconds_per_stop: float, decided: frozenset = frozenset()) -> int:
    """Photos credited when each stop (a photo, or a page of PAGE sweep photos) stays
    `seconds_per_stop` on screen, its time shared among the page as the review shares it."""
    singles = [e for e in entries if not e.sweep]
    sweep = [e for e in entries if e.sweep]
    count = sum(counts_as_seen(seconds_per_stop, False, e.photo_id in decided) for e in singles)
    for start in range(0, len(sweep), PAGE):
        page = sweep[start:start + PAGE]
        planned = sum(e.seconds for e in page)
        count += sum(counts_as_seen(seconds_per_stop * e.seconds / planned, True, e.photo_id in decided)
                     for e in page)
    return count


def test_flicking_through_sweep_pages_credits_nothing_but_decisions():
    entries = schedule()
    sweep = [e for e in entries if e.sweep]
    assert len(sweep) >= PAGE  # the low tail is swept as pages

    assert seen_after(entries, 0.04) == 0  # Return held down: 80 photos in ~3 s
    decided = frozenset({sweep[0].photo_id, sweep[-1].photo_id})
    assert seen_after(entries, 0.04, decided) == 2


def test_a_page_left_on_screen_long_enough_credits_all_its_photos():
    entries = schedule()
    assert seen_after(entries, page_seconds_needed(PAGE) + 0.5) == len(entries)
    assert page_seconds_needed(PAGE) == 6.0


def test_a_single_photo_needs_half_a_second_and_the_rule_says_so():
    assert not counts_as_seen(MIN_ALONE_S - 0.1, on_sweep_page=False)
    assert counts_as_seen(MIN_ALONE_S, on_sweep_page=False)
    assert counts_as_seen(0.0, on_sweep_page=False, decided=True)
    assert "0.5 s on screen by itself" in RULE and "decide" in RULE
