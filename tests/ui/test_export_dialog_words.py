"""The export dialog says what will happen before and what happened after, offers "Show in
folder", and its ticked check boxes show a tick; spin boxes keep arrows one can see. Pixels are
read from real offscreen renderings of the window's own dialogs."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyle, QStyleOptionButton, QStyleOptionSpinBox

from culler.core.records import GroupRow
from tests.ui.test_export_ui import decide, key, open_dialog, run_export


def _brightness(image, rect) -> list[int]:
    return [image.pixelColor(x, y).lightness() for x in range(rect.left() + 2, rect.right() - 1)
            for y in range(rect.top() + 2, rect.bottom() - 1)]


def test_export_words_match_what_happened_and_show_in_folder_opens_the_destination(qtbot, window, tmp_path):
    decide(qtbot, window, ["IMG_0002.jpg", "IMG_0005.jpg"], Qt.Key.Key_P)
    state = window.model.state
    ids = {state.name(i): i for i in state.order}
    burst = [ids[f"IMG_000{n}.jpg"] for n in (1, 2, 3)]  # a burst of 3, of which one frame is exported
    window.session.store.put_groups([GroupRow(pid, "g18", 3, rank, kind="burst") for rank, pid in enumerate(burst, 1)])
    window.session.refresh_analysis()
    dest = tmp_path / "new-folder"
    dialog = open_dialog(qtbot, window, dest)
    dialog.form.xmp_check.setChecked(True)
    dialog.form.report_check.setChecked(True)
    dialog.refresh_preview()
    before = dialog.preview.headline.text()
    assert "will write 2 sidecars" in before and "written" not in before
    assert "will be created" in dialog.preview.problems.text()
    assert not dialog.show_button.isVisible()

    assert run_export(qtbot, dialog).ok
    assert "2 sidecars written" in dialog.status.text()
    assert dialog.preview.headline.text().startswith("Done: Copied 2 photos")
    assert dialog.preview.problems.isHidden()  # "will be created" is no longer true
    report = (dest / "culler-report.html").read_text(encoding="utf-8")
    assert not re.search(r"\bg\d+\b", report)  # no internal group ids
    assert "Burst of 3" in report and "2nd of 3" in report  # its size in the album, not among the exported

    opened = []
    dialog.open_url = opened.append
    assert dialog.show_button.isVisible()
    dialog.show_button.click()
    assert [url.toLocalFile() for url in opened] == [str(dest)]
    dialog.close_button.click()


def test_a_ticked_check_box_shows_a_tick_not_a_filled_square(qtbot, window):
    dialog = open_dialog(qtbot, window)
    box = dialog.form.xmp_check
    box.setChecked(True)
    option = QStyleOptionButton()
    box.initStyleOption(option)
    rect = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
    pixels = _brightness(box.grab().toImage(), rect)
    assert max(pixels) > 170 and min(pixels) < 70, (min(pixels), max(pixels))  # light box, dark tick
    box.setChecked(False)
    unticked = _brightness(box.grab().toImage(), rect)
    assert max(unticked) < 120  # an empty box stays dark
    dialog.reject()


def test_spin_box_arrows_are_visible(qtbot, window):
    key(qtbot, window, Qt.Key.Key_R)
    dialog = window.review.setup_dialog
    spin = dialog.minutes
    qtbot.waitExposed(dialog)
    option = QStyleOptionSpinBox()
    spin.initStyleOption(option)
    image = spin.grab().toImage()
    for part in (QStyle.SubControl.SC_SpinBoxUp, QStyle.SubControl.SC_SpinBoxDown):
        rect = spin.style().subControlRect(QStyle.ComplexControl.CC_SpinBox, option, part, spin)
        pixels = _brightness(image, rect)
        assert rect.width() >= 10 and max(pixels) - min(pixels) > 100, (part, rect, min(pixels), max(pixels))
    dialog.reject()
