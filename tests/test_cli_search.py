"""`culler search ALBUM "words"` and the keywords of `culler analyze --json`, end to end.

A real album analysed by `culler analyze` with random-initialised CLIP weights of the real
ViT-B-32 (the ranking means nothing; the mechanism is checked): every photo with an embedding
once, ordered by the cosine of its stored embedding and the encoded words (computed here
directly), deterministic, different for different words; without the model file a message says
how to get it. Accepted, foreign (sidecar) and suggested keywords appear in the analysis JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.make_album import make_album
from culler.__main__ import main
from culler.core.store import Store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def analysed(tmp_path_factory, clip_dir):
    """(album, data dir): 8 small photos analysed with CLIP (no CLIP-IQA / NIMA files: faster)."""
    album = tmp_path_factory.mktemp("search-album")
    make_album(album, 8, megapixels=0.17, workers=1)
    env = dict(os.environ, CULLER_MODELS_DIR=str(clip_dir))
    done = subprocess.run([sys.executable, "-m", "culler", "analyze", str(album)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return album


@pytest.fixture
def use_clip(monkeypatch, clip_dir):
    monkeypatch.setenv("CULLER_MODELS_DIR", str(clip_dir))


def _data_dir() -> Path:
    from culler.context import AppContext

    return AppContext.from_environment().data_dir


def _search(tmp_path, album, *words) -> dict:
    out = tmp_path / f"search-{len(list(tmp_path.iterdir()))}.json"
    assert main(["search", str(album), *words, "--json", str(out)]) == 0
    return json.loads(out.read_text())


def test_every_photo_once_ordered_by_the_cosine_of_stored_and_encoded_vectors(tmp_path, analysed, clip_dir, use_clip):
    from culler.analysis.clip_text import ClipTextEncoder

    report = _search(tmp_path, analysed, "bride and groom")
    assert report["query"] == "bride and groom"
    with Store.open(analysed, _data_dir()) as store:
        paths = {p.id: p.path for p in store.photos()}
        stored = {paths[pid]: v for pid, v in store.embeddings("clip").items()}
    assert len(stored) == 8
    assert sorted(r["path"] for r in report["results"]) == sorted(stored)
    text = ClipTextEncoder(clip_dir).encode(["bride and groom"])[0]
    direct = {path: float(v @ text / np.linalg.norm(v)) for path, v in stored.items()}
    assert [r["path"] for r in report["results"]] == sorted(direct, key=lambda p: -direct[p])
    for r in report["results"]:
        assert r["similarity"] == pytest.approx(direct[r["path"]], abs=1e-5)


def test_same_words_same_order_other_words_other_order_and_top_n(tmp_path, analysed, use_clip, capsys):
    first = _search(tmp_path, analysed, "dog on the beach")
    assert _search(tmp_path, analysed, "dog on the beach") == first
    other = _search(tmp_path, analysed, "a crowd at a concert at night")
    assert [r["path"] for r in other["results"]] != [r["path"] for r in first["results"]]
    top = _search(tmp_path, analysed, "dog on the beach", "--top", "3")
    assert top["results"] == first["results"][:3]
    capsys.readouterr()
    assert main(["search", str(analysed), "dog on the beach", "--top", "2"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [line.split(maxsplit=1)[1] for line in printed] == [r["path"] for r in first["results"][:2]]


def test_without_clips_model_file_it_says_how_to_get_it(tmp_path, analysed, monkeypatch, capsys):
    monkeypatch.setenv("CULLER_MODELS_DIR", str(tmp_path / "no-models"))
    out = tmp_path / "out.json"
    assert main(["search", str(analysed), "sunset", "--json", str(out)]) == 1
    err = capsys.readouterr().err
    assert "CLIP" in err and "culler models download clip" in err and "culler models import DIR" in err
    assert not out.exists()


def test_an_album_never_analysed_with_clip_is_explained(tmp_path, use_clip, capsys):
    album = tmp_path / "fresh"
    shutil.copytree(Path(__file__).resolve().parents[1] / "resources" / "demo", album,
                    ignore=shutil.ignore_patterns(".culler"))
    assert main(["search", str(album), "sunset"]) == 1
    assert "culler analyze" in capsys.readouterr().err
    assert main(["search", str(album), "  "]) == 1
    assert "empty" in capsys.readouterr().err


def test_analyze_json_lists_accepted_sidecar_and_suggested_keywords(tmp_path, analysed, clip_dir):
    from culler.core.store_keywords import KeywordStore

    with Store.open(analysed, _data_dir()) as store:
        photos = sorted(p.path for p in store.photos())
        KeywordStore(store).accept([p.id for p in store.photos() if p.path == photos[0]], ["Event|wedding"])
    sidecar = (analysed / photos[1]).with_suffix(".xmp")
    sidecar.write_text(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<dc:subject><rdf:Bag><rdf:li>stock</rdf:li></rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>')
    config = tmp_path / "config"
    (config / "culler").mkdir(parents=True)
    (config / "culler" / "keywords.txt").write_text("threshold = -1\nmax = 2\nNature|beach\nsunset\nEvent|wedding\n")
    out = tmp_path / "report.json"
    env = dict(os.environ, CULLER_MODELS_DIR=str(clip_dir), XDG_CONFIG_HOME=str(config))
    done = subprocess.run([sys.executable, "-m", "culler", "analyze", str(analysed), "--json", str(out)],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    by_path = {p["path"]: p for p in json.loads(out.read_text())["photos"]}
    assert by_path[photos[0]]["keywords"] == ["Event|wedding"]
    assert by_path[photos[1]]["keywords"] == ["stock"]
    for photo in by_path.values():
        # threshold -1: two (people first, from faces), never one already accepted
        assert len(photo["suggested_keywords"]) == 2
        assert not set(photo["suggested_keywords"]) & set(photo["keywords"])
        assert set(photo["suggested_keywords"]) <= {"Nature|beach", "sunset", "Event|wedding", "people", "group"}


def test_a_broken_vocabulary_or_no_clip_leaves_suggestions_from_faces_only(tmp_path, capsys):
    from culler.cli.keyword_report import photo_keywords
    from culler.context import AppContext
    from tests.core.test_store import make_album as small_album
    from tests.core.test_store import scan

    album = small_album(tmp_path / "album", 2)
    config = tmp_path / "config"
    config.mkdir()
    (config / "keywords.txt").write_text("max = lots\n")
    ctx = AppContext(tmp_path / "cache", tmp_path / "data", config, tmp_path / "no-models")
    with Store.open(album, ctx.data_dir) as store:
        ids = [p.id for p in store.sync_photos(scan(album))]
        store.put_analysis(ids[0], (1, 1), {"faces": 4.0})
        accepted, suggested = photo_keywords(store, album, ctx, clip_ok=False)
    assert "keywords.txt:1" in capsys.readouterr().err
    assert accepted == {ids[0]: [], ids[1]: []}
    assert suggested == {ids[0]: ["people", "group"], ids[1]: []}
