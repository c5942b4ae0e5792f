"""Time-budget review: the schedule a user follows when they have M minutes for a shoot."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from culler.core import budget
from culler.core.budget import BudgetItem, build_items, plan, review_summary
from culler.core.records import Decision, GroupRow, Photo, PhotoMeta

T0 = datetime(2024, 5, 1, 10, 0, 0)


def items_from(scores):
    return [BudgetItem(i + 1, s, T0 + timedelta(seconds=i)) for i, s in enumerate(scores)]


def assert_invariants(p, n, total):
    assert p.count == n
    secs = [e.seconds for e in p.entries]
    assert all(a >= b - 1e-9 for a, b in zip(secs, secs[1:])), "seconds rose as the order went on"
    assert abs(sum(secs) - total) <= 0.01 * total
    assert all(s > 0 for s in secs)
    assert min(secs) >= p.floor_s * (1 - 1e-9) and max(secs) <= p.cap_s * (1 + 1e-9)


def test_better_photos_get_more_time_and_the_sum_is_the_budget():
    scores = [0.9, 0.1, 0.5, 0.7, 0.3, None, 0.95, 0.2]
    p = plan(items_from(scores), total_seconds=60)
    assert_invariants(p, len(scores), 60)
    ordered_scores = [e.score for e in p.entries]
    assert ordered_scores == [0.95, 0.9, 0.7, 0.5, 0.3, 0.2, 0.1, None]
    assert p.best_seconds > p.worst_seconds
    assert sorted(e.photo_id for e in p.entries) == list(range(1, 9))


def test_seconds_never_rise_as_the_score_falls():
    scores = [0.31, 0.32, 0.9, 0.05, 0.6, 0.6, 0.61, 0.99, 0.0, 1.0]
    p = plan(items_from(scores), total_seconds=45)
    by_score = sorted(p.entries, key=lambda e: -e.score)
    for a, b in zip(by_score, by_score[1:]):
        if a.score > b.score:
            assert a.seconds >= b.seconds - 1e-9
        else:
            assert a.seconds == pytest.approx(b.seconds)  # equal scores, equal time


def test_unscored_album_gets_equal_time_in_capture_order():
    items = [BudgetItem(i, None, T0 + timedelta(seconds=10 - i)) for i in range(1, 6)]
    p = plan(items, total_seconds=50)
    assert [e.seconds for e in p.entries] == pytest.approx([10.0] * 5)
    assert [e.photo_id for e in p.entries] == [5, 4, 3, 2, 1]  # earliest capture first


def test_narrow_technical_only_scores_still_spread_the_time():
    scores = [0.48 + 0.005 * i for i in range(9)]  # everything between 0.48 and 0.52
    p = plan(items_from(scores), total_seconds=90)
    assert p.best_seconds > 3 * p.worst_seconds


def test_floor_and_cap_hold_when_the_budget_allows():
    scores = [i / 99 for i in range(100)]
    p = plan(items_from(scores), total_seconds=900, floor_s=1.0, cap_s=12.0)
    assert_invariants(p, 100, 900)
    assert p.floor_s == 1.0 and p.cap_s == 12.0
    assert p.best_seconds == pytest.approx(12.0)  # the top is capped
    assert p.worst_seconds >= 1.0 - 1e-9


def test_tiny_budget_drops_the_floor_and_sweeps_everything():
    p = plan(items_from([i / 9 for i in range(10)]), total_seconds=2.0, floor_s=0.5)
    assert_invariants(p, 10, 2.0)
    assert p.floor_s == 0.0
    assert p.sweep_start_index == 0 and all(e.sweep for e in p.entries)


def test_huge_budget_drops_the_cap_but_keeps_the_order():
    p = plan(items_from([0.9, 0.5, 0.1]), total_seconds=3600, cap_s=20)
    assert_invariants(p, 3, 3600)
    assert p.best_seconds > 1000


def test_tail_below_a_glance_becomes_one_sweep_block():
    scores = [i / 699 for i in range(700)]  # 700 photos in 10 minutes
    p = plan(items_from(scores), total_seconds=600, glance_s=1.5)
    assert_invariants(p, 700, 600)
    start = p.sweep_start_index
    assert start is not None and 0 < start < 700
    assert all(not e.sweep and e.seconds >= 1.5 for e in p.entries[:start])
    tail = p.entries[start:]
    assert all(e.sweep for e in tail)
    assert len({round(e.seconds, 9) for e in tail}) == 1  # the block is shared evenly
    assert p.sweep_seconds == pytest.approx(sum(e.seconds for e in tail))


def test_best_seconds_fixes_the_top_and_the_total_follows():
    p = plan(items_from([0.2, 0.8, 0.5, None]), best_seconds=8.0)
    assert p.best_seconds == pytest.approx(8.0)
    assert p.total_seconds == pytest.approx(sum(e.seconds for e in p.entries))
    assert p.entries[-1].score is None


def test_bad_budgets_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="exactly one"):
        plan(items_from([0.5]))
    with pytest.raises(ValueError, match="positive"):
        plan(items_from([0.5]), total_seconds=0)
    assert plan([], total_seconds=60).count == 0


def test_plan_json_is_serialisable():
    p = plan(items_from([0.2, 0.4]), total_seconds=10)
    data = json.loads(json.dumps(p.to_json()))
    assert data["count"] == 2 and len(data["entries"]) == 2


@settings(max_examples=150, deadline=None)
@given(scores=st.lists(st.one_of(st.none(), st.floats(0, 1)), min_size=1, max_size=80),
       total=st.floats(0.5, 20000), floor=st.floats(0.1, 3), cap_extra=st.floats(0, 40))
def test_property_invariants_hold_for_any_album(scores, total, floor, cap_extra):
    p = plan(items_from(scores), total_seconds=total, floor_s=floor, cap_s=floor + cap_extra)
    assert_invariants(p, len(scores), total)
    sweep = [e.sweep for e in p.entries]
    assert sweep == sorted(sweep)  # the sweep is one tail
    seen_scores = [e.score for e in p.entries if e.score is not None]
    assert seen_scores == sorted(seen_scores, reverse=True)
    assert all(e.score is None for e in p.entries[len(seen_scores):])


# ---- scope selection -------------------------------------------------------------------------

def album():
    photos = [Photo(f"IMG_{i}.JPG", "jpeg", id=i, meta=PhotoMeta(captured_at=T0 + timedelta(seconds=i)))
              for i in range(1, 7)]
    # group a: 1 (best), 2, 3; group b: 4 (best), 5; 6 alone
    groups = {1: GroupRow(1, "a", 3, 1), 2: GroupRow(2, "a", 3, 2), 3: GroupRow(3, "a", 3, 3),
              4: GroupRow(4, "b", 2, 1), 5: GroupRow(5, "b", 2, 2), 6: GroupRow(6, "c", 1, 1)}
    scores = {1: (0.9, 1.0), 2: (0.6, 1.0), 3: (0.2, 1.0), 4: (0.7, 1.0), 5: (None, None)}
    decisions = {2: Decision("pick"), 3: Decision(rating=2), 5: Decision(label="Red")}
    return photos, scores, groups, decisions


def test_scope_best_reviews_one_frame_per_group_with_siblings_one_key_away():
    photos, scores, groups, decisions = album()
    items = build_items(photos, scores, groups, decisions, "best")
    assert {it.photo_id: it.siblings for it in items} == {1: (2, 3), 4: (5,), 6: ()}
    p = plan(items, total_seconds=30)
    assert [e.photo_id for e in p.entries] == [1, 4, 6]  # 6 is unscored: last
    assert p.entries[0].siblings == (2, 3)


def test_scope_unreviewed_skips_flagged_and_rated_photos():
    photos, scores, groups, decisions = album()
    ids = {it.photo_id for it in build_items(photos, scores, groups, decisions, "unreviewed")}
    assert ids == {1, 4, 5, 6}  # a label alone is not a review


def test_scope_all_and_explicit_ids():
    photos, scores, groups, decisions = album()
    all_items = build_items(photos, scores, groups, decisions, "all")
    assert len(all_items) == 6 and all(it.siblings == () for it in all_items)
    picked = build_items(photos, scores, groups, decisions, [3, 6, 99])
    assert {it.photo_id: it.siblings for it in picked} == {3: (1, 2), 6: ()}
    with pytest.raises(ValueError, match="scope"):
        build_items(photos, scores, groups, decisions, "everything")


# ---- review summary --------------------------------------------------------------------------

def test_review_summary_counts_time_and_decisions_per_score_band():
    rows = [(1, 0.95, Decision("pick", 3), 12.0), (2, 0.85, Decision("reject"), 3.0),
            (3, 0.5, {"flag": "pick", "rating": 0, "label": None}, 2.0), (4, 0.1, None, 0.0),
            (5, None, Decision(), 1.0), (6, 0.2, Decision("reject"), 0.5)]
    s = review_summary(rows, budget_seconds=15, scope="best")
    json.dumps(s)
    assert s["seconds_spent"] == pytest.approx(18.5)
    assert s["over_budget_seconds"] == pytest.approx(3.5)
    assert (s["photos"], s["seen"], s["picks"], s["rejects"], s["rated"]) == (6, 5, 2, 2, 1)
    bands = {b["band"]: b for b in s["bands"]}
    assert bands["0.8-1.0"]["picks"] == 1 and bands["0.8-1.0"]["rejects"] == 1
    assert bands["0.2-0.4"]["rejects"] == 1  # 0.2 belongs to the band it starts
    assert bands["0.0-0.2"]["seen"] == 0
    assert bands["unscored"]["seen"] == 1
    assert budget.SCORE_BANDS[-1] == (0.8, 1.0)
