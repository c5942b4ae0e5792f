"""`--json OUT` replaces only regular files by rename (issue 17, case 12): a device, a named pipe
and a link to either are written in place and stay what they are; `-` is standard output."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from tests.core.test_store_crash import make_album
from tests.hardening.conftest import run_culler


@pytest.fixture(scope="module")
def album(tmp_path_factory):
    root = tmp_path_factory.mktemp("out") / "album"
    root.mkdir()
    return make_album(root, 3)


def _analyze(album: Path, out: str, tmp_path: Path):
    r = run_culler("analyze", str(album), "--signals", "technical", "--json", out,
                   env_extra={"XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    return r


def _null_device(path: Path) -> Path:
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # what /dev/null is
    except OSError:
        pytest.skip("cannot make a device node here (not root?)")
    return path


def test_a_device_and_a_link_to_it_stay_what_they_are(album, tmp_path):
    null = _null_device(tmp_path / "null")
    _analyze(album, str(null), tmp_path)
    assert stat.S_ISCHR(os.lstat(null).st_mode)
    link = tmp_path / "stdout-like"
    link.symlink_to(null)
    _analyze(album, str(link), tmp_path)
    assert link.is_symlink() and stat.S_ISCHR(os.stat(link).st_mode)


def test_a_named_pipe_gets_the_report_and_stays_a_pipe(album, tmp_path):
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    _analyze(album, str(fifo), tmp_path)
    reader.join(timeout=30)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert len(json.loads(got[0])["photos"]) == 3


def test_a_link_to_a_regular_file_stays_a_link_and_dash_is_stdout(album, tmp_path):
    real = tmp_path / "reports" / "real.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    _analyze(album, str(link), tmp_path)
    assert link.is_symlink() and len(json.loads(real.read_text())["photos"]) == 3
    assert not list(real.parent.glob("*.part"))
    r = _analyze(album, "-", tmp_path)
    assert len(json.loads(r.stdout)["photos"]) == 3


def test_a_report_that_cannot_be_written_is_a_message_and_exit_1(album, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    r = run_culler("analyze", str(album), "--signals", "technical", "--json", str(blocker / "out.json"),
                   env_extra={"XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert r.returncode == 1 and "could not write" in r.stderr and "Traceback" not in r.stderr, r.stderr
