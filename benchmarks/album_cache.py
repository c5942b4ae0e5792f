"""Analysed burst albums kept on disk between benchmark runs (`--cache DIR`).

Building and analysing a 60-burst album takes a minute; the ranker works on the analysis only, so
a change to it is measured in seconds when the albums are kept. An album is keyed by its sources,
seed, burst count, whether the deep models ran, and a fingerprint of the code that made and
analysed it (the album generator, the simulated camera, the photo sources and culler's analysis
package): change any of those and the album is built again. The files are pickles written by
this machine for itself; a cache directory is not something to share or download.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FINGERPRINTED = ("benchmarks/burst_album.py", "benchmarks/camera_sim.py", "benchmarks/photo_sources.py",
                 "benchmarks/grouping_eval.py", "benchmarks/random_weights.py", "culler/analysis")

Maker = Callable[[Path, list[str], int, int, "Path | None"], list[dict]]


def fingerprint() -> str:
    """A short hash of the code an analysed album depends on."""
    h = hashlib.sha256()
    for name in FINGERPRINTED:
        p = ROOT / name
        for f in sorted(p.rglob("*.py")) if p.is_dir() else [p]:
            h.update(f.relative_to(ROOT).as_posix().encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:12]


def album(cache: Path | None, sources: list[str], seed: int, bursts: int, deep_dir: Path | None,
          make: Maker, variant: str = "") -> list[dict]:
    """The analysed album `make` builds, read from `cache` when it holds this very album
    (`variant` names a maker built otherwise, e.g. "-q75" for another camera quality)."""
    if cache is None:
        with tempfile.TemporaryDirectory(prefix="culler-album-") as tmp:
            return make(Path(tmp), sources, seed, bursts, deep_dir)
    name = f"{'+'.join(sources)}-{seed}-{bursts}{'-deep' if deep_dir else ''}{variant}-{fingerprint()}.pkl"
    path = cache / name
    if path.is_file():
        return pickle.loads(path.read_bytes())
    with tempfile.TemporaryDirectory(prefix="culler-album-") as tmp:
        shots = make(Path(tmp), sources, seed, bursts, deep_dir)
    cache.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part")
    part.write_bytes(pickle.dumps(shots))
    os.replace(part, path)  # a run stopped half-way leaves no truncated album behind
    return shots
