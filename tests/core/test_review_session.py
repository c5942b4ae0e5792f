"""The time-budget review's session on its own (culler.core.review_session): paging the sweep,
carrying time over, borrowing more time, saving and reading back, damage."""

from __future__ import annotations

import json

import pytest

from culler.core.review_session import ReviewEntry, ReviewSession


def _session(seconds, sweep_from=None, page_size=2):
    entries = [ReviewEntry(i + 1, 1.0 - i / 10, s, s, sweep=sweep_from is not None and i >= sweep_from)
               for i, s in enumerate(seconds)]
    return ReviewSession(entries, sum(seconds), floor_s=0.5, page_size=page_size)


def test_session_pages_the_sweep_and_carries_time_over_exactly():
    s = _session([10.0, 6.0, 1.0, 1.0, 1.0], sweep_from=2, page_size=2)
    assert [list(s.stop_range(i)) for i in (0, 1, 2, 3, 4)] == [[0], [1], [2, 3], [2, 3], [4]]
    for _ in range(105):  # 10.5 s in 0.1 s ticks: the first photo's 10 s, then half a second of the next
        s.consume(0.1)
    assert s.index == 1 and s.entries[0].spent == pytest.approx(10.0) and s.left_here() == pytest.approx(5.5)
    s.consume(30.0)  # a stalled event loop never eats more than MAX_TICK_S
    assert s.index == 1 and s.left_here() == pytest.approx(4.5)
    s.next()
    assert s.in_sweep and s.page_ids() == [3, 4] and s.seconds_here() == pytest.approx(2.0)


def test_session_borrows_more_time_until_the_tail_is_at_the_floor_then_runs_longer():
    s = _session([10.0, 4.0, 2.0])
    borrowed, added = s.more_time(5.0)
    assert borrowed == pytest.approx(5.0) and added == 0 and s.left_total() == pytest.approx(16.0)
    assert s.entries[1].seconds >= s.entries[2].seconds >= 0.5
    borrowed, added = s.more_time(5.0)
    assert borrowed == pytest.approx(0.0, abs=1e-9) and added == pytest.approx(5.0)
    assert s.left_total() == pytest.approx(21.0)  # the review runs longer; the summary says by how much


def test_session_json_round_trip_and_damage():
    s = _session([10.0, 6.0, 1.0, 1.0], sweep_from=2)
    s.consume(0.7)
    s.next()
    s.consume(1.2)
    again = ReviewSession.from_json(json.loads(json.dumps(s.to_json())))
    assert again.index == 1 and again.left_here() == pytest.approx(s.left_here(), abs=1e-3)
    assert again.entries[0].seen is False and again.page_size == 2
    for damaged in ({}, {"version": 1}, {"version": 1, "entries": [[1, 2]], "index": 0, "budget_seconds": 3},
                    "nonsense", {"version": 99}):
        with pytest.raises(ValueError):
            ReviewSession.from_json(damaged)
    assert again.drop_missing({1, 3, 4}) == 1 and again.index == 1 and again.entries[1].photo_id == 3
