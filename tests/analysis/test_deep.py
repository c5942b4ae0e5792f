"""Deep models: built offline from files, fast paths equal to pyiqa/open_clip, missing files never block."""

from __future__ import annotations

import json
import os
import pickle
import socket
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from benchmarks.photo_factory import real_photo
from culler.analysis import model_files
from culler.analysis.deep import DeepAnalyzer, as_rgb_uint8, square_crop, whole_frame
from culler.analysis.deep_torch import skip_random_initialisation


@pytest.fixture(scope="module")
def analyzer(random_models_dir):
    # one thread: on a 2-core CI box shared with other test processes, spinning threads only contend.
    # Exact fp32: these tests compare with pyiqa/open_clip to 1e-5 (the bf16 fast path of AMX CPUs
    # is compared with this fp32 path in test_deep_precision.py). The PyTorch path: the OpenVINO path
    # is compared with it in test_deep_openvino.py.
    deep = DeepAnalyzer(random_models_dir, threads=1, batch_size=3, precision="fp32", backend="torch")
    yield deep
    deep.close()


@pytest.fixture
def isolated_caches(tmp_path):
    return {"HOME": str(tmp_path / "home"), "TORCH_HOME": str(tmp_path / "torch"), "HF_HOME": str(tmp_path / "hf")}


def _photos():
    grey = real_photo("camera")
    grey = grey[..., 0] if grey.ndim == 3 else grey
    rgba = np.dstack([real_photo("coffee"), np.full(real_photo("coffee").shape[:2], 255, np.uint8)])
    return [real_photo("astronaut"), grey, rgba, real_photo("rocket")[:7, :5]]


def test_every_scorer_builds_from_the_model_files(analyzer):
    """Fails loudly when a scorer cannot be built (e.g. setuptools >= 81 dropping pkg_resources, which
    CLIP-IQA's `clip` import needs): a silently missing score is worse than a red test."""
    assert analyzer.status() == {"clipiqa": "ok", "nima": "ok", "clip": "ok"}, analyzer.status()
    assert analyzer.available() == ["clipiqa", "nima", "clip"]


def test_run_scores_every_photo_in_order_with_batches(analyzer):
    photos = _photos()
    results = analyzer.run(photos)
    assert len(results) == len(photos)
    for signals, embeddings in results:
        assert set(signals) == {"clipiqa", "nima"} and set(embeddings) == {"clip"}
        assert 0.0 <= signals["clipiqa"] <= 1.0
        assert 1.0 <= signals["nima"] <= 10.0
        vector = embeddings["clip"]
        assert vector.shape == (512,) and vector.dtype == np.float32
        assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-4
    # batch of 3 + batch of 1: each photo gets its own numbers, in order
    alone = analyzer.run([photos[2]])[0]
    assert alone[0] == pytest.approx(results[2][0], abs=1e-5)
    np.testing.assert_allclose(alone[1]["clip"], results[2][1]["clip"], atol=1e-5)
    assert results[0][1]["clip"] @ results[1][1]["clip"] < 0.9999  # different photos, different vectors


def test_an_unreadable_array_is_skipped_and_the_rest_still_scored(analyzer):
    results = analyzer.run([np.zeros((0, 0, 3), np.uint8), real_photo("astronaut")])
    assert results[0] == ({}, {})
    assert set(results[1][0]) == {"clipiqa", "nima"}


def test_fast_clipiqa_equals_pyiqa_forward_on_the_same_whole_frames(analyzer, random_models_dir):
    import torch
    from pyiqa.archs.clipiqa_arch import CLIPIQA

    with skip_random_initialisation():  # pyiqa's own loader (torch.jit.load) then overwrites every weight
        reference = CLIPIQA(model_type="clipiqa", backbone=str(random_models_dir / "clipiqa" / "RN50.pt")).eval()
    from PIL import Image

    scores = []
    for names, width in ((("astronaut",), 224), (("chelsea", "coffee"), 336)):  # 512 x 512; 300 x 451, 400 x 600
        x = torch.from_numpy(np.stack([whole_frame(Image.fromarray(real_photo(n)), 224, "bicubic") for n in names]))
        assert tuple(x.shape[2:]) == (224, width)  # the whole frame, nothing cropped
        with torch.inference_mode():
            expected = reference(x).reshape(-1)
            torch.testing.assert_close(analyzer._models["clipiqa"].scorer.score(x), expected, atol=1e-5, rtol=1e-5)
        scores += expected.tolist()
    assert np.std(scores) > 0  # the test would be vacuous on constant outputs


def test_nima_loaded_safely_equals_pyiqa_own_loading(analyzer, random_models_dir):
    import torch
    from pyiqa.archs.nima_arch import NIMA

    from culler.analysis.deep_torch import timm_without_pretrained_weights

    path = random_models_dir / "nima" / model_files.MODELS["nima"].files[0].name
    with timm_without_pretrained_weights(), skip_random_initialisation():
        reference = NIMA(base_model_name="inception_resnet_v2", num_classes=10, pretrained_model_path=str(path)).eval()
    x = torch.rand(2, 3, 299, 299, generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        torch.testing.assert_close(analyzer._models["nima"].scorer.score(x), reference(x).reshape(-1))


def test_clip_embedding_equals_open_clip_encode_image(analyzer, random_models_dir):
    import open_clip
    import torch

    with skip_random_initialisation():
        weights = random_models_dir / "clip" / "open_clip_model.safetensors"
        model = open_clip.create_model("ViT-B-32", pretrained=str(weights))
    mean = torch.tensor(open_clip.OPENAI_DATASET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(open_clip.OPENAI_DATASET_STD).view(1, 3, 1, 1)
    x = torch.rand(2, 3, 224, 224, generator=torch.Generator().manual_seed(2))
    with torch.inference_mode():
        expected = model.eval().encode_image((x - mean) / std, normalize=True)
        torch.testing.assert_close(analyzer._models["clip"].scorer.embed(x), expected, atol=1e-5, rtol=1e-5)


def test_square_crop_matches_torchvision_geometry():
    from PIL import Image

    array = square_crop(Image.fromarray(real_photo("astronaut")[:300, :451]), 224, "bilinear")
    assert array.shape == (3, 224, 224) and array.dtype == np.float32 and 0 <= array.min() <= array.max() <= 1
    assert as_rgb_uint8(np.ones((4, 4), np.float32)).max() == 255
    assert as_rgb_uint8(np.full((4, 4, 3), 65535, np.uint16)).max() == 255


def test_no_model_files_means_no_deep_signals_no_torch_no_network(tmp_path, isolated_caches):
    code = (
        "import json, socket, sys\n"
        "def refuse(*a, **k): raise AssertionError('network')\n"
        "socket.socket.connect = refuse\n"
        "import numpy as np\n"
        "from culler.analysis.deep import DeepAnalyzer\n"
        f"d = DeepAnalyzer({str(tmp_path / 'models')!r}, environ={isolated_caches!r})\n"
        "out = d.run([np.zeros((50, 60, 3), np.uint8)] * 3)\n"
        "print(json.dumps([d.status(), d.available(), out, 'torch' in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    status, available, out, torch_imported = json.loads(done.stdout.strip().splitlines()[-1])
    assert status == {"clipiqa": "missing", "nima": "missing", "clip": "missing"}
    assert available == [] and out == [[{}, {}]] * 3 and torch_imported is False


def _partial_dir(tmp_path, random_models_dir, names):
    models = tmp_path / "models"
    for name in names:
        (models / name).mkdir(parents=True)
        for entry in (random_models_dir / name).iterdir():
            os.link(entry, models / name / entry.name)  # an installed file, not a link (links read as damage)
    return models


def test_only_the_models_with_files_run(tmp_path, random_models_dir, isolated_caches, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    models = _partial_dir(tmp_path, random_models_dir, ["nima"])
    deep = DeepAnalyzer(models, environ=isolated_caches)
    assert deep.status() == {"clipiqa": "missing", "nima": "ok", "clip": "missing"}
    assert deep.available() == ["nima"]
    ((signals, embeddings),) = deep.run([real_photo("astronaut")])
    assert set(signals) == {"nima"} and embeddings == {}


def test_a_damaged_model_file_fails_that_model_only(tmp_path, random_models_dir, isolated_caches):
    models = _partial_dir(tmp_path, random_models_dir, ["nima"])
    rn50 = models / "clipiqa" / "RN50.pt"
    rn50.parent.mkdir()
    rn50.write_bytes(b"PK\x03\x04 this is not a real archive")
    file = model_files.MODELS["clipiqa"].files[0]
    model_files.record_installed(models, "clipiqa", file, rn50.stat().st_size, None, "test", "test")
    deep = DeepAnalyzer(models, names=("clipiqa", "nima"), environ=isolated_caches)
    status = deep.status()
    assert status["clipiqa"].startswith("failed:") and "RN50.pt" in status["clipiqa"]
    assert status["nima"] == "ok" and deep.available() == ["nima"]


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


def test_torchscript_reader_refuses_code_in_the_archive(tmp_path, random_models_dir):
    from culler.analysis.deep_clipiqa import UnsafeModelFile, read_torchscript_state_dict

    marker = tmp_path / "pwned"
    evil = tmp_path / "RN50.pt"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("RN50/data.pkl", pickle.dumps(_RunsCode(marker), protocol=2))
    with pytest.raises(UnsafeModelFile):
        read_torchscript_state_dict(evil)
    assert not marker.exists()

    import torch

    state = read_torchscript_state_dict(random_models_dir / "clipiqa" / "RN50.pt")
    reference = torch.jit.load(str(random_models_dir / "clipiqa" / "RN50.pt")).state_dict()
    assert state.keys() == reference.keys()
    assert all(torch.equal(state[k], reference[k]) for k in reference)


def test_threads_parameter_sets_torch_threads(random_models_dir, tmp_path):
    import torch

    before = torch.get_num_threads()
    models = _partial_dir(tmp_path, random_models_dir, ["clip"])
    try:
        deep = DeepAnalyzer(models, names=("clip",), threads=1, backend="torch")
        assert deep.available() == ["clip"]
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
