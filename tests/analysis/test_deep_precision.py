"""The bf16 fast path of AMX CPUs gives the exact fp32 scores within small tolerances, and exact fp32
can always be forced (DeepAnalyzer argument or CULLER_DEEP_PRECISION=fp32)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import photo_factory as pf
from culler.analysis.deep import DeepAnalyzer
from culler.analysis.deep_precision import PRECISION_ENV, choose_precision, cpu_has_amx_bf16

# Largest differences allowed between the bf16 fast path and exact fp32 (measured on random weights:
# NIMA 3e-4, CLIP-IQA 1e-4, cosine 0.99999). A photographer sees NIMA with one decimal.
NIMA_TOLERANCE = 0.005  # on NIMA's 1-10 scale
CLIPIQA_TOLERANCE = 0.002  # on CLIP-IQA's 0-1 scale
MIN_EMBEDDING_COSINE = 0.9995

needs_amx = pytest.mark.skipif(not cpu_has_amx_bf16(),
                               reason="this CPU has no AMX bf16, so the bf16 fast path is never used here")


def _photos() -> list[np.ndarray]:
    """Real photographs and degraded copies (blur, noise, dark): different scores to compare."""
    astronaut, chelsea, coffee = (pf.real_photo(n) for n in ("astronaut", "chelsea", "coffee"))
    return [astronaut, chelsea, coffee, pf.gaussian_blur(astronaut, 4.0), pf.add_noise(chelsea, 25.0),
            pf.exposure(coffee, -2.0), pf.real_photo("rocket")]


@pytest.fixture(scope="module")
def analyzers(random_models_dir):
    """{precision asked: (DeepAnalyzer, its results on _photos(), the precision that ran)}."""
    photos = _photos()
    out = {}
    for precision in ("fp32", "auto"):
        deep = DeepAnalyzer(random_models_dir, threads=1, batch_size=4, precision=precision, backend="torch")
        out[precision] = (deep, deep.run(photos), deep.precision)
    yield out
    for deep, _results, _precision in out.values():
        deep.close()


@pytest.fixture(scope="module")
def both_outputs(analyzers):
    return {precision: (results, ran) for precision, (_deep, results, ran) in analyzers.items()}


@needs_amx
def test_an_amx_cpu_takes_the_bf16_path_unless_fp32_is_asked_for(both_outputs):
    assert both_outputs["auto"][1] == "bf16"
    assert both_outputs["fp32"][1] == "fp32"


@needs_amx
def test_bf16_scores_and_embeddings_equal_fp32_within_tolerance(both_outputs):
    exact, fast = both_outputs["fp32"][0], both_outputs["auto"][0]
    for (s32, e32), (s16, e16) in zip(exact, fast):
        assert abs(s16["nima"] - s32["nima"]) <= NIMA_TOLERANCE
        assert abs(s16["clipiqa"] - s32["clipiqa"]) <= CLIPIQA_TOLERANCE
        assert float(e16["clip"] @ e32["clip"]) >= MIN_EMBEDDING_COSINE
        assert abs(float(np.linalg.norm(e16["clip"])) - 1.0) < 1e-4
    # the photos are told apart in the same order (random weights spread the scores only a little)
    for name in ("nima", "clipiqa"):
        a = np.array([s[name] for s, _ in exact])
        b = np.array([s[name] for s, _ in fast])
        assert np.ptp(a) > 10 * np.abs(a - b).max(), name  # the tolerance is not vacuous
        assert np.corrcoef(a, b)[0, 1] > 0.98, name


def test_fp32_can_be_forced_by_argument_or_environment():
    import torch

    cpu = torch.device("cpu")
    assert choose_precision(cpu, "fp32") == "fp32"
    assert choose_precision(cpu, None, {PRECISION_ENV: "fp32"}) == "fp32"
    assert choose_precision(cpu, None, {PRECISION_ENV: " FP32 "}) == "fp32"
    assert choose_precision(cpu, None, {}) == ("bf16" if cpu_has_amx_bf16() else "fp32")
    assert choose_precision(cpu, None, {PRECISION_ENV: "fast please"}) == choose_precision(cpu, None, {})
    assert choose_precision(torch.device("meta"), None, {}) == "fp32"  # not a CPU: left as it is
    with pytest.raises(ValueError, match="precision"):
        DeepAnalyzer("/nonexistent", precision="int8")
    assert DeepAnalyzer("/nonexistent", environ={PRECISION_ENV: "fp32"}).requested_precision == "fp32"


def test_folding_batch_norms_keeps_the_fp32_outputs(analyzers):
    """Every batch norm of NIMA's and CLIP-IQA's trunks is folded, and in fp32 nothing changes."""
    import torch

    from culler.analysis.deep_precision import fold_batch_norms

    models = analyzers["fp32"][0]._models  # exact fp32 models; their results are already taken
    nima, clipiqa = models["nima"].scorer, models["clipiqa"].scorer
    for scorer, trunk, size in ((nima, nima.arch.base_model, 299), (clipiqa, clipiqa.clip.visual, 224)):
        x = torch.rand(2, 3, size, size, generator=torch.Generator().manual_seed(3))
        with torch.inference_mode():
            before = scorer.score(x)
            norms = sum(isinstance(m, torch.nn.BatchNorm2d) for m in trunk.modules())
            assert fold_batch_norms(trunk) == norms > 0
            assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in trunk.modules())
            torch.testing.assert_close(scorer.score(x), before, atol=1e-4, rtol=0)
