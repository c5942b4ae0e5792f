"""The signal registry: every signal the brief names is there, normalisation puts 1 at the best end."""

import pytest

from culler.analysis import registry

TECHNICAL = {"sharpness", "motion_blur", "noise", "highlights_clipped", "shadows_clipped",
             "brightness", "exposure", "contrast", "faces", "eyes_closed", "eyes_open"}


def test_every_signal_the_app_uses_is_registered():
    assert set(registry.technical_names()) >= TECHNICAL
    assert {"clipiqa", "nima"} <= set(registry.deep_names())
    assert registry.SIGNALS["clipiqa"].models == ("clipiqa",)
    assert registry.SIGNALS["nima"].models == ("nima",)
    assert (registry.SIGNALS["nima"].lo, registry.SIGNALS["nima"].hi) == (1.0, 10.0)
    assert all(not registry.SIGNALS[n].models for n in TECHNICAL)


@pytest.mark.parametrize("name, worse, better", [
    ("sharpness", 0.2, 0.8), ("motion_blur", 0.7, 0.1), ("noise", 0.9, 0.1),
    ("exposure", 0.3, 0.9), ("eyes_open", 0.0, 1.0), ("eyes_closed", 1, 0),
    ("highlights_clipped", 0.1, 0.0), ("clipiqa", 0.3, 0.7), ("nima", 4.0, 6.0)])
def test_normalised_puts_the_better_value_higher(name, worse, better):
    lo, hi = registry.normalised(name, worse), registry.normalised(name, better)
    assert 0.0 <= lo < hi <= 1.0


def test_neutral_unknown_and_missing_values_normalise_to_none():
    assert registry.normalised("brightness", 0.5) is None
    assert registry.normalised("faces", 3) is None
    assert registry.normalised("no_such_signal", 0.5) is None
    assert registry.normalised("sharpness", None) is None
    assert registry.normalised("sharpness", float("nan")) is None


def test_out_of_range_values_are_clamped():
    assert registry.normalised("nima", 9.5) == 1.0
    assert registry.normalised("nima", 1.0) == 0.0
    assert registry.normalised("eyes_closed", 4) == 0.0


def test_another_pyiqa_metric_can_be_added_by_name():
    try:
        spec = registry.register_pyiqa_metric("musiq", 0, 100, True, 512)
        assert spec.kind == "deep" and spec.models == ("musiq",) and spec.pyiqa_name == "musiq"
        assert "musiq" in registry.deep_names()
        assert registry.normalised("musiq", 75) == pytest.approx(0.75)
        registry.register_pyiqa_metric("brisque", 0, 100, False, 1024)
        assert registry.normalised("brisque", 20) == pytest.approx(0.8)
    finally:
        registry.unregister("musiq")
        registry.unregister("brisque")


def test_a_malformed_spec_is_refused_with_its_name():
    with pytest.raises(ValueError, match="bad"):
        registry.SignalSpec("bad", "Bad", 1.0, 0.0, True, 224)
    with pytest.raises(ValueError, match="bad"):
        registry.SignalSpec("bad", "Bad", 0.0, 1.0, True, 224, kind="magic")


def test_every_model_says_what_it_is_for_and_how_it_is_built():
    """What the Models dialog and the analyzer read: a typo in a builder or a signal fails here,
    not at the first analysis on a user's machine."""
    from benchmarks.random_weights import WRITERS
    from culler.analysis.deep import builder

    for name, model in registry.MODELS.items():
        assert model.label and len(model.purpose) > 40 and model.size_mb > 100, name
        assert callable(getattr(builder(model), "score", None) or getattr(builder(model), "embed", None)), name
        assert all(registry.SIGNALS[s].models == (name,) for s in model.signals), name
    assert registry.MODELS["clip"].embeddings == ("clip",)
    assert set(WRITERS) == set(registry.MODELS)  # benchmarks/random_weights.py writes every model's files
