"""Exporting picks: RAW+JPEG pairs travel together, nothing is overwritten, nothing escapes the
destination, a full or unwritable disk leaves nothing half-done, and a move can be undone."""

from __future__ import annotations

import errno
import hashlib
import os
import subprocess
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from benchmarks.photo_factory import real_photo, resize, write_jpeg
from culler.core import export
from culler.core.export import ExportOptions, describe_plan, execute, make_plan, undo_export
from culler.core.export_plan import inside
from culler.core.records import Decision, GroupRow, Photo, PhotoMeta

T0 = datetime(2024, 5, 1, 10, 30, 5)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_album(root: Path, n: int = 4, raw_pairs=(0, 2), raw_bytes: int = 300_000, sub: str = ""):
    """JPEGs from a real photo; photos listed in raw_pairs also get a fake RAW (RAW is primary)."""
    img = resize(real_photo("chelsea"), 240, 160)
    photos = []
    for i in range(n):
        stem = f"IMG_{i + 1:04d}"
        rel_dir = f"{sub}/" if sub else ""
        when = T0 + timedelta(seconds=i)
        write_jpeg(root / f"{rel_dir}{stem}.JPG", img, captured_at=when)
        if i in raw_pairs:
            (root / f"{rel_dir}{stem}.CR3").write_bytes(os.urandom(raw_bytes))
            photo = Photo(f"{rel_dir}{stem}.CR3", "raw", companions=[f"{rel_dir}{stem}.JPG"])
        else:
            photo = Photo(f"{rel_dir}{stem}.JPG", "jpeg")
        photo.id = i + 1 + (100 if sub else 0)
        photo.meta = PhotoMeta(captured_at=when, camera="Culler Test Camera")
        photos.append(photo)
    return photos


def all_picks(photos):
    return {p.id: Decision("pick", 3) for p in photos}


def files_under(folder: Path) -> list[str]:
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def snapshot(folder: Path) -> dict[str, str]:
    return {rel: sha(folder / rel) for rel in files_under(folder)}


@pytest.fixture
def album(tmp_path):
    root = tmp_path / "album"
    photos = make_album(root)
    return root, photos


def test_copy_keeps_pairs_together_and_never_overwrites(album, tmp_path):
    root, photos = album
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "IMG_0001.JPG").write_bytes(b"someone else's file")
    before = snapshot(root)
    plan = make_plan(root, photos, all_picks(photos), ExportOptions(dest=dest))
    result = execute(plan)
    assert result.ok and result.photos == 4 and not result.skipped
    assert (dest / "IMG_0001.JPG").read_bytes() == b"someone else's file"
    # the pair moved as one to the next free stem, RAW and JPEG alike
    assert sha(dest / "IMG_0001_1.CR3") == sha(root / "IMG_0001.CR3")
    assert sha(dest / "IMG_0001_1.JPG") == sha(root / "IMG_0001.JPG")
    assert {"IMG_0002.JPG", "IMG_0003.CR3", "IMG_0003.JPG", "IMG_0004.JPG"} <= set(files_under(dest))
    assert snapshot(root) == before  # a copy leaves the album untouched
    assert (dest / "IMG_0002.JPG").stat().st_mtime_ns == (root / "IMG_0002.JPG").stat().st_mtime_ns
    assert not [f for f in files_under(dest) if "culler-part" in f]


def test_same_names_within_one_export_get_numbered(tmp_path):
    root = tmp_path / "album"
    photos = make_album(root, n=2, raw_pairs=(0,), sub="day1") + make_album(root, n=2, raw_pairs=(0,), sub="day2")
    for p in photos[2:]:
        p.id += 50
    dest = tmp_path / "out"
    result = execute(make_plan(root, photos, all_picks(photos), ExportOptions(dest=dest)))
    assert result.ok
    assert files_under(dest) == ["IMG_0001.CR3", "IMG_0001.JPG", "IMG_0001_1.CR3", "IMG_0001_1.JPG",
                                 "IMG_0002.JPG", "IMG_0002_1.JPG"]


def test_template_date_and_album_layouts(album, tmp_path):
    root, photos = album
    dest = tmp_path / "out"
    opts = ExportOptions(dest=dest, layout="date", name_template="{date:%Y%m%d}_{seq:04d}_{name}")
    result = execute(make_plan(root, photos, all_picks(photos), opts))
    assert result.ok
    assert files_under(dest)[:3] == ["2024-05-01/20240501_0001_IMG_0001.CR3",
                                     "2024-05-01/20240501_0001_IMG_0001.JPG",
                                     "2024-05-01/20240501_0002_IMG_0002.JPG"]
    opts = ExportOptions(dest=tmp_path / "out2", layout="album", name_template="{camera}-{time}-{rating}")
    plan = make_plan(root, photos[:1], all_picks(photos), opts)
    assert [op.target.relative_to(tmp_path / "out2").as_posix() for op in plan] == [
        "album/Culler Test Camera-103005-3.CR3", "album/Culler Test Camera-103005-3.JPG"]


def test_selection_picks_suggested_rated_and_label(album, tmp_path):
    root, photos = album
    decisions = {1: Decision("pick"), 2: Decision("reject", 0, "Red"), 3: Decision(rating=4, label="Green")}
    groups = {2: GroupRow(2, "g", suggestion="pick"), 4: GroupRow(4, "h", suggestion="pick")}

    def chosen(select):
        plan = make_plan(root, photos, decisions, ExportOptions(dest=tmp_path / "o", select=select), groups)
        return sorted({op.photo_id for op in plan})

    assert chosen("picks") == [1]
    assert chosen("suggested") == [1, 4]  # the user's reject beats culler's suggestion
    assert chosen("rated:4") == [3]
    assert chosen("label:green") == [3]
    assert chosen([2, 4]) == [2, 4]
    for bad in ("rated:9", "label:Mauve", "favourites"):
        with pytest.raises(ValueError):
            chosen(bad)


def test_dry_run_describes_the_exact_plan_and_touches_nothing(album, tmp_path):
    root, photos = album
    dest = tmp_path / "out"
    plan = make_plan(root, photos, all_picks(photos), ExportOptions(dest=dest, mode="move"))
    lines = describe_plan(plan)
    assert len(lines) == len(plan) == 6
    assert lines[0] == f"move  {root / 'IMG_0001.CR3'} -> {dest / 'IMG_0001.CR3'}"
    assert not dest.exists()


def test_move_is_verified_and_undone_as_one_operation(album, tmp_path):
    root, photos = album
    before = snapshot(root)
    dest = tmp_path / "out"
    journals = root / ".culler" / "exports"
    opts = ExportOptions(dest=dest, mode="move", layout="date")
    progress = []
    result = execute(make_plan(root, photos, all_picks(photos), opts), journal_dir=journals,
                     progress=lambda done, total, path: progress.append((done, total)))
    assert result.ok and result.journal is not None and result.journal.parent == journals
    assert progress[-1] == (6, 6)
    assert [f for f in files_under(root) if not f.startswith(".culler")] == []
    assert {Path(f).name: h for f, h in snapshot(dest).items()} == before
    undo = undo_export(result.journal)
    assert undo.ok, undo.problems
    assert {k: v for k, v in snapshot(root).items() if not k.startswith(".culler")} == before
    assert not dest.joinpath("2024-05-01").exists()  # folders the export made are gone too
    assert not undo_export(result.journal).ok  # a second undo is refused


def test_hard_link_shares_the_file(album, tmp_path):
    root, photos = album
    dest = tmp_path / "out"
    result = execute(make_plan(root, photos, all_picks(photos), ExportOptions(dest=dest, mode="link")))
    assert result.ok and not result.notes
    assert (dest / "IMG_0003.CR3").stat().st_ino == (root / "IMG_0003.CR3").stat().st_ino


def test_missing_source_skips_that_photo_only(album, tmp_path):
    root, photos = album
    (root / "IMG_0003.JPG").unlink()  # the pair's JPEG vanished after the scan
    dest = tmp_path / "out"
    result = execute(make_plan(root, photos, all_picks(photos), ExportOptions(dest=dest)))
    assert result.ok and result.photos == 3
    assert len(result.skipped) == 1 and "IMG_0003.JPG" in result.skipped[0][1]
    assert "IMG_0003.CR3" not in files_under(dest)  # no half pair left behind


def test_cancel_leaves_whole_photos_only(album, tmp_path):
    root, photos = album
    dest = tmp_path / "out"
    stop = threading.Event()
    result = execute(make_plan(root, photos, all_picks(photos), ExportOptions(dest=dest)),
                     progress=lambda done, total, path: stop.set(), cancel=stop)
    assert result.cancelled and result.photos == 1
    assert files_under(dest) == ["IMG_0001.CR3", "IMG_0001.JPG"]


class FailingDisk:
    """os.write that fails with ENOSPC once `capacity` bytes are written (a full disk)."""

    def __init__(self, capacity: int):
        self.left = capacity

    def __call__(self, fd, data):
        if self.left <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        n = os.write(fd, data[:self.left])
        self.left -= n
        return n


@pytest.mark.parametrize("mode", ["copy", "move"])
def test_full_destination_stops_and_rolls_back(tmp_path, mode, monkeypatch):
    root = tmp_path / "album"
    photos = make_album(root, raw_bytes=300_000)
    before = snapshot(root)
    dest = tmp_path / "out"
    plan = make_plan(root, photos, all_picks(photos), ExportOptions(dest=dest, mode=mode, layout="date"))
    if mode == "move":  # a same-disk move writes no bytes: make it a cross-disk one
        os_link = os.link

        def no_cross_device_link(src, dst, *a, **k):
            if str(src).startswith(str(root)) and str(dst).startswith(str(dest)):
                raise OSError(errno.EXDEV, "Invalid cross-device link")
            return os_link(src, dst, *a, **k)

        monkeypatch.setattr(os, "link", no_cross_device_link)
    # room for the first pair and the second JPEG, not for the third photo's RAW
    result = execute(plan, write=FailingDisk(500_000), journal_dir=tmp_path / "journal")
    assert not result.ok and result.rolled_back
    assert "full" in result.error and "IMG_0003" in result.error
    assert files_under(dest) == [] and not (dest / "2024-05-01").exists()
    assert snapshot(root) == before  # every original still in place, byte for byte


def test_unwritable_destination_names_the_file(album, tmp_path):
    root, photos = album
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the destination folder should be")
    # refused when planning, so a dry run says the same as the real export
    with pytest.raises(ValueError, match=f"{blocker} is a file, not a folder"):
        make_plan(root, photos, all_picks(photos), ExportOptions(dest=blocker / "out"))
    assert blocker.read_text().startswith("a file")


def _mount_tmpfs(folder: Path, options: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                       check=True, capture_output=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as e:
        pytest.skip(f"cannot mount a tmpfs here ({e}); the injected-failure test covers a full disk")


@pytest.fixture
def small_disk(tmp_path):
    folder = tmp_path / "small-disk"
    _mount_tmpfs(folder, "size=2m")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=20)


def test_real_full_tmpfs_rolls_back(tmp_path, small_disk):
    root = tmp_path / "album"
    photos = make_album(root, n=6, raw_pairs=(0, 1, 2, 3, 4, 5), raw_bytes=600_000)
    plan = make_plan(root, photos, all_picks(photos), ExportOptions(dest=small_disk / "picks"))
    early = execute(plan)
    assert not early.ok and "too small" in early.error and files_under(small_disk) == []
    result = execute(plan, preflight=False)  # let it run into the real ENOSPC
    assert not result.ok and "full" in result.error
    assert files_under(small_disk) == []


def test_link_across_devices_copies_with_a_note(album, small_disk):
    root, photos = album
    result = execute(make_plan(root, photos[1:2], all_picks(photos), ExportOptions(dest=small_disk, mode="link")))
    assert result.ok and result.notes and "copied instead" in result.notes[0]
    assert sha(small_disk / "IMG_0002.JPG") == sha(root / "IMG_0002.JPG")


def test_read_only_mount_is_reported(album, tmp_path):
    root, photos = album
    ro = tmp_path / "ro"
    _mount_tmpfs(ro, "ro,size=1m")
    try:
        result = execute(make_plan(root, photos, all_picks(photos), ExportOptions(dest=ro / "out")))
        assert not result.ok and "cannot be written" in result.error and str(ro / "out") in result.error
    finally:
        subprocess.run(["umount", "-l", str(ro)], capture_output=True, timeout=20)


def test_names_cannot_escape_the_destination(tmp_path):
    root = tmp_path / "album"
    photos = make_album(root, n=1, raw_pairs=())
    dest = tmp_path / "out"
    decisions = all_picks(photos)
    for template in ("../../{name}", "/etc/{name}", "..{name}", "{name}/../../x", "..\\..\\{name}", "\x00{name}"):
        plan = make_plan(root, photos, decisions, ExportOptions(dest=dest, name_template=template))
        for op in plan:
            assert inside(op.target, dest), (template, op.target)
            assert op.target.parent == dest.absolute()
    # a crafted album path with '..' components in the album layout
    evil = Photo("../../outside/IMG_0001.JPG", "jpeg", id=1, meta=photos[0].meta)
    plan = make_plan(root, [evil], decisions, ExportOptions(dest=dest, layout="album"))
    assert all(inside(op.target, dest) for op in plan)
    # attribute access and unknown fields are refused outright
    for template in ("{name.__class__}", "{nope}", "{0}", "plain", ".."):
        with pytest.raises(ValueError):
            make_plan(root, photos, decisions, ExportOptions(dest=dest, name_template=template))
    # a symlinked folder inside the destination pointing outside is refused
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    dest.mkdir(exist_ok=True)
    (dest / "2024-05-01").symlink_to(outside)
    with pytest.raises(ValueError, match="outside the destination"):
        make_plan(root, photos, decisions, ExportOptions(dest=dest, layout="date"))


def test_rejects_go_to_a_folder_and_come_back(album):
    root, photos = album
    before = snapshot(root)
    result = export.move_rejects_to_folder(root, photos, [1, 2])
    assert result.ok
    assert {"IMG_0001.CR3", "IMG_0001.JPG", "IMG_0002.JPG"} == set(files_under(root / "_rejected"))
    assert not (root / "IMG_0001.CR3").exists()
    assert undo_export(result.journal).ok
    assert {k: v for k, v in snapshot(root).items() if not k.startswith(".culler")} == before


def test_trash_needs_explicit_confirmation(album):
    root, photos = album
    with pytest.raises(PermissionError):
        export.trash_rejects(root, photos, [4])
    assert (root / "IMG_0004.JPG").exists()
    result = export.trash_rejects(root, photos, [4], confirmed=True)
    assert result.trashed == [str(root / "IMG_0004.JPG")] and not result.errors
    assert not (root / "IMG_0004.JPG").exists()


def test_the_album_itself_is_not_a_destination(album):
    root, photos = album
    with pytest.raises(ValueError, match="album folder itself"):
        make_plan(root, photos, all_picks(photos), ExportOptions(dest=root, mode="move"))
