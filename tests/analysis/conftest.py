"""Shared fixtures for analysis tests: random-initialised model files, made once per test session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def random_models_dir(tmp_path_factory):
    """A models folder (CULLER_MODELS_DIR layout) with random weights of the real architectures for
    clipiqa, nima and clip, written once per session by benchmarks/random_weights.py (~12 s, ~1 GB)."""
    from benchmarks.random_weights import write_all

    outdir = tmp_path_factory.mktemp("random-models")
    write_all(outdir)
    return outdir
