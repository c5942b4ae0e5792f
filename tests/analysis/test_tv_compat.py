"""tv_compat.ensure() from several threads at once defines torchvision's operators once, and
torchvision (hence open_clip, timm, pyiqa) imports afterwards."""

from __future__ import annotations

import subprocess
import sys

CODE = r"""
import threading, time
from culler.analysis import tv_compat

real = tv_compat._extension_loads
def slow_check():  # widen the window between the check and the definition
    result = real()
    time.sleep(0.3)
    return result
tv_compat._extension_loads = slow_check

errors = []
start = threading.Barrier(4)
def call():
    start.wait()
    try:
        tv_compat.ensure()
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=call) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
import torchvision.transforms
print("errors:", errors)
"""


def test_threads_racing_into_ensure_define_the_operators_once():
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "errors: []", done.stdout
