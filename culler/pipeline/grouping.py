"""The pipeline's last stage: fused scores, groups of near-duplicates and best-of-group suggestions.

Everything is read back from the store (signals, CLIP embeddings, 32x32 greys, capture times, the
detail maps the ranking compares siblings with),
so this stage can also run on its own after the user moves the grouping thresholds
(settings 'grouping.params' and 'grouping.keep_n' of the album's store).
"""

from __future__ import annotations

import dataclasses

from culler.core.records import GroupRow
from culler.core.taste_blend import ALBUM_DEFAULT


def fused_scores(signals: dict[int, dict], photos: list,
                 errors: dict[int, str]) -> dict[int, tuple[float | None, float | None]]:
    from culler.analysis import score

    scores: dict[int, tuple[float | None, float | None]] = {}
    for p in photos:
        if p.status != "ok" or p.id in errors or p.id not in signals:
            scores[p.id] = (None, None)
        else:
            scores[p.id] = score.fuse(signals[p.id])
    return scores


def grouping_params(store):
    """GroupingParams from the album's settings (unknown keys ignored), defaults otherwise."""
    from culler.core import grouping

    saved = store.get("grouping.params") or {}
    if not isinstance(saved, dict):
        saved = {}
    names = {f.name for f in dataclasses.fields(grouping.GroupingParams)}
    return grouping.GroupingParams(**{k: v for k, v in saved.items() if k in names})


def group_inputs(store, photos: list) -> list:
    from culler.core import grouping

    embeddings = store.embeddings("clip")
    tiny = store.tiny_images()
    fields = {f.name for f in dataclasses.fields(grouping.GroupInput)}
    by_name = {p.id: i for i, p in enumerate(sorted(photos, key=lambda p: p.path))}
    items = []
    for p in photos:
        values = {"photo_id": p.id, "captured_at": p.meta.captured_at, "embedding": embeddings.get(p.id),
                  "tiny": tiny.get(p.id), "exposure_bias": p.meta.exposure_bias, "order": by_name[p.id]}
        # Optional extras the grouping may use (panorama/bracket detection), when it asks for them.
        extras = {"width": p.meta.width, "height": p.meta.height, "focal_length": p.meta.focal_length,
                  "exposure_time": p.meta.exposure_time, "path": p.path, "camera": p.meta.camera}
        values.update({k: v for k, v in extras.items() if k in fields})
        items.append(grouping.GroupInput(**values))
    return items


def group_and_rank(store, taste_profile=ALBUM_DEFAULT, looks=None) -> int:
    """Recompute and store scores and groups for every present photo; returns how many groups have
    2 or more frames. `taste_profile`: see `taste_blend.blend` (the default: the user's profile
    unless this album turned it off); `looks`: the CLIP look features' source
    (culler/analysis/clip_looks.for_context), None without."""
    from culler.core import grouping, ranking, taste_blend

    photos = store.photos()
    errors = store.analysis_errors()
    signals = store.all_signals()
    scores = fused_scores(signals, photos, errors)

    usable = [p for p in photos if p.status == "ok" and p.id not in errors]
    groups = grouping.group(group_inputs(store, usable), grouping_params(store)) if usable else []
    keep_n = store.get("grouping.keep_n", 1)
    keep_n = keep_n if isinstance(keep_n, int) and keep_n >= 1 else 1
    plain = {pid: sc[0] for pid, sc in scores.items()}
    details = store.embeddings("detail")  # per-photo detail maps: siblings are compared tile by tile
    rows = list(ranking.rank_groups(groups, signals, plain, keep_n=keep_n, details=details)) if groups else []
    # The score people see: a frame with a clearly better sibling in its burst is worth less.
    adjusted = ranking.album_scores(rows, plain, signals, details=details)
    # the photographer's taste, when it earned a weight
    taste = taste_blend.blend(store, signals, rows, adjusted, taste_profile, looks)
    if taste is not None:
        rows = list(ranking.rank_groups(groups, signals, plain, keep_n=keep_n, details=details, taste=taste))
        adjusted = ranking.album_scores(rows, plain, signals, details=details, taste=taste)
    store.put_scores({pid: (adjusted.get(pid), conf) for pid, (_, conf) in scores.items()})
    # Unreadable photos stand alone and get no suggestion: nothing is known about them.
    for p in photos:
        if p.status != "ok" or p.id in errors:
            rows.append(GroupRow(photo_id=p.id, group=f"e{p.id}", group_size=1, group_rank=1,
                                 suggestion=None, reasons=["could not be read"], kind="single"))
    store.put_groups(rows)
    return sum(len(g.ids) > 1 for g in groups)  # groups of 2+ frames, as the window counts them
