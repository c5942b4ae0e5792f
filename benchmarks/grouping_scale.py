"""How long culler.core.grouping.group() and ranking.rank_groups() take on a large synthetic album.

Prints one JSON object: {"items", "groups", "seconds" (grouping), "rank_seconds", ...}.
The album is synthetic but shaped like a real shoot: bursts of 1-8 frames 0.2 s apart, pauses
of seconds to minutes between them, a few exposure brackets, 10 % of photos without capture
time, every photo with a tiny image and (unless --no-embeddings) a CLIP-sized embedding.

    .venv/bin/python benchmarks/grouping_scale.py [--items 20000] [--no-embeddings]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from culler.core.grouping import GroupingParams, GroupInput, group  # noqa: E402
from culler.core.ranking import rank_groups  # noqa: E402


def _smooth_field(rng: np.random.Generator) -> np.ndarray:
    """A random 32x32 'photo': low-frequency structure, values 0-1."""
    coarse = rng.random((5, 5)).astype(np.float32)
    up = np.kron(coarse, np.ones((8, 8), np.float32))[:32, :32]
    return np.clip(up + 0.05 * rng.standard_normal((32, 32)).astype(np.float32), 0, 1)


def synthetic_album(n: int, seed: int = 0, embeddings: bool = True):
    rng = np.random.default_rng(seed)
    items, signals, truth = [], {}, []
    t = datetime(2024, 6, 1, 8, 0, 0)
    moment = 0
    while len(items) < n:
        size = int(min(rng.choice([1, 1, 2, 3, 5, 8]), n - len(items)))
        base = _smooth_field(rng)
        emb = rng.standard_normal(512).astype(np.float32)
        bracket = size == 3 and rng.random() < 0.1
        no_time = rng.random() < 0.1
        for k in range(size):
            tiny = np.clip(base + 0.02 * rng.standard_normal((32, 32)).astype(np.float32), 0, 1)
            e = emb + 0.2 * rng.standard_normal(512).astype(np.float32)
            pid = len(items)
            items.append(GroupInput(
                photo_id=pid, captured_at=None if no_time else t + timedelta(seconds=0.2 * k),
                embedding=(e / np.linalg.norm(e)) if embeddings else None, tiny=tiny,
                exposure_bias=[0.0, -2.0, 2.0][k] if bracket else 0.0, order=pid))
            signals[pid] = {"sharpness": float(rng.random()), "motion_blur": float(rng.random()),
                            "noise": float(rng.random()), "exposure": float(rng.random()),
                            "highlights_clipped": 0.0, "shadows_clipped": 0.0,
                            "eyes_closed": None, "eyes_open": None, "faces": 0.0}
            truth.append(moment)
        moment += 1
        t += timedelta(seconds=float(rng.choice([3, 10, 40, 200])))
    return items, signals, truth


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=20000)
    ap.add_argument("--no-embeddings", action="store_true")
    args = ap.parse_args(argv)
    items, signals, truth = synthetic_album(args.items, embeddings=not args.no_embeddings)
    params = GroupingParams()
    t0, c0 = time.perf_counter(), time.process_time()
    groups = group(items, params)
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    t1 = time.perf_counter()
    rows = rank_groups(groups, signals, {i: None for i in signals})
    rank_seconds = time.perf_counter() - t1
    from sklearn.metrics import adjusted_rand_score

    label = {pid: gi for gi, g in enumerate(groups) for pid in g.ids}
    kinds: dict[str, int] = {}
    for g in groups:
        kinds[g.kind] = kinds.get(g.kind, 0) + 1
    print(json.dumps({
        "items": len(items), "embeddings": not args.no_embeddings, "groups": len(groups),
        "kinds": kinds, "seconds": round(seconds, 3), "cpu_seconds": round(cpu_seconds, 3),
        "load_average_1min": round(os.getloadavg()[0], 2), "rank_seconds": round(rank_seconds, 3),
        "rows": len(rows),
        "ari_vs_synthetic_truth": round(float(adjusted_rand_score(truth, [label[i.photo_id] for i in items])), 4),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
