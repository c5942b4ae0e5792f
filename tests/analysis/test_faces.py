"""Faces and eyes with OpenCV's bundled Haar cascades, on a real portrait.

skimage's astronaut (Eileen Collins, eyes open) is the real face. No photo with closed eyes
ships offline, so `benchmarks.photo_factory.close_eyes` makes one from it the way a blink looks
(the eye boxes found by our detector on the open-eyed photo painted over by closed lids).
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from benchmarks.photo_factory import close_eyes, real_photo, resize
from culler.analysis import faces, score, technical


@pytest.fixture(scope="module")
def portrait():
    open_eyed = real_photo("astronaut")
    found = faces.detect(open_eyed)
    assert len(found) == 1 and len(found[0].eyes) == 2
    return open_eyed, close_eyes(open_eyed, found[0].eyes)


def _at(img: np.ndarray, size: int) -> np.ndarray:
    return img if size == img.shape[1] else resize(img, size, size)


@pytest.mark.parametrize("size", (384, 512, 1024))
def test_the_astronaut_has_one_face_with_open_eyes(portrait, size):
    found = faces.detect(_at(portrait[0], size))
    assert len(found) == 1
    x, y, w, h = found[0].box
    k = size / 512  # the face is at about (175, 64, 99, 99) in the 512 px original
    assert abs(x - 175 * k) < 15 * k and abs(y - 64 * k) < 15 * k and abs(w - 99 * k) < 20 * k
    assert found[0].eyes_open is True
    assert all(y <= ey and ey + eh / 2 < y + 0.6 * h for _, ey, _, eh in found[0].eyes)


@pytest.mark.parametrize("size", (384, 512, 1024))
def test_closed_eyes_are_reported_closed(portrait, size):
    found = faces.detect(_at(portrait[1], size))
    assert len(found) == 1 and found[0].eyes_open is False


@pytest.mark.parametrize("size", (512, 1024))
def test_measure_counts_open_and_closed_eyes_and_a_blink_costs_score(portrait, size):
    opened = technical.measure(_at(portrait[0], size))
    closed = technical.measure(_at(portrait[1], size))
    assert opened["faces"] == 1 and opened["eyes_open"] == 1.0 and opened["eyes_closed"] == 0
    assert closed["faces"] == 1 and closed["eyes_open"] == 0.0 and closed["eyes_closed"] >= 1
    assert score.fuse(closed)[0] < score.fuse(opened)[0] - 0.15


def test_a_face_of_a_sixteenth_of_the_frame_is_found_in_a_busy_scene(portrait):
    scene = resize(real_photo("motorcycle_left"), 1024, 683)
    for side, eyes_open in ((450, True), (340, True)):  # faces ~85 and ~65 px wide at 1024 px
        pasted = scene.copy()
        pasted[683 - side:, 300:300 + side] = resize(portrait[0], side, side)
        found = faces.detect(pasted)
        assert len(found) == 1 and found[0].eyes_open is eyes_open, side
        assert 300 <= found[0].box[0] <= 300 + side


@pytest.mark.parametrize("name", ("chelsea", "coffee", "rocket", "motorcycle_left", "camera", "hubble_deep_field"))
def test_no_faces_in_photos_without_people(name):
    # chelsea is a cat: a frontal-face cascade must not fire on it.
    assert faces.detect(real_photo(name)) == []


def test_a_face_too_small_to_judge_has_unknown_eyes(portrait):
    found = faces.detect(_at(portrait[1], 256))  # face ~48 px wide
    assert len(found) == 1 and found[0].eyes_open is None
    signals = technical.measure(_at(portrait[1], 256))
    assert signals["faces"] == 1 and signals["eyes_open"] is None and signals["eyes_closed"] == 0


def test_threads_get_their_own_cascades_and_the_same_answers(portrait):
    expected = faces.detect(portrait[0])
    results, errors = [], []

    def work():
        try:
            for _ in range(3):
                results.append(faces.detect(portrait[0]))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 9 and all(r == expected for r in results)
    assert faces.cascade(faces.FACE_CASCADE) is faces.cascade(faces.FACE_CASCADE)


def test_a_missing_cascade_says_which_and_why():
    with pytest.raises(faces.FacesUnavailable, match="no_such_cascade.xml"):
        faces.cascade_path("no_such_cascade.xml")


def test_tiny_and_grey_inputs():
    assert faces.detect(np.zeros((10, 10, 3), np.uint8)) == []
    grey = faces.to_grey(real_photo("astronaut"))
    assert [f.eyes_open for f in faces.detect(grey)] == [True]
