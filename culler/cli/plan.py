"""culler plan ALBUM --minutes M --json OUT.json: the time-budget review schedule.

One entry per photo in review order (best first, unscored last) with the seconds it gets; the
seconds never rise as the score falls and add up to the budget. The tail that gets less than a
glance is marked "sweep" (reviewed as a fast grid). Photos not analysed yet are analysed first
(progress on stderr); --signals technical needs no model files.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

HELP = "make a time-budget review schedule (seconds per photo) as JSON"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("album", type=Path, help="folder of photos")
    parser.add_argument("--minutes", type=float, required=True, help="time you have for the review")
    parser.add_argument("--json", dest="json_out", metavar="OUT.json",
                        help="write the schedule here ('-' = standard output)")
    parser.add_argument("--scope", choices=("all", "unreviewed", "best"), default="all",
                        help="all photos, those without a flag or rating, or the best of each group")
    parser.add_argument("--signals", choices=("all", "technical"), default=argparse.SUPPRESS,
                        help="signals for photos that still need analysing (technical = no model files)")
    parser.add_argument("--recursive", "-r", action="store_true", default=argparse.SUPPRESS,
                        help="include subfolders")
    parser.add_argument("--taste", metavar="FILE|none", default=None,
                        help="order by this taste profile blended with the scores (default: yours, when learned)")


def ensure_scored(album: Path, store, ctx, signals: str, recursive: bool, stream=None) -> bool:
    """Run the analysis when a photo is new, changed or unscored (progress on `stream`);
    False when it failed."""
    from culler.pipeline.scan import refresh_photos

    photos, _ = refresh_photos(album, store, recursive)
    scores, analysed = store.scores(), store.analysed_keys()
    if photos and all(p.id in scores and analysed.get(p.id) == (p.size, p.mtime_ns)
                      for p in photos if p.status == "ok"):
        return True
    from culler.cli.analyze import ProgressLine
    from culler.pipeline import Pipeline

    line = ProgressLine(stream or sys.stderr)
    try:
        for progress in Pipeline(album, store, ctx, signals=signals, recursive=recursive).run():
            line.show(progress)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as e:  # the schedule still covers every photo; unscored ones share time
        line.finish()
        print(f"culler plan: the analysis failed ({e}); photos without a score get equal time",
              file=stream or sys.stderr)
        return False
    line.finish()
    return True


def schedule(store, minutes: float, scope: str = "all", profile=None, looks=None) -> tuple[object, dict]:
    """(budget.Plan, photo id -> Photo) from the store's scores, groups and decisions; with a taste
    profile, its scores (the generic ones blended with the photographer's taste) order the review."""
    from culler.core import budget, taste_evidence

    photos = store.photos()
    by_id = {p.id: p for p in photos}
    scores = store.scores()
    if profile is not None:
        tastes = profile.scores(*taste_evidence.from_store(store, looks))
        scores = {pid: (tastes.get(pid, s), c) if s is not None else (s, c) for pid, (s, c) in scores.items()}
    items = budget.build_items(photos, scores, store.groups(), store.decisions(), scope)
    return budget.plan(items, total_seconds=minutes * 60.0), by_id


def plan_json(album: Path, minutes: float, scope: str, signals: str, the_plan, by_id: dict) -> dict:
    photos = []
    for order, e in enumerate(the_plan.entries, start=1):
        photos.append({"order": order, "path": by_id[e.photo_id].path, "score": e.score,
                       "seconds": round(e.seconds, 6), "sweep": e.sweep,
                       "siblings": [by_id[s].path for s in e.siblings if s in by_id]})
    start = the_plan.sweep_start_index
    return {"album": str(album), "minutes": minutes, "total_seconds": round(the_plan.total_seconds, 6),
            "scope": scope, "signals": signals, "count": the_plan.count,
            "best_seconds": the_plan.best_seconds, "worst_seconds": the_plan.worst_seconds,
            "sweep_start_order": None if start is None else start + 1,
            "sweep_seconds": the_plan.sweep_seconds, "photos": photos}


def run(ctx, args) -> int:
    from culler.cli.analyze import taste_profile
    from culler.core.store import Store, StoreError

    album = Path(args.album).expanduser()
    if not album.is_dir():
        print(f"culler plan: {album} is not a folder", file=sys.stderr)
        return 2
    if not (math.isfinite(args.minutes) and args.minutes > 0):
        print(f"culler plan: --minutes must be a positive number, not {args.minutes}", file=sys.stderr)
        return 2
    album = album.resolve()
    signals = getattr(args, "signals", None) or "all"
    try:
        profile = taste_profile(ctx, args.taste)
    except ValueError as e:
        print(f"culler plan: {e}", file=sys.stderr)
        return 2
    try:
        store = Store.open(album, Path(ctx.data_dir))
    except StoreError as e:
        print(f"culler plan: {e}", file=sys.stderr)
        return 1
    try:
        try:
            scored = ensure_scored(album, store, ctx, signals, bool(getattr(args, "recursive", False)))
        except KeyboardInterrupt:
            print("culler plan: interrupted; what was analysed is kept", file=sys.stderr)
            return 130
        from culler.analysis.clip_looks import for_context

        the_plan, by_id = schedule(store, args.minutes, args.scope, profile, for_context(ctx))
        doc = plan_json(album, args.minutes, args.scope, signals, the_plan, by_id)
    finally:
        store.close()
    _say(the_plan)
    if args.json_out:
        from culler.cli.output import write_output

        try:
            write_output(args.json_out, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
        except OSError as e:
            print(f"culler plan: could not write {args.json_out}: {e.strerror or e}", file=sys.stderr)
            return 1
    return 0 if scored else 1  # a schedule without the scores it was asked for is not the whole job


def _say(p) -> None:
    if not p.count:
        print("culler plan: no photos to review", file=sys.stderr)
        return
    msg = (f"culler plan: {p.count} photos in {p.total_seconds / 60:.1f} min: "
           f"best {p.best_seconds:.1f} s, worst {p.worst_seconds:.1f} s")
    if p.sweep_start_index is not None:
        n = p.count - p.sweep_start_index
        msg += f"; the last {n} as a grid sweep ({p.sweep_seconds:.0f} s)"
    print(msg, file=sys.stderr)
