"""Export, rejects and live sidecars in the window, on a real album (real photographs from
benchmarks/photo_factory.py), the real Store and real key presses; files checked on disk."""

from __future__ import annotations

import errno

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from culler.core import xmp
from tests.ui.album_factory import open_window

YES, CANCEL = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.Cancel


def key(qtbot, window, k, modifier=Qt.KeyboardModifier.NoModifier):
    target = QApplication.focusWidget() or window.current_view() or window
    qtbot.keyClick(target, k, modifier)


def go_to(window, name):
    state = window.model.state
    window.set_current(next(i for i in state.order if state.name(i) == name))


def decide(qtbot, window, names, k):
    for name in names:
        go_to(window, name)
        key(qtbot, window, k)


def decision_of(window, name):
    store = window.session.store
    return store.decision(next(p.id for p in store.photos() if p.path == name))


def open_dialog(qtbot, window, dest=None):
    key(qtbot, window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = window.export_features.dialog
    assert dialog is not None and dialog.isVisible()
    if dest is not None:
        dialog.form.dest_edit.setText(str(dest))  # the folder chooser itself cannot be driven
    dialog.refresh_preview()
    return dialog


def run_export(qtbot, dialog):
    assert dialog.export_button.isEnabled(), dialog.preview.problems.text()
    with qtbot.waitSignal(dialog.exported, timeout=30_000) as blocker:
        dialog.export_button.click()
    qtbot.waitUntil(lambda: not dialog.running(), timeout=10_000)
    return blocker.args[0]


def wait_jobs(qtbot, window):
    qtbot.waitUntil(lambda: window.export_features.worker is None, timeout=30_000)


def files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def answer(monkeypatch):
    """Confirmations answered without a human: answer['question'] = YES / CANCEL, etc."""
    answers = {"question": YES, "warning": YES}
    asked = []

    def fake(kind):
        def box(parent, title, text, *args, **kwargs):
            asked.append((kind, title, text))
            return answers.get(kind, QMessageBox.StandardButton.Ok)
        return box

    for kind in ("question", "warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(fake(kind)))
    answers["asked"] = asked
    return answers


def test_copy_export_of_picks_previews_then_writes_files_sidecars_and_report(qtbot, window, tmp_path):
    decide(qtbot, window, ["IMG_0002.jpg", "IMG_0005.jpg"], Qt.Key.Key_P)
    go_to(window, "IMG_0005.jpg")
    key(qtbot, window, Qt.Key.Key_4)
    dest = tmp_path / "out"
    (dest).mkdir()
    (dest / "IMG_0002.jpg").write_bytes(b"someone else's file")  # taken: never overwritten
    dialog = open_dialog(qtbot, window, dest)

    assert dialog.form.what_counts["picks"].text() == "2"
    assert "2 photos" in dialog.preview.headline.text() and "2 files" in dialog.preview.headline.text()
    assert dialog.preview.targets() == ["IMG_0002_1.jpg", "IMG_0005.jpg"]
    assert "already taken" in dialog.preview.problems.text()
    assert dialog.export_button.text() == "Copy 2 photos"

    dialog.form.xmp_check.setChecked(True)
    dialog.form.report_check.setChecked(True)
    dialog.form.template_combo.setCurrentText("{date}_{seq:02d}_{name}")
    dialog.refresh_preview()
    assert dialog.form.example.text() == "e.g. IMG_0002.jpg  →  20240601_01_IMG_0002.jpg"
    assert dialog.preview.targets() == ["20240601_01_IMG_0002.jpg", "20240601_01_IMG_0002.xmp",
                                        "20240601_02_IMG_0005.jpg", "20240601_02_IMG_0005.xmp"]
    result = run_export(qtbot, dialog)

    assert result.ok and result.photos == 2
    assert files(dest) == ["20240601_01_IMG_0002.jpg", "20240601_01_IMG_0002.xmp", "20240601_02_IMG_0005.jpg",
                           "20240601_02_IMG_0005.xmp", "IMG_0002.jpg", "culler-report.html"]
    assert (dest / "IMG_0002.jpg").read_bytes() == b"someone else's file"
    assert (dest / "20240601_01_IMG_0002.jpg").read_bytes() == (window.session.album_root / "IMG_0002.jpg").read_bytes()
    sidecar = xmp.read_sidecar(dest / "20240601_02_IMG_0005.xmp")
    assert sidecar.flag == "pick" and sidecar.rating == 4
    report = (dest / "culler-report.html").read_text(encoding="utf-8")
    assert "IMG_0002.jpg" in report and "IMG_0005.jpg" in report and "IMG_0001.jpg" not in report
    assert "data:image/jpeg;base64," in report
    assert "Copied 2 photos" in dialog.status.text() and "Undo last export" in dialog.status.text()
    assert window.model.rowCount() == 9  # a copy leaves the album as it was
    dialog.close_button.click()

    # the options are remembered for the next export from this album
    dialog = open_dialog(qtbot, window)
    assert dialog.form.dest_edit.text() == str(dest) and dialog.form.xmp_check.isChecked()
    dialog.reject()


def test_preview_explains_what_stops_or_needs_care(qtbot, window, tmp_path):
    decide(qtbot, window, ["IMG_0003.jpg"], Qt.Key.Key_X)
    dialog = open_dialog(qtbot, window)
    assert not dialog.export_button.isEnabled()
    assert "Choose where to export" in dialog.preview.headline.text()

    dialog.form.dest_edit.setText(str(tmp_path / "new"))
    dialog.refresh_preview()
    assert "No photo matches: there are no picks" in dialog.preview.problems.text()
    assert not dialog.export_button.isEnabled()

    dialog.form.what_buttons["rated"].setChecked(True)
    dialog.refresh_preview()
    assert "no photos rated 3+" in dialog.preview.problems.text()

    window_filter_ids = [window.model.state.name(i) for i in window.model.ids]
    dialog.form.what_buttons["filter"].setChecked(True)
    dialog.refresh_preview()
    assert dialog.form.what_counts["filter"].text() == str(len(window_filter_ids))
    assert "will be created" in dialog.preview.problems.text()
    assert dialog.export_button.isEnabled()

    dialog.form.dest_edit.setText(str(window.session.album_root / "exported"))
    dialog.refresh_preview()
    assert "inside the album" in dialog.preview.problems.text()

    dialog.form.dest_edit.setText(str(window.session.album_root))
    dialog.refresh_preview()
    assert "album folder itself" in dialog.preview.problems.text() and not dialog.export_button.isEnabled()

    dialog.form.dest_edit.setText(str(tmp_path / "new"))
    dialog.form.template_combo.setCurrentText("{nope}")
    dialog.refresh_preview()
    assert "{nope} is unknown" in dialog.preview.problems.text() and not dialog.export_button.isEnabled()
    dialog.reject()
    assert not (tmp_path / "new").exists()  # a preview never touches the disk


def test_a_full_disk_stops_the_export_and_leaves_nothing_half_done(qtbot, window, tmp_path, monkeypatch):
    from culler.core import export_exec, export_files

    decide(qtbot, window, ["IMG_0001.jpg", "IMG_0002.jpg", "IMG_0003.jpg"], Qt.Key.Key_P)
    written = {"bytes": 0}

    def full_disk_write(fd, data):  # the disk fills up during the second photo
        if written["bytes"] > 1.5 * (window.session.album_root / "IMG_0001.jpg").stat().st_size:
            raise OSError(errno.ENOSPC, "No space left on device")
        written["bytes"] += len(data)
        return export_files.default_write(fd, data)

    real_copy = export_files.copy_file
    monkeypatch.setattr(export_exec, "copy_file",
                        lambda s, t, write=None, verify=True: real_copy(s, t, write=full_disk_write, verify=verify))
    dest = tmp_path / "card"
    dialog = open_dialog(qtbot, window, dest)
    dialog.form.layout_combo.setCurrentIndex(dialog.form.layout_combo.findData("date"))
    result = run_export(qtbot, dialog)

    assert not result.ok and result.rolled_back
    text = dialog.status.text()
    assert "The destination is full" in text and "Nothing half-done was left behind" in text
    assert files(dest) == [] and not (dest / "2024-06-01").exists()
    assert dialog.close_button.text() == "Close"
    dialog.close_button.click()
    assert window.export_features.last_journal() is None  # nothing to undo


def test_a_move_export_takes_photos_out_and_undo_brings_them_back(qtbot, window, tmp_path, answer):
    decide(qtbot, window, ["IMG_0004.jpg", "IMG_0006.jpg"], Qt.Key.Key_P)
    dest = tmp_path / "moved"
    dialog = open_dialog(qtbot, window, dest)
    dialog.form.mode_buttons["move"].setChecked(True)
    dialog.refresh_preview()
    assert "takes the originals out of the album" in dialog.preview.problems.text()
    result = run_export(qtbot, dialog)
    assert result.ok
    wait_jobs(qtbot, window)  # the album is read again
    album = window.session.album_root
    assert files(dest) == ["IMG_0004.jpg", "IMG_0006.jpg"]
    assert not (album / "IMG_0004.jpg").exists()
    assert window.model.rowCount() == 7
    dialog.close_button.click()

    assert window.registry["export.undo"].enabled
    window.registry.trigger("export.undo")
    wait_jobs(qtbot, window)
    assert answer["asked"][-1][0] == "question" and "2 moved files go back" in answer["asked"][-1][2]
    assert (album / "IMG_0004.jpg").exists() and files(dest) == []
    assert window.model.rowCount() == 9
    assert decision_of(window, "IMG_0004.jpg").flag == "pick"  # back with its decision
    assert window.export_features.last_journal() is None


def test_rejects_move_to_rejected_folder_and_come_back_on_undo(qtbot, window, answer):
    album = window.session.album_root
    decide(qtbot, window, ["IMG_0002.jpg", "IMG_0007.jpg"], Qt.Key.Key_X)
    (album / "IMG_0007.xmp").write_text(
        "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
        "<rdf:Description xmlns:foo='http://example.com/foo/' foo:keep='1'/></rdf:RDF></x:xmpmeta>")

    answer["question"] = CANCEL
    window.registry.trigger("rejects.move")
    assert "Move 2 rejected photos (3 files" in answer["asked"][-1][2]
    assert (album / "IMG_0002.jpg").exists() and window.export_features.worker is None

    answer["question"] = YES
    window.registry.trigger("rejects.move")
    wait_jobs(qtbot, window)
    assert files(album / "_rejected") == ["IMG_0002.jpg", "IMG_0007.jpg", "IMG_0007.xmp"]
    assert not (album / "IMG_0007.xmp").exists()
    assert window.model.rowCount() == 7 and window.model.counts()["rejects"] == 0
    assert "Moved 2 rejected photos" in window.statusBar().currentMessage()

    window.registry.trigger("export.undo")
    wait_jobs(qtbot, window)
    assert (album / "IMG_0002.jpg").exists() and (album / "IMG_0007.xmp").exists()
    assert not (album / "_rejected").exists()
    assert window.model.rowCount() == 9 and window.model.counts()["rejects"] == 2


def test_send_rejects_to_trash_only_after_a_clear_warning(qtbot, window, answer):
    album = window.session.album_root
    decide(qtbot, window, ["IMG_0008.jpg"], Qt.Key.Key_X)
    answer["warning"] = CANCEL
    window.registry.trigger("rejects.trash")
    kind, _title, text = answer["asked"][-1]
    assert kind == "warning" and "cannot undo this" in text and "1 rejected photo" in text
    assert (album / "IMG_0008.jpg").exists()

    answer["warning"] = YES
    window.registry.trigger("rejects.trash")
    wait_jobs(qtbot, window)
    assert not (album / "IMG_0008.jpg").exists()
    assert window.model.rowCount() == 8
    assert "Sent 1 file to the trash" in window.statusBar().currentMessage()


def test_live_sidecars_follow_each_decision_and_undo(qtbot, window, tmp_path):
    album = window.session.album_root
    features = window.export_features
    assert not features.live_sidecars()
    window.menu_actions["sidecars.live"].setChecked(True)
    assert features.live_sidecars()
    go_to(window, "IMG_0003.jpg")
    key(qtbot, window, Qt.Key.Key_P)
    assert features.sidecars.wait_idle(10)
    assert xmp.read_sidecar(album / "IMG_0003.xmp").flag == "pick"
    assert not (album / "IMG_0004.xmp").exists()  # undecided photos get no sidecar

    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert features.sidecars.wait_idle(10)
    assert (xmp.read_sidecar(album / "IMG_0003.xmp") or xmp.Decision()).flag == "none"

    # the setting is a preference of the app: a new window on the same config keeps it on
    window.close()
    again = open_window(qtbot, window.ctx, album)
    try:
        assert again.export_features.live_sidecars()
        assert again.menu_actions["sidecars.live"].isChecked()
    finally:
        again.close()


def test_a_large_album_is_planned_off_the_gui_thread_newest_options_win(qtbot, window, tmp_path, monkeypatch):
    from culler.ui.export import export_dialog

    monkeypatch.setattr(export_dialog, "SYNC_PLAN_LIMIT", 0)  # plan on the thread, as for thousands of photos
    decide(qtbot, window, ["IMG_0001.jpg", "IMG_0002.jpg"], Qt.Key.Key_P)
    key(qtbot, window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = window.export_features.dialog
    with qtbot.waitSignal(dialog.preview_ready, timeout=10_000):
        for name in ("a", "b", "c"):  # typed quickly: only the last one counts
            dialog.form.dest_edit.setText(str(tmp_path / name))
            dialog.refresh_preview()
            assert not dialog.export_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.planning(), timeout=10_000)
    assert str(tmp_path / "c") in dialog.preview.headline.text().replace("\n", "")
    assert dialog.preview.targets() == ["IMG_0001.jpg", "IMG_0002.jpg"]
    result = run_export(qtbot, dialog)
    assert result.ok and files(tmp_path / "c") == ["IMG_0001.jpg", "IMG_0002.jpg"]
