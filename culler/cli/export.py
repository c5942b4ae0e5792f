"""culler export ALBUM --to DEST: copy, move or link the chosen photos out of an album.

RAW+JPEG pairs and existing XMP sidecars travel together; nothing is ever overwritten (a taken
name gets _1, _2, ...); --dry-run prints the exact plan and touches nothing. A full or unwritable
destination stops the export with a message naming the file and removes what it had written.
Every export is journalled: `culler export ALBUM --undo last` reverses the latest one (a move
puts the files back). Ctrl+C stops between photos, leaving whole photos only.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path

HELP = "copy, move or link picks (with RAW companions and sidecars) to a folder"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from culler.core.picks_as import DEFAULT as DEFAULT_PICKS_AS

    parser.add_argument("album", type=Path, help="folder of photos")
    parser.add_argument("--to", dest="dest", type=Path, metavar="DEST", help="destination folder")
    parser.add_argument("--select", default="picks",
                        help="picks (default), suggested, rated:N (N stars or more), label:NAME, all")
    parser.add_argument("--mode", choices=("copy", "move", "link"), default="copy",
                        help="copy (default), move (verified, undoable) or hard link")
    parser.add_argument("--layout", choices=("flat", "date", "album"), default="flat",
                        help="flat (default), date (DEST/YYYY-MM-DD/) or album (DEST/ALBUM/subfolders/)")
    parser.add_argument("--name", dest="name_template", default="{name}", metavar="TEMPLATE",
                        help="new file name without extension, e.g. '{date:%%Y%%m%%d}_{seq:04d}_{name}'; "
                             "fields: date time seq name stem ext camera rating label")
    parser.add_argument("--xmp", action="store_true", help="write the decision into an XMP sidecar "
                        "next to each exported file")
    parser.add_argument("--xmp-style", choices=("adobe", "darktable"), default="adobe",
                        help="IMG.xmp (adobe: Lightroom, Capture One) or IMG.CR3.xmp (darktable, digiKam)")
    parser.add_argument("--picks-as", default=str(DEFAULT_PICKS_AS), metavar="HOW",
                        help="how sidecars mark a pick: rating:N (at least N stars), label:NAME, flag "
                             f"(Photo Mechanic's tag), joined with commas; default {DEFAULT_PICKS_AS}: "
                             + DEFAULT_PICKS_AS.apps().replace("%", "%%"))
    parser.add_argument("--dry-run", action="store_true", help="print the exact plan, change nothing")
    parser.add_argument("--report", type=Path, metavar="FILE",
                        help="also write a report of the album (.csv, .json or .html contact sheet)")
    parser.add_argument("--undo", metavar="JOURNAL",
                        help="undo an earlier export: a journal file, or 'last'")
    parser.add_argument("--recursive", "-r", action="store_true", default=argparse.SUPPRESS,
                        help="include subfolders")


def _err(msg: str) -> None:
    print(f"culler export: {msg}", file=sys.stderr)


class _Progress:
    """`export  12/40 files  path` on stderr: in place on a terminal, every 2 s otherwise."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.last = 0.0
        self.width = 0

    def __call__(self, done: int, total: int, path: str) -> None:
        now = time.monotonic()
        if done < total and now - self.last < (0.1 if self.tty else 2.0):
            return
        self.last = now
        text = f"export  {done}/{total} files  {path}"
        if self.tty:
            self.stream.write("\r" + text + " " * max(0, self.width - len(text)))
            self.width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty and self.width:
            self.stream.write("\n")
            self.stream.flush()


def run(ctx, args) -> int:
    from culler.core.store import Store, StoreError

    album = Path(args.album).expanduser()
    if not album.is_dir():
        _err(f"{album} is not a folder")
        return 2
    album = album.resolve()
    try:
        store = Store.open(album, Path(ctx.data_dir))
    except StoreError as e:
        _err(str(e))
        return 1
    for notice in store.notices:
        _err(notice)
    try:
        journals = store.path.parent / "exports"
        if args.undo:
            return _undo(args.undo, journals)
        if args.dest is None:
            _err("say where to export with --to DEST (or --undo last)")
            return 2
        return _export(ctx, args, album, store, journals)
    except StoreError as e:
        _err(str(e))
        return 1
    finally:
        store.close()


def _with_keywords(plan: list, store) -> list:
    """Sidecar operations carry their photo's accepted keywords (culler.core.store_keywords)."""
    from dataclasses import replace

    from culler.core.store_keywords import KeywordStore

    accepted = KeywordStore(store).keywords()
    return [replace(op, keywords=tuple(accepted[op.photo_id])) if op.kind == "xmp" and op.photo_id in accepted
            else op for op in plan]


def _export(ctx, args, album: Path, store, journals: Path) -> int:
    from culler.core import export
    from culler.pipeline.scan import refresh_photos

    photos, _ = refresh_photos(album, store, bool(getattr(args, "recursive", False)))
    decisions, groups = store.decisions(), store.groups()
    options = export.ExportOptions(dest=Path(args.dest).expanduser().absolute(), select=args.select,
                                   mode=args.mode, layout=args.layout, name_template=args.name_template,
                                   xmp=args.xmp, xmp_style=args.xmp_style, picks_as=args.picks_as)
    refused: list[tuple[str, str]] = []
    try:
        plan = export.make_plan(album, photos, decisions, options, groups, refused=refused)
        plan = _with_keywords(plan, store)
    except ValueError as e:
        _err(str(e))
        return 2
    for path, reason in refused:
        _err(f"left out {path}: {reason}")
    # A report that could not be written fails the command (exit 1) after the export is done:
    # a script that goes on to use the report must not be told it is there.
    report_failed = bool(args.report) and not _report(ctx, album, store, photos, decisions, groups,
                                                      Path(args.report).expanduser())
    n_photos = len({op.photo_id for op in plan})
    incomplete = report_failed or bool(refused)  # exit 0 only when everything asked for happened
    if not plan:
        if not refused:
            _err(f"no photo matches --select {args.select}; nothing to export")
        return 1 if incomplete else 0
    if args.dry_run:
        for line in export.describe_plan(plan):
            print(line)
        _err(f"dry run: {n_photos} photos, {len(plan)} operations; nothing was changed")
        return 1 if incomplete else 0
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set()) \
        if threading.current_thread() is threading.main_thread() else None
    progress = _Progress()
    try:
        result = export.execute(plan, progress=progress, cancel=stop, journal_dir=journals,
                                description=f"{args.mode} {args.select} to {options.dest}")
    finally:
        progress.finish()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    for note in result.notes:
        _err(note)
    for path, reason in result.skipped:
        _err(f"skipped {path}: {reason}")
    if not result.ok:
        _err(result.error)
        return 1
    verb = {"copy": "copied", "move": "moved", "link": "linked"}[args.mode]
    asked = n_photos + len(refused)
    done = f"{verb} {result.photos} of {asked} photos ({len(result.done)} files) to {options.dest}"
    if result.cancelled:
        done = "cancelled: " + done
    elif result.photos < asked:
        done += f"; {asked - result.photos} not exported (see above)"
    _err(done)
    if result.journal:
        _err(f"undo with: culler export {album} --undo {result.journal}")
    if result.cancelled:
        return 130
    return 1 if incomplete or result.photos < n_photos else 0


def _undo(which: str, journals: Path) -> int:
    from culler.core import export

    if which == "last":
        candidates = sorted(journals.glob("export-*.jsonl"), key=lambda p: p.stat().st_mtime)
        candidates = [p for p in candidates if export.read_journal(p)[2] not in export.FINISHED]
        if not candidates:
            _err(f"no export to undo in {journals}")
            return 1
        path = candidates[-1]
    else:
        path = Path(which).expanduser()
        if not path.is_file():
            _err(f"{path} is not an export journal")
            return 2
    result = export.undo_export(path)
    for p in result.problems:
        _err(p)
    if result.ok:
        _err(f"undid {path.name}: {len(result.restored)} files restored")
        return 0
    _err(f"undo of {path.name} is not complete: {len(result.restored)} files restored, "
         f"{len(result.problems)} problems (above); run the same undo again once they are solved")
    return 1


def _report(ctx, album: Path, store, photos, decisions, groups, out: Path) -> bool:
    """Write the --report file (its folder made when missing); False, with a message, if it failed."""
    from culler.core import reports
    from culler.core.store_vlm import VlmAnswers

    rows = reports.photo_rows(photos, decisions, store.all_signals(), store.scores(), groups,
                              VlmAnswers(store).photo_critiques())
    by_path = {p.path: p for p in photos}

    def thumbnail(row):
        from culler.core.decode import thumbnail as make_thumbnail

        return make_thumbnail(by_path[row["path"]], album, ctx.thumbnail_dir, 256)

    try:
        reports.write_report(out, rows, album, thumbnail)
    except OSError as e:  # strerror: the message names `out`, not the temp file it was written as
        _err(f"could not write the report {out}: {e.strerror or e}")
        return False
    except ValueError as e:
        _err(f"could not write the report {out}: {e}")
        return False
    _err(f"report written to {out}")
    return True
