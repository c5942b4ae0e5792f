"""The learned within-burst model: features relative to the group (also from real photographs shot
through the simulated camera, compared tile by tile), the shipped weights, the fallback."""

from __future__ import annotations

import json

from culler.core import frame_model
from culler.core.grouping import Group
from culler.core.ranking import rank_groups


def test_features_are_relative_to_the_best_sibling_and_zero_for_it():
    frames = [{"sharpness": 0.8, "noise": 0.1, "brightness": 0.5, "highlights_clipped": 0.02, "contrast": 0.6},
              {"sharpness": 0.4, "noise": 0.1, "brightness": 0.5, "highlights_clipped": 0.02, "contrast": 0.6}]
    best, soft = frame_model.group_features(frames)
    assert all(v == 0.0 for v in best.values())
    assert soft["width"] > 0.4 and soft["dark"] == soft["bright"] == 0.0


def test_a_missing_signal_counts_as_the_groups_median_and_a_missing_group_signal_as_nothing():
    feats = frame_model.group_features([{"sharpness": 0.8}, {"sharpness": None}, {"sharpness": 0.4}])
    assert 0.0 < feats[1]["width"] < feats[2]["width"]
    assert all(f["noise"] == 0.0 and f["dark"] == 0.0 for f in feats)


def test_reference_exposure_is_the_level_most_frames_share():
    # two frames at the metering, one 1.5 stops under, one over: the shared level wins
    assert frame_model.reference_stops([-2.0, -2.1, -3.5, -0.5], [0.01, 0.01, 0.0, 0.2]) in (-2.0, -2.1, -2.05)
    # a tie between a clean pair and a darker pair: the brighter one, as it blows nothing more
    assert frame_model.reference_stops([-2.0, -2.0, -3.0, -3.0], [0.005, 0.005, 0.0, 0.0]) == -2.0
    # ... unless it blows highlights the darker pair keeps
    assert frame_model.reference_stops([-2.0, -2.0, -3.0, -3.0], [0.10, 0.10, 0.0, 0.0]) == -3.0


def test_the_shipped_model_is_read_and_every_weight_is_a_penalty(tmp_path):
    model = frame_model.load()
    assert model.source == "ranker.json"
    assert set(model.weights) == set(frame_model.FEATURES) and all(w >= 0 for w in model.weights.values())
    assert model.weights["width"] > 0 and model.weights["noise"] > 0


def test_an_unreadable_model_file_falls_back_to_built_in_weights(tmp_path):
    bad = tmp_path / "ranker.json"
    bad.write_text("{not json", encoding="utf-8")
    assert frame_model.load(bad).source == "built-in"
    bad.write_text(json.dumps({"weights": {"width": 1.0}}), encoding="utf-8")  # a feature missing
    assert frame_model.load(bad).source == "built-in"


def test_conversions_match_the_technical_signals_definitions():
    assert abs(frame_model.edge_width(0.5) - 1.6) < 1e-9  # sharpness 0.5 = edges 1.6 px wide
    assert abs(frame_model.noise_sigma(0.5) - 4.0) < 1e-9  # noise 0.5 = sigma 4 grey levels
    assert frame_model.edge_width(None) is None and frame_model.noise_sigma(None) is None


def test_a_frame_that_reads_a_little_off_the_shared_exposure_still_sets_the_noise_reference():
    # the clean frame reads 0.12 stops brighter than its two siblings (other content in the tiles
    # after a few pixels of shift), one of them an auto-ISO frame: the ISO frame is the noisier one,
    # not the reference that makes every frame read as clean as it
    frames = _levels((-1.0, 0.0), (-1.12, 0.0), (-1.12, 0.0))
    frames[0]["noise"], frames[1]["noise"], frames[2]["noise"] = 0.05, 0.3, 0.3
    frames[2]["sharpness"] = 0.4  # the third frame is blurred: it sets no noise reference
    clean, iso, _ = frame_model.group_features(frames)
    assert clean["noise"] == 0.0 and iso["noise"] > 0.3


def test_auto_iso_noise_the_global_sigma_misses_is_not_read_as_crisper_edges():
    # a dark, smooth scene (the moon, shot low key) and a sibling 3 stops of auto-ISO gain above
    # it: the global sigma, read where the frame is least noisy, misses most of the ISO frame's
    # noise, which then fills its fine gradients. On the tiles the clean frame is the crisp one and
    # the ISO frame the grainy one.
    import numpy as np

    from benchmarks.burst_album import _frame
    from benchmarks.camera_sim import Scene
    from benchmarks.photo_sources import load
    from culler.analysis import technical

    rng = np.random.default_rng(3)
    scene = Scene.from_photo(dict(load("skimage"))["skimage:moon"][:400, :400], rng, key_stops=-1.3)
    burst = [technical.measure_detail(_frame(scene, rng, 2.0, f, shift=(i, 0)))
             for i, f in enumerate([{}, {"iso_stops": 3.0}])]
    clean, iso = frame_model.group_features([s for s, _ in burst], [d for _, d in burst])
    assert clean["soft"] == 0.0 and iso["soft"] > 0.0
    assert clean["grain"] == 0.0 and iso["grain"] > 0.5


def _levels(*stops_and_clipping):
    """Frames at these exposures (stops of linear light) with this share of highlights clipped."""
    return [{"sharpness": 0.8, "light": 2.0 ** s, "brightness": 2.0 ** (s / 2.2), "highlights_clipped": h}
            for s, h in stops_and_clipping]


def test_exposure_is_compared_in_linear_light_so_a_blurred_night_frame_is_not_brighter():
    # Blurring a bright moon over a black sky raises the mean grey level, not the light
    sharp = {"sharpness": 0.8, "brightness": 0.10, "light": 0.02}
    blurred = {"sharpness": 0.4, "brightness": 0.13, "light": 0.02}
    feats = frame_model.group_features([sharp, blurred])
    assert all(f["dark"] == 0.0 and f["bright"] == 0.0 for f in feats)


def test_two_under_exposed_siblings_do_not_outvote_the_clean_frame():
    # a bright scene: the clean frame and a blurred sibling share the metering and clip a little
    # sky; two frames strayed darker (0.8 and 1.0 stops) and clip none. They are not a level.
    frames = _levels((-1.0, 0.03), (-1.0, 0.03), (-1.8, 0.0), (-2.0, 0.0))
    frames[1]["sharpness"] = 0.5
    feats = frame_model.group_features(frames)
    assert feats[0]["dark"] == feats[0]["bright"] == 0.0
    assert feats[2]["dark"] > 0.7 and feats[3]["dark"] > 0.9
    rows = {r.photo_id: r for r in rank_groups([Group([0, 1, 2, 3], "burst")], dict(enumerate(frames)), {})}
    assert rows[0].group_rank == 1


def test_with_no_shared_level_the_middle_exposure_is_the_reference():
    # one frame under, one over (blowing almost nothing in a night scene): the clean one between
    assert frame_model.reference_stops([-4.0, -3.0, -2.2], [0.0, 0.0, 0.004]) == -3.0


def _burst(name: str, faults: list[dict]):
    """Frames of one scene through the simulated camera, each shifted a pixel or two as a hand-held
    burst is, measured as the pipeline does: (signals, detail map) per frame."""
    import numpy as np

    from benchmarks.burst_album import _frame
    from benchmarks.camera_sim import Scene
    from benchmarks.photo_sources import load
    from culler.analysis import technical

    rng = np.random.default_rng(0)
    scene = Scene.from_photo(dict(load("skimage"))[name][:400, :560], rng)
    return [technical.measure_detail(_frame(scene, rng, 2.0, f, shift=(i % 3 - 1, 1 - i % 2)))
            for i, f in enumerate(faults)]


def _features(burst):
    return frame_model.group_features([s for s, _ in burst], [d for _, d in burst])


def test_a_frame_softer_than_its_aligned_siblings_is_found_on_the_same_tiles_and_loses():
    burst = _burst("skimage:chelsea", [{}, {"defocus": 1.0}, {"iso_stops": 1.0}])
    feats = _features(burst)
    assert feats[0]["soft"] < 0.01 < 0.04 < feats[1]["soft"]  # 1 px of defocus
    assert feats[0]["grain"] < 0.02 < 0.1 < feats[2]["grain"]  # 1 stop of ISO
    signals, details = dict(enumerate(s for s, _ in burst)), dict(enumerate(d for _, d in burst))
    rows = {r.photo_id: r for r in rank_groups([Group([0, 1, 2], "burst")], signals, {}, details=details)}
    assert rows[0].group_rank == 1


def test_a_textured_clean_frame_is_not_read_as_grainy_and_a_noisier_sibling_is():
    # grass: every tile is texture; a slightly defocused sibling smooths it, which is no less noise
    feats = _features(_burst("skimage:grass", [{}, {"defocus": 0.9}, {"shake": 3.0, "shake_angle": 20.0}]))
    assert feats[0]["grain"] == 0.0 and feats[1]["soft"] > 0.0
    # gravel with a sibling shot 1 stop of ISO higher: the same tiles carry more than the texture
    feats = _features(_burst("skimage:gravel", [{}, {"iso_stops": 1.0}, {"defocus": 1.0}]))
    assert feats[1]["grain"] > 0.3 and feats[0]["grain"] == 0.0


def test_without_detail_maps_the_signals_only_weights_rank():
    model = frame_model.load()
    assert model.without_detail is not None and model.for_group(False).weights == model.without_detail
    assert all(model.without_detail[k] == 0.0 for k in frame_model.DETAIL_FEATURES)
    assert model.for_group(True) is model


def _signals(**kw):
    sig = {"sharpness": 0.8, "motion_blur": 0.05, "noise": 0.02, "light": 0.2, "highlights_clipped": 0.0,
           "shadows_clipped": 0.0, "contrast": 0.5, "blockiness": 1.0}
    return {**sig, **kw}


def _noise(sigma: float) -> float:
    """culler's noise signal for a noise sigma in grey levels (see frame_model.noise_sigma)."""
    return sigma ** 2 / (sigma ** 2 + 16.0)


def test_a_clean_frames_own_light_grid_beside_noisier_siblings_does_not_make_it_a_recompressed_copy():
    # Noise masks a JPEG grid: the clean file shows 2-3 grey levels of its own compression, its
    # auto-ISO sibling (2-3 times the noise, read a little crisper for it) much less.
    for grid, sigma, iso_grid, iso_sigma in ((2.23, 0.35, 0.19, 1.15), (3.04, 0.50, 1.01, 1.14)):
        frames = [_signals(noise=_noise(sigma), blockiness=grid, sharpness=0.55),
                  _signals(noise=_noise(iso_sigma), blockiness=iso_grid, sharpness=0.6)]
        feats = frame_model.group_features(frames)
        assert feats[0]["noise"] == 0.0 and feats[1]["noise"] > 0.15
        rows = {r.photo_id: r for r in rank_groups([Group([0, 1], "burst")], dict(enumerate(frames)), {})}
        assert rows[0].group_rank == 1


def test_a_copy_whose_light_grid_comes_with_its_noise_wiped_out_is_a_recompressed_copy():
    # a grid of 3.1 grey levels alone could be the camera's; the noise down to a tenth cannot
    frames = [_signals(noise=_noise(0.36), blockiness=0.9), _signals(noise=_noise(0.04), blockiness=3.11)]
    feats = frame_model.group_features(frames)
    assert feats[0]["noise"] == 0.0


def test_a_recompressed_copy_sets_no_noise_reference_even_beside_a_more_compressed_one():
    # the clean frame, a shaken one, two re-compressed copies (grid 6.4 and 7.5, sensor noise wiped)
    frames = [_signals(noise=_noise(1.0), blockiness=1.0), _signals(noise=_noise(1.0), blockiness=0.8, sharpness=0.3),
              _signals(noise=_noise(0.2), blockiness=6.4), _signals(noise=_noise(0.05), blockiness=7.5)]
    feats = frame_model.group_features(frames)
    assert feats[0]["noise"] == 0.0
    rows = {r.photo_id: r for r in rank_groups([Group([0, 1, 2, 3], "burst")], dict(enumerate(frames)), {})}
    assert rows[0].group_rank == 1


def test_a_copy_resaved_at_middling_quality_in_a_dark_scene_sets_no_noise_reference():
    # opencv's ela_original 4 stops down (a burst of the benchmark): the clean file's own grid 2.1
    # grey levels, a copy at quality 46 only 4.1 (lighter than a "heavy" grid) with about half the
    # sensor noise left (not "wiped" either), and one at quality 19. The copy's grid stands 5 times
    # above its noise; a camera's own compression stays below its noise.
    frames = [_signals(noise=_noise(0.57), blockiness=2.14, sharpness=0.32),
              _signals(noise=_noise(0.31), blockiness=4.11, sharpness=0.32),
              _signals(noise=_noise(0.05), blockiness=5.77, sharpness=0.33)]
    feats = frame_model.group_features(frames)
    assert feats[0]["noise"] == 0.0
    rows = {r.photo_id: r for r in rank_groups([Group([0, 1, 2], "burst")], dict(enumerate(frames)), {})}
    assert rows[0].group_rank == 1


def test_a_clean_frame_beside_a_strong_auto_iso_sibling_is_no_copy_for_its_grid_and_quieter_noise():
    # opencv's leuvenA: the clean file shows 3.5 grey levels of its camera's grid and a noise sigma
    # of 0.5; its sibling at auto-ISO +3 stops 3.8, which hides any grid. The clean frame kept an
    # eighth of the ISO frame's noise, as a copy "wiped" of it would, but its grid does not stand
    # above its own noise the way a re-compressed copy's does.
    frames = [_signals(noise=_noise(0.5), blockiness=3.54, sharpness=0.69),
              _signals(noise=_noise(3.82), blockiness=0.0, sharpness=0.695)]
    feats = frame_model.group_features(frames)
    assert feats[0]["noise"] == 0.0 and feats[1]["noise"] > 0.5
    rows = {r.photo_id: r for r in rank_groups([Group([0, 1], "burst")], dict(enumerate(frames)), {})}
    assert rows[0].group_rank == 1


def test_highlights_a_darker_frame_keeps_are_no_fault_of_the_frames_at_the_reference():
    # a white background blows 79 % of the frame at the shared exposure; 0.7 stop under saves it
    frames = [_signals(light=0.825, highlights_clipped=0.79), _signals(light=0.827, highlights_clipped=0.79),
              _signals(light=0.819, highlights_clipped=0.789), _signals(light=0.50, highlights_clipped=0.0)]
    feats = frame_model.group_features(frames)
    assert max(f["highlights"] for f in feats[:3]) < 0.005
    assert feats[3]["dark"] > 0.6


def test_between_two_shared_levels_the_brighter_wins_unless_it_blows_more_than_the_darker():
    # two pairs share a level; a deep-under stray clips nothing, which says nothing of the pairs
    levels, clipped = [-1.89, -1.86, -2.45, -2.51, -3.7], [0.021, 0.021, 0.014, 0.013, 0.0]
    assert abs(frame_model.reference_stops(levels, clipped) - (-1.875)) < 1e-9
    clipped = [0.08, 0.08, 0.014, 0.013, 0.0]
    assert abs(frame_model.reference_stops(levels, clipped) - (-2.48)) < 1e-9


def test_an_over_exposed_frame_whose_extra_light_blew_out_still_reads_over_on_the_clear_tiles():
    import numpy as np

    from benchmarks.burst_album import _frame
    from benchmarks.camera_sim import Scene
    from benchmarks.photo_sources import load
    from culler.analysis import technical

    rng = np.random.default_rng(1)
    scene = Scene.from_photo(dict(load("skimage"))["skimage:motorcycle_left"][:400, :400], rng, key_stops=0.8)
    burst = [technical.measure_detail(_frame(scene, rng, 1.0, f, shift=(i, 0)))
             for i, f in enumerate([{}, {"stops": 1.0}, {"defocus": 1.5}])]
    signals, details = [s for s, _ in burst], [d for _, d in burst]
    mean_light = np.log2(signals[1]["light"] / signals[0]["light"])
    assert signals[1]["highlights_clipped"] > signals[0]["highlights_clipped"] + 0.1 and mean_light < 0.75
    levels = frame_model.tile_levels(details)
    assert abs(levels[1] - 1.0) < 0.1 and abs(levels[2]) < 0.05
    feats = frame_model.group_features(signals, details)
    assert abs(feats[1]["bright"] - 1.0) < 0.1
    # a map saved before the light layer: the detail features are the same, exposure from the frame's mean
    old = frame_model.group_features(signals, [d[:4] for d in details])
    assert all(abs(o[k] - f[k]) < 1e-9 for o, f in zip(old, feats) for k in frame_model.DETAIL_FEATURES)
    assert abs(old[1]["bright"] - mean_light) < 0.05
    mixed = frame_model.group_features(signals, [details[0][:4], details[1], details[2]])  # one photo re-analysed
    assert mixed == old


def test_a_reference_exposure_is_shared_only_by_a_majority_of_at_least_two_frames():
    assert frame_model.reference_is_shared([0.0, 0.01, -1.0, 0.8])  # clean + a blurred sibling, two strays
    assert not frame_model.reference_is_shared([0.0, -0.6, 0.9])  # every sibling strayed: a guess
    assert not frame_model.reference_is_shared([0.0, 0.02, 1.4, 1.45])  # two pairs: which is right is a guess
