"""The test run's temporary home (XDG folders, model caches) is removed when the run ends, even
with folders a test made read-only in it; a forked child exiting does not remove it early."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.hardening.conftest import can_drop_root_read

ROOT = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent(f"""
    import os, sys
    sys.path.insert(0, {str(ROOT)!r})
    import tests.conftest as conftest
    home = conftest._home
    locked = home / "xdg_cache_home" / "culler" / "locked"
    (locked / "sub").mkdir(parents=True)
    (locked / "sub" / "thumb.jpg").write_bytes(b"x")
    (locked / "notes.txt").write_text("read-only")
    os.chmod(locked / "sub", 0)
    os.chmod(locked, 0o500)
    os.symlink("/tmp", home / "link-out")  # must not be followed (nor chmod'ed) by the clean-up
    pid = os.fork()
    if pid == 0:
        sys.exit(0)  # a forked child runs atexit handlers too
    os.waitpid(pid, 0)
    print(home, home.exists(), flush=True)
""")


def test_the_temp_home_is_removed_at_exit_even_with_read_only_folders(tmp_path):
    cmd = [sys.executable, "-c", CHILD]
    if can_drop_root_read():  # as root, chmod stops nothing unless root's override is dropped
        caps = "-dac_override,-dac_read_search"
        cmd = ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}", *cmd] \
            if sys.platform.startswith("linux") and shutil.which("setpriv") else cmd
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    home_text, existed = r.stdout.split()
    home = Path(home_text)
    try:
        assert home.name.startswith("culler-tests-home-")
        assert existed == "True"  # the forked child's exit left it alone
        assert not home.exists()
        assert Path("/tmp").is_dir()
    finally:
        if home.exists():
            subprocess.run(["chmod", "-R", "u+rwx", str(home)], capture_output=True)
            shutil.rmtree(home, ignore_errors=True)
