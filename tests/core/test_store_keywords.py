"""Accepted keywords are decisions: saved at once, undoable, logged, surviving a restart, and
written to XMP sidecars that other apps (read here by exiftool) see, merged with their own.

Real SQLite sessions in a temp album of real JPEGs.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from culler.core import xmp
from culler.core.records import Decision
from culler.core.store import Store
from tests.core.test_store import make_album, scan


@pytest.fixture
def album(tmp_path):
    return make_album(tmp_path / "album", 3)


def _open(album, data_dir):
    store = Store.open(album, data_dir)
    ids = {p.path: p.id for p in store.sync_photos(scan(album))}
    return store, ids


def test_accepted_keywords_survive_a_restart_and_undo_redo_across_it(album, tmp_path):
    store, ids = _open(album, tmp_path / "data")
    a, b = ids["IMG_0000.JPG"], ids["IMG_0001.JPG"]
    kws = store.keywords
    assert kws.accept([a, b], ["Nature | beach", "sunset"]) == [a, b]
    assert kws.accept([a], ["sunset"]) == []  # nothing new: no step
    kws.remove([b], ["sunset"])
    store.close()

    store, _ = _open(album, tmp_path / "data")
    kws = store.keywords
    assert kws.keywords() == {a: ["Nature|beach", "sunset"], b: ["Nature|beach"]}
    assert store.undo_description() == "Remove keywords: sunset"
    assert store.undo() == [b]
    assert kws.of(b) == ["Nature|beach", "sunset"]
    assert store.undo() == [a, b]
    assert kws.keywords() == {} and not store.can_undo()
    assert store.redo() == [a, b]
    store.close()

    store, _ = _open(album, tmp_path / "data")
    assert store.keywords.keywords() == {a: ["Nature|beach", "sunset"], b: ["Nature|beach", "sunset"]}
    assert all(d.is_empty() for d in store.decisions().values())  # flags, stars, labels untouched
    store.close()


def test_keywords_and_decisions_share_one_undo_history_newest_first(album, tmp_path):
    store, ids = _open(album, tmp_path / "data")
    a = ids["IMG_0000.JPG"]
    store.decide([a], flag="pick")
    store.keywords.accept([a], ["wedding"])
    store.decide([a], rating=3)
    assert store.undo() == [a] and store.decision(a) == Decision("pick", 0) and store.keywords.of(a) == ["wedding"]
    assert store.undo() == [a] and store.keywords.of(a) == [] and store.decision(a) == Decision("pick", 0)
    assert store.undo() == [a] and store.decision(a).is_empty()
    assert store.redo() == [a] and store.redo() == [a] and store.keywords.of(a) == ["wedding"]
    store.keywords.accept([a], ["dog"])  # a new step drops the redo tail (the rating)
    assert not store.can_redo() and store.decision(a) == Decision("pick", 0)
    store.close()


def test_a_new_keyword_step_drops_the_redo_tail(album, tmp_path):
    store, ids = _open(album, tmp_path / "data")
    kws = store.keywords
    pid = ids["IMG_0002.JPG"]
    kws.accept([pid], ["dog"])
    store.undo()
    kws.accept([pid], ["cat"])
    assert store.redo() == [] and kws.of(pid) == ["cat"]
    store.close()


def test_every_keyword_step_is_in_the_log_with_the_photo_path(album, tmp_path):
    store, ids = _open(album, tmp_path / "data")
    kws = store.keywords
    seen = []
    store.add_observer(seen.append)
    kws.accept([ids["IMG_0000.JPG"]], ["wedding"])
    store.undo()
    lines = [json.loads(line) for line in kws.log_path.read_text().splitlines()]
    assert kws.log_path.parent == store.log_path.parent
    assert [(e["op"], e["path"], e["keywords"]) for e in lines] == [
        ("accept", "IMG_0000.JPG", ["wedding"]), ("undo", "IMG_0000.JPG", [])]
    assert seen == [[ids["IMG_0000.JPG"]]] * 2  # the window hears of keyword changes too
    store.close()


def test_a_damaged_database_gets_its_keywords_back_from_the_keyword_log(album, tmp_path):
    store, ids = _open(album, tmp_path / "data")
    store.keywords.accept([ids["IMG_0000.JPG"], ids["IMG_0001.JPG"]], ["Event|wedding"])
    store.keywords.accept([ids["IMG_0001.JPG"]], ["people"])
    store.undo()
    store.keywords.accept([ids["IMG_0002.JPG"]], ["dog"])
    store.decide([ids["IMG_0002.JPG"]], flag="pick")
    db = store.path
    store.close()
    with open(db, "r+b") as f:  # garbage over the header: the database is set aside and rebuilt
        f.write(b"\x13" * 4096)

    store, ids = _open(album, tmp_path / "data")
    assert store.recovered_from is not None
    assert any("keywords of 3 photo(s)" in n for n in store.notices)
    assert store.keywords.keywords() == {ids["IMG_0000.JPG"]: ["Event|wedding"],
                                         ids["IMG_0001.JPG"]: ["Event|wedding"], ids["IMG_0002.JPG"]: ["dog"]}
    assert store.decision(ids["IMG_0002.JPG"]).flag == "pick"
    store.keywords.accept([ids["IMG_0000.JPG"]], ["sunset"])  # and it carries on
    store.close()
    store, ids = _open(album, tmp_path / "data")
    assert not any("keywords" in n for n in store.notices)  # nothing to replay a second time
    assert store.keywords.of(ids["IMG_0000.JPG"]) == ["Event|wedding", "sunset"]
    store.close()


def test_a_refused_step_leaves_neither_keywords_nor_log_lines(album, tmp_path):
    store, ids = _open(album, tmp_path / "data")
    kws = store.keywords
    kws.accept([ids["IMG_0000.JPG"]], ["first"])
    size = kws.log_path.stat().st_size
    store._conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON photo_keywords "
                        "WHEN NEW.keyword = 'second' BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(Exception, match="disk full"):
        kws.accept([ids["IMG_0000.JPG"]], ["second"])
    assert kws.of(ids["IMG_0000.JPG"]) == ["first"]
    assert kws.log_path.stat().st_size == size
    store.close()


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool (libimage-exiftool-perl) not installed")
def test_exiftool_reads_culler_keywords_and_another_apps_keywords_are_kept(tmp_path):
    sidecar = tmp_path / "IMG_0001.xmp"
    sidecar.write_text(  # as Lightroom writes them
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:lr="http://ns.adobe.com/lightroom/1.0/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="2">'
        '<dc:subject><rdf:Bag><rdf:li>Smith wedding</rdf:li><rdf:li>Clients</rdf:li></rdf:Bag></dc:subject>'
        '<lr:hierarchicalSubject><rdf:Bag><rdf:li>Clients|Smith wedding</rdf:li></rdf:Bag></lr:hierarchicalSubject>'
        '</rdf:Description></rdf:RDF></x:xmpmeta>')
    xmp.write_sidecar(sidecar, Decision("pick", 3, None), keywords=["Event|wedding", "people", "Clients|Smith wedding"])
    fresh = tmp_path / "IMG_0002.xmp"
    xmp.write_sidecar(fresh, Decision(), keywords=["Nature|beach"])
    out = subprocess.run(["exiftool", "-j", "-XMP:Subject", "-HierarchicalSubject", "-Rating", str(sidecar),
                          str(fresh)], capture_output=True, text=True, check=True)
    merged, new = json.loads(out.stdout)
    assert merged["Subject"] == ["Smith wedding", "Clients", "Event", "wedding", "people"]
    assert merged["HierarchicalSubject"] == ["Clients|Smith wedding", "Event|wedding"]
    assert merged["Rating"] == 3
    assert new["Subject"] == ["Nature", "beach"] and new["HierarchicalSubject"] == "Nature|beach"
    # and read back, as culler reads another app's sidecar
    assert xmp.read_keywords(sidecar) == ["Clients|Smith wedding", "Event|wedding", "people"]


def test_keywords_are_read_from_a_sidecar_with_subjects_only(tmp_path):
    sidecar = tmp_path / "IMG_0003.xmp"
    sidecar.write_text(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<dc:subject><rdf:Bag><rdf:li>stock</rdf:li><rdf:li> harbour </rdf:li></rdf:Bag></dc:subject>'
        '</rdf:Description></rdf:RDF></x:xmpmeta>')
    assert xmp.read_keywords(sidecar) == ["stock", "harbour"]
    sidecar.write_text("<!DOCTYPE x [<!ENTITY a 'b'>]><x/>")
    assert xmp.read_keywords(sidecar) == []


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool (libimage-exiftool-perl) not installed")
def test_culler_export_xmp_writes_accepted_keywords_next_to_the_foreign_ones(album, tmp_path):
    from culler.__main__ import main
    from culler.context import AppContext

    (album / "IMG_0001.xmp").write_text(  # keyworded in another app before culler saw the album
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<dc:subject><rdf:Bag><rdf:li>stock</rdf:li></rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>')
    store, ids = _open(album, AppContext.from_environment().data_dir)
    store.keywords.accept([ids["IMG_0001.JPG"]], ["Nature|beach"])
    store.decide([ids["IMG_0001.JPG"], ids["IMG_0002.JPG"]], flag="pick")
    store.close()
    dest = tmp_path / "out"
    assert main(["export", str(album), "--to", str(dest), "--xmp"]) == 0
    out = subprocess.run(["exiftool", "-j", "-XMP:Subject", "-HierarchicalSubject", str(dest / "IMG_0001.xmp"),
                          str(dest / "IMG_0002.xmp")], capture_output=True, text=True, check=True)
    keyworded, plain = json.loads(out.stdout)
    assert keyworded["Subject"] == ["stock", "Nature", "beach"]
    assert keyworded["HierarchicalSubject"] == "Nature|beach"
    assert "Subject" not in plain
