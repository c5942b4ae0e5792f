"""`culler taste learn/show/reset` and `culler analyze --taste`: real albums, real sidecars, real processes."""

from __future__ import annotations

import json
import shutil

import pytest

from benchmarks import burst_album
from benchmarks.photo_factory import real_photo
from culler.core import taste
from culler.core.records import Decision
from culler.core.xmp import sidecar_path_for, write_sidecar
from tests.test_cli_analyze import run_cli


@pytest.fixture(scope="session")
def rated_template(tmp_path_factory):
    """Bursts rated in another app: the clean frame 3 stars, the rest rejected, except one burst
    where the photographer kept a faulty frame. Returns (folder, number of rated photos)."""
    out = tmp_path_factory.mktemp("taste-album")
    photos = [(n, real_photo(n)[::3, ::3].copy()) for n in ("astronaut", "coffee", "chelsea")]
    shots = burst_album.build(out, photos, seed=4, bursts=5, singles=2, brackets=0, panoramas=0,
                              reframe_share=0.0)
    rated = 0
    for s in shots:
        if s["what"] == "single":
            continue
        keep = s["what"] == "clean" if s["group"] != shots[0]["group"] else s["what"] != "clean"
        write_sidecar(sidecar_path_for(s["path"]), Decision(rating=3) if keep else Decision(flag="reject"))
        rated += 1
    return out, rated


@pytest.fixture
def rated_album(tmp_path, rated_template):
    dest = tmp_path / "album"
    shutil.copytree(rated_template[0], dest)
    return dest, rated_template[1]


def test_learn_from_sidecars_show_and_reset(rated_album, tmp_path):
    album, rated = rated_album
    profile = tmp_path / "me.json"
    r = run_cli("taste", "learn", album, "--profile", profile, "--signals", "technical")
    assert r.returncode == 0, r.stderr
    assert f"Learned from {rated} of your decisions" in r.stdout
    shown = json.loads(run_cli("taste", "show", "--profile", profile, "--json").stdout)
    assert shown["decisions"] == rated and shown["albums"] == [str(album.resolve())]
    assert shown["agreement"] is None or shown["agreement"] >= shown["generic_agreement"]
    # the same album learned again replaces its evidence instead of counting it twice
    assert run_cli("taste", "learn", album, "--profile", profile, "--signals", "technical").returncode == 0
    assert json.loads(run_cli("taste", "show", "--profile", profile, "--json").stdout)["decisions"] == rated
    r = run_cli("taste", "reset", "--profile", profile)
    assert r.returncode == 0 and not profile.exists()
    r = run_cli("taste", "show", "--profile", profile)
    assert r.returncode == 1 and "no taste profile" in r.stderr


def test_learn_refuses_a_damaged_profile_and_keeps_it(rated_album, tmp_path):
    album, _ = rated_album
    profile = tmp_path / "me.json"
    profile.write_text("{damaged")
    r = run_cli("taste", "learn", album, "--profile", profile, "--signals", "technical")
    assert r.returncode == 1 and "cannot read the taste profile" in r.stderr
    assert profile.read_text() == "{damaged"


def test_analyze_taste_none_vs_a_profile(rated_album, tmp_path):
    album, _ = rated_album
    out = tmp_path / "out.json"
    r = run_cli("analyze", album, "--json", out, "--signals", "technical", "--taste", "none")
    assert r.returncode == 0, r.stderr
    photos = json.loads(out.read_text())["photos"]
    assert all(p["taste"] is None for p in photos)

    # a profile that only wants darker photos orders every photo by its brightness
    darker = tmp_path / "darker.json"
    weights = [-0.3 if f == "level" else 0.0 for f in taste.FEATURES]
    taste.save(taste.Profile(weights=weights, alpha=1.0, decisions=100), darker)
    r = run_cli("analyze", album, "--json", out, "--signals", "technical", "--taste", darker)
    assert r.returncode == 0, r.stderr
    photos = json.loads(out.read_text())["photos"]
    singles = [p for p in photos if p["group_size"] == 1]
    assert len(singles) >= 2 and all(0 <= p["taste"] <= 1 for p in photos)
    by_taste = sorted(singles, key=lambda p: -p["taste"])
    by_darkness = sorted(singles, key=lambda p: p["signals"]["brightness"])
    assert [p["path"] for p in by_taste] == [p["path"] for p in by_darkness]

    r = run_cli("analyze", album, "--json", out, "--taste", tmp_path / "missing.json")
    assert r.returncode == 2 and "no taste profile" in r.stderr


def test_the_default_profile_is_used_by_analyze(rated_album, tmp_path):
    album, _ = rated_album
    assert run_cli("taste", "learn", album, "--signals", "technical").returncode == 0
    out = tmp_path / "out.json"
    r = run_cli("analyze", album, "--json", out, "--signals", "technical")
    assert r.returncode == 0, r.stderr
    assert all(0 <= p["taste"] <= 1 for p in json.loads(out.read_text())["photos"])
    assert run_cli("taste", "reset").returncode == 0
    run_cli("analyze", album, "--json", out, "--signals", "technical")
    assert all(p["taste"] is None for p in json.loads(out.read_text())["photos"])


def test_plan_orders_the_review_by_the_taste_profile(rated_album, tmp_path):
    album, _ = rated_album
    out = tmp_path / "plan.json"

    def order(*taste_args):
        r = run_cli("plan", album, "--minutes", "5", "--json", out, "--signals", "technical", *taste_args)
        assert r.returncode == 0, r.stderr
        return [p["path"] for p in json.loads(out.read_text())["photos"]]

    report = tmp_path / "report.json"
    assert run_cli("analyze", album, "--json", report, "--signals", "technical", "--taste", "none").returncode == 0
    brightness = {p["path"]: p["signals"]["brightness"] for p in json.loads(report.read_text())["photos"]}
    generic = order("--taste", "none")
    darker = tmp_path / "darker.json"
    taste.save(taste.Profile(weights=[-3.0 if f == "level" else 0.0 for f in taste.FEATURES], alpha=1.0,
                             decisions=100), darker)
    mine = order("--taste", darker)
    assert sorted(mine) == sorted(generic) and mine != generic
    first = len(mine) // 3  # the review now starts with darker photos than the generic one does
    assert sum(brightness[p] for p in mine[:first]) < sum(brightness[p] for p in generic[:first])


def test_analyze_taste_file_or_none_decides_the_best_frames_it_reports(rated_album, tmp_path):
    """`--taste FILE` ranks the bursts with that profile and `--taste none` with culler's own order,
    whatever an earlier run stored (the grouping stage is told, not only the `taste` field)."""
    album, _ = rated_album
    out = tmp_path / "out.json"

    def best_frames(*taste_args):
        r = run_cli("analyze", album, "--json", out, "--signals", "technical", *taste_args)
        assert r.returncode == 0, r.stderr
        photos = json.loads(out.read_text())["photos"]
        return {p["group"]: p["path"] for p in photos if p["group_size"] > 1 and p["group_rank"] == 1}

    generic = best_frames("--taste", "none")
    brighter = tmp_path / "brighter.json"
    taste.save(taste.Profile(weights=[3.0 if f == "level" else 0.0 for f in taste.FEATURES], alpha=1.0,
                             decisions=100), brighter)
    mine = best_frames("--taste", brighter)
    assert generic and mine != generic  # the brightest frame of some burst became its best
    assert best_frames("--taste", "none") == generic
