"""Grouping of real photographs: bursts, different subjects at one spot, no EXIF, brackets,
panoramas, and thresholds the user can move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from benchmarks.photo_factory import burst, exposure, real_photo, resize, shift_crop
from culler.core.grouping import Group, GroupingParams, GroupInput, group, tiny_image
from culler.core.ranking import rank_groups

T0 = datetime(2024, 5, 1, 10, 0, 0)


def _partition(groups: list[Group]) -> set[frozenset[int]]:
    return {frozenset(g.ids) for g in groups}


def _album(names: list[str], timed: bool = True, gap_s: float = 30.0, n_bad: int = 3):
    """Bursts of real photos; returns (items, truth partition)."""
    items, truth = [], []
    for k, name in enumerate(names):
        ids = []
        for _kind, img, t in burst(real_photo(name), T0 + timedelta(seconds=gap_s * k), n_bad=n_bad, seed=k):
            pid = len(items)
            items.append(GroupInput(pid, t if timed else None, None, tiny_image(img), 0.0, order=pid))
            ids.append(pid)
        truth.append(frozenset(ids))
    return items, set(truth)


def _same_spot(subject: str, background: str = "coffee") -> np.ndarray:
    """A different subject in front of the same background: what embeddings over-group."""
    bg = resize(real_photo(background), 600, 400)
    out = bg.copy()
    out[80:360, 180:420] = resize(real_photo(subject), 240, 280)
    return out


def test_bursts_of_real_photos_are_grouped_and_recognised_as_bursts():
    items, truth = _album(["astronaut", "coffee", "rocket", "chelsea"])
    groups = group(items)
    assert _partition(groups) == truth
    assert {g.kind for g in groups} == {"burst"}
    # Groups come in capture order, each in capture order.
    assert [g.ids for g in groups] == [sorted(g.ids) for g in sorted(groups, key=lambda g: g.ids[0])]


@pytest.mark.parametrize("timed", [True, False])
def test_burst_frames_stay_together_even_when_their_embeddings_disagree(timed):
    items, truth = _album(["astronaut", "coffee"], timed=timed)
    rng = np.random.default_rng(3)
    for it in items:  # a semantic model thrown off by blur/noise/darkness
        e = rng.standard_normal(512)
        it.embedding = (e / np.linalg.norm(e)).astype(np.float32)
    assert _partition(group(items)) == truth


def test_different_subjects_at_the_same_spot_are_not_merged_even_with_similar_embeddings():
    subjects = ["astronaut", "chelsea", "clock", "rocket"]
    rng = np.random.default_rng(0)
    shared = rng.standard_normal(512)
    items = []
    for k, s in enumerate(subjects):
        e = shared + 0.15 * rng.standard_normal(512)  # cosine ~0.98: a semantic model says "same"
        items.append(GroupInput(k, T0 + timedelta(seconds=8 * k), (e / np.linalg.norm(e)).astype(np.float32),
                                tiny_image(_same_spot(s)), 0.0, order=k))
    groups = group(items)
    assert len(groups) == len(subjects)
    assert {g.kind for g in groups} == {"single"}


def test_a_repeated_shot_of_the_same_subject_minutes_later_is_a_duplicate():
    a = _same_spot("astronaut")
    b = shift_crop(a, 3, -2, crop=0.02)
    items = [GroupInput(1, T0, None, tiny_image(a), 0.0), GroupInput(2, T0 + timedelta(seconds=50), None,
                                                                   tiny_image(b), 0.0)]
    (only,) = group(items)
    assert only.ids == [1, 2] and only.kind == "duplicates"


def test_photos_without_capture_time_are_grouped_in_filename_order():
    items, truth = _album(["astronaut", "coffee", "motorcycle_left"], timed=False)
    groups = group(items)
    assert _partition(groups) == truth
    assert {g.kind for g in groups} == {"duplicates"}  # no times: cannot call it a burst


def test_without_any_image_data_frames_seconds_apart_still_form_bursts():
    times = [0, 0.2, 0.4, 30, 30.3, 90]
    items = [GroupInput(i, T0 + timedelta(seconds=t)) for i, t in enumerate(times)]
    assert _partition(group(items)) == {frozenset({0, 1, 2}), frozenset({3, 4}), frozenset({5})}


def test_embeddings_alone_group_near_identical_frames():
    rng = np.random.default_rng(1)
    base = [rng.standard_normal(512) for _ in range(2)]
    items = []
    for k in range(6):
        e = base[k // 3] + 0.1 * rng.standard_normal(512)
        items.append(GroupInput(k, T0 + timedelta(seconds=0.3 * k + 20 * (k // 3)),
                                (e / np.linalg.norm(e)).astype(np.float32)))
    assert _partition(group(items)) == {frozenset({0, 1, 2}), frozenset({3, 4, 5})}


def test_exposure_bracket_is_recognised_and_gets_no_reject():
    base = real_photo("motorcycle_left")
    items = [GroupInput(i, T0 + timedelta(seconds=0.5 * i), None, tiny_image(exposure(base, ev)), ev, order=i)
             for i, ev in enumerate([0.0, -2.0, 2.0])]
    # a normal shot of something else right after the bracket
    items.append(GroupInput(3, T0 + timedelta(seconds=2), None, tiny_image(real_photo("chelsea")), 0.0, order=3))
    groups = group(items)
    assert [(g.ids, g.kind) for g in groups] == [([0, 1, 2], "bracket"), ([3], "single")]
    signals = {0: {"exposure": 0.9, "highlights_clipped": 0.0}, 1: {"exposure": 0.2, "shadows_clipped": 0.3},
               2: {"exposure": 0.2, "highlights_clipped": 0.3}, 3: {"exposure": 0.9}}
    rows = {r.photo_id: r for r in rank_groups(groups, signals, {})}
    assert all(rows[i].suggestion is None and rows[i].kind == "bracket" for i in (0, 1, 2))
    assert "exposure bracket" in rows[1].reasons[0]


def test_a_burst_with_a_constant_exposure_compensation_is_not_a_bracket():
    items, truth = _album(["coffee"])
    for it in items:
        it.exposure_bias = -0.7
    (only,) = group(items)
    assert only.kind == "burst"


def test_panorama_sequence_is_recognised():
    wide = real_photo("motorcycle_left")  # 741 x 500
    frames = [wide[:, x:x + 400] for x in (0, 170, 340)]  # 57 % overlap, panning right
    items = [GroupInput(i, T0 + timedelta(seconds=2 * i), None, tiny_image(f), 0.0, order=i)
             for i, f in enumerate(frames)]
    items.append(GroupInput(3, T0 + timedelta(seconds=7), None, tiny_image(real_photo("astronaut")), 0.0))
    groups = group(items)
    assert [(g.ids, g.kind) for g in groups] == [([0, 1, 2], "panorama"), ([3], "single")]
    rows = rank_groups(groups, {i: {"sharpness": 0.1 * i} for i in range(4)}, {})
    assert not any(r.suggestion == "reject" for r in rows)


def test_a_panorama_step_over_sky_that_nearly_matches_unshifted_stays_in_the_panorama():
    # five frames panned across the rocket at the pad: the frames of the last step nearly match as
    # they stand (a cheap look-alike test flagged them), yet shifted they match far better. It is a
    # panorama step, not a near-duplicate; the last frame used to be split off
    wide = real_photo("rocket")
    fw = wide.shape[1] // 2
    step = (wide.shape[1] - fw) // 4
    items = [GroupInput(i, T0 + timedelta(seconds=1.5 * i), None, tiny_image(wide[:, i * step:i * step + fw]), 0.0,
                        order=i) for i in range(5)]
    assert [(g.ids, g.kind) for g in group(items)] == [([0, 1, 2, 3, 4], "panorama")]


def test_tighter_thresholds_give_more_groups():
    rng = np.random.default_rng(2)
    base = rng.standard_normal(512)
    img = real_photo("astronaut")
    items = []
    for k in range(6):
        # the embedding drifts away from the first frame step by step
        e = base + 0.25 * k * rng.standard_normal(512)
        items.append(GroupInput(k, T0 + timedelta(seconds=3 * k), (e / np.linalg.norm(e)).astype(np.float32),
                                tiny_image(shift_crop(img, k, 0)), 0.0))
    loose = len(group(items, GroupingParams(similarity=0.3)))
    tight = len(group(items, GroupingParams(similarity=0.97)))
    assert loose == 1 and tight > loose

    items_px, _ = _album(["rocket"], n_bad=4)
    assert len(group(items_px, GroupingParams(pixel_corr=0.999))) > len(group(items_px, GroupingParams()))

    times, _ = _album(["astronaut", "coffee"], gap_s=5.0)
    for it in times:
        it.tiny = None  # only time left: scenes decide
    assert len(group(times, GroupingParams(burst_gap_s=10.0))) == 1
    assert len(group(times, GroupingParams(burst_gap_s=10.0, time_gap_s=2.0))) == 2


def test_bad_tiny_images_and_mixed_embeddings_do_not_break_grouping():
    items = [GroupInput(1, T0, np.ones(512, np.float32), np.full((32, 32), np.nan, np.float32)),
             GroupInput(2, T0 + timedelta(seconds=0.1), np.ones(128, np.float32), np.zeros((5,), np.float32)),
             GroupInput(3, None, None, (real_photo("coins")[..., 0]).astype(np.float32))]

    items.append(GroupInput(4, T0.replace(tzinfo=UTC), None, None, "not a number"))
    items.append(GroupInput(5, T0 + timedelta(seconds=0.2), None, None, float("nan")))
    groups = group(items)
    assert sorted(i for g in groups for i in g) == [1, 2, 3, 4, 5]
    assert group([]) == []


def test_group_behaves_like_a_list_of_ids():
    g = Group([4, 5, 6], "burst")
    assert list(g) == [4, 5, 6] and len(g) == 3 and g[0] == 4


@pytest.mark.parametrize("shape", [(32, 32), (300, 451, 3), (64, 48)])
def test_tiny_image_is_32x32_grey_between_0_and_1(shape):
    rng = np.random.default_rng(0)
    t = tiny_image(rng.integers(0, 256, shape).astype(np.uint8))
    assert t.shape == (32, 32) and t.dtype == np.float32 and 0 <= t.min() and t.max() <= 1
