"""Picks that travel, from the window: the export dialog and the live-sidecar setting write a pick
the way "write picks as" says, and exiftool (what other apps read) sees it."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from culler.core.picks_as import PicksAs
from tests.ui.test_export_ui import decide, key, open_dialog, run_export

EXIFTOOL = shutil.which("exiftool")
pytestmark = pytest.mark.skipif(EXIFTOOL is None, reason="exiftool missing: apt-get install libimage-exiftool-perl")


def seen_by_exiftool(path) -> dict:
    out = subprocess.run([EXIFTOOL, "-j", "-n", "-XMP-xmp:Rating", "-XMP-xmp:Label", "-XMP-photomech:Tagged",
                          str(path)], capture_output=True, text=True, timeout=60)
    info = json.loads(out.stdout)[0]
    return {k: info.get(k) for k in ("Rating", "Label", "Tagged")}


def test_export_dialog_writes_picks_lightroom_and_photo_mechanic_show(qtbot, window, tmp_path):
    decide(qtbot, window, ["IMG_0002.jpg"], Qt.Key.Key_P)  # a pick with no stars
    dest = tmp_path / "out"
    dialog = open_dialog(qtbot, window, dest)
    form = dialog.form
    form.xmp_check.setChecked(True)
    assert form.picks_as.isEnabled()
    assert form.picks_as.value() == PicksAs(rating=1, flag=True)  # the default makes picks visible
    hint = form.picks_as.hint.text()
    assert "Lightroom shows picks with 1+ stars" in hint and "Photo Mechanic shows them tagged" in hint
    assert "RAW files only" in hint  # Lightroom reads no sidecar next to a JPEG: said, not hidden

    form.picks_as.rating.setCurrentIndex(form.picks_as.rating.findData(2))
    assert "2+ stars" in form.picks_as.hint.text()
    dialog.refresh_preview()
    assert run_export(qtbot, dialog).ok
    assert seen_by_exiftool(dest / "IMG_0002.xmp") == {"Rating": 2, "Label": None, "Tagged": True}
    dialog.close_button.click()

    # the choice is the app's convention from now on: the next export and the live setting start with it
    assert window.export_features.sidecars.picks_as == PicksAs(rating=2, flag=True)
    again = open_dialog(qtbot, window)
    assert again.form.picks_as.value() == PicksAs(rating=2, flag=True)
    again.reject()


def test_live_sidecars_write_picks_as_chosen_in_the_menu(qtbot, window):
    album = window.session.album_root
    features = window.export_features
    window.menu_actions["sidecars.picks_as"].trigger()
    dialog = window.findChild(QDialog, "picksAsDialog")
    edit = dialog.edit
    edit.rating.setCurrentIndex(0)  # no stars
    edit.label.setCurrentIndex(edit.label.findData("Green"))
    edit.flag.setChecked(False)
    assert "Lightroom shows picks with the Green label" in edit.hint.text()
    dialog.accept()
    assert features.sidecars.picks_as == PicksAs(label="Green")

    window.menu_actions["sidecars.live"].setChecked(True)
    decide(qtbot, window, ["IMG_0003.jpg"], Qt.Key.Key_P)
    assert features.sidecars.wait_idle(10)
    assert seen_by_exiftool(album / "IMG_0003.xmp") == {"Rating": 0, "Label": "Green", "Tagged": None}
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert features.sidecars.wait_idle(10)
    assert seen_by_exiftool(album / "IMG_0003.xmp")["Label"] is None
