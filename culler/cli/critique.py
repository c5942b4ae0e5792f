"""culler critique ALBUM: ask a vision-language model about the shortlist, headlessly.

Only a shortlist is sent: the top N of the review order over the best frame of each group
(`--top N`, the default), the picks (`--select picks`), or each burst's frames in one ranking
request (`--groups`). Before anything is sent it says how many photos, how long and (with a price
set) what it costs; `--dry-run` stops there. A non-local endpoint gets photos only after a
one-time consent (`--consent`). Answers are cached in the album's session: asking again sends
nothing. Endpoint, model and key: CULLER_VLM_URL, CULLER_VLM_MODEL, CULLER_VLM_KEY or vlm.json
in culler's config folder. Exit status 0 when done, 1 when the run stopped early, 2 for bad
settings, 3 when consent is missing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "ask a vision-language model (local or cloud) about the shortlist"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("album", type=Path, help="folder of photos")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--top", type=int, default=20, metavar="N",
                       help="the N best photos, one per group (default 20)")
    which.add_argument("--select", choices=("picks",), help="the photos you picked")
    which.add_argument("--groups", action="store_true",
                       help="rank the frames of each burst in one request per burst")
    parser.add_argument("--dry-run", action="store_true", help="say what would be sent, send nothing")
    parser.add_argument("--consent", action="store_true",
                        help="agree, once for this endpoint, that photos go to a non-local server")
    parser.add_argument("--json", dest="json_out", metavar="OUT.json",
                        help="write the critiques, group rankings and disagreements here ('-' = stdout)")
    parser.add_argument("--signals", choices=("all", "technical"), default=argparse.SUPPRESS,
                        help="signals for an album not analysed yet (default all)")
    parser.add_argument("--recursive", "-r", action="store_true", default=argparse.SUPPRESS,
                        help="include subfolders")


def _say(text: str) -> None:
    print(f"culler critique: {text}", file=sys.stderr, flush=True)


def run(ctx, args) -> int:
    from culler.analysis import vlm_config
    from culler.analysis.vlm_client import VlmClient, VlmError, check_reachable

    album = Path(args.album).expanduser()
    if not album.is_dir():
        _say(f"{album} is not a folder")
        return 2
    album = album.resolve()
    if args.top < 1:
        _say("--top must be 1 or more")
        return 2
    try:
        config = vlm_config.load_config(ctx.config_dir)
        vlm_config.require_endpoint(config)
    except vlm_config.VlmConfigError as e:
        _say(str(e))
        return 2
    client = None
    if not args.dry_run:
        if vlm_config.needs_consent(config, ctx.config_dir):
            if not args.consent:
                _say(f"{vlm_config.safe_url(config.url)} is not on your machine or your network: photos "
                     "would leave it. Check that your clients' contracts allow this, then run again with "
                     "--consent (asked once per endpoint); nothing was sent")
                return 3
            vlm_config.give_consent(config, ctx.config_dir)
        try:
            client = VlmClient(config, on_retry=_say)
            check_reachable(config)
        except VlmError as e:
            _say(str(e))
            return 1
    return _with_store(ctx, args, album, config, client)


def _with_store(ctx, args, album: Path, config, client) -> int:
    from culler.analysis.vlm_run import plan_critique
    from culler.cli.plan import ensure_scored
    from culler.core import critique
    from culler.core.store import Store, StoreError

    try:
        store = Store.open(album, Path(ctx.data_dir))
    except StoreError as e:
        _say(str(e))
        return 1
    try:
        ensure_scored(album, store, ctx, getattr(args, "signals", "all"),
                      bool(getattr(args, "recursive", False)))
        if args.groups:
            groups, photo_ids = critique.burst_groups(store, config.group_frames), []
        else:
            groups = []
            photo_ids = critique.shortlist(store, "picks" if args.select else "top", args.top)
        if not groups and not photo_ids:
            _say("nothing to ask about: " + ("no burst of two or more frames" if args.groups
                                            else "no picks" if args.select else "no photos"))
            return 0
        plan = plan_critique(store, album, config, Path(ctx.data_dir), photo_ids=photo_ids, groups=groups)
        _say(plan.describe(config))
        code = 0
        if client is not None and plan.jobs:
            code = _send(store, album, config, ctx, plan, client)
        doc = _document(store, album, config, photo_ids, groups)
        _print(doc)
        if args.json_out:
            from culler.cli.output import write_json_output

            if write_json_output("critique", args.json_out, doc):
                return 1
        return code
    finally:
        store.close()


def _send(store, album, config, ctx, plan, client) -> int:
    from culler.analysis.vlm_run import run_critique

    def progress(done: int, total: int, message: str) -> None:
        _say(f"{done}/{total}  {message}")

    try:
        report = run_critique(store, album, config, Path(ctx.data_dir), plan, client, progress=progress)
    except KeyboardInterrupt:
        _say("interrupted; the answers received so far are kept")
        return 130
    for path, reason in report.failed:
        _say(f"{path}: {reason}")
    if not report.structured:
        _say("the server does not take structured output (response_format); answers were read leniently")
    _say(f"{report.answered} answered, {report.malformed} malformed (kept as such), {len(report.failed)} failed "
         f"in {report.seconds:.1f} s; sent {report.request_bytes / 1e6:.2f} MB, received "
         f"{report.response_bytes / 1e3:.1f} kB")
    if report.stopped:
        _say(f"stopped: {report.stopped}")
        return 1
    return 0


def _document(store, album: Path, config, photo_ids: list[int], groups: list[list[int]]) -> dict:
    """The critiques of the shortlist (with culler's suggestion before and after the model's
    authority, and the confidence the critique adjusts), the group rankings and the album's
    disagreements."""
    from culler.analysis.vlm_run import group_rankings
    from culler.core import critique
    from culler.core.store_vlm import VlmAnswers

    paths = {p.id: p.path for p in store.photos()}
    critiques = VlmAnswers(store).photo_critiques(config.model)
    rankings = group_rankings(store, album, config.model, groups)
    scores, rows, decisions = store.scores(), store.groups(), store.decisions()
    suggested = {pid: r.suggestion for pid, r in rows.items()}
    decided = {pid for pid, d in decisions.items() if d.flag != "none" or d.rating}
    with_model = critique.apply_authority(suggested, critiques, decided, config.authority)
    return {
        "album": str(album),
        "model": config.model,
        "authority": config.authority,
        "photos": [{"path": paths[pid], "vlm": critiques.get(pid), "suggestion": suggested.get(pid),
                    "suggestion_with_model": with_model.get(pid),
                    "score": (scores.get(pid) or (None, None))[0],
                    "confidence": critique.adjusted_confidence(*(scores.get(pid) or (None, None)),
                                                               critiques.get(pid))}
                   for pid in photo_ids],
        "groups": [{"frames": [paths[i] for i in ids],
                    "model_order": ([paths[i] for i in rankings[tuple(ids)]["order"]]
                                    if tuple(ids) in rankings else None),
                    "reasons": {paths[i]: r for i, r in rankings[tuple(ids)]["reasons"].items()}
                    if tuple(ids) in rankings else None} for ids in groups],
        "disagreements": [{"path": paths[d["photo_id"]], **{k: v for k, v in d.items() if k != "photo_id"}}
                          for d in critique.disagreements(store.scores(), critiques)],
    }


def _print(doc: dict) -> None:
    """The answers on standard output, one line per photo or burst."""
    for p in doc["photos"]:
        v = p["vlm"]
        answer = (f"{v['verdict']:6s} {v['score']:2d}/10  {', '.join(v['issues']) or '-'}  {v['critique']}"
                  if v else "(no answer)")
        print(f"{p['path']}  {answer}")
    for g in doc["groups"]:
        order = " > ".join(g["model_order"]) if g["model_order"] else "(no answer)"
        print(f"burst {', '.join(g['frames'])}: model's order {order}")
    for d in doc["disagreements"]:
        side = "rejects" if d["kind"] == "model_rejects" else "keeps"
        print(f"disagreement: the model {side} {d['path']} (score {d['score']:.2f}, model {d['model_score']}/10)")
