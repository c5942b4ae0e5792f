"""XMP sidecars: both names, Lightroom's rating/label conventions in both XML forms, unsafe XML
read safely, merging that keeps other apps' fields, atomic writes."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from culler.core import xmp
from culler.core.picks_as import DEFAULT, PicksAs
from culler.core.records import Decision

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XMP = "http://ns.adobe.com/xap/1.0/"

DARKTABLE_SIDECAR = """<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:darktable="http://darktable.sf.net/"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmp:Rating="2"
    darktable:xmp_version="5"
    darktable:raw_params="0"
    photoshop:City="Lisboa"
    photoshop:DateCreated="2024-06-01T14:30:05.25">
   <darktable:history>
    <rdf:Seq>
     <rdf:li darktable:num="0" darktable:operation="exposure" darktable:enabled="1"
       darktable:params="0000000000000000"/>
    </rdf:Seq>
   </darktable:history>
   <dc:subject>
    <rdf:Bag>
     <rdf:li>tram</rdf:li>
     <rdf:li>Alfama &amp; Graça</rdf:li>
    </rdf:Bag>
   </dc:subject>
   <!-- written by darktable 4.6 -->
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"""


def packet(description_body: str, attributes: str = "") -> str:
    return (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{RDF}">'
            f'<rdf:Description rdf:about="" xmlns:xmp="{XMP}" xmlns:xmpDM="http://ns.adobe.com/xmp/1.0/DynamicMedia/"'
            f' xmlns:darktable="http://darktable.sf.net/" xmlns:digiKam="http://www.digikam.org/ns/1.0/"'
            f' {attributes}>{description_body}</rdf:Description></rdf:RDF></x:xmpmeta>')


def foreign_fields(path: Path) -> list[tuple[str, str, str]]:
    """Every (element, attribute, value) and element text outside xmp:Rating/Label/xmpDM:pick."""
    ours = {f"{{{XMP}}}Rating", f"{{{XMP}}}Label", "{http://ns.adobe.com/xmp/1.0/DynamicMedia/}pick",
            "{http://ns.camerabits.com/photomechanic/1.0/}Tagged"}
    out = []
    for el in ET.parse(path).getroot().iter():
        if el.tag in ours:
            continue
        out += [(el.tag, k, v) for k, v in el.attrib.items() if k not in ours]
        if el.text and el.text.strip():
            out.append((el.tag, "#text", el.text.strip()))
    return sorted(out)


# ---- names -------------------------------------------------------------------------------------

def test_sidecar_names_for_both_conventions(tmp_path):
    raw = tmp_path / "IMG_0001.CR3"

    assert xmp.sidecar_path_for(raw) == tmp_path / "IMG_0001.xmp"
    assert xmp.sidecar_path_for(raw, "darktable") == tmp_path / "IMG_0001.CR3.xmp"
    assert xmp.sidecar_paths(raw) == []
    (tmp_path / "IMG_0001.xmp").write_text(packet("", 'xmp:Rating="1"'))
    (tmp_path / "IMG_0001.CR3.xmp").write_text(packet("", 'xmp:Rating="2"'))
    assert xmp.sidecar_paths(raw) == [tmp_path / "IMG_0001.xmp", tmp_path / "IMG_0001.CR3.xmp"]


def test_sidecar_finder_lists_each_folder_once_and_finds_the_same_sidecars(tmp_path):
    raws = [tmp_path / f"IMG_{i:04d}.CR3" for i in range(4)]
    (tmp_path / "IMG_0001.xmp").write_text(packet("", 'xmp:Rating="1"'))
    (tmp_path / "IMG_0002.CR3.XMP").write_text(packet("", 'xmp:Rating="2"'))
    finder = xmp.SidecarFinder()
    assert [finder.sidecar_paths(r) for r in raws] == [xmp.sidecar_paths(r) for r in raws]
    assert finder.sidecar_paths(raws[1]) == [tmp_path / "IMG_0001.xmp"]
    assert finder.sidecar_paths(tmp_path / "missing" / "IMG_0001.CR3") == []  # unlistable folder


# ---- reading -----------------------------------------------------------------------------------

@pytest.mark.parametrize("body, attributes, expected", [
    ("", 'xmp:Rating="3" xmp:Label="Red"', Decision("none", 3, "Red")),
    ("<xmp:Rating>5</xmp:Rating><xmp:Label>Purple</xmp:Label>", "", Decision("none", 5, "Purple")),
    ("", 'xmp:Rating="-1"', Decision("reject", 0, None)),
    ("", 'xmp:Rating="0" xmpDM:pick="1"', Decision("pick", 0, None)),
    ("", 'xmp:Rating="4.0" xmp:Label="blue"', Decision("none", 4, "Blue")),
    ("", 'xmp:Label="Rot"', Decision("none", 0, "Red")),  # a German Lightroom
    ("", 'xmp:Label="To Do"', None),  # Lightroom's "review status" label set: not a colour
    ("", 'xmp:Rating="9"', Decision("none", 0, None)),  # out of range: ignored
    ("", 'digiKam:PickLabel="3" xmp:Rating="2"', Decision("pick", 2, None)),
    ("<darktable:colorlabels><rdf:Seq><rdf:li>2</rdf:li></rdf:Seq></darktable:colorlabels>", "",
     Decision("none", 0, "Green")),
    ("", "", None),
])
def test_ratings_flags_and_labels_are_read_in_both_xml_forms(tmp_path, body, attributes, expected):
    path = tmp_path / "IMG.xmp"
    path.write_text(packet(body, attributes))

    assert xmp.read_sidecar(path, PicksAs()) == expected  # no stars or label mean "pick" here


def test_billion_laughs_is_refused_without_expanding(tmp_path):
    path = tmp_path / "IMG.xmp"
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    path.write_text(f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY l0 "ha">{laughs}]>'
                    + packet("", 'xmp:Rating="5" xmp:Label="&l9;"'))

    decision, reason = xmp.read_sidecar_checked(path)

    assert decision is None and "unsafe" in reason


def test_an_external_entity_is_never_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("Red")
    path = tmp_path / "IMG.xmp"
    path.write_text(f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file://{secret}">]>'
                    + packet("", 'xmp:Label="&e;"'))

    assert xmp.read_sidecar_checked(path)[0] is None
    assert "unsafe" in xmp.read_sidecar_checked(path)[1]


def test_broken_or_empty_sidecars_read_as_nothing(tmp_path):
    (tmp_path / "broken.xmp").write_text("<x:xmpmeta><rdf:RDF")
    (tmp_path / "empty.xmp").write_text("")

    assert xmp.read_sidecar_checked(tmp_path / "broken.xmp")[1].startswith("the sidecar is not valid XML")
    assert xmp.read_sidecar_checked(tmp_path / "empty.xmp") == (None, None)
    assert xmp.read_sidecar_checked(tmp_path / "missing.xmp")[0] is None


# ---- writing -----------------------------------------------------------------------------------

@pytest.mark.parametrize("decision", [Decision("pick", 0, None), Decision("pick", 4, "Yellow"),
                                      Decision("reject", 0, "Red"), Decision("none", 3, None),
                                      Decision("none", 0, "Blue")])
def test_a_new_sidecar_round_trips(tmp_path, decision):
    path = tmp_path / "IMG_0001.xmp"

    xmp.write_sidecar(path, decision)

    assert xmp.read_sidecar(path) == DEFAULT.encode(decision)  # a pick has at least one star
    root = ET.parse(path).getroot()
    assert root.tag == "{adobe:ns:meta/}xmpmeta"
    desc = root.find(f"{{{RDF}}}RDF/{{{RDF}}}Description")
    rating = DEFAULT.encode(decision).rating
    assert desc.get(f"{{{XMP}}}Rating") == ("-1" if decision.flag == "reject" else str(rating))


def test_merging_keeps_every_other_apps_field(tmp_path):
    path = tmp_path / "IMG_0001.CR3.xmp"
    path.write_text(DARKTABLE_SIDECAR, encoding="utf-8")
    before = foreign_fields(path)

    xmp.write_sidecar(path, Decision("pick", 5, "Green"))
    after_pick = foreign_fields(path)
    xmp.write_sidecar(path, Decision("none", 1, None))

    assert after_pick == before and foreign_fields(path) == before
    assert xmp.read_sidecar(path) == Decision("none", 1, None)
    text = path.read_text(encoding="utf-8")
    assert "<!-- written by darktable 4.6 -->" in text and "darktable:history" in text
    assert "xmp:Label" not in text  # removed, not emptied
    assert 'xmpDM:pick="0"' in text and 'photomechanic:Tagged="False"' in text  # unflagged, said so
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind


def test_rating_written_where_it_already_was_as_an_element(tmp_path):
    path = tmp_path / "IMG.xmp"
    path.write_text(packet("<xmp:Rating>2</xmp:Rating><xmp:Label>Red</xmp:Label>"))

    xmp.write_sidecar(path, Decision("none", 4, None))

    desc = ET.parse(path).getroot().find(f"{{{RDF}}}RDF/{{{RDF}}}Description")
    assert desc.find(f"{{{XMP}}}Rating").text == "4" and desc.get(f"{{{XMP}}}Rating") is None
    assert desc.find(f"{{{XMP}}}Label") is None


def test_missing_rdf_structure_is_created(tmp_path):
    path = tmp_path / "IMG.xmp"
    path.write_text('<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="other"/>')

    xmp.write_sidecar(path, Decision("none", 2, "Purple"))

    assert xmp.read_sidecar(path) == Decision("none", 2, "Purple")
    assert 'x:xmptk="other"' in path.read_text()


def test_an_unsafe_or_foreign_file_is_never_overwritten(tmp_path):
    unsafe = tmp_path / "a.xmp"
    unsafe.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + packet("", 'xmp:Rating="1"'))
    foreign = tmp_path / "b.xmp"
    foreign.write_text("<html><body>not xmp</body></html>")
    originals = {p: p.read_bytes() for p in (unsafe, foreign)}

    for path in originals:
        with pytest.raises(xmp.SidecarError):
            xmp.write_sidecar(path, Decision("pick", 5, None))
        assert path.read_bytes() == originals[path]


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool is not installed")
def test_exiftool_reads_what_culler_writes(tmp_path):
    path = tmp_path / "IMG_0001.xmp"
    path.write_text(DARKTABLE_SIDECAR, encoding="utf-8")

    xmp.write_sidecar(path, Decision("reject", 0, "Yellow"))
    out = subprocess.run(["exiftool", "-s", "-s", "-s", "-XMP-xmp:Rating", "-XMP-xmp:Label", "-XMP-photoshop:City",
                          str(path)], capture_output=True, text=True, check=True).stdout.split()

    assert out == ["-1", "Yellow", "Lisboa"]
