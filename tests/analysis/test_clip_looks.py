"""CLIP look features for the taste: present, finite and deterministic with CLIP's model file,
missing (NaN) without it; a photographer whose keeps follow a look is learned and told.

CLIP here has random-initialised weights of the real ViT-B-32 (benchmarks/random_weights.py): the
directions mean nothing ("low-key" is some direction), so what is checked is the machinery: that a
taste which follows one of them is found by the fit, beats culler's order on new photos, and is
said in words under that look's name; and that nothing is said of looks without the model.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

import numpy as np
import pytest

from benchmarks.photo_factory import real_photo, resize, write_jpeg
from culler.analysis import clip_looks
from culler.core import taste, taste_evidence, taste_words
from culler.core.records import Decision, GroupRow, Photo, PhotoMeta
from culler.core.store import Store

LOOK = taste_evidence.FEATURES.index("look_low_key")
COLS = [taste_evidence.FEATURES.index(f) for f in taste_evidence.LOOKS]


def _store(tmp_path, n: int, with_clip: bool = True) -> Store:
    """A real session store of `n` small JPEGs, analysed with a random CLIP embedding each."""
    album = tmp_path / "album"
    album.mkdir(parents=True)
    img = resize(real_photo("coffee"), 64, 48)
    t0 = datetime(2024, 5, 4, 10, 0, 0)
    for i in range(n):
        write_jpeg(album / f"IMG_{i:04d}.JPG", img, captured_at=t0 + timedelta(seconds=30 * i))
    store = Store.open(album, tmp_path / "data")
    photos = store.sync_photos([Photo(p.name, "jpeg", p.stat().st_size, p.stat().st_mtime_ns, meta=PhotoMeta())
                                for p in sorted(album.glob("*.JPG"))])
    rng = np.random.default_rng(3)
    for p in photos:
        emb = {"clip": rng.standard_normal(512).astype(np.float32)} if with_clip else None
        store.put_analysis(p.id, (p.size, p.mtime_ns), {"brightness": 0.4}, embeddings=emb)
    return store


def test_looks_are_finite_and_deterministic_with_clip_and_cached_on_disk(tmp_path, clip_dir):
    store = _store(tmp_path, 6)
    cache = tmp_path / "cache"
    try:
        first = clip_looks.album_looks(store, clip_dir, cache)
        assert sorted(first) == sorted(p.id for p in store.photos())
        assert all(len(v) == len(clip_looks.LOOKS) and all(math.isfinite(x) for x in v) for v in first.values())
        assert len({tuple(v) for v in first.values()}) == 6  # the photos differ
        assert list(cache.glob("clip-text/*.npy"))  # the directions were kept for this weight file
        clip_looks._memo.clear()  # a new process: the directions come from the cache, the same numbers
        assert clip_looks.album_looks(store, clip_dir, cache) == first
        looks_of = clip_looks.for_context(type("Ctx", (), {"models_dir": clip_dir, "cache_dir": cache})())
        features, _ = taste_evidence.from_store(store, looks_of)
        assert {pid: [v[c] for c in COLS] for pid, v in features.items()} == first
    finally:
        store.close()


def test_looks_are_missing_without_the_model_file_or_the_embeddings(tmp_path, clip_dir):
    store = _store(tmp_path, 4)
    try:
        (tmp_path / "no-models").mkdir()
        assert clip_looks.album_looks(store, tmp_path / "no-models", tmp_path / "cache") == {}
        assert clip_looks.for_context(None) is None
        features, _ = taste_evidence.from_store(store, None)
        assert all(math.isnan(v[c]) for v in features.values() for c in COLS)
    finally:
        store.close()
    bare = _store(tmp_path / "bare", 3, with_clip=False)
    try:
        assert clip_looks.album_looks(bare, clip_dir, tmp_path / "cache") == {}
    finally:
        bare.close()


def _album(rng: random.Random, dirs, n: int, first: int):
    """Single photos with random CLIP embeddings and uninformative technical signals; culler's score
    follows sharpness, a little."""
    signals, scores, rows, embeddings = {}, {}, [], {}
    for pid in range(first, first + n):
        sharp = rng.uniform(0.5, 0.7)
        signals[pid] = {"brightness": rng.uniform(0.3, 0.55), "sharpness": sharp, "noise": 0.1,
                        "contrast": rng.uniform(0.2, 0.3)}
        scores[pid] = 0.4 + (sharp - 0.5) + rng.uniform(-0.1, 0.1)
        rows.append(GroupRow(pid, f"s{pid}", 1, 1, None, [], "single"))
        embeddings[pid] = np.array([rng.gauss(0, 1) for _ in range(512)], np.float32)
    looks = clip_looks.looks(embeddings, dirs)
    return taste_evidence.album_features(signals, rows, scores, looks), rows, looks


def _keeps(looks, rng: random.Random, inconsistent: float = 0.15) -> dict[int, bool]:
    """Keeps the more low-key half (by its own look value), with some inconsistent decisions."""
    values = sorted(v[0] for v in looks.values())
    median = values[len(values) // 2]
    return {pid: (v[0] >= median) != (rng.random() < inconsistent) for pid, v in looks.items()}


def _auc(scores: dict[int, float], kept: dict[int, bool]) -> float:
    pos = [scores[i] for i in kept if kept[i]]
    neg = [scores[i] for i in kept if not kept[i]]
    return sum((p > q) + 0.5 * (p == q) for p in pos for q in neg) / (len(pos) * len(neg))


@pytest.fixture(scope="module")
def dirs(clip_dir, tmp_path_factory):
    return clip_looks.directions(clip_dir, tmp_path_factory.mktemp("cache"))


def test_a_photographer_who_keeps_low_key_looks_is_learned_and_told(dirs):
    """120 decisions on two albums: the taste agrees with them better than culler's order on their
    recent decisions and on a new album's photos, and says "moody, low-key photos"; the same
    decisions learned without CLIP say nothing of looks."""
    rng = random.Random(7)
    evidence, seq = [], 0
    for k in range(2):
        features, rows, looks = _album(rng, dirs, 60, 1000 * k)
        kept = _keeps(looks, rng)
        decisions = {pid: Decision(flag="pick" if kept[pid] else "reject") for pid in kept}
        evidence += taste_evidence.evidence(features, rows, decisions, album=f"a{k}", seq0=seq)
        seq += 1000
    p = taste.fit(evidence)
    assert p.decisions == 120 and p.alpha > 0 and p.agreement > p.generic_agreement + 0.1
    features, rows, looks = _album(rng, dirs, 80, 5000)
    kept = _keeps(looks, rng, inconsistent=0.0)
    generic = {pid: v[taste_evidence.FEATURES.index("generic")] for pid, v in features.items()}
    assert _auc(p.scores(features, rows), kept) > _auc(generic, kept) + 0.15
    said = taste_words.sentences(p)
    assert "you keep moody, low-key photos more than the default" in said, said
    fig = taste_words.figures(p)  # the strongest look, and the only one said
    assert fig["look_low_key"] == max(fig[f] for f in taste_evidence.LOOKS) > taste_words.NOTABLE
    assert sum(("you keep" in s and "more than the default" in s) for s in said) == 1, said

    blind = [{**e, "a": [math.nan if i in COLS else x for i, x in enumerate(e["a"])]} for e in evidence]
    q = taste.fit(blind)
    assert not taste_words.has_looks(q)
    assert not any("photos" in s or "close-ups" in s for s in taste_words.sentences(q))
    assert not set(taste_evidence.LOOKS) & set(taste_words.figures(q))


def test_a_profile_with_looks_stays_small_and_loads_back(tmp_path, dirs):
    rng = random.Random(2)
    features, rows, looks = _album(rng, dirs, 60, 0)
    kept = _keeps(looks, rng)
    ev = taste_evidence.evidence(features, rows, {pid: Decision(flag="pick" if kept[pid] else "reject")
                                                  for pid in kept})
    p = taste.fit(ev)
    path = tmp_path / "taste.json"
    taste.save(p, path)
    assert path.stat().st_size < 60 * 600  # ~ a few hundred bytes a decision, not 512 numbers a photo
    back = taste.load(path)
    assert back.scores(features, rows) == pytest.approx(p.scores(features, rows), rel=1e-4)


def test_the_grouping_stage_reads_the_looks_only_for_a_profile_and_orders_by_them(tmp_path, clip_dir, dirs):
    """taste_blend.blend (the grouping stage's hook) asks for the looks only when a profile is
    used; with a profile that learned a low-key taste, the album's photos are ordered by it."""
    from culler.core import taste_blend

    rng = random.Random(7)
    evidence = []
    for k in range(2):
        features, rows, looks = _album(rng, dirs, 60, 1000 * k)
        kept = _keeps(looks, rng)
        evidence += taste_evidence.evidence(features, rows, {p: Decision(flag="pick" if kept[p] else "reject")
                                                             for p in kept}, album=f"a{k}", seq0=1000 * k)
    p = taste.fit(evidence)
    store = _store(tmp_path, 12)
    try:
        ids = sorted(pid for pid in store.all_signals())
        signals = {pid: {"brightness": 0.4, "sharpness": 0.6, "noise": 0.1, "contrast": 0.25} for pid in ids}
        rows = [GroupRow(pid, f"s{pid}", 1, 1, None, [], "single") for pid in ids]
        generic = {pid: 0.5 for pid in ids}
        asked = []

        def looks_of(s):
            asked.append(s)
            return clip_looks.album_looks(s, clip_dir, tmp_path / "cache")

        assert taste_blend.blend(store, signals, rows, generic, None, looks_of) is None and not asked
        hook = taste_blend.blend(store, signals, rows, generic, p, looks_of)
        assert asked == [store]
        low_key = {pid: v[0] for pid, v in looks_of(store).items()}
        rank = {pid: k for k, pid in enumerate(sorted(ids, key=hook.keep))}
        truth = {pid: k for k, pid in enumerate(sorted(ids, key=low_key.get))}
        n = len(ids)  # culler's score ties: the order comes from the taste, which follows the look
        spearman = 1 - 6 * sum((rank[i] - truth[i]) ** 2 for i in ids) / (n * (n * n - 1))
        assert spearman > 0.7, spearman
        blind = taste_blend.blend(store, signals, rows, generic, p, None)  # no looks: nothing tells them apart
        assert len({round(blind.keep(i), 9) for i in ids}) == 1
    finally:
        store.close()
