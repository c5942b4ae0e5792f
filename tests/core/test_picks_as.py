"""Picks that travel: how a pick is written into sidecars decides whether Lightroom (stars, labels)
and Photo Mechanic (its Tagged field, stars) show it. Checked by reading our sidecars with
exiftool, and by reading sidecars exiftool wrote as those apps do."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from culler.core import export, xmp
from culler.core.picks_as import DEFAULT, PicksAs
from culler.core.records import Decision, Photo

EXIFTOOL = shutil.which("exiftool")
needs_exiftool = pytest.mark.skipif(EXIFTOOL is None, reason="exiftool missing: apt-get install libimage-exiftool-perl")
FIELDS = ("-XMP-xmp:Rating", "-XMP-xmp:Label", "-XMP-photomech:Tagged", "-XMP-xmpDM:Pick")


def exiftool_reads(*paths: Path) -> list[dict]:
    out = subprocess.run([EXIFTOOL, "-j", "-n", *FIELDS, *map(str, paths)], capture_output=True, text=True, check=False,
                         timeout=60)
    assert out.stdout, out.stderr
    return json.loads(out.stdout)


def exiftool_writes(path: Path, *assignments: str) -> None:
    """A sidecar as another app leaves it, written by a real XMP writer."""
    made = subprocess.run([EXIFTOOL, "-o", str(path), *assignments], capture_output=True, text=True, timeout=60,
                          check=False)
    assert path.exists(), made.stderr


def test_the_setting_reads_and_prints_its_text_form():
    assert PicksAs.parse("rating:2, label:green ,flag") == PicksAs(2, "Green", True)
    assert PicksAs.parse("flag+rating:1") == DEFAULT and str(DEFAULT) == "rating:1,flag"
    assert str(PicksAs.parse("none")) == "none" and PicksAs.parse(str(PicksAs(None, "Blue"))) == PicksAs(None, "Blue")
    for bad in ("rating:0", "rating:6", "label:Orange", "stars:3", "", "flag:yes"):
        with pytest.raises(ValueError, match="rating:N"):
            PicksAs.parse(bad)
    assert PicksAs.from_setting("label:Teal") == DEFAULT and PicksAs.from_setting(None) == DEFAULT
    assert "Lightroom shows picks with 1+ stars" in DEFAULT.apps() and "tagged" in DEFAULT.apps()


@needs_exiftool
def test_by_default_a_pick_shows_as_a_star_in_lightroom_and_tagged_in_photo_mechanic(tmp_path):
    decisions = [Decision("pick"), Decision("pick", 4, "Red"), Decision("none", 2), Decision("reject", 3)]
    paths = [tmp_path / f"IMG_{i}.xmp" for i in range(len(decisions))]
    for path, decision in zip(paths, decisions):
        xmp.write_sidecar(path, decision)

    pick0, pick4, none2, reject = exiftool_reads(*paths)

    assert (pick0["Rating"], pick0["Tagged"], pick0["Pick"]) == (1, True, 1)  # was Rating 0: "unrated"
    assert (pick4["Rating"], pick4["Label"], pick4["Tagged"]) == (4, "Red", True)  # own stars kept
    assert (none2["Rating"], none2["Tagged"], none2["Pick"]) == (2, False, 0)
    assert (reject["Rating"], reject["Tagged"], reject["Pick"]) == (-1, False, -1)  # the DESIGN contract
    assert [xmp.read_sidecar(p) for p in paths] == [Decision("pick", 1), Decision("pick", 4, "Red"),
                                                   Decision("none", 2), Decision("reject")]


@needs_exiftool
@pytest.mark.parametrize("setting, rating, label, tagged", [
    ("label:Green", 0, "Green", None), ("rating:3", 3, None, None), ("flag", 0, None, True),
    ("rating:5,label:Purple,flag", 5, "Purple", True)])
def test_each_way_of_writing_picks(tmp_path, setting, rating, label, tagged):
    path = tmp_path / "IMG.xmp"

    xmp.write_sidecar(path, Decision("pick"), PicksAs.parse(setting))

    [info] = exiftool_reads(path)
    assert (info.get("Rating"), info.get("Label"), info.get("Tagged")) == (rating, label, tagged)
    assert xmp.read_sidecar(path, PicksAs.parse(setting)).flag == "pick"


@needs_exiftool
def test_other_apps_sidecars_read_back_as_picks_by_the_same_conventions(tmp_path):
    lightroom = tmp_path / "LR.xmp"
    exiftool_writes(lightroom, "-XMP-xmp:Rating=1")
    mechanic = tmp_path / "PM.xmp"
    exiftool_writes(mechanic, "-XMP-photomech:Tagged=Yes", "-XMP-xmp:Rating=0")
    untagged = tmp_path / "PM0.xmp"
    exiftool_writes(untagged, "-XMP-photomech:Tagged=No", "-XMP-xmp:Rating=3")
    labelled = tmp_path / "Green.xmp"
    exiftool_writes(labelled, "-XMP-xmp:Label=Green")

    assert xmp.read_sidecar(lightroom) == Decision("pick", 1)
    assert xmp.read_sidecar(mechanic) == Decision("pick", 0)
    assert xmp.read_sidecar(untagged) == Decision("none", 3)  # an explicit "not tagged" is no pick
    assert xmp.read_sidecar(labelled) == Decision("none", 0, "Green")
    assert xmp.read_sidecar(labelled, PicksAs.parse("label:Green")) == Decision("pick", 0, "Green")
    assert xmp.read_sidecar(lightroom, PicksAs.parse("rating:2")) == Decision("none", 1)


@needs_exiftool
def test_photo_mechanic_tag_is_kept_in_step_even_when_not_asked_for(tmp_path):
    path = tmp_path / "IMG.xmp"
    exiftool_writes(path, "-XMP-photomech:Tagged=Yes", "-XMP-photomech:ColorClass=3")

    xmp.write_sidecar(path, Decision("none", 2), PicksAs.parse("rating:1"))  # un-picked in culler

    [info] = exiftool_reads(path)
    assert info["Tagged"] is False and xmp.read_sidecar(path) == Decision("none", 2)
    assert "photomechanic:ColorClass" in path.read_text()


@needs_exiftool
def test_live_sidecars_use_the_setting_and_do_not_rewrite_what_already_matches(tmp_path):
    (tmp_path / "IMG_1.JPG").write_bytes(b"not read")
    photos = [Photo("IMG_1.JPG", "jpeg", id=1)]
    label_green = PicksAs.parse("label:Green")

    first = export.sync_sidecars(tmp_path, photos, {1: Decision("pick")}, picks_as=label_green)
    again = export.sync_sidecars(tmp_path, photos, {1: Decision("pick")}, picks_as=label_green)

    assert first.written and not again.written and again.unchanged == 1
    [info] = exiftool_reads(tmp_path / "IMG_1.xmp")
    assert (info.get("Label"), info.get("Rating")) == ("Green", 0)
