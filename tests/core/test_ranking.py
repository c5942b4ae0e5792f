"""Best-of-group suggestions from signal dicts: the clean frame wins, clearly bad frames are
suggested for reject only when a better one exists, and every photo says why."""

from __future__ import annotations

from culler.core.grouping import Group
from culler.core.ranking import rank_groups

CLEAN = {"sharpness": 0.8, "motion_blur": 0.05, "noise": 0.1, "exposure": 0.9, "highlights_clipped": 0.0,
         "shadows_clipped": 0.0, "brightness": 0.5, "faces": 2, "eyes_closed": 0, "eyes_open": 1.0}


def _frame(**changes):
    d = dict(CLEAN)
    d.update(changes)
    return d


def _rows(groups, signals, scores=None, keep_n=1):
    return {r.photo_id: r for r in rank_groups(groups, signals, scores or {}, keep_n=keep_n)}


def test_clean_frame_is_picked_over_blurred_shaken_noisy_dark_and_blinking_neighbours():
    signals = {
        1: _frame(sharpness=0.3),  # out of focus
        2: _frame(motion_blur=0.6, sharpness=0.45),  # shaken
        3: _frame(noise=0.45, sharpness=0.78),  # noisy (and sharpness not fooled by it)
        4: CLEAN,
        5: _frame(exposure=0.35, shadows_clipped=0.12, brightness=0.15),  # too dark
        6: _frame(eyes_closed=1, eyes_open=0.5),  # one of two people blinked
    }
    rows = _rows([Group([1, 2, 3, 4, 5, 6], "burst")], signals)
    assert rows[4].group_rank == 1 and rows[4].suggestion == "pick"
    assert rows[4].reasons[:2] == ["best of 6", "sharpest of 6"]
    assert rows[6].suggestion == "reject" and "eyes closed (1 of 2 faces)" in rows[6].reasons
    assert rows[2].suggestion == "reject" and "motion blur" in rows[2].reasons
    assert rows[1].suggestion == "reject" and any(r.startswith("blurred") for r in rows[1].reasons)
    assert rows[5].suggestion == "reject" and "12 % shadows clipped" in rows[5].reasons
    assert "underexposed (3.8 stops darker)" in rows[5].reasons
    assert rows[3].suggestion is None and "noisier than the best frame" in rows[3].reasons
    assert sorted(r.group_rank for r in rows.values()) == [1, 2, 3, 4, 5, 6]
    assert {r.group for r in rows.values()} == {"g1"} and all(r.group_size == 6 for r in rows.values())


def test_open_eyes_beat_a_slightly_sharper_frame_with_closed_eyes():
    signals = {1: _frame(sharpness=0.85, eyes_closed=1, eyes_open=0.5), 2: _frame(sharpness=0.8)}
    rows = _rows([Group([1, 2], "burst")], signals)
    assert rows[2].suggestion == "pick" and rows[1].suggestion == "reject"


def test_exposure_is_judged_against_the_burst_not_against_mid_grey():
    # A night scene: the frames at the photographer's metering are dark; the one 1.7 stops
    # brighter looks "better exposed" to an absolute measure but is the odd one out, and clips.
    night = {"sharpness": 0.8, "brightness": 0.25, "exposure": 0.7, "highlights_clipped": 0.002}
    signals = {1: dict(night), 2: dict(night, sharpness=0.79), 3: dict(night, sharpness=0.78),
               4: dict(night, brightness=0.43, exposure=0.95, highlights_clipped=0.03, sharpness=0.84)}
    rows = _rows([Group([1, 2, 3, 4], "burst")], signals)
    assert rows[1].suggestion == "pick"
    assert rows[4].group_rank == 4 and "3 % highlights clipped" in rows[4].reasons


def test_a_frame_as_sharp_as_the_best_is_not_called_shaken():
    # strong straight lines make the directional measure read high on a steady frame
    signals = {1: _frame(motion_blur=0.9, sharpness=0.86), 2: _frame(motion_blur=0.5, sharpness=0.85),
               3: _frame(motion_blur=0.9, sharpness=0.4)}
    rows = _rows([Group([1, 2, 3], "burst")], signals)
    assert rows[1].suggestion == "pick" and "motion blur" not in rows[1].reasons
    assert rows[3].suggestion == "reject" and "motion blur" in rows[3].reasons


def test_highlight_clipping_is_reported_in_percent():
    signals = {1: CLEAN, 2: _frame(highlights_clipped=0.03, exposure=0.8, brightness=0.6)}
    rows = _rows([Group([1, 2], "burst")], signals)
    assert rows[1].suggestion == "pick"
    assert "3 % highlights clipped" in rows[2].reasons
    assert rows[2].suggestion is None  # 3 % is worth saying, not worth a reject


def test_no_reject_when_every_frame_shares_the_fault():
    shaken = {i: _frame(motion_blur=0.7 + 0.01 * i, sharpness=0.3) for i in range(3)}
    rows = _rows([Group([0, 1, 2], "burst")], shaken)
    assert rows[0].suggestion == "pick"
    assert [rows[i].suggestion for i in (1, 2)] == [None, None]


def test_keep_n_suggests_the_top_frames():
    signals = {i: _frame(sharpness=0.5 + 0.1 * i) for i in range(4)}
    rows = _rows([Group([0, 1, 2, 3], "duplicates")], signals, keep_n=2)
    assert {i for i, r in rows.items() if r.suggestion == "pick"} == {2, 3}
    assert rows[3].group_rank == 1 and rows[2].group_rank == 2
    assert rows[3].reasons[0] == "best of 4" and rows[2].reasons[0] == "top 2 of 4"


def test_only_technical_signals_with_gaps_still_rank():
    signals = {1: {"sharpness": 0.7, "motion_blur": None, "noise": 0.2},
               2: {"sharpness": None, "motion_blur": 0.5, "noise": None},
               3: {"sharpness": 0.2, "exposure": None}}
    rows = _rows([[1, 2, 3]], signals, scores={1: (0.6, 0.5), 2: None})
    assert rows[1].suggestion == "pick" and rows[1].kind == "burst"
    assert rows[3].suggestion == "reject"  # far softer than frame 1


def test_quality_scores_break_ties_between_technically_equal_frames():
    signals = {1: _frame(clipiqa=0.4, nima=4.0), 2: _frame(clipiqa=0.7, nima=6.5)}
    rows = _rows([Group([1, 2], "burst")], signals, scores={1: 0.5, 2: 0.7})
    assert rows[2].suggestion == "pick" and rows[1].suggestion is None
    assert rows[1].reasons == ["lower quality score"]


def test_group_without_any_signal_gets_no_suggestions():
    rows = _rows([Group([1, 2], "burst")], {})
    assert [rows[1].suggestion, rows[2].suggestion] == [None, None]
    assert rows[1].reasons == ["no quality signals yet"]


def test_singles_get_no_pick_and_a_reject_only_for_an_accidental_black_frame():
    signals = {1: CLEAN, 2: _frame(motion_blur=0.8, sharpness=0.3),
               3: _frame(shadows_clipped=0.95, brightness=0.01, sharpness=None, contrast=0.02),  # lens cap
               4: _frame(shadows_clipped=0.92, brightness=0.05, sharpness=0.8, contrast=0.6),  # fireworks
               5: _frame(highlights_clipped=0.8, brightness=0.9, sharpness=0.7, contrast=0.5)}  # product on white
    rows = _rows([Group([i], "single") for i in range(1, 6)], signals)
    assert rows[1].suggestion is None and rows[1].reasons == []
    assert rows[2].suggestion is None and rows[2].reasons == ["motion blur"]
    assert rows[3].suggestion == "reject" and rows[3].reasons[0] == "almost entirely black"
    assert rows[4].suggestion is None and rows[5].suggestion is None  # dark or white on purpose, with detail
    assert all(r.kind == "single" and r.group_size == 1 for r in rows.values())


def test_brackets_and_panoramas_keep_capture_order_and_get_no_suggestions():
    signals = {1: CLEAN, 2: _frame(exposure=0.1, shadows_clipped=0.5), 3: _frame(sharpness=0.1)}
    for kind in ("bracket", "panorama"):
        rows = _rows([Group([1, 2, 3], kind)], signals)
        assert [rows[i].group_rank for i in (1, 2, 3)] == [1, 2, 3]
        assert all(r.suggestion is None and r.kind == kind for r in rows.values())


def test_a_noisier_frame_is_not_the_sharpest_and_does_not_win():
    # auto-ISO jumped: noise reads as a little extra edge energy, and noise itself is much higher
    signals = {1: CLEAN, 2: _frame(noise=0.6, sharpness=0.83), 3: _frame(sharpness=0.5)}
    rows = _rows([Group([1, 2, 3], "burst")], signals)
    assert rows[1].group_rank == 1 and rows[1].reasons[:2] == ["best of 3", "sharpest of 3"]
    assert "noisier than the best frame" in rows[2].reasons


def test_clipping_the_scene_shares_is_no_fault_and_darker_frames_buy_nothing():
    # A bright sky blown in every well-exposed frame; one frame 1.3 stops darker "unclips" it.
    sky = _frame(highlights_clipped=0.12, brightness=0.6, exposure=0.6)
    signals = {1: dict(sky), 2: dict(sky, sharpness=0.5), 3: dict(sky, noise=0.5),
               4: _frame(highlights_clipped=0.02, brightness=0.4, exposure=0.9)}
    rows = _rows([Group([1, 2, 3, 4], "burst")], signals)
    assert rows[1].group_rank == 1 and rows[1].suggestion == "pick"
    assert rows[4].group_rank > 1 and any("darker" in r for r in rows[4].reasons)


def test_half_a_burst_under_exposed_does_not_make_the_good_frame_overexposed():
    good = _frame(brightness=0.5, highlights_clipped=0.004)
    dark = _frame(brightness=0.31, highlights_clipped=0.0, shadows_clipped=0.05)
    signals = {1: dict(dark), 2: dict(good), 3: dict(dark, brightness=0.30), 4: dict(good, sharpness=0.55)}
    rows = _rows([Group([1, 2, 3, 4], "burst")], signals)
    assert rows[2].group_rank == 1 and rows[2].suggestion == "pick"
    assert not any("overexposed" in r or "brighter" in r for r in rows[2].reasons)
    assert all(r.suggestion != "reject" for i, r in rows.items() if i in (2, 4))


def test_a_heavily_compressed_copy_loses_to_the_original():
    signals = {1: _frame(blockiness=9.0), 2: _frame(blockiness=2.0)}
    rows = _rows([Group([1, 2], "duplicates")], signals)
    assert rows[2].group_rank == 1


def test_a_barely_worse_frame_gets_reasons_but_never_a_reject():
    signals = {1: CLEAN, 2: _frame(sharpness=0.76, noise=0.12)}
    rows = _rows([Group([1, 2], "burst")], signals)
    assert rows[1].suggestion == "pick" and rows[2].suggestion is None


def test_quality_scores_cannot_overturn_clear_technical_evidence():
    signals = {1: _frame(clipiqa=0.2, nima=2.0), 2: _frame(sharpness=0.3, clipiqa=0.95, nima=9.5)}
    rows = _rows([Group([1, 2], "burst")], signals, scores={1: 0.3, 2: 0.95})
    assert rows[1].group_rank == 1 and rows[2].suggestion == "reject"


def test_album_scores_lower_a_frame_with_a_clearly_better_sibling_only():
    from culler.core.ranking import album_scores

    signals = {1: CLEAN, 2: _frame(sharpness=0.25, motion_blur=0.7), 3: CLEAN, 4: _frame(sharpness=0.79)}
    groups = [Group([1, 2], "burst"), Group([3], "single"), Group([4], "single")]
    rows = rank_groups(groups, signals, {})
    fused = {1: 0.7, 2: 0.6, 3: 0.5, 4: 0.5}
    final = album_scores(rows, fused, signals)
    assert final[1] == 0.7 and final[3] == 0.5 and final[4] == 0.5  # best frames and singles unchanged
    assert final[2] < 0.6 * 0.5  # clearly worse than its sibling: below any single in the album
