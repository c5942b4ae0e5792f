"""SIGKILL at every file-system step of a move export across two file systems, then undo
(issue 17, case 3): every original ends exactly once, at its own path, byte for byte, and no
half-written `.culler-part` file is left anywhere."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sys
from datetime import datetime
from pathlib import Path

import pytest

from benchmarks.photo_factory import real_photo, resize, write_jpeg
from culler.core import album as album_scan
from culler.core import xmp
from culler.core.export import ExportOptions, execute, make_plan, undo_export
from culler.core.records import Decision
from tests.tmpfs import small_tmpfs

WATCHED = {"open", "os.link", "os.remove", "os.rename", "os.mkdir", "os.utime", "os.symlink", "os.truncate"}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _template(folder: Path) -> dict[str, str]:
    """Two RAW+JPEG pairs (the first with an XMP sidecar); returns {relative path: sha256}."""
    folder.mkdir()
    img = resize(real_photo("chelsea"), 240, 160)
    for i in (1, 2):
        write_jpeg(folder / f"IMG_000{i}.JPG", img[:, ::i], captured_at=datetime(2024, 5, 1, 10, 0, i))
        (folder / f"IMG_000{i}.CR3").write_bytes(os.urandom(1_500_000))  # several write chunks
    xmp.write_sidecar(folder / "IMG_0001.xmp", Decision("pick", 3))
    return {p.name: _sha(p) for p in folder.iterdir()}


def _export_in_child(album: Path, dest: Path, kill_at: int, kill_in_write: bool, mode: str = "move") -> int:
    """Fork; the child exports (moves) every photo to `dest` and SIGKILLs itself at the kill_at-th watched
    file-system call (or write of file data); returns the child's wait status."""
    pid = os.fork()
    if pid:
        return os.waitpid(pid, 0)[1]
    try:
        photos = album_scan.scan(album)
        for n, p in enumerate(photos, start=1):
            p.id = n
        plan = make_plan(album, photos, {}, ExportOptions(dest=dest, select="all", mode=mode))
        calls = 0

        def count(event, _args=None):
            nonlocal calls
            if event is None or event in WATCHED:
                calls += 1
                if calls == kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)

        def write(fd, data):
            written = os.write(fd, data)
            count(None)  # after the first of a RAW's two chunks, half of it is on disk
            return written

        if kill_in_write:
            result = execute(plan, journal_dir=album / ".culler" / "exports", write=write)
        else:
            sys.addaudithook(count)
            result = execute(plan, journal_dir=album / ".culler" / "exports")
        os._exit(0 if result.ok and result.photos == 2 else 3)
    except BaseException:
        os._exit(4)


def _every_original_exactly_once(album: Path, dest: Path, originals: dict[str, str]) -> None:
    found: dict[str, list[str]] = {}
    for base in (album, dest):
        for p in base.rglob("*"):
            if p.is_file() and ".culler" not in p.relative_to(base).parts:
                assert not p.name.endswith(".culler-part"), f"left over: {p}"
                found.setdefault(_sha(p), []).append(str(p))
    for rel, digest in originals.items():
        assert found.get(digest) == [str(album / rel)], (rel, found.get(digest))


@pytest.mark.parametrize("kill_in_write", [False, True], ids=["at-each-call", "mid-write"])
def test_sigkill_anywhere_in_a_raw_jpeg_move_then_undo_puts_every_original_back(tmp_path, kill_in_write):
    originals = _template(tmp_path / "template")
    with small_tmpfs(tmp_path / "other_disk", "64m") as disk:
        kills = 0
        for kill_at in range(1, 400):
            album = tmp_path / f"album{kill_at}"
            shutil.copytree(tmp_path / "template", album)
            dest = disk / f"out{kill_at}"
            status = _export_in_child(album, dest, kill_at, kill_in_write)
            if os.WIFEXITED(status):  # finished before the kill point: every point was tried
                assert os.WEXITSTATUS(status) == 0
                break
            assert os.WTERMSIG(status) == signal.SIGKILL
            kills += 1
            journals = sorted((album / ".culler" / "exports").glob("export-*.jsonl"))
            for journal in journals:
                result = undo_export(journal)
                assert result.ok, result.problems
            _every_original_exactly_once(album, dest, originals)
            shutil.rmtree(album)
            shutil.rmtree(dest, ignore_errors=True)
        assert kills >= (5 if kill_in_write else 40), kills  # many points inside the pairs


def test_the_next_export_removes_what_a_killed_one_left_half_written(tmp_path):
    _template(tmp_path / "album")
    album, dest = tmp_path / "album", tmp_path / "out"
    status = _export_in_child(album, dest, kill_at=1, kill_in_write=True, mode="copy")  # in the first RAW
    assert os.WIFSIGNALED(status)
    assert list(dest.glob(".*.culler-part"))
    photos = album_scan.scan(album)
    for n, p in enumerate(photos, start=1):
        p.id = n
    result = execute(make_plan(album, photos, {}, ExportOptions(dest=tmp_path / "elsewhere", select="all")),
                     journal_dir=album / ".culler" / "exports")
    assert result.ok
    assert not list(dest.glob(".*.culler-part"))


def test_an_undo_killed_anywhere_finishes_when_run_again(tmp_path):
    originals = _template(tmp_path / "template")
    with small_tmpfs(tmp_path / "other_disk", "64m") as disk:
        for kill_at in range(1, 400):
            album, dest = tmp_path / f"album{kill_at}", disk / f"out{kill_at}"
            shutil.copytree(tmp_path / "template", album)
            assert os.WIFEXITED(_export_in_child(album, dest, 10_000, kill_in_write=False))
            journal = next((album / ".culler" / "exports").glob("export-*.jsonl"))
            pid = os.fork()
            if not pid:  # the child undoes and is killed at the kill_at-th file-system call
                calls = [0]

                def count(event, _args, calls=calls, kill_at=kill_at):
                    if event in WATCHED:
                        calls[0] += 1
                        if calls[0] == kill_at:
                            os.kill(os.getpid(), signal.SIGKILL)

                sys.addaudithook(count)
                os._exit(0 if undo_export(journal).ok else 3)
            status = os.waitpid(pid, 0)[1]
            if os.WIFEXITED(status):
                assert os.WEXITSTATUS(status) == 0
                break
            result = undo_export(journal)  # run again after the kill
            assert result.ok, result.problems
            _every_original_exactly_once(album, dest, originals)
            shutil.rmtree(album)
            shutil.rmtree(dest, ignore_errors=True)
        assert kill_at > 20, kill_at  # many points inside the undo were tried
