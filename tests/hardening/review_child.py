"""A review session in a process of its own, for the crash tests: the real window (offscreen) on
ALBUM, driven by scripted key presses through QTest; after each decision it reads the decision
back from the store and prints it as one JSON line, then presses Right and goes on, forever (or
until the parent kills it with SIGKILL).

    python tests/hardening/review_child.py ALBUM HOME
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"

# One key per photo, in turn: (key name, what the decision must then be)
KEYS = [("P", {"flag": "pick"}), ("X", {"flag": "reject"}), ("3", {"rating": 3}),
        ("7", {"label": "Yellow"}), ("5", {"rating": 5}), ("P", {"flag": "pick"})]


def main(album: Path, home: Path) -> int:
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from culler.ui.window.main_window import MainWindow
    from tests.ui.album_factory import make_ctx

    app = QApplication.instance() or QApplication([])
    window = MainWindow(make_ctx(home), signals="technical", analyse=False)
    window.resize(1000, 700)
    window.show()
    loop = QEventLoop()
    window.session.photos_shown.connect(loop.quit)
    QTimer.singleShot(60_000, loop.quit)
    window.open_album(album)
    loop.exec()
    store = window.session.store
    print(json.dumps({"ready": len(window.model.ids)}), flush=True)
    step = 0
    while True:
        pid = window.current_id()
        key, want = KEYS[step % len(KEYS)]
        target = QApplication.focusWidget() or window
        QTest.keyClick(target, getattr(Qt.Key, f"Key_{key}"))
        d = store.decision(pid)  # committed (WAL + fsync'd log) before decide() returned
        got = {"flag": d.flag, "rating": d.rating, "label": d.label}
        assert all(got[k] == v for k, v in want.items()), (key, got)
        print(json.dumps({"path": store.photo(pid).path, "step": step, **got}), flush=True)
        step += 1
        QTest.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Right)
        app.processEvents()
        if window.current_id() == pid:  # the end of the album: start over at the first photo
            QTest.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Home)


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
