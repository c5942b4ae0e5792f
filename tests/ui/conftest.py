"""Fixtures for the window tests: a fresh copy of a small real-photo album per test."""

from __future__ import annotations

import pytest

from tests.ui.album_factory import copy_album, make_album, make_ctx, open_window


@pytest.fixture(scope="session")
def album_template(tmp_path_factory):
    return make_album(tmp_path_factory.mktemp("album-template") / "album")


@pytest.fixture
def album(album_template, tmp_path):
    return copy_album(album_template, tmp_path / "album")


@pytest.fixture
def ctx(tmp_path):
    return make_ctx(tmp_path / "home")


@pytest.fixture
def window(qtbot, ctx, album):
    w = open_window(qtbot, ctx, album)
    yield w
    w.close()
