"""A pyiqa metric registered by name scores photos end to end: the analyzer, the pipeline, the store
and `culler analyze --json`. CNNIQA is used because pyiqa builds it with no download (a small CNN,
no backbone); its weight file here is random-initialised, so the numbers are pyiqa's network on
those weights, compared with pyiqa's own scoring of the same input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.photo_factory import real_photo, resize, write_jpeg
from culler.analysis import model_files, registry

ROOT = Path(__file__).resolve().parents[2]
FILE = "CNNIQA_koniq10k-e6f14c91.pth"
REGISTER = f"registry.register_pyiqa_metric('cnniqa', 0, 1, True, 384, file={FILE!r})"


@pytest.fixture
def cnniqa():
    exec(REGISTER, {"registry": registry})
    yield registry.MODELS["cnniqa"]
    registry.unregister("cnniqa")


@pytest.fixture
def models_dir(tmp_path, cnniqa):
    """A models folder holding only CNNIQA's weights, random as its constructor made them."""
    import torch

    from culler.analysis.deep_pyiqa import build_architecture

    torch.manual_seed(3)
    net = build_architecture(cnniqa)
    (file,) = cnniqa.files
    path = model_files.installed_path(tmp_path / "models", "cnniqa", file)
    path.parent.mkdir(parents=True)
    torch.save({"params": net.state_dict()}, path)
    model_files.record_installed(tmp_path / "models", "cnniqa", file, path.stat().st_size, None, "test", "random")
    return tmp_path / "models"


def test_registering_adds_a_model_that_status_download_and_the_threads_know(cnniqa, tmp_path):
    assert registry.SIGNALS["cnniqa"].models == ("cnniqa",)
    assert cnniqa.files[0].url.endswith(f"/IQA-PyTorch-Weights/resolve/main/{FILE}")
    assert model_files.status(tmp_path / "none")["cnniqa"] == "missing"
    from culler.pipeline.deep import plan_groups

    assert plan_groups(["clipiqa", "nima", "clip", "cnniqa"], 3)[0][-1] == ("cnniqa",)


def test_the_analyzer_scores_a_registered_metric_as_pyiqa_does(models_dir):
    import pyiqa
    import torch
    from PIL import Image

    from culler.analysis.deep import DeepAnalyzer, whole_frame

    photos = [real_photo("astronaut"), resize(real_photo("coffee"), 600, 400), resize(real_photo("chelsea"), 300, 450)]
    analyzer = DeepAnalyzer(models_dir, names=["cnniqa"], threads=1)
    results = analyzer.run(photos)
    assert analyzer.status() == {"cnniqa": "ok"} and analyzer.paths == {"cnniqa": "torch fp32"}

    (path,) = model_files.locate("cnniqa", models_dir).values()
    theirs = pyiqa.create_metric("cnniqa", device="cpu", pretrained_model_path=str(path))
    for photo, (signals, embeddings) in zip(photos, results):
        x = torch.from_numpy(whole_frame(Image.fromarray(photo), 384, "bilinear"))[None]
        assert signals["cnniqa"] == pytest.approx(float(theirs(x)), abs=1e-5) and embeddings == {}
    assert len({round(s["cnniqa"], 6) for s, _ in results}) == 3  # really measured, per photo


def test_culler_analyze_writes_the_registered_metric_into_the_store_and_the_json(models_dir, tmp_path):
    album = tmp_path / "album"
    for i, name in enumerate(("astronaut", "coffee", "chelsea")):
        write_jpeg(album / f"IMG_{i}.jpg", resize(real_photo(name), 300, 200))
    out = tmp_path / "out.json"
    # What a plug-in does: register the metric, then run culler's own command line in that process.
    code = (f"import sys\nfrom culler.analysis import registry\n{REGISTER}\n"
            f"from culler.__main__ import main\nsys.exit(main(['analyze', {str(album)!r}, '--json', {str(out)!r}]))")
    env = {**os.environ, "CULLER_MODELS_DIR": str(models_dir)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert "culler analyze: Models: used cnniqa; missing clipiqa, nima, clip" in done.stderr  # the run report

    report = json.loads(out.read_text())
    assert report["models"] == {"clipiqa": "missing", "nima": "missing", "clip": "missing", "cnniqa": "ok"}
    values = [p["signals"]["cnniqa"] for p in report["photos"]]
    assert len(values) == 3 and all(isinstance(v, float) and np.isfinite(v) for v in values)
    assert len(set(values)) == 3

    from culler.core.store import Store

    store = Store.open(album, Path(os.environ["XDG_DATA_HOME"]))
    try:
        stored = sorted(s["cnniqa"] for s in store.all_signals().values())
    finally:
        store.close()
    assert stored == pytest.approx(sorted(values))
