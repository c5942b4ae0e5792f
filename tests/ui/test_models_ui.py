"""File › AI models… and the missing-models banner, in a real window: downloads from a real HTTP
server on 127.0.0.1 (progress, Cancel, resume), import from a folder, and a one-line banner that
floats over the photos without moving them and can be turned off for good."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QLabel

from culler.analysis import model_files
from culler.ui.models.models_banner import HEIGHT
from tests.ui.album_factory import open_window

PAYLOAD = os.urandom(5 * 1024 * 1024 + 321)
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class _SlowHandler(BaseHTTPRequestHandler):
    """Serves PAYLOAD in small slow pieces, honouring Range, so a download can be cancelled midway."""

    def do_GET(self):  # noqa: N802 (http.server API)
        self.server.ranges.append(self.headers.get("Range"))
        start = int(m.group(1)) if (m := re.match(r"bytes=(\d+)-", self.headers.get("Range") or "")) else 0
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
        self.send_header("Content-Length", str(len(PAYLOAD) - start))
        self.end_headers()
        try:
            for i in range(start, len(PAYLOAD), 256 * 1024):
                self.wfile.write(PAYLOAD[i:i + 256 * 1024])
                time.sleep(self.server.delay)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client cancelled

    def log_message(self, *args):
        pass


@pytest.fixture
def nima_server(monkeypatch):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    srv.daemon_threads, srv.ranges, srv.delay = True, [], 0.08
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    spec = model_files.MODELS["nima"]
    file = dataclasses.replace(spec.files[0], url=f"http://127.0.0.1:{srv.server_address[1]}/nima.pth",
                               size=len(PAYLOAD), sha256=SHA, library_paths=())
    monkeypatch.setitem(model_files.MODELS, "nima", dataclasses.replace(spec, files=(file,)))
    yield srv
    srv.shutdown()
    srv.server_close()


def status_text(dialog, name):
    return re.sub(r"<[^>]+>", " ", dialog.status[name].text())


def test_models_dialog_downloads_with_progress_cancel_and_resume(qtbot, window, nima_server):
    window.menu_actions["models.open"].trigger()
    dialog = window.models.dialog
    assert dialog.isVisible()
    assert dialog.title["nima"].text() == "Aesthetics"
    words = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "how appealing a photo looks" in words and "5 MB" in words and "about 605 MB" in words
    assert "InceptionResNetV2" not in words and "pyiqa" not in words
    for label in dialog.findChildren(QLabel, "modelPurpose"):  # one line each, not cut
        assert label.width() >= label.sizeHint().width() and label.height() >= label.sizeHint().height()
    assert "Not installed" in status_text(dialog, "clipiqa") and dialog.buttons["clipiqa"].text() == "Download"

    dialog.buttons["nima"].click()
    assert dialog.buttons["nima"].text() == "Cancel" and not dialog.buttons["clip"].isEnabled()
    bar = dialog.bars["nima"]
    qtbot.waitUntil(lambda: bar.maximum() == 1000 and bar.value() > 0, timeout=20_000)
    assert "MB of 5.2 MB" in bar.format()
    dialog.buttons["nima"].click()  # Cancel
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=20_000)
    target = model_files.installed_path(window.ctx.models_dir, "nima", model_files.MODELS["nima"].files[0])
    part = target.with_name(target.name + ".part")
    assert part.exists() and 0 < part.stat().st_size < len(PAYLOAD) and not target.exists()
    assert "Cancelled" in status_text(dialog, "nima") and dialog.buttons["nima"].text() == "Download"

    kept = part.stat().st_size
    nima_server.delay = 0.0
    dialog.buttons["nima"].click()  # resumes where it stopped
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=30_000)
    assert nima_server.ranges == [None, f"bytes={kept}-"]
    assert target.read_bytes() == PAYLOAD
    assert "Ready" in status_text(dialog, "nima") and dialog.buttons["nima"].text() == "Installed"
    assert model_files.status(window.ctx.models_dir)["nima"] == "ok"
    dialog.reject()


def test_models_dialog_imports_from_a_folder(qtbot, window, nima_server, tmp_path):
    copied = tmp_path / "from-another-machine" / "nima"
    copied.mkdir(parents=True)
    (copied / model_files.MODELS["nima"].files[0].name).write_bytes(PAYLOAD)
    dialog = window.models.open_dialog()
    dialog.import_from(copied.parent)
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=20_000)
    assert "Ready" in status_text(dialog, "nima") and "Import: imported" in status_text(dialog, "nima")
    assert "Import: not found" in status_text(dialog, "clipiqa")
    assert nima_server.ranges == []  # nothing downloaded
    dialog.reject()


def test_missing_models_banner_is_one_line_never_moves_the_grid_and_can_be_turned_off(qtbot, window):
    grid_before = QRect(window.grid.geometry()), window.grid.mapTo(window, window.grid.rect().topLeft())
    window.models.show_status({"clipiqa": "missing", "nima": "missing", "clip": "missing"})
    banner = window.models.banner
    assert banner.isVisible() and banner.height() == HEIGHT
    assert (QRect(window.grid.geometry()), window.grid.mapTo(window, window.grid.rect().topLeft())) == grid_before
    assert banner.geometry().bottom() < window.filter_bar.height()  # in the filter bar, over no photo
    assert banner.label.text() == ("AI models not installed (quality, aesthetics, similarity). "
                                   "Scores use sharpness, exposure, faces and eyes.")
    for jargon in ("open_clip", "pyiqa", "LAION", "InceptionResNetV2", "AVA", "ViT"):
        assert jargon not in banner.label.text()
    window.resize(1000, 600)  # narrower: still one line (the text ends in "…"), the window no wider
    qtbot.waitUntil(lambda: window.width() == 1000)
    assert banner.height() == HEIGHT and banner.isVisible()

    banner.get.click()
    assert window.models.dialog.isVisible()
    window.models.dialog.reject()
    banner.never.click()
    assert not banner.isVisible()
    window.models.show_status({"clipiqa": "missing"})
    assert not banner.isVisible()  # for good, in this window and the next
    again = open_window(qtbot, window.ctx, None)
    try:
        again.models.show_status({"clipiqa": "missing"})
        assert not again.models.banner.isVisible()
    finally:
        again.close()


def test_banner_says_which_scores_came_from_an_earlier_run(qtbot, window):
    store = window.session.store
    for photo in store.photos()[:3]:  # an earlier run had CLIP-IQA and NIMA
        store.put_analysis(photo.id, (photo.size, photo.mtime_ns), {"clipiqa": 0.6, "nima": 5.1, "sharpness": 0.4})
    window.models.show_status({"clipiqa": "missing", "nima": "missing", "clip": "missing"})
    assert "3 photos keep their scores from an earlier run; new ones get technical scores" in \
        window.models.banner.label.text()
    dialog = window.models.open_dialog()
    assert "scores of 3 photos kept from an earlier run" in status_text(dialog, "clipiqa")
    dialog.reject()


def test_closing_the_window_mid_download_stops_it_and_keeps_the_part(qtbot, ctx, album, nima_server):
    window = open_window(qtbot, ctx, album)
    dialog = window.models.open_dialog()
    dialog.buttons["nima"].click()
    qtbot.waitUntil(lambda: dialog.bars["nima"].value() > 0, timeout=20_000)
    window.close()
    assert not dialog.busy()
    target = model_files.installed_path(ctx.models_dir, "nima", model_files.MODELS["nima"].files[0])
    assert target.with_name(target.name + ".part").stat().st_size > 0 and not target.exists()


def test_banner_words_follow_what_is_missing(tmp_path):
    from culler.ui.models.model_rows import model_rows
    from culler.ui.models.models_banner import banner_text

    rows = {r.name: r for r in model_rows(tmp_path)}  # an empty folder: nothing installed
    ready = {n: dataclasses.replace(r, state="ok") for n, r in rows.items()}
    assert banner_text(list(ready.values()), {}) is None
    only_clip = [ready["clipiqa"], ready["nima"], rows["clip"]]
    assert banner_text(only_clip, {}) == ("AI models not installed (similarity). "
                                          "Similar frames are grouped by capture time and pixels.")
    damaged = [dataclasses.replace(rows["nima"], state="damaged"), ready["clipiqa"], ready["clip"]]
    assert banner_text(damaged, {"nima": 12}).startswith("AI models damaged or missing (aesthetics). 12 photos keep")
