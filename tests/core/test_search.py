"""Search ranks photos by the cosine of their stored CLIP embedding and an encoded text.

Pure numpy with seeded vectors standing in for encoded words (tests/analysis/test_clip_text.py and
tests/test_cli_search.py use the real text tower): each photo once, the order a direct cosine
computation gives, deterministic, ties by id, and a clear error for vectors of another model.
"""

from __future__ import annotations

import numpy as np
import pytest

from culler.core.search import EmbeddingIndex


def _unit(rng, n, d=512):
    v = rng.standard_normal((n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture
def stored():
    rng = np.random.default_rng(7)
    ids = rng.permutation(np.arange(100, 400))[:120]  # ids with gaps, not in order
    return {int(i): v for i, v in zip(ids, _unit(rng, len(ids)))}


def test_every_photo_once_best_first_as_a_direct_cosine_says(stored):
    text = _unit(np.random.default_rng(1), 1)[0] * 3.0  # an unnormalised query is normalised
    hits = EmbeddingIndex(stored).rank(text)
    assert sorted(h.photo_id for h in hits) == sorted(stored)
    direct = {pid: float(v @ text / (np.linalg.norm(v) * np.linalg.norm(text))) for pid, v in stored.items()}
    assert [h.photo_id for h in hits] == sorted(direct, key=lambda pid: -direct[pid])
    for h in hits:
        assert h.similarity == pytest.approx(direct[h.photo_id], abs=1e-5)


def test_different_words_give_different_orders_and_the_same_words_the_same_one(stored):
    a, b = _unit(np.random.default_rng(2), 2)
    index = EmbeddingIndex(stored)
    first = [h.photo_id for h in index.rank(a)]
    assert first == [h.photo_id for h in EmbeddingIndex(dict(reversed(stored.items()))).rank(a)]
    assert first != [h.photo_id for h in index.rank(b)]


def test_top_n_and_ties_broken_by_photo_id():
    v = np.ones(4, dtype=np.float32)
    index = EmbeddingIndex({9: v, 3: v, 5: -v, 7: v * 2})  # 3, 7, 9 tie (cosine 1)
    assert [h.photo_id for h in index.rank(v)] == [3, 7, 9, 5]
    assert [h.photo_id for h in index.rank(v, top=2)] == [3, 7]
    assert EmbeddingIndex({}).rank(v) == []


def test_a_text_vector_of_another_model_is_refused_with_a_reason(stored):
    with pytest.raises(ValueError, match="different models"):
        EmbeddingIndex(stored).rank(np.ones(768, dtype=np.float32))


def test_a_search_filter_keeps_its_matches_best_first_combined_with_the_flag_filter(stored):
    from culler.core.filters import PhotoFilter
    from culler.core.records import Decision

    order = sorted(stored)  # the grid's capture order
    hits = EmbeddingIndex(stored).rank(_unit(np.random.default_rng(3), 1)[0])
    matches = tuple(h.photo_id for h in hits)
    picks = set(order[::3])
    decisions = {i: Decision("pick") for i in picks}
    search = PhotoFilter(query="dog", matches=matches)
    assert search.apply(order, decisions) == list(matches) != order
    assert search.with_(flag="picks").apply(order, decisions) == [i for i in matches if i in picks]
    assert PhotoFilter(query="dog", matches=()).apply(order, decisions) == []  # nothing found: nothing shown
    assert search.describe() == "matching “dog”, best first" and not search.is_all
    long = search.with_(query="a crowd at a concert at night")
    assert long.describe() == "matching “a crowd at a concert at…”, best first"
