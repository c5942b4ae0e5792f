"""The learned within-burst model: features relative to the group, the shipped weights, the fallback."""

from __future__ import annotations

import json

from culler.core import frame_model


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
