"""culler taste learn|show|reset: the photographer's taste profile, headless.

`learn DIR...` reads the decisions of those albums (culler's own, and the picks, rejects, stars
and labels that Lightroom, darktable, digiKam or Capture One left in XMP sidecars, which culler
takes on when it opens an album), analyses the photos that need it, and refits the profile: an
album learned again replaces what it taught before, other albums stay. `show` says what the
profile learned, in words and figures (`--json` for the figures). `reset` forgets it. The profile
is one JSON file, by default `taste.json` in the user data folder; `--profile FILE` uses another
(to carry it to a second machine, or keep a second shooter's apart).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HELP = "learn the photographer's taste from their decisions, show it, reset it"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="taste_command", metavar="ACTION", required=True)
    learn = sub.add_parser("learn", help="learn from the decisions of these albums")
    learn.add_argument("albums", type=Path, nargs="+", metavar="DIR", help="folders of photos")
    learn.add_argument("--signals", choices=("all", "technical"), default=argparse.SUPPRESS,
                       help="signals for photos that still need analysing (technical = no model files)")
    learn.add_argument("--recursive", "-r", action="store_true", default=argparse.SUPPRESS,
                       help="include subfolders")
    show = sub.add_parser("show", help="what the profile learned, in words and figures")
    show.add_argument("--json", action="store_true", help="print the figures as JSON")
    reset = sub.add_parser("reset", help="forget everything learned")
    for p in (learn, show, reset):
        p.add_argument("--profile", type=Path, metavar="FILE", help="profile file (default: in the user data folder)")


def profile_path(ctx, given: Path | None) -> Path:
    from culler.core import taste

    return Path(given).expanduser() if given else taste.default_path(Path(ctx.data_dir))


def run(ctx, args) -> int:
    from culler.core import taste

    path = profile_path(ctx, args.profile)
    if args.taste_command == "reset":
        print(f"culler taste: {'forgot' if taste.reset(path) else 'nothing to forget in'} {path}")
        return 0
    if args.taste_command == "show":
        try:
            profile = taste.load(path)
        except taste.TasteError as e:
            print(f"culler taste: {e}", file=sys.stderr)
            return 1
        _show(profile, path, as_json=args.json)
        return 0
    return _learn(ctx, args, path)


def _learn(ctx, args, path: Path) -> int:
    from culler.core import taste

    previous = None
    if path.exists():
        try:
            previous = taste.load(path)
        except taste.TasteError as e:  # never overwrite what we cannot read
            print(f"culler taste: {e}; move it away or `culler taste reset --profile {path}`", file=sys.stderr)
            return 1
    albums = {}
    for folder in args.albums:
        folder = folder.expanduser()
        if not folder.is_dir():
            print(f"culler taste: {folder} is not a folder", file=sys.stderr)
            return 2
        rows = _album_evidence(ctx, folder.resolve(), getattr(args, "signals", None) or "all",
                               bool(getattr(args, "recursive", False)))
        if rows is None:
            return 1
        albums[str(folder.resolve())] = rows
        n = sum(e["kind"] == "label" for e in rows)
        print(f"culler taste: {folder}: {n} decision(s)", file=sys.stderr)
    profile = taste.merged(previous, albums)
    taste.save(profile, path)
    _show(profile, path)
    return 0


def _album_evidence(ctx, album: Path, signals: str, recursive: bool) -> list[dict] | None:
    from culler.core.store import StoreError

    try:
        return album_evidence(ctx, album, signals, recursive)
    except StoreError as e:
        print(f"culler taste: {album}: {e}", file=sys.stderr)
        return None


def album_evidence(ctx, album: Path, signals: str = "all", recursive: bool = False, stream=None) -> list[dict]:
    """The evidence rows of one album's decisions (culler's own and other apps' sidecars),
    analysing the photos that need it first (progress on `stream`, default stderr). Raises
    StoreError when its session cannot be opened. Also the window's "Learn from rated folders…"."""
    from culler.analysis.clip_looks import for_context
    from culler.cli.plan import ensure_scored
    from culler.core import taste_evidence
    from culler.core.store import Store

    store = Store.open(album, Path(ctx.data_dir))
    try:
        ensure_scored(album, store, ctx, signals, recursive, stream)  # also takes on the sidecars' decisions
        features, rows = taste_evidence.from_store(store, for_context(ctx))
        return taste_evidence.evidence(features, rows, store.decisions(), album=str(album),
                                       order=taste_evidence.decision_order(store))
    finally:
        store.close()


def _show(profile, path: Path, as_json: bool = False) -> None:
    from culler.core import taste_words

    if as_json:
        print(json.dumps({"profile": str(path), "decisions": profile.decisions, "albums": profile.albums,
                          "agreement": profile.agreement, "generic_agreement": profile.generic_agreement,
                          "held_back": profile.held_back, "weight": profile.alpha,
                          "headline": taste_words.headline(profile), "learned": taste_words.sentences(profile),
                          "figures": taste_words.figures(profile)}, indent=1))
        return
    print(taste_words.headline(profile))
    for s in taste_words.sentences(profile):
        print(f"  - {s}")
    figs = taste_words.figures(profile)
    if figs:
        print("  figures (its share in your decisions minus its share in the default score; + = you favour it more): "
              + ", ".join(f"{k} {v:+.2f}" for k, v in figs.items()))
    print(f"  profile: {path} ({len(profile.albums)} album(s))")
