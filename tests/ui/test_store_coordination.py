"""The window says when the store fails instead of showing stale or empty results as if all were
well, and a regroup from the grouping panel never writes while an analysis run writes."""

from __future__ import annotations

import sqlite3

from tests.ui.album_factory import make_album, make_ctx, open_window


def _drop(store, table: str) -> None:
    """Break the album's session database from outside, as a damaged or foreign file would."""
    db = sqlite3.connect(store.path)
    try:
        db.execute(f"DROP TABLE {table}")
        db.commit()
    finally:
        db.close()


def test_a_store_that_fails_to_give_the_analysis_is_reported(qtbot, tmp_path):
    window = open_window(qtbot, make_ctx(tmp_path / "home"), make_album(tmp_path / "album", n=3, broken=False))
    try:
        store, state = window.session.store, window.model.state
        store.put_scores({state.order[0]: (0.8, 0.9)})
        window.session.refresh_analysis()
        assert state.score(state.order[0]) == 0.8 and not window.notice.isVisible()

        _drop(store, "scores")
        window.session.refresh_analysis()
        assert window.notice.isVisible()
        assert "Could not read the analysis results of this album" in window.notice.label.text()
        assert state.score(state.order[0]) == 0.8  # what was read before stays on screen

        _drop(store, "embeddings")
        window.registry.trigger("group.settings")
        panel = window.group_features.panel
        assert "Could not read the album's embeddings" in panel.status.text()
        assert not panel.similarity.isEnabled()  # the time and pixel checks still work
        panel.close()
    finally:
        window.close()


def test_a_regroup_asked_for_during_an_analysis_waits_for_it(qtbot, tmp_path):
    window = open_window(qtbot, make_ctx(tmp_path / "home"), make_album(tmp_path / "album", n=8, broken=False))
    try:
        window.registry.trigger("group.settings")
        panel = window.group_features.panel
        events = []
        window.session.progress.connect(lambda report: events.append(("analysis", report.stage)))
        panel.regrouped.connect(lambda: events.append(("regroup", None)))  # new groups are in the window
        window.start_analysis()
        assert window.analysis_running()
        panel.keep_n.setValue(2)
        panel._timer.stop()
        panel._save_and_regroup()  # what the slider's debounce timer runs
        assert "as soon as the analysis is done" in panel.status.text()
        assert not panel.regrouper.busy()
        with qtbot.waitSignal(panel.regrouped, timeout=120_000):
            pass
        last_analysis = max(i for i, (kind, _) in enumerate(events) if kind == "analysis")
        assert events[last_analysis + 1:] == [("regroup", None)]  # after the whole run, once
        assert window.session.store.get("grouping.keep_n") == 2
        assert "groups of 2 or more frames" in panel.status.text()
        panel.close()
    finally:
        window.close()


def test_an_analysis_asked_for_during_a_regroup_waits_for_it(qtbot, tmp_path):
    window = open_window(qtbot, make_ctx(tmp_path / "home"), make_album(tmp_path / "album", n=8, broken=False))
    try:
        window.registry.trigger("group.settings")
        panel = window.group_features.panel
        events = []
        window.session.progress.connect(lambda report: events.append(("analysis", report.stage)))
        panel.regrouped.connect(lambda: events.append(("regroup", None)))
        panel.keep_n.setValue(2)
        panel._timer.stop()
        panel._save_and_regroup()
        assert panel.regrouper.busy()
        window.start_analysis()
        assert not window.analysis_running()  # waits for the regroup
        with qtbot.waitSignal(window.analysis_idle, timeout=120_000):
            pass
        assert events[0] == ("regroup", None) and events[1][0] == "analysis" and events[-1] == ("analysis", "done")
    finally:
        window.close()
