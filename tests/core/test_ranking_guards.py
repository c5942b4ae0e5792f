"""Reject suggestions stay away from frames whose fault is only a guess (lone faces, unshared levels)."""

from culler.core import frame_model, ranking


def _frame(**kw):
    sig = {"sharpness": 0.8, "motion_blur": 0.05, "noise": 0.02, "brightness": 0.45, "light": 0.2,
           "highlights_clipped": 0.0, "shadows_clipped": 0.0, "contrast": 0.5, "blockiness": 1.0}
    sig.update(kw)
    return sig


def test_a_face_found_in_one_frame_alone_is_no_blink():
    # coins read as two faces with no eyes in one frame; the siblings found none
    # and another frame one face with nothing to say about eyes
    signals = {0: _frame(faces=1.0, eyes_closed=0.0), 1: _frame(faces=2.0, eyes_closed=2.0, eyes_open=0.0),
               2: _frame(faces=0.0, eyes_closed=0.0, sharpness=0.3), 3: _frame(faces=0.0, eyes_closed=0.0)}
    rows = {r.photo_id: r for r in ranking.rank_groups([[0, 1, 2, 3]], signals, {})}
    assert rows[1].suggestion != "reject"
    assert not any("eyes closed" in x for x in rows[1].reasons)


def test_a_blink_seen_in_every_frame_of_the_face_still_counts():
    signals = {0: _frame(faces=1.0, eyes_closed=0.0, eyes_open=1.0),
               1: _frame(faces=1.0, eyes_closed=1.0, eyes_open=0.0),
               2: _frame(faces=1.0, eyes_closed=0.0, eyes_open=1.0)}
    rows = {r.photo_id: r for r in ranking.rank_groups([[0, 1, 2]], signals, {})}
    assert rows[1].group_rank == 3 and rows[1].suggestion == "reject"


def test_no_exposure_reject_when_no_two_frames_share_a_level():
    # a clean frame and three strays darker at three different levels: the reference is a guess
    signals = {0: _frame(light=0.142, highlights_clipped=0.014), 1: _frame(light=0.039),
               2: _frame(light=0.064), 3: _frame(light=0.051)}
    rows = ranking.rank_groups([[0, 1, 2, 3]], signals, {})
    assert all(r.suggestion != "reject" for r in rows)


def test_a_darker_frame_that_blows_less_is_not_rejected_for_being_dark():
    # two frames share a level that clips 10 % of the frame; the darker one clips 1 %
    signals = {0: _frame(light=0.104, highlights_clipped=0.012), 1: _frame(light=0.263, highlights_clipped=0.102),
               2: _frame(light=0.258, highlights_clipped=0.099)}
    rows = {r.photo_id: r for r in ranking.rank_groups([[0, 1, 2]], signals, {})}
    assert rows[0].suggestion != "reject"


def test_no_exposure_reject_when_two_levels_are_shared_by_as_many_frames():
    # the clean frame and a defocused one share a level; two over-exposed strays share another
    # 1.6 stops brighter that blows almost nothing more: which level is right is a guess
    signals = {0: _frame(light=0.050), 1: _frame(light=0.050, sharpness=0.3),
               2: _frame(light=0.152, highlights_clipped=0.005), 3: _frame(light=0.158, highlights_clipped=0.006)}
    rows = {r.photo_id: r for r in ranking.rank_groups([[0, 1, 2, 3]], signals, {})}
    assert rows[0].suggestion != "reject"
    assert rows[1].suggestion == "reject"  # its blur is no guess


def _tile_map(edge_px: float, light: float = 0.2):
    """A detail map (technical.detail_map's 5 layers of 16 x 16 tiles) of a scene whose edges are
    `edge_px` wide everywhere, with structure from flat to strong across the tiles."""
    import numpy as np

    coarse = np.linspace(1.0, 2000.0, 256)
    ratio2 = (1.6 ** 2 + edge_px ** 2) / (0.8 ** 2 + edge_px ** 2)  # fine / coarse energy, as technical
    return np.stack([ratio2 * coarse, coarse, 0.05 * coarse + 20.0, np.ones(256), np.full(256, light)])


def test_a_frame_noise_made_look_blurred_is_not_rejected_when_its_tiles_are_as_crisp():
    # noisy siblings read four times as sharp over the whole frame; tile by tile the edges are alike
    signals = {0: _frame(sharpness=0.15), 1: _frame(sharpness=0.65), 2: _frame(sharpness=0.6)}
    details = {0: _tile_map(1.0), 1: _tile_map(1.0), 2: _tile_map(1.0)}
    rows = {r.photo_id: r for r in ranking.rank_groups([[0, 1, 2]], signals, {}, details=details)}
    assert rows[0].suggestion != "reject"
    # a frame whose edges are three times as wide on the same tiles is still rejected
    details[0] = _tile_map(3.0)
    rows = {r.photo_id: r for r in ranking.rank_groups([[0, 1, 2]], signals, {}, details=details)}
    assert rows[0].suggestion == "reject" and any("blurred" in x for x in rows[0].reasons)


def test_a_re_compressed_copy_with_a_light_grid_is_no_noise_reference_when_its_edges_went_soft():
    # a dark scene: the re-compressed copy shows a grid of only 4.1 grey levels and kept half the
    # sensor noise, so it reads as a quieter clean frame; on the detailed tiles its edges are
    # wider than the clean frame's. It must not make the clean frame read "noisier".
    signals = {0: _frame(noise=0.075, blockiness=2.1), 1: _frame(noise=0.0375, blockiness=4.1),
               2: _frame(noise=0.0625, blockiness=1.9, sharpness=0.5)}
    details = {0: _tile_map(1.0), 1: _tile_map(1.4), 2: _tile_map(3.0)}
    clean, copy, _ = frame_model.group_features(list(signals.values()), list(details.values()))
    assert clean["noise"] == 0.0 and copy["soft"] > 0.08
    rows = {r.photo_id: r for r in ranking.rank_groups([[0, 1, 2]], signals, {}, details=details)}
    assert rows[0].group_rank == 1 and rows[1].group_rank == 2


def test_a_brighter_frame_that_blows_nothing_but_keeps_shadows_the_reference_crushes_is_no_over_exposure_reject():
    # the clean frame and three strays under: two of them (1.7 stops) share a level and become the
    # reference. The clean frame blows no highlight and keeps the shadows they crush: it may be the
    # well-exposed one, and "overexposed" names no reject
    signals = {0: _frame(light=0.107, shadows_clipped=0.002), 1: _frame(light=0.170, shadows_clipped=0.0002),
               2: _frame(light=0.0505, shadows_clipped=0.027), 3: _frame(light=0.0522, shadows_clipped=0.026)}
    rows = {r.photo_id: r for r in ranking.rank_groups([[0, 1, 2, 3]], signals, {})}
    assert rows[1].suggestion != "reject"
    # a frame as far over that blows highlights the reference keeps is still rejected
    signals[1] = _frame(light=0.170, shadows_clipped=0.0002, highlights_clipped=0.08)
    rows = {r.photo_id: r for r in ranking.rank_groups([[0, 1, 2, 3]], signals, {})}
    assert rows[1].suggestion == "reject" and any("overexposed" in x for x in rows[1].reasons)


def test_faces_too_small_to_judge_are_not_read_as_open_eyes_beside_one_that_could_be_judged():
    # one face at the edge of the size the eye cascades can judge: judged (no eye found) in one
    # frame, too small to judge (eyes_open None) in its four siblings. Nothing says anyone blinked.
    signals = {i: _frame(faces=1.0, eyes_closed=0.0, eyes_open=None) for i in range(4)}
    signals[4] = _frame(faces=1.0, eyes_closed=1.0, eyes_open=0.0)
    rows = {r.photo_id: r for r in ranking.rank_groups([[0, 1, 2, 3, 4]], signals, {})}
    assert rows[4].suggestion != "reject" and not any("eyes closed" in x for x in rows[4].reasons)
    # an analysis from before eyes_open was stored still reads open eyes from the closed count
    old = {i: _frame(faces=1.0, eyes_closed=0.0) for i in range(3)}
    old[2]["eyes_closed"] = 1.0
    rows = {r.photo_id: r for r in ranking.rank_groups([[0, 1, 2]], old, {})}
    assert rows[2].suggestion == "reject" and any("eyes closed" in x for x in rows[2].reasons)
