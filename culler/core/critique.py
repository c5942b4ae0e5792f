"""What a vision-language model's critiques change: pure functions over culler's own results.

- `shortlist`: which photos are worth asking about (the model judges only the few that remain
  after culler's cheap signals): the top N of the review order over the best frame of each group,
  the top N of the review order over every photo, the picks, or a given selection.
- `burst_groups`: the groups a ranking request goes to (culler's order, cut to `max_frames`).
- `apply_authority`: the user's choice of how far the model may go — explain (nothing changes),
  rescue (a suggested reject the model would keep loses its suggestion) or decide (the verdict
  becomes the suggestion). A photo the user decided is never touched.
- `adjusted_confidence`: the model joins the fused score as a confidence adjustment; agreement
  between the score and the model's raises the confidence, disagreement lowers it.
- `disagreements`: where the model says reject and the signals rank high, and the reverse.

A critique is the dict `VlmAnswers.photo_critiques` returns: {"model", "verdict", "score", ...}.
"""

from __future__ import annotations

from culler.core import budget

AUTHORITIES = ("explain", "rescue", "decide")
CONFIDENCE_WEIGHT = 0.25  # the most agreement (or disagreement) can move the confidence
HIGH, LOW = 0.75, 0.25  # percentiles of the album's scores that count as "signals rank high / low"


def shortlist(store, how: str = "top", top: int = 20, selection: list[int] | None = None) -> list[int]:
    """Photo ids to critique, best first. how: 'top' (the best frame of each group, top N) |
    'review' (every photo, top N of the time-budget order) | 'picks' | 'selection'."""
    photos = [p for p in store.photos() if p.status == "ok"]
    if how == "selection":
        scope: str | list[int] = list(selection or [])
    elif how == "picks":
        decisions = store.decisions()
        scope = [p.id for p in photos if decisions.get(p.id) is not None and decisions[p.id].flag == "pick"]
    elif how in ("top", "review"):
        scope = "best" if how == "top" else "all"
    else:
        raise ValueError(f"shortlist: how must be top, review, picks or selection, not {how!r}")
    items = budget.build_items(photos, store.scores(), store.groups(), store.decisions(), scope)
    ordered = [it.photo_id for it in budget.review_order(items)]
    return ordered[:top] if how in ("top", "review") else ordered


def burst_groups(store, max_frames: int = 6) -> list[list[int]]:
    """Each group of two or more frames (bursts and near-duplicates, not brackets or panoramas),
    its photo ids in culler's rank order, cut to the `max_frames` best; biggest groups first."""
    ok = {p.id for p in store.photos() if p.status == "ok"}
    return bursts(store.groups(), ok, max_frames)


def bursts(groups: dict, ok: set[int], max_frames: int = 6) -> list[list[int]]:
    """`burst_groups` over group rows already read (photo id -> GroupRow) and the readable ids."""
    members: dict[str, list] = {}
    for row in groups.values():
        if row.photo_id in ok and row.kind not in ("bracket", "panorama"):
            members.setdefault(row.group, []).append(row)
    found = [[r.photo_id for r in sorted(rows, key=lambda r: (r.group_rank, r.photo_id))][:max_frames]
             for rows in members.values() if len(rows) > 1]
    return sorted(found, key=lambda ids: (-len(ids), ids[0]))


def apply_authority(suggestions: dict[int, str | None], critiques: dict[int, dict],
                    decided: set[int], authority: str = "explain") -> dict[int, str | None]:
    """Suggestions after the model had its say (a new dict; `suggestions` is not changed).

    decided: ids of photos the user flagged or rated, which keep their suggestion whatever the model says."""
    if authority not in AUTHORITIES:
        raise ValueError(f"authority must be one of {AUTHORITIES}, not {authority!r}")
    out = dict(suggestions)
    if authority == "explain":
        return out
    for pid, c in critiques.items():
        if pid in decided or c.get("verdict") not in ("keep", "maybe", "reject"):
            continue
        if authority == "rescue":
            if out.get(pid) == "reject" and c["verdict"] == "keep":
                out[pid] = None
        else:
            out[pid] = {"keep": "pick", "maybe": None, "reject": "reject"}[c["verdict"]]
    return out


def model_score(critique: dict) -> float | None:
    """The model's 1-10 score on culler's 0-1 scale."""
    score = critique.get("score") if critique else None
    return None if score is None else min(1.0, max(0.0, (float(score) - 1.0) / 9.0))


def adjusted_confidence(score: float | None, confidence: float | None, critique: dict | None) -> float | None:
    """The confidence of a fused score once the model's critique is known.

    Agreement a = 1 - |score - model score| (both 0-1); the confidence moves by
    CONFIDENCE_WEIGHT * (2a - 1): +0.25 when they agree exactly, 0 at half the scale apart,
    -0.25 at opposite ends; clamped to 0-1. No score or no critique: unchanged."""
    m = model_score(critique) if critique else None
    if score is None or m is None or confidence is None:
        return confidence
    agreement = 1.0 - abs(float(score) - m)
    return min(1.0, max(0.0, float(confidence) + CONFIDENCE_WEIGHT * (2.0 * agreement - 1.0)))


def disagreements(scores: dict[int, tuple[float | None, float | None]],
                  critiques: dict[int, dict]) -> list[dict]:
    """Photos for a second look: the model rejects one the signals rank in the album's top
    quarter ("model_rejects"), or keeps one they rank in the bottom quarter ("model_keeps").
    Sorted by how far apart the two are, largest first."""
    scored = sorted(s for s, _ in scores.values() if s is not None)
    if not scored:
        return []
    out = []
    for pid, c in critiques.items():
        score = (scores.get(pid) or (None, None))[0]
        if score is None:
            continue
        pct = _percentile(scored, score)
        if c.get("verdict") == "reject" and pct >= HIGH:
            kind = "model_rejects"
        elif c.get("verdict") == "keep" and pct <= LOW:
            kind = "model_keeps"
        else:
            continue
        gap = abs(score - (model_score(c) or 0.0))
        out.append({"photo_id": pid, "kind": kind, "score": score, "percentile": pct,
                    "verdict": c["verdict"], "model_score": c.get("score"), "gap": gap})
    return sorted(out, key=lambda d: (-d["gap"], d["photo_id"]))


def _percentile(sorted_scores: list[float], score: float) -> float:
    """Share of the album's scores at or below `score` (the best photo is 1.0)."""
    import bisect

    return bisect.bisect_right(sorted_scores, score) / len(sorted_scores)
