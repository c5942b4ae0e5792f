"""A long session must not abort: PySide6 6.12.0 drops a reference to None on every void call."""

from __future__ import annotations

import os
import subprocess
import sys

CODE = """
import sys
from culler.app import create_application
from culler.context import AppContext
from culler.ui.window.main_window import MainWindow
from pathlib import Path
from PySide6.QtCore import QObject, Signal
class Probe(QObject):
    ping = Signal()
probe = Probe()
app = create_application()
window = MainWindow(AppContext(Path(sys.argv[1]), Path(sys.argv[1]), Path(sys.argv[1]), Path(sys.argv[1])))
label = window.selection_label
for i in range(60_000):          # far more void calls than None has references at start
    label.setText("x")
    probe.ping.emit()
window.close()
print("survived")
"""


def test_sixty_thousand_qt_calls_do_not_abort_the_process(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    run = subprocess.run([sys.executable, "-c", CODE, str(tmp_path)], env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "survived" in run.stdout
