"""What limits the taste benchmark's figures: the same model given perfect signals. Prints JSON.

benchmarks/taste.py measures a profile learned from culler's signals against culler's own order
and against the photographer's noiseless taste (`ceiling`). When a figure falls short, was it
the signals (culler cannot see what the photographer decides on) or the decisions (too few, 15 %
of them random)? This runs the same albums, photographers, decision seeds and model
(culler/core/taste.fit) with other features:

- `taste`: culler's signals, as benchmarks/taste.py (for comparison);
- `key_fit`: culler's signals plus the scene's true key (-1.3 low key, +0.8 high key; 0 for a
  photo alone, as the photographers see it), where the CLIP "low-key" look goes: what a perfect
  low-key look could add (the albums are analysed without CLIP, so the real look is missing);
- `truth_fit`: only the photographer's own ingredients (benchmarks/taste.truth: the scene's key,
  blur, noise, JPEG, the exposure offset as its distance from the meter and from a stop under,
  the source's contrast) and whether the photo stands alone: every photographer's taste is a
  weighted sum of these, so this is the model with perfect signals, learned from N decisions;
- `truth_in_sample`: that model fitted on every decision of the album it is measured on: it has
  seen the answers, so no model learned from that many decisions of this photographer should
  expect more.

The ingredients travel in the columns the albums leave empty (the CLIP looks, CLIP-IQA, NIMA) and
culler's score is left out (NaN), so the profile's arithmetic is unchanged. Medians over
`--repeats` decision seeds.

    .venv/bin/python benchmarks/taste_bounds.py [--repeats 5] [--cache DIR]
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import sys
from pathlib import Path
from statistics import median

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import taste as bench  # noqa: E402
from culler.core import taste, taste_evidence  # noqa: E402

DECISIONS = (50, 200)
CARRIERS = taste_evidence.LOOKS + ("clipiqa", "nima")  # columns the benchmark's albums leave empty


def ingredients(t: dict) -> list[float]:
    """The photographer's ingredients of one photo, one per `CARRIERS` column."""
    return [t["key"], t["blur"], t["noise"], t["jpeg"], abs(t["off"]), abs(t["off"] + 1.0), t["contrast"]]


def with_features(album: dict, kind: str) -> dict:
    """A copy of the album whose feature vectors carry the key ("key") or only the ingredients ("truth")."""
    cols = [taste_evidence.FEATURES.index(f) for f in CARRIERS]
    keep = set(cols) | {taste_evidence.FEATURES.index("alone")}
    out = {**album, "features": copy.deepcopy(album["features"])}
    for pid, v in out["features"].items():
        values = ingredients(album["photos"][pid]["truth"])
        if kind == "key":
            v[cols[0]] = values[0]
        else:
            for c, x in zip(cols, values):
                v[c] = x
            for c in range(len(v)):
                if c not in keep:
                    v[c] = math.nan
    return out


def _auc(profile: taste.Profile, album: dict, kept: dict[int, bool]) -> float | None:
    scores = profile.scores(album["features"], album["group_rows"])
    return bench.auc({i: scores[i] for i in kept}, kept)


def run(albums: dict[str, dict], repeats: int) -> dict:
    variants = {"taste": albums, "key_fit": {k: with_features(a, "key") for k, a in albums.items()},
                "truth_fit": {k: with_features(a, "truth") for k, a in albums.items()}}
    tests = ("same_sources", "other_sources")
    results: dict = {}
    for who, fn in bench.PHOTOGRAPHERS.items():
        cells: dict[str, dict[str, list]] = {}
        for rep in range(repeats):
            rng = np.random.default_rng(1000 + rep)  # the decisions of benchmarks/taste.py, seed by seed
            kept_train = bench.decide(albums["train"], fn, rng)
            kept = {name: bench.decide(albums[name], fn, rng) for name in tests}
            for name in tests:
                c = cells.setdefault(name, {})
                c.setdefault("generic", []).append(bench.auc(
                    {i: albums[name]["photos"][i]["score"] or 0.0 for i in kept[name]}, kept[name]))
                c.setdefault("ceiling", []).append(bench.auc(bench.ceiling(albums[name], fn), kept[name]))
                own = variants["truth_fit"][name]
                fitted = taste.fit(taste_evidence.evidence(own["features"], own["group_rows"],
                                                           bench.first_decisions(kept[name], 10 ** 6)))
                c.setdefault("truth_in_sample", []).append(_auc(fitted, own, kept[name]))
            for n in DECISIONS:
                for variant, albums_v in variants.items():
                    train = albums_v["train"]
                    profile = taste.fit(taste_evidence.evidence(train["features"], train["group_rows"],
                                                                bench.first_decisions(kept_train, n)))
                    for name in tests:
                        cells[name].setdefault(f"{variant}/{n}", []).append(_auc(profile, albums_v[name], kept[name]))
        results[who] = {name: {k: round(median(v), 3) for k, v in c.items()} for name, c in cells.items()}
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--cache", type=Path, default=None, help="the analysed albums (benchmarks/taste.py --cache)")
    args = ap.parse_args(argv)
    albums = bench.load_albums(args.cache)
    print(json.dumps({"repeats": args.repeats, "inconsistent": bench.INCONSISTENT,
                      "agreement_auc": run(albums, args.repeats)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
