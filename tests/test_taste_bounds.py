"""benchmarks/taste_bounds: the photographer's ingredients reach the model in the empty columns, and only there."""

from __future__ import annotations

import math

import numpy as np

from benchmarks import taste as bench
from benchmarks import taste_bounds
from culler.core import taste, taste_evidence
from culler.core.records import GroupRow

F = taste_evidence.FEATURES


def _album(seed: int, n: int = 160) -> dict:
    """Photos alone, each with a scene key and culler-like features that know nothing of it."""
    rng = np.random.default_rng(seed)
    photos, features, rows = {}, {}, []
    for pid in range(n):
        key = float(rng.choice([-1.3, 0.0, 0.8]))
        photos[pid] = {"what": "single", "true_group": pid, "score": 0.5,
                       "truth": {"blur": 0.0, "noise": 0.0, "off": 0.0, "jpeg": 0.0, "key": key,
                                 "contrast": float(rng.normal())}}
        v = [float(rng.normal()) for _ in F]
        for f in taste_evidence.LOOKS + ("clipiqa", "nima"):
            v[F.index(f)] = math.nan  # as in the benchmark's albums, analysed without deep models
        v[F.index("alone")] = 1.0
        features[pid] = v
        rows.append(GroupRow(pid, f"g{pid}", 1, 1, None, [], "single"))
    return {"photos": photos, "features": features, "group_rows": rows}


def test_the_ingredients_travel_in_the_empty_columns_and_nothing_else_is_left():
    album = _album(1)
    before = [list(v) for v in album["features"].values()]
    truth = taste_bounds.with_features(album, "truth")
    key = taste_bounds.with_features(album, "key")
    assert [list(v) for v in album["features"].values()] == before  # the album itself is untouched
    cols = [F.index(f) for f in taste_bounds.CARRIERS]
    for pid, v in truth["features"].items():
        assert [v[c] for c in cols] == taste_bounds.ingredients(album["photos"][pid]["truth"])
        assert v[F.index("alone")] == 1.0
        assert all(math.isnan(x) for c, x in enumerate(v) if c not in cols and c != F.index("alone"))
    for pid, v in key["features"].items():
        assert v[F.index("look_low_key")] == album["photos"][pid]["truth"]["key"]
        old = album["features"][pid]
        assert all(x == y or (math.isnan(x) and math.isnan(y))
                   for c, (x, y) in enumerate(zip(v, old)) if c != F.index("look_low_key"))


def test_a_taste_on_the_scene_key_is_learned_from_the_ingredients_not_from_blind_signals():
    def keeps_low_key(t):
        return -1.5 - 2.0 * t["key"]  # above the benchmark's bar (-1) for a low-key scene only

    train, test = _album(2), _album(3)
    kept_train = bench.decide(train, keeps_low_key, np.random.default_rng(0))
    kept_test = bench.decide(test, keeps_low_key, np.random.default_rng(1))

    def agreement(kind):
        tr = train if kind is None else taste_bounds.with_features(train, kind)
        te = test if kind is None else taste_bounds.with_features(test, kind)
        profile = taste.fit(taste_evidence.evidence(tr["features"], tr["group_rows"],
                                                    bench.first_decisions(kept_train, 160)))
        profile.alpha = 1.0  # the fitted taste itself, whatever weight it earned
        return taste_bounds._auc(profile, te, kept_test)

    assert agreement("truth") > 0.8 and agreement("key") > 0.7  # the key beside 20 signals of noise
    assert agreement(None) < 0.6  # culler's signals here are noise: nothing to learn from them
