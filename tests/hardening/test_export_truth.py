"""Exports that must neither lose nor leak nor lie (issue 17, cases 4, 5, 7, 8, 9, 10 and 13):
undo with the destination gone, a relative symlink moved, the album reached again through
another path or a bind mount, a read-only card, a name template that names every photo alike,
a symlink out of the album, a folder named like a sidecar, a file name that is not UTF-8."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from culler.core import export_plan
from culler.core.export import ExportOptions, make_plan
from culler.core.records import Photo
from tests.core.test_export import make_album
from tests.hardening.conftest import run_culler
from tests.tmpfs import small_tmpfs


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def _culler(tmp_path: Path, *args: str):
    return run_culler(*[str(a) for a in args], env_extra={"XDG_DATA_HOME": str(tmp_path / "xdg")})


@pytest.fixture
def album(tmp_path):
    root = tmp_path / "shoot"
    root.mkdir()
    make_album(root, n=3, raw_pairs=(0,))
    return root


def test_undo_with_the_destination_gone_is_not_used_up_and_resumes_later(album, tmp_path):
    before = {p.name: _sha(p) for p in album.iterdir() if p.is_file()}
    r = _culler(tmp_path, "export", album, "--to", tmp_path / "out", "--select", "all", "--mode", "move")
    assert r.returncode == 0, r.stderr
    (tmp_path / "out").rename(tmp_path / "unplugged")  # the disk is gone
    r = _culler(tmp_path, "export", album, "--undo", "last")
    assert r.returncode == 1 and "not complete" in r.stderr and "run the same undo again" in r.stderr
    (tmp_path / "unplugged").rename(tmp_path / "out")  # plugged in again
    r = _culler(tmp_path, "export", album, "--undo", "last")
    assert r.returncode == 0, r.stderr
    assert {p.name: _sha(p) for p in album.iterdir() if p.is_file()} == before
    assert not list((tmp_path / "out").rglob("*.*"))


def test_a_relative_symlink_moved_out_comes_back_as_the_same_link(album, tmp_path):
    (album / "alias.jpg").symlink_to("IMG_0002.JPG")  # relative: moved as it is, it would dangle
    real = _sha(album / "IMG_0002.JPG")
    photos = [Photo("alias.jpg", "jpeg")]
    photos[0].id = 1
    from culler.core.export import execute, undo_export

    result = execute(make_plan(album, photos, {}, ExportOptions(dest=tmp_path / "out", select="all",
                                                                     mode="move")),
                     journal_dir=tmp_path / "journals")
    assert result.ok and result.photos == 1, (result.error, result.skipped)
    out = tmp_path / "out" / "alias.jpg"
    assert not out.is_symlink() and _sha(out) == real  # the photo itself left, not a dangling link
    assert not os.path.lexists(album / "alias.jpg") and _sha(album / "IMG_0002.JPG") == real
    undone = undo_export(result.journal)
    assert undone.ok, undone.problems
    assert os.readlink(album / "alias.jpg") == "IMG_0002.JPG" and not out.exists()


def test_the_album_reached_through_its_parent_is_refused_by_identity(album, tmp_path):
    names = _names(album)
    r = _culler(tmp_path, "export", album, "--to", tmp_path, "--layout", "album", "--select", "all",
                "--mode", "move")
    assert r.returncode == 2 and "leads back into the album" in r.stderr, r.stderr
    assert _names(album) == names  # nothing renamed to *_1


def test_a_bind_mount_of_the_album_is_not_a_destination(album, tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    if subprocess.run(["mount", "--bind", str(album), str(mirror)], capture_output=True).returncode:
        pytest.skip("cannot bind-mount here")
    try:
        names = _names(album)
        r = _culler(tmp_path, "export", album, "--to", mirror, "--select", "all", "--mode", "move")
        assert r.returncode == 2 and "album" in r.stderr, r.stderr
        assert _names(album) == names
    finally:
        subprocess.run(["umount", "-l", str(mirror)], capture_output=True)


def test_a_move_from_a_read_only_card_fails_with_a_summary(tmp_path):
    with small_tmpfs(tmp_path / "card", "8m") as card:
        make_album(card, n=2, raw_pairs=())
        if subprocess.run(["mount", "-o", "remount,ro", str(card)], capture_output=True).returncode:
            pytest.skip("cannot remount read-only here")
        r = _culler(tmp_path, "export", card, "--to", tmp_path / "out", "--select", "all", "--mode", "move")
        assert r.returncode == 1, r.stderr
        assert "moved 0 of 2 photos" in r.stderr and "2 not exported" in r.stderr
        assert sorted(p.name for p in card.iterdir()) == ["IMG_0001.JPG", "IMG_0002.JPG"]


def test_a_name_template_that_names_every_photo_alike_is_planned_in_linear_checks(tmp_path, monkeypatch):
    photos = [Photo(f"IMG_{i:04d}.JPG", "jpeg", mtime_ns=1_700_000_000_000_000_000) for i in range(600)]
    for i, p in enumerate(photos):
        p.id = i
    calls = []
    real_lstat = export_plan._lstat
    monkeypatch.setattr(export_plan, "_lstat", lambda path: calls.append(path) or real_lstat(path))
    (tmp_path / "album").mkdir()
    plan = make_plan(tmp_path / "album", photos, {}, ExportOptions(dest=tmp_path / "out", select="all",
                                                                     name_template="{date}"))
    names = [op.target.name for op in plan]
    assert len(set(names)) == 600 and names[0] == "20231114.JPG" and names[-1] == "20231114_599.JPG"
    assert len(calls) < 5 * 600  # the old search tried every earlier number again: ~180,000


def test_a_symlink_out_of_the_album_is_listed_and_never_read(album, tmp_path):
    secret = tmp_path / "elsewhere" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:secret\n")
    (album / "passwd.jpg").symlink_to(secret)
    r = _culler(tmp_path, "export", album, "--to", tmp_path / "out", "--select", "all")
    assert r.returncode == 1, r.stderr
    assert "passwd.jpg" in r.stderr and "outside the album" in r.stderr
    leaked = [p for p in (tmp_path / "out").rglob("*") if p.is_file() and b"secret" in p.read_bytes()]
    assert not leaked
    assert (tmp_path / "out" / "IMG_0002.JPG").is_file()  # the others were exported
    r = _culler(tmp_path, "analyze", album, "--signals", "technical", "--json", "-")
    listed = {p["path"]: p for p in json.loads(r.stdout)["photos"]}
    assert listed["passwd.jpg"]["status"] == "error" and "outside the album" in listed["passwd.jpg"]["error"]


def test_the_export_dialog_preview_names_a_photo_left_out(album, tmp_path):
    from culler.ui.export.export_preview import PlanRequest, compute_preview

    secret = tmp_path / "secret.jpg"
    secret.write_bytes((album / "IMG_0002.JPG").read_bytes())
    (album / "leak.jpg").symlink_to(secret)
    photos = [Photo("leak.jpg", "jpeg", id=1), Photo("IMG_0002.JPG", "jpeg", id=2)]
    outcome = compute_preview(PlanRequest(1, album, photos, {}, {}, ExportOptions(dest=tmp_path / "out",
                                                                                  select="all"), "photos"), {})
    assert [op.source.name for op in outcome.plan] == ["IMG_0002.JPG"]
    assert any("leak.jpg" in w and "outside the album" in w for w in outcome.summary.warnings)


def test_a_folder_named_like_a_sidecar_does_not_block_its_photo(album, tmp_path):
    (album / "IMG_0002.xmp").mkdir()
    r = _culler(tmp_path, "export", album, "--to", tmp_path / "out", "--select", "all")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out" / "IMG_0002.JPG").is_file()


def test_a_file_name_that_is_not_utf8_is_exported_under_select_all(album, tmp_path):
    odd = os.fsencode(album) + b"/IMG_\xe9t\xe9.JPG"
    with open(odd, "wb") as f:
        f.write((album / "IMG_0002.JPG").read_bytes())
    r = _culler(tmp_path, "export", album, "--to", tmp_path / "out", "--select", "all")
    assert r.returncode == 0, r.stderr
    assert "missing" not in r.stderr
    copies = [p for p in (tmp_path / "out").iterdir() if p.name.startswith("IMG_") and "t" in p.name[4:]]
    assert len(copies) == 1 and _sha(copies[0]) == _sha(album / "IMG_0002.JPG")
