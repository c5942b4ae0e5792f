"""culler analyze ALBUM --json OUT.json: analyse, group and rank an album without a window.

A progress line goes to stderr (updated in place on a terminal, a plain line every few seconds
otherwise), and at the end the run report in two lines (photos analysed, up to date, failed with
their reasons; models used, missing, failed; time per stage). The JSON lists every photo with its
signals, score, group, suggestion and the user's decision (docs/ARCHITECTURE.md, Contracts); without
--json the results stay in the album's session and the last line says where. Unreadable files are
listed with status "error" and the command still exits 0. Without model files it computes the
technical signals and says which models are missing. Interrupted (Ctrl+C), it keeps what it
analysed; the next run resumes.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

HELP = "analyse an album headlessly and write the results as JSON"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("album", type=Path, help="folder of photos")
    parser.add_argument("--json", dest="json_out", metavar="OUT.json",
                        help="write the results here ('-' = standard output)")
    # SUPPRESS: keep the value given before the subcommand (`culler --signals technical analyze`).
    parser.add_argument("--signals", choices=("all", "technical"), default=argparse.SUPPRESS,
                        help="all (default) or technical (no model files needed)")
    parser.add_argument("--recursive", "-r", action="store_true", default=argparse.SUPPRESS,
                        help="include subfolders")
    parser.add_argument("--taste", metavar="FILE|none", default=None,
                        help="taste profile giving each photo `taste` (default: yours, when learned; none = off)")
    parser.add_argument("--threads", type=int, default=None,
                        help="CPU threads for the deep models (default: all cores)")


def run(ctx, args) -> int:
    from culler.cli.output import write_json_output
    from culler.core.store import Store, StoreError
    from culler.core.taste_blend import ALBUM_DEFAULT
    from culler.pipeline import Pipeline

    album = Path(args.album).expanduser()
    if not album.is_dir():
        print(f"culler analyze: {album} is not a folder", file=sys.stderr)
        return 2
    album = album.resolve()
    signals = getattr(args, "signals", None) or "all"
    try:
        profile = taste_profile(ctx, args.taste)
    except ValueError as e:
        print(f"culler analyze: {e}", file=sys.stderr)
        return 2
    try:
        store = Store.open(album, Path(ctx.data_dir))
    except StoreError as e:  # locked by another program, or a session of a newer culler
        print(f"culler analyze: {e}", file=sys.stderr)
        return 1
    for notice in store.notices:
        print(f"culler analyze: {notice}", file=sys.stderr)
    try:
        # Headless: nothing else needs the CPU, so the models get every core.
        threads = args.threads or os.cpu_count() or 1
        pipeline = Pipeline(album, store, ctx, signals=signals, threads=threads,
                            recursive=bool(getattr(args, "recursive", False)),
                            taste_profile=ALBUM_DEFAULT if args.taste is None else profile)
        line = ProgressLine(sys.stderr)
        run_report = None
        try:
            for progress in pipeline.run():
                line.show(progress)
                run_report = progress.run_report or run_report
                if progress.stage == "models" and progress.done == 1:
                    _say_missing_models(pipeline.model_status, signals)
        except KeyboardInterrupt:
            line.finish()
            print("culler analyze: interrupted; what was analysed is kept, run again to resume",
                  file=sys.stderr)
            return 130
        line.finish()
        for path, error in pipeline.errors.items():
            print(f"culler analyze: {path}: {error}", file=sys.stderr)
        for path in pipeline.vanished:
            print(f"culler analyze: {path} vanished during the analysis; skipped", file=sys.stderr)
        for text in run_report.lines() if run_report else ():
            print(f"culler analyze: {text}", file=sys.stderr)
        if args.json_out:
            report = album_report(store, album, pipeline.model_status, profile, ctx)
            if write_json_output("analyze", args.json_out, report):
                return 1
        else:
            print(f"culler analyze: the results are kept in the album's session ({store.path}): "
                  f"`culler {album}` shows them in the window; add --json OUT.json to write them as JSON "
                  "('--json -' prints them)", file=sys.stderr)
        return 0
    finally:
        store.close()


def _say_missing_models(status: dict[str, str], signals: str) -> None:
    if signals != "all":
        return
    missing = [f"{name} ({state})" for name, state in status.items() if state != "ok"]
    if missing:
        print("culler analyze: models not available: " + ", ".join(missing)
              + " -- their signals are left out; `culler models download` or "
              "`culler models import DIR` adds them", file=sys.stderr)


def taste_profile(ctx, given: str | None):
    """The taste profile for `--taste`: a file, `none` (None), or the default one when it exists."""
    from culler.core import taste

    if given is not None and given.lower() == "none":
        return None
    path = Path(given).expanduser() if given else taste.default_path(Path(ctx.data_dir))
    if given is None and not path.exists():
        return None
    return taste.load(path)  # TasteError (a ValueError) says why it cannot be used


def album_report(store, album: Path, model_status: dict[str, str], profile=None, ctx=None) -> dict:
    """The contract JSON (docs/ARCHITECTURE.md, Contracts) built from the album's store; with a
    taste profile, each photo's `taste` (0-1: how likely this photographer keeps it); with `ctx`, its
    accepted and suggested keywords too (culler.cli.keyword_report)."""
    from culler.cli.keyword_report import photo_keywords
    from culler.core.score_text import reasons_with_contradiction
    from culler.core.store_vlm import VlmAnswers

    errors = store.analysis_errors()
    signals = store.all_signals()
    scores = store.scores()
    groups = store.groups()
    decisions = store.decisions()
    critiques = VlmAnswers(store).photo_critiques()
    tastes = {}
    if profile is not None:
        from culler.analysis.clip_looks import for_context
        from culler.core import taste_evidence

        tastes = profile.scores(*taste_evidence.from_store(store, for_context(ctx)))
    accepted, suggested = photo_keywords(store, album, ctx, model_status.get("clip") == "ok") if ctx else ({}, {})
    photos = []
    for p in store.photos():
        error = p.error if p.status != "ok" else errors.get(p.id)
        g = groups.get(p.id)
        score = scores.get(p.id, (None, None))[0]
        decision = decisions.get(p.id)
        photos.append({
            "path": p.path,
            "companions": list(p.companions),
            "status": "error" if error else "ok",
            "error": error,
            "captured_at": p.meta.captured_at.isoformat() if p.meta.captured_at else None,
            "signals": {k: _number(v) for k, v in (signals.get(p.id) or {}).items()} if not error else {},
            "score": _number(score),
            "group": g.group if g else f"p{p.id}",
            "group_size": g.group_size if g else 1,
            "group_rank": g.group_rank if g else 1,
            "suggestion": g.suggestion if g else None,
            "reasons": reasons_with_contradiction(g.reasons, score, g.suggestion, g.group_size) if g else [],
            "decision": decision.to_json() if decision else {"flag": "none", "rating": 0, "label": None},
            "vlm": critiques.get(p.id),
            "taste": None if error or p.id not in tastes else round(tastes[p.id], 4),
            "keywords": accepted.get(p.id, []),
            "suggested_keywords": suggested.get(p.id, []),
        })
    return {"album": str(album), "models": dict(model_status), "photos": photos}


def _number(v) -> float | None:
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None


class ProgressLine:
    """One progress line on stderr: rewritten in place on a terminal, a plain line every
    `interval` seconds (and for every report that is not a per-photo one) when stderr is a file
    or a pipe."""

    def __init__(self, stream, interval: float = 2.0) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.interval = interval
        self._last_time = 0.0
        self._last_stage = None
        self._width = 0

    def show(self, p) -> None:
        now = time.monotonic()
        # Only the per-photo reports are thrown away between updates; the few others all show.
        frequent = p.stage == self._last_stage == "analyse" and p.done < p.total
        if frequent and now - self._last_time < (0.1 if self.tty else self.interval):
            return
        self._last_time, self._last_stage = now, p.stage
        text = format_progress(p)
        if self.tty:
            pad = max(0, self._width - len(text))
            self.stream.write("\r" + text + " " * pad)
            self._width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty and self._width:
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0


def format_progress(p) -> str:
    parts = [f"{p.stage:8s}"]
    if p.total:
        parts.append(f"{p.done}/{p.total}")
    if p.photos_per_second:
        parts.append(f"{p.photos_per_second:.1f} photos/s")
    if p.eta_seconds is not None and p.stage == "analyse" and p.done < p.total:
        m, s = divmod(int(round(p.eta_seconds)), 60)
        parts.append(f"ETA {m}:{s:02d}")
    tail = p.message or (p.current_path or "")
    if tail:
        parts.append(tail)
    return "  ".join(parts)
