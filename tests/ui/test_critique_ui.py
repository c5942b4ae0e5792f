"""Asking a vision-language model from the window, driven by real keys against a real
chat-completions server on 127.0.0.1 (tests/vlm/chat_server.py) and a real album and Store:
the loupe strip, the cache, a refused key, the disagreement list, a burst compared, the model's
authority over suggestions, and where the key is (and is not) kept.

Scores and groups are written into the store the way the pipeline's last stages write them.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QMessageBox

from culler.core.records import GroupRow
from culler.ui.critique.critique_features import CritiqueFeatures
from tests.ui.album_factory import open_window
from tests.vlm.chat_server import ChatServer, images_of
from tests.vlm.conftest import KEY

pytest.importorskip("openai")  # the optional extra; ./dev.sh installs it

# IMG_0001-0003 are one burst (culler's order 0001, 0002, 0003); the rest single photos.
SCORES = {"IMG_0001.jpg": 0.95, "IMG_0002.jpg": 0.3, "IMG_0003.jpg": 0.2, "IMG_0004.jpg": 0.8,
          "IMG_0005.jpg": 0.6, "IMG_0006.jpg": 0.5, "IMG_0007.jpg": 0.1, "IMG_0008.jpg": 0.05}


def critique(window):
    """The window's critique feature."""
    return next(f for f in window.features if isinstance(f, CritiqueFeatures))


def key(qtbot, window, k, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(QApplication.focusWidget() or window.current_view() or window, k, modifier)


def put_analysis(window):
    store = window.session.store
    ids = {p.path: p.id for p in store.photos()}
    store.put_scores({ids[n]: (s, 0.5) for n, s in SCORES.items()})
    rows = [GroupRow(ids[n], "b", 3, rank, sug, [], "burst")
            for rank, (n, sug) in enumerate((("IMG_0001.jpg", "pick"), ("IMG_0002.jpg", "reject"),
                                             ("IMG_0003.jpg", "reject")), start=1)]
    rows += [GroupRow(ids[n], f"s{n}", 1, 1, None, [], "single") for n in SCORES if n not in
             ("IMG_0001.jpg", "IMG_0002.jpg", "IMG_0003.jpg")]
    store.put_groups(rows)
    window.session.refresh_analysis()
    window.registry.trigger("group.stacks")  # take the offer of stacks (groups never stack by themselves)
    return ids


def by_image(album: Path, verdicts: dict[str, tuple[str, int]]):
    """A server answer that depends on which photo was sent (matched by its data URI, made by the
    same code culler sends with); unknown photos are kept, score 7."""
    from culler.analysis.vlm_prompt import jpeg_data_uri
    from culler.core.decode import load_image
    from tests.vlm.chat_server import default_answer

    uris = {jpeg_data_uri(load_image(album / name, 1024, exact=True)): v for name, v in verdicts.items()}

    def answer(body):
        parts = [p for m in body["messages"] if isinstance(m["content"], list) for p in m["content"]]
        images = [p["image_url"]["url"] for p in parts if p.get("type") == "image_url"]
        if len(images) != 1:
            return default_answer(body)
        verdict, score = uris.get(images[0], ("keep", 7))
        return json.dumps({"verdict": verdict, "score": score, "issues": ["focus"] if verdict == "reject" else [],
                           "critique": f"A {verdict} for sure."})
    return answer


@pytest.fixture
def endpoint(monkeypatch):
    """Point the window at a server: CULLER_VLM_URL / MODEL (a loopback needs no key)."""
    def use(server, key=None):
        monkeypatch.setenv("CULLER_VLM_URL", server.url)
        monkeypatch.setenv("CULLER_VLM_MODEL", "test-vlm")
        if key:
            monkeypatch.setenv("CULLER_VLM_KEY", key)
    monkeypatch.delenv("CULLER_VLM_KEY", raising=False)
    return use


def wait_run(qtbot, window):
    qtbot.waitUntil(lambda: critique(window).worker is None, timeout=20_000)


def strip_text(window) -> str:
    strip = critique(window).loupe_strip
    return strip.label.text() if strip.isVisible() else ""


def widget_texts() -> str:
    out = []
    for w in QApplication.allWidgets():
        out += [w.toolTip(), w.windowTitle(), w.accessibleName()]
        if isinstance(w, (QLabel, QAbstractButton)):
            out.append(w.text())
        if isinstance(w, QLineEdit):
            out += [w.text(), w.placeholderText(), w.displayText()]
        out += [a.text() for a in w.actions()]
    return "\n".join(out)


def test_asking_about_a_photo_shows_the_verdict_and_the_cache_answers_the_second_time(
        qtbot, ctx, album, endpoint):
    with ChatServer("ok") as server:
        endpoint(server)
        window = open_window(qtbot, ctx, album)
        put_analysis(window)
        key(qtbot, window, Qt.Key.Key_E)  # the loupe, on IMG_0001
        assert window.current_view_id() == "loupe"
        qtbot.waitUntil(lambda: "Not asked yet" in strip_text(window), timeout=2000)
        key(qtbot, window, Qt.Key.Key_V)
        qtbot.waitUntil(lambda: "KEEP" in strip_text(window), timeout=20_000)
        wait_run(qtbot, window)
        text = strip_text(window)
        assert "8/10" in text and "composition" in text and "Sharp eyes, clean background." in text
        # culler 95 and the model 8/10 (0.78) agree to 0.83: the confidence rises by 0.25 * (2 * 0.83 - 1)
        assert "culler 95" in text and "confidence 50 → 66 %" in text
        assert len(server.requests) == 1
        (image,) = images_of(server.requests[0]["body"])
        assert max(image.size) <= 1024

        key(qtbot, window, Qt.Key.Key_V)  # again: answered from the cache
        wait_run(qtbot, window)
        assert len(server.requests) == 1
        assert "already cached" in window.statusBar().currentMessage()
        window.close()

        # A new window shows the cached critique at once, with no request.
        window = open_window(qtbot, ctx, album)
        key(qtbot, window, Qt.Key.Key_E)
        qtbot.waitUntil(lambda: "KEEP" in strip_text(window), timeout=2000)
        assert len(server.requests) == 1
        window.close()


def test_a_refused_key_is_said_in_plain_words_and_the_window_keeps_working(qtbot, ctx, album, endpoint):
    with ChatServer("unauthorized") as server:
        endpoint(server, key=KEY)
        window = open_window(qtbot, ctx, album)
        ids = put_analysis(window)
        key(qtbot, window, Qt.Key.Key_E)
        key(qtbot, window, Qt.Key.Key_V)
        qtbot.waitUntil(lambda: "refused the key" in strip_text(window), timeout=20_000)
        wait_run(qtbot, window)
        assert "(401)" in strip_text(window) and "Model settings" in strip_text(window)
        assert KEY not in widget_texts()
        key(qtbot, window, Qt.Key.Key_P)  # decisions still work
        assert window.session.store.decision(ids["IMG_0001.jpg"]).flag == "pick"
        key(qtbot, window, Qt.Key.Key_Right)  # past the burst's collapsed stack
        assert window.model.state.name(window.current_id()) == "IMG_0004.jpg"
        assert len(server.requests) == 1  # a refused key is not retried
        window.close()
    store_files = b"".join(p.read_bytes() for p in (album / ".culler").rglob("*") if p.is_file())
    assert KEY.encode() not in store_files


def test_the_disagreement_list_names_the_photos_the_model_judges_unlike_the_signals(
        qtbot, ctx, album, endpoint):
    answer = by_image(album, {"IMG_0001.jpg": ("reject", 2), "IMG_0008.jpg": ("keep", 9),
                              "IMG_0007.jpg": ("maybe", 5)})
    with ChatServer("ok", answer=answer) as server:
        endpoint(server)
        window = open_window(qtbot, ctx, album)
        put_analysis(window)
        feature = critique(window)
        assert not feature.disagreements.isVisible()
        key(qtbot, window, Qt.Key.Key_V, Qt.KeyboardModifier.ShiftModifier)  # the shortlist
        box = qtbot.waitUntil(lambda: window.findChild(QMessageBox, "critiqueConfirm") is not None, timeout=20_000)
        box = window.findChild(QMessageBox, "critiqueConfirm")
        # the best frame of each group, in review order: IMG_0002/0003 are the burst's other frames
        assert "6 photo(s) to ask" in box.text() and "test-vlm" in box.text()
        box.button(QMessageBox.StandardButton.Yes).click()
        wait_run(qtbot, window)
        assert len(server.requests) == 6
        button = feature.disagreements
        assert button.isVisible() and button.text() == "Model disagrees  2"
        entries = [a.text() for a in button.menu().actions()]
        assert entries[0].startswith("IMG_0001.jpg — the model rejects it (2/10); culler puts it in the top")
        assert entries[1].startswith("IMG_0008.jpg — the model keeps it (9/10); culler puts it in the bottom")
        button.menu().actions()[1].trigger()  # a second look
        assert window.current_view_id() == "loupe"
        assert window.model.state.name(window.current_id()) == "IMG_0008.jpg"
        qtbot.waitUntil(lambda: "KEEP" in strip_text(window) and "9/10" in strip_text(window), timeout=2000)
        window.close()


def test_comparing_a_burst_shows_the_models_order_next_to_cullers(qtbot, ctx, album, endpoint):
    with ChatServer("ok") as server:  # it ranks the frames in reverse
        endpoint(server)
        window = open_window(qtbot, ctx, album)
        put_analysis(window)
        key(qtbot, window, Qt.Key.Key_N)  # survey of IMG_0001's burst
        assert window.current_view_id() == "survey"
        strip = critique(window).group_strips[1]
        qtbot.waitUntil(lambda: "V asks test-vlm to rank these 3 frames" in strip.label.text(), timeout=2000)
        key(qtbot, window, Qt.Key.Key_V)
        qtbot.waitUntil(lambda: "order: IMG_0003.jpg › IMG_0002.jpg › IMG_0001.jpg" in strip.label.text(),
                        timeout=20_000)
        wait_run(qtbot, window)
        assert "culler's: IMG_0001.jpg › IMG_0002.jpg › IMG_0003.jpg" in strip.label.text()
        assert "IMG_0003.jpg: + s3; − w3" in strip.label.text()
        assert len(server.requests) == 1 and len(images_of(server.requests[0]["body"])) == 3
        key(qtbot, window, Qt.Key.Key_C)  # compare shows the same, from the cache
        qtbot.waitUntil(lambda: "IMG_0003.jpg › IMG_0002.jpg" in critique(window).group_strips[0].label.text(),
                        timeout=2000)
        assert len(server.requests) == 1
        ranks = {window.model.state.name(i): r.group_rank for i, r in window.model.state.groups.items()}
        assert ranks["IMG_0001.jpg"] == 1  # the group itself is not reordered
        window.close()


def test_may_rescue_withdraws_a_suggested_reject_but_never_touches_a_users_decision(
        qtbot, ctx, album, endpoint):
    (Path(ctx.config_dir)).mkdir(parents=True, exist_ok=True)
    (Path(ctx.config_dir) / "vlm.json").write_text(json.dumps({"authority": "rescue"}))
    with ChatServer("ok") as server:  # keeps every photo
        endpoint(server)
        window = open_window(qtbot, ctx, album)
        ids = put_analysis(window)
        key(qtbot, window, Qt.Key.Key_S)  # expand the burst's stack
        window.set_current(ids["IMG_0003.jpg"])
        key(qtbot, window, Qt.Key.Key_X)  # the user rejects IMG_0003 (also suggested reject)
        window.set_current(ids["IMG_0002.jpg"])
        window.selection.select(window.model.index_of(ids["IMG_0003.jpg"]),
                                window.selection.SelectionFlag.Select)
        key(qtbot, window, Qt.Key.Key_V, Qt.KeyboardModifier.ShiftModifier)  # the selection
        qtbot.waitUntil(lambda: window.findChild(QMessageBox, "critiqueConfirm") is not None, timeout=20_000)
        box = window.findChild(QMessageBox, "critiqueConfirm")
        assert "2 photo(s) to ask" in box.text()
        box.button(QMessageBox.StandardButton.Yes).click()
        wait_run(qtbot, window)
        groups = window.model.state.groups
        assert groups[ids["IMG_0002.jpg"]].suggestion is None  # rescued
        assert "the model keeps it (8/10)" in groups[ids["IMG_0002.jpg"]].reasons
        assert groups[ids["IMG_0003.jpg"]].suggestion == "reject"  # the user decided it: untouched
        assert window.session.store.decision(ids["IMG_0003.jpg"]).flag == "reject"
        assert window.session.store.groups()[ids["IMG_0002.jpg"]].suggestion == "reject"  # culler's own, kept
        key(qtbot, window, Qt.Key.Key_A)  # accepting the group's suggestions leaves IMG_0002 alone now
        assert window.session.store.decision(ids["IMG_0002.jpg"]).flag == "none"

        dialog = critique(window).open_settings()  # back to "explain only": culler's own return
        dialog.authority.setCurrentIndex(0)
        dialog.accept()
        assert window.model.state.groups[ids["IMG_0002.jpg"]].suggestion == "reject"
        assert window.model.state.groups[ids["IMG_0002.jpg"]].reasons == []
        window.close()


def test_the_key_is_kept_apart_readable_by_its_owner_only_and_never_shown(qtbot, ctx, album, endpoint, tmp_path):
    window = open_window(qtbot, ctx, album)
    feature = critique(window)
    with ChatServer("ok") as server:
        dialog = feature.open_settings()
        qtbot.keyClicks(dialog.url, server.url)
        qtbot.keyClicks(dialog.model, "test-vlm")
        qtbot.keyClicks(dialog.key, KEY)
        dialog.authority.setCurrentIndex(2)
        dialog.accept()
        config_dir = Path(ctx.config_dir)
        settings = json.loads((config_dir / "vlm.json").read_text())
        assert settings["url"] == server.url and settings["authority"] == "decide" and "key" not in settings
        key_file = config_dir / "vlm_key"
        assert key_file.read_text() == KEY and stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert KEY not in (config_dir / "vlm.json").read_text()

        dialog = feature.open_settings()  # the stored key is never shown again
        assert dialog.key.text() == "" and KEY not in dialog.key.placeholderText()
        assert KEY[-2:] in dialog.key.placeholderText()
        dialog.reject()

        put_analysis(window)
        key(qtbot, window, Qt.Key.Key_E)
        key(qtbot, window, Qt.Key.Key_V)
        qtbot.waitUntil(lambda: "KEEP" in strip_text(window), timeout=20_000)
        wait_run(qtbot, window)
        assert server.requests[0]["headers"]["authorization"] == f"Bearer {KEY}"  # it was used
        shot = tmp_path / "loupe.png"
        assert window.grab().save(str(shot))
        assert KEY not in widget_texts()
        window.close()
    store_files = b"".join(p.read_bytes() for p in (album / ".culler").rglob("*") if p.is_file())
    assert KEY.encode() not in store_files
    assert KEY.encode() not in (Path(ctx.config_dir) / "settings.json").read_bytes()


def test_a_server_that_is_not_running_is_said_at_once(qtbot, ctx, album, monkeypatch):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("CULLER_VLM_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("CULLER_VLM_MODEL", "test-vlm")
    window = open_window(qtbot, ctx, album)
    put_analysis(window)
    key(qtbot, window, Qt.Key.Key_E)
    key(qtbot, window, Qt.Key.Key_V)
    qtbot.waitUntil(lambda: "Could not reach the model" in strip_text(window), timeout=20_000)
    wait_run(qtbot, window)
    assert "is the server running?" in strip_text(window)
    assert critique(window).run_button.isHidden()
    window.close()


def test_a_run_shows_its_progress_keeps_the_window_working_and_stops_when_clicked(qtbot, ctx, album, endpoint):
    with ChatServer("slow", delay=0.6) as server:
        endpoint(server)
        window = open_window(qtbot, ctx, album)
        put_analysis(window)
        feature = critique(window)
        key(qtbot, window, Qt.Key.Key_V, Qt.KeyboardModifier.ShiftModifier)
        qtbot.waitUntil(lambda: window.findChild(QMessageBox, "critiqueConfirm") is not None, timeout=20_000)
        window.findChild(QMessageBox, "critiqueConfirm").button(QMessageBox.StandardButton.Yes).click()
        qtbot.waitUntil(lambda: len(server.requests) >= 1, timeout=20_000)
        assert feature.run_button.isVisible() and feature.run_button.text().startswith("Asking the model")
        before = window.current_id()
        key(qtbot, window, Qt.Key.Key_Right)  # the window answers keys while the model thinks
        assert window.current_id() != before
        qtbot.mouseClick(feature.run_button, Qt.MouseButton.LeftButton)  # stop
        wait_run(qtbot, window)
        assert 1 <= len(server.requests) < 6
        assert "stopped as asked" in window.statusBar().currentMessage()
        assert feature.run_button.isHidden()
        assert len(feature.critiques) == len(server.requests)  # the answers received are kept
        window.close()


def test_a_cloud_endpoint_gets_nothing_without_consent(qtbot, ctx, album, monkeypatch):
    from PySide6.QtCore import QTimer

    monkeypatch.setenv("CULLER_VLM_URL", "https://api.example.invalid/v1")  # never contacted
    monkeypatch.setenv("CULLER_VLM_MODEL", "cloud-vlm")
    monkeypatch.setenv("CULLER_VLM_KEY", KEY)
    window = open_window(qtbot, ctx, album)
    put_analysis(window)
    asked = []

    def answer_no():
        box = QApplication.activeModalWidget()
        asked.append(box.text())
        box.button(QMessageBox.StandardButton.No).click()

    QTimer.singleShot(200, answer_no)
    key(qtbot, window, Qt.Key.Key_E)
    key(qtbot, window, Qt.Key.Key_V)
    assert asked and "https://api.example.invalid/v1 is not on your machine or your network" in asked[0]
    assert KEY not in asked[0]
    assert window.statusBar().currentMessage() == "Nothing was sent"
    assert critique(window).worker is None
    assert not (Path(ctx.config_dir) / "vlm_consent.json").exists()
    window.close()
