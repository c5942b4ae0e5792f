"""Export planning: which photos leave the album, and the exact file operations that move them.

A plan is a list of `Operation`s computed before anything touches the disk, so a dry run shows
exactly what a real run will do. Rules the plan guarantees:
- a RAW+JPEG pair and the photo's existing XMP sidecars travel together under one new stem;
- nothing is ever overwritten: a name already on disk, or already taken by an earlier photo of the
  same plan, gets `_1`, `_2`, ... (for every file of the photo at once, so they keep one stem);
- every target stays inside the destination: template output is sanitised (no path separators,
  no `..`, no leading dots, no control or Windows-reserved characters) and the resolved path is
  checked to be inside the resolved destination;
- no target folder is a folder the photos come from, compared by identity (device and inode), so
  a path spelled differently, a symlink or a bind mount of the album is refused too;
- nothing outside the album is read: a photo with a file that is (or sits behind) a symbolic link
  leading out of the album is left out and listed with the reason (`refused`); a folder named
  like a sidecar is not a sidecar.

Name templates use Python format syntax over these fields only: `date` and `time` (capture time,
else file modification time; `{date}` alone renders 20240501, `{time}` 103005, any strftime spec
works: `{date:%Y-%m-%d}`), `seq` (1-based position in the export), `name`/`stem` (original file
name without extension), `ext` (original extension, lower case, no dot), `camera`, `rating`,
`label`. The template renders the new stem; each file keeps its own extension.
"""

from __future__ import annotations

import os
import re
import stat
import string
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from culler.core.picks_as import DEFAULT as DEFAULT_PICKS_AS
from culler.core.picks_as import PicksAs
from culler.core.records import LABELS, Decision, GroupRow, Photo

MODES = ("copy", "move", "link")
LAYOUTS = ("flat", "date", "album")  # internal extra: "tree" (album subfolders, no album folder)
XMP_STYLES = ("adobe", "darktable")  # IMG_0001.xmp / IMG_0001.CR3.xmp
TEMPLATE_FIELDS = ("date", "time", "seq", "name", "stem", "ext", "camera", "rating", "label")
DEFAULT_TEMPLATE = "{name}"
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_MAX_STEM = 150


@dataclass
class ExportOptions:
    """What to export and how. `select`: 'picks' | 'suggested' | 'rated:N' | 'label:NAME' | 'all'
    or a list of photo ids."""

    dest: Path
    select: str | list[int] = "picks"
    mode: str = "copy"  # one of MODES
    layout: str = "flat"  # one of LAYOUTS
    name_template: str = DEFAULT_TEMPLATE
    xmp: bool = False  # write the decision into a sidecar next to each exported file
    xmp_style: str = "adobe"  # one of XMP_STYLES
    xmp_next_to_originals: bool = False  # also write sidecars next to the originals (not with move)
    picks_as: str = str(DEFAULT_PICKS_AS)  # how a pick is written in sidecars (culler.core.picks_as)

    def validate(self) -> None:
        """Raise ValueError with a message a user understands when an option is wrong."""
        if self.mode not in MODES:
            raise ValueError(f"export mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.layout not in LAYOUTS + ("tree",):
            raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, not {self.layout!r}")
        if self.xmp_style not in XMP_STYLES:
            raise ValueError(f"XMP style must be one of {', '.join(XMP_STYLES)}, not {self.xmp_style!r}")
        PicksAs.parse(self.picks_as)
        if self.xmp_next_to_originals and self.mode == "move":
            raise ValueError("sidecars next to the originals make no sense when the originals move away")
        if not isinstance(self.select, (list, tuple)):
            parse_select(self.select)
        check_template(self.name_template)


@dataclass(frozen=True)
class Operation:
    """One file operation. kind: 'copy' | 'move' | 'link' (source -> target) or 'xmp' (write the
    decision into the sidecar at target, merging into what is there). role: 'primary' |
    'companion' | 'sidecar' | 'xmp'."""

    kind: str
    source: Path | None
    target: Path
    photo_id: int | None = None
    role: str = "primary"
    decision: Decision | None = None
    picks_as: str = str(DEFAULT_PICKS_AS)  # for 'xmp': how a pick is written (culler.core.picks_as)
    keywords: tuple[str, ...] = ()  # for 'xmp': accepted keywords, merged into dc:subject (culler.core.xmp)

    def describe(self) -> str:
        if self.kind == "xmp":
            d = self.decision or Decision()
            return f"xmp   {self.target}  (flag {d.flag}, rating {d.rating}, label {d.label or '-'})"
        return f"{self.kind:<5} {self.source} -> {self.target}"


# ---- selection -------------------------------------------------------------------------------

def parse_select(select: str) -> tuple[str, object]:
    """'rated:3' -> ('rated', 3); 'label:red' -> ('label', 'Red'); 'picks' -> ('picks', None)."""
    kind, _, arg = str(select).partition(":")
    kind = kind.strip().lower()
    if kind in ("picks", "suggested", "all") and not arg:
        return kind, None
    if kind == "rated" and arg.strip() in {"1", "2", "3", "4", "5"}:
        return kind, int(arg)
    if kind == "label":
        for name in LABELS:
            if name.lower() == arg.strip().lower():
                return kind, name
        raise ValueError(f"unknown label {arg!r}: use one of {', '.join(LABELS)}")
    raise ValueError(f"cannot select {select!r}: use picks, suggested, rated:N (N 1-5), "
                     f"label:NAME or all")


def select_photos(photos: list[Photo], decisions: dict[int, Decision], groups: dict[int, GroupRow],
                  select: str | list[int]) -> list[Photo]:
    """The photos an export takes, ordered by capture time then path.

    'suggested' = culler's suggested picks plus the user's own picks, minus anything the user
    rejected: suggestions are advice, the user's decision wins.
    """
    if isinstance(select, (list, tuple, set)):
        wanted = set(select)
        chosen = [p for p in photos if p.id in wanted]
    else:
        kind, arg = parse_select(select)
        chosen = []
        for p in photos:
            d = decisions.get(p.id) or Decision()
            if kind == "all":
                ok = True
            elif kind == "picks":
                ok = d.flag == "pick"
            elif kind == "suggested":
                row = groups.get(p.id)
                ok = d.flag == "pick" or (row is not None and row.suggestion == "pick" and d.flag != "reject")
            elif kind == "rated":
                ok = d.rating >= arg
            else:
                ok = d.label == arg
            if ok:
                chosen.append(p)
    return sorted(chosen, key=lambda p: (p.meta.captured_at is None, p.meta.captured_at or datetime.min, p.path))


# ---- names -----------------------------------------------------------------------------------

class _When:
    """A datetime whose empty format spec renders a file-name-friendly default."""

    def __init__(self, value: datetime, default: str):
        self.value, self.default = value, default

    def __format__(self, spec: str) -> str:
        return self.value.strftime(spec or self.default)


def check_template(template: str) -> None:
    """Refuse unknown fields, positional fields and attribute/index access (`{name.__class__}`)."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as e:
        raise ValueError(f"name template {template!r} is not valid: {e}") from None
    fields = [f for _, f, _, _ in parsed if f is not None]
    if not fields:
        raise ValueError(f"name template {template!r} has no field: use e.g. {{name}} or {{seq:04d}}")
    for f in fields:
        if f not in TEMPLATE_FIELDS:
            raise ValueError(f"name template field {{{f}}} is unknown: use {', '.join(TEMPLATE_FIELDS)}")


def render_stem(template: str, photo: Photo, seq: int, decision: Decision | None,
                album_root: Path) -> str:
    check_template(template)
    when = photo.meta.captured_at or _file_time(album_root / photo.path, photo.mtime_ns)
    return _render_stem(template, photo, seq, decision, when)


def _render_stem(template: str, photo: Photo, seq: int, decision: Decision | None, when: datetime) -> str:
    """render_stem for a template already checked and a capture time already known."""
    name = PurePosixPath(photo.path)
    d = decision or Decision()
    values = {"date": _When(when, "%Y%m%d"), "time": _When(when, "%H%M%S"), "seq": seq,
              "name": name.stem, "stem": name.stem, "ext": name.suffix.lstrip(".").lower(),
              "camera": photo.meta.camera or "unknown", "rating": d.rating, "label": d.label or ""}
    try:
        rendered = template.format(**values)
    except (ValueError, TypeError) as e:
        raise ValueError(f"name template {template!r} cannot be applied to {photo.path}: {e}") from None
    return safe_component(rendered)


def _file_time(path: Path, mtime_ns: int) -> datetime:
    if mtime_ns:
        return datetime.fromtimestamp(mtime_ns / 1e9)
    try:
        return datetime.fromtimestamp(path.stat().st_mtime)
    except OSError:
        return datetime(1970, 1, 1)


def safe_component(text: str, fallback: str = "photo") -> str:
    """One path component that cannot climb out of its folder or upset any common file system."""
    s = _UNSAFE.sub("_", text).strip().lstrip(".").rstrip(". ")
    if s.split(".")[0].upper() in _RESERVED:
        s = "_" + s
    s = s[:_MAX_STEM].rstrip(". ")
    return s or fallback


def _subfolder(layout: str, photo: Photo, when: datetime, album_name: str) -> list[str]:
    if layout == "flat":
        return []
    if layout == "date":
        return [when.strftime("%Y-%m-%d")]
    folders = [safe_component(p, "_") for p in PurePosixPath(photo.path).parent.parts if p not in ("", ".")]
    if layout == "tree":
        return folders
    return [album_name] + folders


def inside(target: Path, dest: Path) -> bool:
    """Whether target (existing or not, symlinks resolved) lies strictly inside dest."""
    real_dest = os.path.realpath(dest)
    real_target = os.path.realpath(target)
    return os.path.commonpath([real_dest, real_target]) == real_dest and real_target != real_dest


class _Containment:
    """`inside(target, dest)` for the many targets of one plan without resolving each one: the
    destination and each target folder are resolved once; a plain file name in a folder that
    resolves inside dest (or to dest itself) is inside dest, unless that name is itself a symlink
    (or not a plain name), which gets the full check."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.real_dest = os.path.realpath(dest)
        self._folder_ok: dict[str, bool] = {}

    def inside(self, target: Path, target_lstat: os.stat_result | None) -> bool:
        folder, name = os.path.split(target)
        if name in ("", ".", "..") or (target_lstat is not None and stat.S_ISLNK(target_lstat.st_mode)):
            return inside(target, self.dest)
        ok = self._folder_ok.get(folder)
        if ok is None:
            real = os.path.realpath(folder)
            ok = self._folder_ok[folder] = os.path.commonpath([self.real_dest, real]) == self.real_dest
        return ok


# ---- the plan --------------------------------------------------------------------------------

def photo_files(photo: Photo, album_root: Path, finder=None) -> list[tuple[Path, str]]:
    """(absolute source, role) for the photo's files: primary, companions, existing sidecars
    (regular files, or links to them: a folder named IMG.xmp is not one).
    `finder` (an xmp.SidecarFinder) lists each folder once when called for many photos."""
    from culler.core import xmp
    from culler.core.album import on_disk

    files = [(album_root / on_disk(photo.path), "primary")] + \
        [(album_root / on_disk(c), "companion") for c in photo.companions]
    seen = {f for f, _ in files}
    for f, _ in list(files):
        for sc in (finder or xmp).sidecar_paths(f):
            if sc not in seen and os.path.isfile(sc):
                seen.add(sc)
                files.append((sc, "sidecar"))
    return files


class _Origin:
    """Whether a source file is read from inside the album: its folder (resolved once per folder)
    lies inside the album's real path, and a symbolic link at the file itself points inside too."""

    def __init__(self, album_root: Path) -> None:
        self.real_root = os.path.realpath(album_root)
        self._folders: dict[str, bool] = {}

    def _within(self, real: str) -> bool:
        return os.path.commonpath([self.real_root, real]) == self.real_root

    def problem(self, path: Path) -> str | None:
        folder = os.path.dirname(path)
        ok = self._folders.get(folder)
        if ok is None:
            ok = self._folders[folder] = self._within(os.path.realpath(folder))
        st = _lstat(path)
        if ok and not (st is not None and stat.S_ISLNK(st.st_mode)):
            return None
        real = os.path.realpath(path)
        if ok and self._within(real):
            return None
        return f"{path} leads to {real}, outside the album, through a symbolic link: not exported"


def _suffix(source: Path, old_stem: str) -> str:
    """What follows the stem: '.CR3', '.JPG', '.xmp', '.CR3.xmp'."""
    name = source.name
    return name[len(old_stem):] if name.startswith(old_stem) and len(name) > len(old_stem) else source.suffix


def _xmp_suffixes(style: str, file_suffixes: list[str]) -> list[str]:
    if style == "adobe":
        return [".xmp"]
    return [s + ".xmp" for s in file_suffixes]  # darktable: one per image file


def make_plan(album_root: Path, photos: list[Photo], decisions: dict[int, Decision],
              options: ExportOptions, groups: dict[int, GroupRow] | None = None,
              refused: list[tuple[str, str]] | None = None) -> list[Operation]:
    """The exact operations an export will perform, in order, grouped by photo. Photos left out
    (a file that is a symbolic link leading out of the album) go to `refused` as (path, reason)."""
    from culler.core import xmp

    options.validate()
    album_root = Path(album_root)
    dest = Path(options.dest).absolute()
    if _identity(dest) == _identity(album_root):
        raise ValueError(f"the destination {dest} is the album folder itself; choose another folder")
    blocker = next((p for p in (dest, *dest.parents) if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        # said here, so that a dry run fails exactly like the real run would
        where = "" if blocker == dest else f" cannot be made: {blocker}"
        raise ValueError(f"the destination {dest}{where} is a file, not a folder; choose a folder")
    chosen = select_photos(photos, decisions, groups or {}, options.select)
    taken: set[str] = set()  # casefolded targets already in this plan
    counters: dict[tuple[str, str], int] = {}  # (folder, stem) -> the first suffix number to try
    ops: list[Operation] = []
    album_name = safe_component(album_root.resolve().name, "album")
    containment = _Containment(dest)
    origin = _Origin(album_root)
    finder = xmp.SidecarFinder()
    source_folders = {album_root}
    for seq, photo in enumerate(chosen, start=1):
        decision = decisions.get(photo.id) or Decision()
        when = photo.meta.captured_at or _file_time(album_root / photo.path, photo.mtime_ns)
        stem = _render_stem(options.name_template, photo, seq, decision, when)
        folder = dest.joinpath(*_subfolder(options.layout, photo, when, album_name))
        old_stem = PurePosixPath(photo.path).stem
        files = photo_files(photo, album_root, finder)
        problems = [p for p in (origin.problem(src) for src, _ in files) if p]
        if problems:
            if refused is not None:
                refused.append((photo.path, problems[0]))
            continue
        source_folders.update(src.parent for src, _ in files)
        image_suffixes = [_suffix(src, old_stem) for src, role in files if role != "sidecar"]
        xmp_suffixes = _xmp_suffixes(options.xmp_style, image_suffixes) if options.xmp else []
        new_stem = _free_stem(folder, stem, [_suffix(s, old_stem) for s, _ in files] + xmp_suffixes, taken,
                              containment, counters)
        for src, role in files:
            ops.append(Operation(options.mode, src, folder / (new_stem + _suffix(src, old_stem)), photo.id, role))
        for sfx in xmp_suffixes:
            ops.append(Operation("xmp", None, folder / (new_stem + sfx), photo.id, "xmp", decision,
                                 options.picks_as))
        if options.xmp_next_to_originals:
            for sfx in _xmp_suffixes(options.xmp_style, image_suffixes):
                ops.append(Operation("xmp", None, (album_root / photo.path).parent / (old_stem + sfx),
                                     photo.id, "xmp", decision, options.picks_as))
    _refuse_source_folders(ops, source_folders, album_root, dest)
    return ops


def _identity(folder: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(folder)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def _refuse_source_folders(ops: list[Operation], folders: set[Path], album_root: Path, dest: Path) -> None:
    """ValueError when a file would land in a folder a photo comes from (the album itself, reached
    through another path, a symlink or a bind mount): compared by device and inode, not by name."""
    sources = {_identity(f) for f in folders} - {None}
    checked: set[Path] = set()
    for op in ops:
        folder = op.target.parent
        if not folder.is_relative_to(dest):
            continue  # a sidecar next to its original, by request
        if folder not in checked:
            checked.add(folder)
            if _identity(folder) in sources:
                raise ValueError(f"the destination {dest} leads back into the album {album_root} "
                                 f"({folder} is a folder the photos come from); choose another folder")


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (OSError, ValueError):  # ValueError: a NUL byte; such a name cannot exist
        return None


def _free_stem(folder: Path, stem: str, suffixes: list[str], taken: set[str], containment: _Containment,
               counters: dict[tuple[str, str], int]) -> str:
    """The first of stem, stem_1, stem_2, ... free for every suffix, on disk and in the plan.
    `counters` remembers where the last search for the same stem in the same folder ended, so
    a template that names every photo alike ('{date}') costs O(n), not O(n^2), checks."""
    suffixes = list(dict.fromkeys(suffixes))
    key = (str(folder).casefold(), stem.casefold())
    for n in range(counters.get(key, 0), 100000):
        candidate = stem if n == 0 else f"{stem}_{n}"
        targets = [folder / (candidate + s) for s in suffixes]
        on_disk = [_lstat(t) for t in targets]
        for t, st in zip(targets, on_disk):
            if not containment.inside(t, st):
                raise ValueError(f"export target {t} would fall outside the destination {containment.dest}; "
                                 "refused")
        keys = [str(t).casefold() for t in targets]
        if len(set(keys)) == len(keys) and not any(k in taken for k in keys) \
                and not any(st is not None for st in on_disk):
            taken.update(keys)
            counters[key] = n + 1
            return candidate
    raise ValueError(f"no free file name for {stem} in {folder}")


def describe_plan(plan: list[Operation]) -> list[str]:
    """One line per operation, exactly what `execute` will do (the dry run prints these)."""
    return [op.describe() for op in plan]
