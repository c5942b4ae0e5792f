"""The OpenVINO path gives exact fp32 pyiqa/open_clip scores within tolerance, is cached so the next
start needs no torch, and falls back to PyTorch when OpenVINO is missing or cannot convert."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from benchmarks import photo_factory as pf
from culler.analysis import deep_openvino
from culler.analysis.deep import DeepAnalyzer

# Largest differences allowed against exact fp32 PyTorch (itself equal to pyiqa's and open_clip's own
# forward to 1e-5, test_deep.py), from issue 16. bf16 on random weights, AMD EPYC (AVX512_BF16), measured
# NIMA 4e-4, CLIP-IQA 3e-4, cosine 0.99995. Random weights give a narrow range of scores and say little
# about the error on trained ones: these bound the arithmetic, not the rankings.
NIMA_TOLERANCE = 0.02  # on NIMA's 1-10 scale
CLIPIQA_TOLERANCE = 0.005  # on CLIP-IQA's 0-1 scale
MIN_EMBEDDING_COSINE = 0.999


def _photos() -> list[np.ndarray]:
    """Real photographs of several shapes (square, 3:2 landscape, portrait) and degraded copies."""
    astronaut, chelsea, coffee = (pf.real_photo(n) for n in ("astronaut", "chelsea", "coffee"))
    return [astronaut, chelsea, coffee, pf.gaussian_blur(astronaut, 4.0), pf.add_noise(chelsea, 25.0),
            pf.exposure(coffee, -2.0), np.ascontiguousarray(chelsea.transpose(1, 0, 2)), pf.real_photo("rocket")]


@pytest.fixture(scope="module")
def ov_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("openvino-cache")


@pytest.fixture(scope="module")
def outputs(random_models_dir, ov_cache):
    """{'torch': exact fp32 results, 'openvino': results, ...} on _photos(), batches of 4."""
    photos = _photos()
    env = {"CULLER_OPENVINO_CACHE": str(ov_cache)}
    exact = DeepAnalyzer(random_models_dir, threads=1, batch_size=4, precision="fp32", backend="torch")
    fast = DeepAnalyzer(random_models_dir, threads=1, batch_size=4, environ=env)
    out = {"torch": exact.run(photos), "openvino": fast.run(photos), "paths": fast.paths, "photos": photos,
           "pinned": {n: m.compiled.get_property("ENABLE_CPU_PINNING") for n, m in fast._models.items()}}
    exact.close()
    fast.close()
    return out


def test_every_model_runs_on_openvino_and_says_so(outputs, ov_cache):
    """Fails when openvino is not installed (it is in requirements-ml.txt): the fast path must not
    go missing silently."""
    assert set(outputs["paths"]) == {"clipiqa", "nima", "clip"}
    assert all(path.startswith("openvino ") for path in outputs["paths"].values()), outputs["paths"]
    assert len(list(ov_cache.glob("*.xml"))) == 3 and len(list(ov_cache.glob("*.bin"))) == 3


def test_no_model_pins_its_thread_to_a_core(outputs):
    """The model groups run in threads of their own (pipeline/deep.py); OpenVINO's default pins each
    one-thread stream to the same first core, so two groups shared one core and the analysis ran at
    2/3 of the speed (benchmarks/analysis.py: 3.76 against 5.61 photos/s)."""
    assert outputs["pinned"] == {"clipiqa": False, "nima": False, "clip": False}


def test_openvino_scores_equal_exact_fp32_within_tolerance(outputs):
    nima, clipiqa = [], []
    for (s32, e32), (sov, eov) in zip(outputs["torch"], outputs["openvino"]):
        assert abs(sov["nima"] - s32["nima"]) <= NIMA_TOLERANCE
        assert abs(sov["clipiqa"] - s32["clipiqa"]) <= CLIPIQA_TOLERANCE
        assert float(eov["clip"] @ e32["clip"]) >= MIN_EMBEDDING_COSINE
        nima.append(s32["nima"])
        clipiqa.append(s32["clipiqa"])
    assert np.std(nima) > 0 and np.std(clipiqa) > 0  # vacuous on constant outputs


def test_fp32_asked_for_runs_openvino_in_exact_fp32(random_models_dir, ov_cache, outputs):
    deep = DeepAnalyzer(random_models_dir, threads=1, batch_size=4, environ={
        "CULLER_OPENVINO_CACHE": str(ov_cache), "CULLER_DEEP_PRECISION": "fp32"})
    results = deep.run(outputs["photos"][:4])
    assert set(deep.paths.values()) == {"openvino fp32"}
    for (s32, e32), (sov, eov) in zip(outputs["torch"], results):
        assert sov == pytest.approx(s32, abs=1e-4)
        assert float(eov["clip"] @ e32["clip"]) >= 0.99999


def test_clipiqa_judges_the_whole_frame(random_models_dir, ov_cache):
    """Covering the left sixth of a 3:2 photo (outside any centre crop) changes its CLIP-IQA score;
    NIMA, which pyiqa runs on a centre crop, stays put."""
    photo = pf.real_photo("chelsea")  # 300 x 451
    covered = photo.copy()
    covered[:, :75] = 0
    deep = DeepAnalyzer(random_models_dir, threads=1, environ={"CULLER_OPENVINO_CACHE": str(ov_cache)})
    (a, _), (b, _) = deep.run([photo, covered])
    assert abs(a["clipiqa"] - b["clipiqa"]) > 1e-4
    assert a["nima"] == pytest.approx(b["nima"], abs=1e-4)


def test_a_cached_model_loads_without_torch(random_models_dir, ov_cache, outputs):
    """Once converted, the models are ready without importing torch, open_clip or pyiqa (seconds of
    imports), and give the same numbers."""
    code = (
        "import json, sys\n"
        "from culler.analysis.deep import DeepAnalyzer\n"
        "from benchmarks import photo_factory as pf\n"
        f"d = DeepAnalyzer({str(random_models_dir)!r}, threads=1, batch_size=4,"
        f" environ={{'CULLER_OPENVINO_CACHE': {str(ov_cache)!r}, 'CULLER_DEVICE': 'cpu'}})\n"
        "out = d.run([pf.real_photo('astronaut')])\n"
        "print(json.dumps([d.paths, out[0][0], [m for m in ('torch', 'open_clip', 'pyiqa') if m in sys.modules]]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    paths, signals, imported = json.loads(done.stdout.strip().splitlines()[-1])
    assert imported == [] and all(p.startswith("openvino") for p in paths.values())
    assert signals == pytest.approx(outputs["openvino"][0][0], abs=1e-5)


def test_openvino_sends_no_usage_report():
    """OpenVINO's telemetry (on unless the user opted out) reports imports and conversions: culler
    switches it off. A spy on the telemetry class, in a fresh interpreter, sees no call."""
    code = (
        "import json, openvino_telemetry, torch\n"
        "calls = []\n"
        "for m in ('send_event', 'send_error', 'start_session'):\n"
        "    setattr(openvino_telemetry.Telemetry, m, lambda *a, m=m, **k: calls.append(m))\n"
        "from culler.analysis.deep_openvino import _openvino\n"
        "ov = _openvino()\n"
        "ov.convert_model(torch.nn.Linear(4, 2), example_input=torch.rand(1, 4))\n"
        "print(json.dumps(calls))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_a_damaged_cache_entry_is_converted_again(random_models_dir, ov_cache, tmp_path, outputs):
    import shutil

    for entry in [ov_cache / "hashes.json", *ov_cache.glob("clipiqa-*")]:
        shutil.copy(entry, tmp_path / entry.name)
    (xml,) = tmp_path.glob("clipiqa-*.xml")
    xml.write_text("<net>truncated")
    env = {"CULLER_OPENVINO_CACHE": str(tmp_path)}
    again = DeepAnalyzer(random_models_dir, names=("clipiqa",), threads=1, environ=env)
    (signals, _), = again.run([outputs["photos"][0]])
    assert again.paths["clipiqa"].startswith("openvino")
    assert signals["clipiqa"] == pytest.approx(outputs["openvino"][0][0]["clipiqa"], abs=1e-5)


@pytest.mark.parametrize("failure", ["openvino missing", "conversion refused"])
def test_pytorch_runs_the_models_when_openvino_cannot(random_models_dir, tmp_path, monkeypatch, outputs, failure):
    if failure == "openvino missing":
        monkeypatch.setattr(deep_openvino, "available", lambda: False)
    else:
        def refuse(*args, **kwargs):
            raise RuntimeError("Couldn't get TorchScript module by tracing")

        monkeypatch.setattr(deep_openvino, "_convert", refuse)
    deep = DeepAnalyzer(random_models_dir, names=("nima",), threads=1, precision="fp32",
                        environ={"CULLER_OPENVINO_CACHE": str(tmp_path)})
    (signals, _), = deep.run([outputs["photos"][0]])
    assert deep.status() == {"nima": "ok"} and deep.paths == {"nima": "torch fp32"}
    assert signals["nima"] == pytest.approx(outputs["torch"][0][0]["nima"], abs=1e-5)


def test_the_cpu_can_be_forced_and_the_backend_chosen():
    from culler.analysis.deep_device import choose_device

    assert choose_device(None, {"CULLER_DEVICE": "cpu"}) == "cpu"
    assert choose_device("cpu", {"CULLER_DEVICE": "cuda"}) == "cpu"
    assert DeepAnalyzer("/nonexistent", environ={"CULLER_DEEP_BACKEND": "torch"}).backend == "torch"
    with pytest.raises(ValueError, match="backend"):
        DeepAnalyzer("/nonexistent", backend="tensorrt")
