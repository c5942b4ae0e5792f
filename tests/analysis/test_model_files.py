"""Model files: status from disk only, the libraries' caches, importing from a folder, the `models` CLI."""

from __future__ import annotations

import argparse
import socket

import pytest

from culler.analysis import model_files
from culler.cli import models as models_cli
from culler.context import AppContext

NIMA_FILE = model_files.MODELS["nima"].files[0]


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def caches(tmp_path):
    """An environment whose library caches (torch hub, ~/.cache/clip, Hugging Face) are empty temp folders."""
    return {"HOME": str(tmp_path / "home"), "TORCH_HOME": str(tmp_path / "torch"), "HF_HOME": str(tmp_path / "hf")}


def _write(path, data=b"weights", size=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if size is not None:
        with open(path, "r+b") as f:
            f.truncate(size)  # sparse: the right size without writing 218 MB
    return path


def test_nothing_installed_means_every_model_is_missing(tmp_path, caches, no_network):
    assert model_files.status(tmp_path / "models", caches) == {"clipiqa": "missing", "nima": "missing",
                                                                "clip": "missing"}
    assert model_files.locate("clipiqa", tmp_path / "models", caches) is None


def test_files_in_the_libraries_own_caches_are_used_in_place(tmp_path, caches, no_network):
    rn50 = _write(tmp_path / "torch" / "hub" / "clip" / "RN50.pt")
    nima = _write(tmp_path / "torch" / "hub" / "pyiqa" / NIMA_FILE.name, size=NIMA_FILE.size)
    clip = _write(tmp_path / "hf" / "hub" / "models--laion--CLIP-ViT-B-32-laion2B-s34B-b79K" / "snapshots"
                  / "abc123" / "open_clip_model.safetensors")
    models = tmp_path / "models"
    assert model_files.status(models, caches) == {"clipiqa": "ok", "nima": "ok", "clip": "ok"}
    assert model_files.locate("clipiqa", models, caches) == {"RN50.pt": rn50}
    assert model_files.locate("nima", models, caches) == {NIMA_FILE.name: nima}
    assert model_files.locate("clip", models, caches) == {"open_clip_model.safetensors": clip}
    assert not models.exists()  # nothing copied, nothing created


def test_openai_clip_default_download_folder_is_found(tmp_path, caches):
    rn50 = _write(tmp_path / "home" / ".cache" / "clip" / "RN50.pt")
    assert model_files.locate("clipiqa", tmp_path / "models", caches) == {"RN50.pt": rn50}


def test_a_truncated_file_is_reported_as_failed_not_used(tmp_path, caches):
    _write(tmp_path / "torch" / "hub" / "pyiqa" / NIMA_FILE.name, size=1000)
    state = model_files.status(tmp_path / "models", caches)["nima"]
    assert state.startswith("failed:") and "1000 bytes" in state and str(NIMA_FILE.size) in state


def test_own_folder_wins_over_library_cache(tmp_path, caches):
    _write(tmp_path / "torch" / "hub" / "clip" / "RN50.pt")
    own = _write(tmp_path / "models" / "clipiqa" / "RN50.pt")
    assert model_files.locate("clipiqa", tmp_path / "models", caches) == {"RN50.pt": own}


def test_missing_pkg_resources_is_reported_loudly(tmp_path, caches, monkeypatch):
    """setuptools >= 81 has no pkg_resources; `clip` (CLIP-IQA) imports it. Say so instead of a silent gap."""
    real_find_spec = model_files.importlib.util.find_spec
    monkeypatch.setattr(model_files.importlib.util, "find_spec",
                        lambda name, *a: None if name == "pkg_resources" else real_find_spec(name, *a))
    state = model_files.status(tmp_path, caches)["clipiqa"]
    assert state.startswith("failed:") and "setuptools" in state
    assert model_files.status(tmp_path, caches)["nima"] == "missing"


def test_import_accepts_the_layout_and_loose_files(tmp_path, caches):
    src = tmp_path / "usb-stick"
    clip = _write(src / "clip" / "open_clip_model.safetensors", b"clip weights")
    results = model_files.import_dir(src, tmp_path / "models")
    assert results == {"clipiqa": "not found", "nima": "not found", "clip": "imported"}
    installed = tmp_path / "models" / "clip" / "open_clip_model.safetensors"
    assert installed.read_bytes() == clip.read_bytes()
    entry = model_files.read_manifest(tmp_path / "models", "clip")["open_clip_model.safetensors"]
    assert entry["verified_by"] == "first-use" and entry["size"] == len(b"clip weights")
    assert model_files.status(tmp_path / "models", caches)["clip"] == "ok"

    loose = tmp_path / "copied-cache"
    _write(loose / "huggingface" / "hub" / "snapshots" / "x" / "open_clip_model.safetensors", b"clip weights")
    assert model_files.import_dir(loose, tmp_path / "models2")["clip"] == "imported"


def test_import_refuses_a_file_that_does_not_match_the_published_hash(tmp_path, caches):
    src = tmp_path / "src"
    _write(src / "RN50.pt", b"not OpenAI's file")
    _write(src / NIMA_FILE.name, b"too short")
    results = model_files.import_dir(src, tmp_path / "models")
    assert results["clipiqa"].startswith("failed:") and "SHA-256" in results["clipiqa"]
    assert results["nima"].startswith("failed:") and "bytes" in results["nima"]
    assert not (tmp_path / "models" / "clipiqa" / "RN50.pt").exists()
    assert not list((tmp_path / "models").rglob("*.part"))
    assert model_files.status(tmp_path / "models", caches)["clipiqa"] == "missing"


def _cli(models_dir, *argv):
    parser = argparse.ArgumentParser()
    models_cli.add_arguments(parser)
    ctx = AppContext(models_dir.parent / "cache", models_dir.parent / "data", models_dir.parent / "config", models_dir)
    return models_cli.run(ctx, parser.parse_args(list(argv)))


def test_cli_status_lists_each_model_present_or_missing(tmp_path, capsys, random_models_dir):
    assert _cli(tmp_path / "empty", "status") == 0
    out = capsys.readouterr().out
    assert all(f"{name}" in out for name in ("clipiqa", "nima", "clip")) and out.count("missing") >= 3
    assert _cli(random_models_dir, "status") == 0
    out = capsys.readouterr().out
    assert out.count("present") == 3 and "RN50.pt" in out


def test_cli_import_and_unknown_download(tmp_path, capsys):
    _write(tmp_path / "src" / "open_clip_model.safetensors", b"clip weights")
    assert _cli(tmp_path / "models", "import", str(tmp_path / "src")) == 0
    assert "imported" in capsys.readouterr().out
    assert _cli(tmp_path / "models", "import", str(tmp_path / "nothing-here")) == 2
    assert _cli(tmp_path / "models", "download", "vgg") == 2
    assert "Unknown model vgg" in capsys.readouterr().err
