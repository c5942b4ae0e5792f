"""culler models status | download [NAME ...] | import DIR: the deep-model weight files.

The deep signals (CLIP-IQA quality, NIMA aesthetics, the CLIP embedding that groups similar frames)
need weight files; without them culler runs on the technical signals alone. `status` lists each
model as present, missing or failed (with the reason). `download` fetches the missing ones (progress
on stderr; resumable: run it again after an interruption; size and SHA-256 checked before
anything is installed). `import DIR` copies files from a folder, e.g. one carried over from a
machine with internet access: the same layout (DIR/<model>/<file>) or loose files, matched by name.
Files go into the models folder: $CULLER_MODELS_DIR if set, else the app's cache folder.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from culler.analysis.registry import MODELS

HELP = f"list, download or import the AI model files ({', '.join(m.label for m in MODELS.values())})"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="models_command", metavar="ACTION")
    status = sub.add_parser("status", help="list each model: present, missing or failed")
    status.add_argument("--json", action="store_true", help="print {name: 'ok'|'missing'|'failed: ...'} as JSON")
    download = sub.add_parser("download", help="download model files (all missing ones by default)")
    download.add_argument("names", nargs="*", metavar="NAME", help=", ".join(MODELS))
    download.add_argument("--timeout", type=float, default=30.0,
                          help="seconds to wait for the server before giving up (default 30)")
    imp = sub.add_parser("import", help="copy model files from a folder (for machines without internet)")
    imp.add_argument("folder", type=Path, metavar="DIR")


def run(ctx, args) -> int:
    command = getattr(args, "models_command", None) or "status"
    if command == "status":
        return _status(ctx, getattr(args, "json", False))
    if command == "download":
        return _download(ctx, args.names, args.timeout)
    return _import(ctx, args.folder)


def _status(ctx, as_json: bool) -> int:
    from culler.analysis import model_files

    states = model_files.status(ctx.models_dir)
    if as_json:
        print(json.dumps(states, indent=2))
        return 0
    print(f"Models folder: {ctx.models_dir}  (CULLER_MODELS_DIR overrides)")
    for name, state in states.items():
        spec = MODELS[name]
        damaged = state.startswith("failed: damaged: ")
        shown = "present" if state == "ok" else "damaged" if damaged else state
        print(f"  {name:<8} {shown:<8} {spec.description}")
        if state == "ok":
            for path in (model_files.locate(name, ctx.models_dir) or {}).values():
                print(f"           {path}")
        elif damaged:
            print(f"           {state.removeprefix('failed: damaged: ')}")
    if any(s == "missing" for s in states.values()):
        print("Get the missing ones with `culler models download` (or `culler models import DIR`).")
    return 0


class _ProgressLine:
    """One updating line on stderr (a new line every few seconds when stderr is not a terminal)."""

    def __init__(self, label: str, stream=None) -> None:
        self.label, self.stream = label, stream or sys.stderr
        self.tty = self.stream.isatty()
        self.start = self.last = time.monotonic()
        self.first_done: int | None = None

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if self.first_done is None:
            self.first_done = done
        finished = total is not None and done >= total
        if not finished and now - self.last < (0.2 if self.tty else 5.0):
            return
        self.last = now
        rate = (done - self.first_done) / max(now - self.start, 1e-6) / 1e6
        amount = f"{done / 1e6:.1f} / {total / 1e6:.1f} MB  {100 * done / total:3.0f} %" if total \
            else f"{done / 1e6:.1f} MB"
        start = "\r" if self.tty else ""
        end = "" if self.tty and not finished else "\n"
        self.stream.write(f"{start}{self.label}: {amount}  {rate:.1f} MB/s{end}")
        self.stream.flush()


def _download(ctx, names: list[str], timeout: float) -> int:
    from culler.analysis import model_files

    unknown = [n for n in names if n not in MODELS]
    if unknown:
        print(f"Unknown model {', '.join(unknown)}; choose from {', '.join(MODELS)}.", file=sys.stderr)
        return 2
    states = model_files.status(ctx.models_dir)
    wanted = names or [n for n, s in states.items() if s != "ok"]
    if not wanted:
        print("All model files are present.")
        return 0
    failures = 0
    for name in wanted:
        spec = MODELS[name]
        if states[name] == "ok":
            print(f"{name}: already present.")
            continue
        print(f"{name}: {spec.description}\n  licence: {spec.licence}", file=sys.stderr)
        try:
            paths = model_files.download(name, ctx.models_dir, progress=_ProgressLine(f"  {name}"), timeout=timeout)
        except model_files.DownloadError as exc:
            print(f"  {name}: {exc}", file=sys.stderr)
            failures += 1
            continue
        except OSError as exc:
            print(f"  {name}: cannot write to {ctx.models_dir}: {exc}", file=sys.stderr)
            failures += 1
            continue
        print(f"{name}: installed {', '.join(str(p) for p in paths)}")
    return 1 if failures else 0


def _import(ctx, folder: Path) -> int:
    from culler.analysis import model_files

    try:
        results = model_files.import_dir(folder, ctx.models_dir)
    except (NotADirectoryError, OSError) as exc:
        print(f"Cannot import from {folder}: {exc}", file=sys.stderr)
        return 2
    for name, outcome in results.items():
        print(f"  {name:<8} {outcome}")
    if all(o == "not found" for o in results.values()):
        names = ", ".join(f.name for spec in MODELS.values() for f in spec.files)
        print(f"No model files found in {folder} (looked for {names}).", file=sys.stderr)
        return 1
    return 1 if any(o.startswith("failed") for o in results.values()) else 0
