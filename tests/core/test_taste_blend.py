"""The taste blended into culler's order: best of each burst, its reasons, the album scores, and
which albums use a profile at all."""

from __future__ import annotations

import random

from culler.core import ranking, taste, taste_blend, taste_evidence
from culler.core.records import Decision, Photo
from culler.core.store import Store
from tests.core.test_taste import album_evidence, burst_album


def _ranked(profile=None, seed: int = 4, n: int = 8):
    """(rows by photo id, album scores, offsets) of an album of `n` bursts, with `profile` blended in."""
    signals, fused, rows, offsets = burst_album(n, seed)
    groups = [[r.photo_id for r in rows if r.group == g] for g in dict.fromkeys(r.group for r in rows)]
    generic_rows = ranking.rank_groups(groups, signals, fused)
    generic = ranking.album_scores(generic_rows, fused, signals)
    if profile is None:
        return {r.photo_id: r for r in generic_rows}, generic, offsets
    blend = taste_blend.TasteBlend(profile, taste_evidence.album_features(signals, generic_rows, generic),
                                   generic_rows)
    rows = ranking.rank_groups(groups, signals, fused, taste=blend)
    return {r.photo_id: r for r in rows}, ranking.album_scores(rows, fused, signals, taste=blend), offsets


def _best(rows: dict, offsets: dict) -> list[float]:
    return sorted(offsets[pid] for pid, r in rows.items() if r.group_rank == 1)


def test_a_taste_for_darker_frames_changes_the_best_of_each_burst_and_says_so():
    generic_rows, generic_scores, offsets = _ranked()
    assert -1.5 not in _best(generic_rows, offsets)  # culler never prefers the darkest frame here
    assert not any(ranking.TASTE_REASON in r.reasons for r in generic_rows.values())

    dark = taste.fit(album_evidence(40, wanted=-1.5)[0])
    rows, scores, _ = _ranked(dark)
    assert _best(rows, offsets) == [-1.5] * 8
    for pid, r in rows.items():
        moved_up = r.group_rank < generic_rows[pid].group_rank
        assert (ranking.TASTE_REASON in r.reasons) == moved_up, (r, generic_rows[pid])
        if r.group_rank == 1:
            assert r.suggestion == "pick" and r.reasons[-1] == "matches your taste"
    # the album-wide order (tiles, time-budget review) follows it too
    for g in {r.group for r in rows.values()}:
        ids = [pid for pid, r in rows.items() if r.group == g]
        assert offsets[max(ids, key=scores.get)] == -1.5
        assert offsets[max(ids, key=generic_scores.get)] != -1.5


def test_a_taste_that_agrees_with_culler_leaves_the_order_and_the_reasons_alone():
    """A photographer who keeps culler's best frame of each burst (one time in ten another)."""
    signals, fused, _, _ = burst_album(40, 1)
    generic_rows, generic, _ = _ranked(seed=1, n=40)
    features = taste_evidence.album_features(signals, generic_rows.values(), generic)
    rng = random.Random(1)
    best = {r.group: pid for pid, r in generic_rows.items() if r.group_rank == 1}
    for g in best:
        if rng.random() < 0.1:
            best[g] = rng.choice([pid for pid, r in generic_rows.items() if r.group == g])
    decisions = {pid: Decision(flag="pick" if best[r.group] == pid else "reject") for pid, r in generic_rows.items()}
    same = taste.fit(taste_evidence.evidence(features, list(generic_rows.values()), decisions))
    assert same.decisions == 160

    generic_rows, _, _ = _ranked()
    rows, _, _ = _ranked(same)
    assert {pid: (r.group_rank, r.suggestion, r.reasons) for pid, r in rows.items()} == \
        {pid: (r.group_rank, r.suggestion, r.reasons) for pid, r in generic_rows.items()}


def _store(tmp_path) -> Store:
    album = tmp_path / "album"
    album.mkdir(exist_ok=True)
    store = Store.open(album, tmp_path / "data")
    store.sync_photos([Photo("IMG_1.JPG", "jpeg", 1, 1)])
    return store


def test_an_album_uses_the_profile_only_when_it_earned_a_weight_and_is_not_switched_off(tmp_path, caplog):
    path = taste.default_path(tmp_path / "data")
    with _store(tmp_path) as store:
        assert taste_blend.for_album(store) is None  # nothing learned yet
        taste.save(taste.fit(album_evidence(1, wanted=-1.5)[0]), path)
        assert taste_blend.for_album(store) is None  # too few decisions: weight 0, the generic order
        taste.save(taste.fit(album_evidence(40, wanted=-1.5)[0]), path)
        assert taste_blend.for_album(store).alpha > 0
        store.set(taste_blend.OFF_KEY, True)
        assert taste_blend.for_album(store) is None
        store.set(taste_blend.OFF_KEY, False)
        path.write_text("{damaged")
        assert taste_blend.for_album(store) is None  # the generic order, and the file left alone
        assert path.read_text() == "{damaged" and "cannot read the taste profile" in caplog.text


def test_decision_order_is_the_order_the_decisions_were_made(tmp_path):
    with _store(tmp_path) as store:
        ids = [p.id for p in store.sync_photos([Photo(f"IMG_{i}.JPG", "jpeg", 1, 1) for i in range(4)])]
        rng = random.Random(3)
        order = ids[:]
        rng.shuffle(order)
        for pid in order:
            store.decide([pid], flag="reject")
        store.decide([order[0]], flag="pick")  # deciding again makes it the newest
        assert store.decision_order() == order[1:] + order[:1]
