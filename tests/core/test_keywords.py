"""Keyword vocabulary, suggestions and the people filters.

The bundled vocabulary parses; a user's copy in the config folder wins; a broken line is named;
suggestions respect the threshold and the maximum, best first; faces give "people" / "group";
"with people" and "groups of 3+" filter by the face count.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from culler.core import keywords as kw
from culler.core.filters import PhotoFilter
from culler.core.records import Decision

BUNDLED = Path(__file__).resolve().parents[2] / "resources" / "keywords.txt"


def test_the_bundled_vocabulary_covers_the_usual_shoots_with_a_hierarchy():
    vocab = kw.load_vocabulary(BUNDLED)
    parents = {k.split("|")[0] for k in vocab.keywords if "|" in k}
    assert {"Event", "Portrait", "Travel", "Sport", "Nature"} <= parents
    assert {"people", "group", "Event|wedding", "Nature|beach"} <= set(vocab.keywords)
    assert len(set(vocab.keywords)) == len(vocab.keywords) > 50
    assert vocab.prompts[vocab.keywords.index("Nature|beach")] == "a photo of beach"
    assert (vocab.threshold, vocab.max_per_photo) == (0.25, 5)


def test_a_copy_in_the_config_folder_is_used_instead_of_the_bundled_one(tmp_path):
    assert kw.vocabulary_path(BUNDLED, tmp_path) == BUNDLED
    (tmp_path / "keywords.txt").write_text("threshold = 0.3\nmax = 2\n# mine\n Client | Smith \nbeach\nbeach\n")
    vocab = kw.load_vocabulary(kw.vocabulary_path(BUNDLED, tmp_path))
    assert vocab.keywords == ("Client|Smith", "beach")
    assert (vocab.threshold, vocab.max_per_photo, vocab.source) == (0.3, 2, tmp_path / "keywords.txt")


@pytest.mark.parametrize("text, needle", [("beach\nNature||sea\n", ":2:"), ("max = many\n", "needs a number"),
                                          ("threshold = 3\n", "threshold must")])
def test_a_broken_vocabulary_is_refused_naming_the_file_and_line(tmp_path, text, needle):
    path = tmp_path / "keywords.txt"
    path.write_text(text)
    with pytest.raises(kw.VocabularyError, match=needle) as err:
        kw.load_vocabulary(path)
    assert str(path) in str(err.value)


def test_suggestions_keep_the_threshold_and_the_maximum_best_first():
    vocab = kw.Vocabulary(("a", "P|b", "c", "d"), threshold=0.2, max_per_photo=2)
    sims = np.array([[0.1, 0.3, 0.25, 0.5],   # d, b (c is third: over the maximum)
                     [0.19, 0.0, 0.1, 0.2],   # only d reaches the threshold
                     [0.0, 0.0, 0.0, 0.0]])
    assert kw.suggest([4, 5, 6], sims, vocab) == {4: ["d", "P|b"], 5: ["d"], 6: []}


def test_faces_suggest_people_and_groups_without_clip():
    vocab = kw.Vocabulary(("people", "sea"), threshold=0.2, max_per_photo=3)
    sims = np.array([[0.3, 0.4], [0.0, 0.0], [0.0, 0.0]])
    got = kw.suggest([1, 2, 3], sims, vocab, faces={1: 1.0, 2: 4.0, 3: 0.0})
    assert got == {1: ["people", "sea"], 2: ["people", "group"], 3: []}
    assert kw.suggest([1], None, vocab, faces={1: 3.0}) == {1: ["people", "group"]}


def test_accepted_keywords_are_not_suggested_again_and_the_maximum_counts_faces_too():
    vocab = kw.Vocabulary(("sea", "P|b", "c"), threshold=0.0, max_per_photo=2)
    sims = np.array([[0.5, 0.4, 0.3], [0.5, 0.4, 0.3]])
    got = kw.suggest([1, 2], sims, vocab, faces={2: 5.0}, accepted={1: ["sea"], 2: ["group"]})
    assert got == {1: ["P|b", "c"], 2: ["people", "sea"]}


def test_every_level_of_a_hierarchy_is_a_flat_keyword_too():
    assert kw.subjects(["Nature|beach", "sunset", "Nature|sea"]) == (
        ["Nature", "beach", "sunset", "sea"], ["Nature|beach", "Nature|sea"])


def test_people_filters_follow_the_face_count():
    ids = [1, 2, 3, 4]
    faces = {1: 0.0, 2: 1.0, 3: 3.0, 4: None}
    decisions = {3: Decision("pick", 0, None)}
    assert PhotoFilter(people="with").apply(ids, decisions, faces=faces) == [2, 3]
    assert PhotoFilter(people="group").apply(ids, decisions, faces=faces) == [3]
    assert PhotoFilter(flag="picks", people="with").apply(ids, decisions, faces=faces) == [3]
    assert PhotoFilter(people="group").describe() == "groups of 3+"
    with pytest.raises(ValueError):
        PhotoFilter(people="crowds")
