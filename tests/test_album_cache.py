"""Benchmark albums kept between runs: built once, read back as built, rebuilt when the code changes."""

from __future__ import annotations

from benchmarks import album_cache


def _maker(calls: list):
    def make(root, sources, seed, bursts, deep_dir):
        calls.append(seed)
        (root / "IMG_0001.jpg").write_bytes(b"not read back")  # the album lives in a temporary folder
        return [{"what": "clean", "group": 0, "seed": seed, "technical": {"sharpness": 0.5}}]
    return make


def test_an_album_is_built_once_and_read_back_as_built(tmp_path):
    calls: list = []
    first = album_cache.album(tmp_path, ["skimage"], 3, 10, None, _maker(calls))
    again = album_cache.album(tmp_path, ["skimage"], 3, 10, None, _maker(calls))
    assert again == first and calls == [3]
    album_cache.album(tmp_path, ["skimage"], 4, 10, None, _maker(calls))  # another seed is another album
    assert calls == [3, 4]
    assert not list(tmp_path.glob("*.part"))


def test_a_change_to_the_analysis_code_builds_the_album_again(tmp_path, monkeypatch):
    calls: list = []
    album_cache.album(tmp_path, ["skimage"], 3, 10, None, _maker(calls))
    monkeypatch.setattr(album_cache, "fingerprint", lambda: "changed-code")
    album_cache.album(tmp_path, ["skimage"], 3, 10, None, _maker(calls))
    assert calls == [3, 3]


def test_without_a_cache_folder_every_run_builds(tmp_path):
    calls: list = []
    album_cache.album(None, ["skimage"], 3, 10, None, _maker(calls))
    album_cache.album(None, ["skimage"], 3, 10, None, _maker(calls))
    assert calls == [3, 3] and not list(tmp_path.iterdir())


def test_an_album_built_otherwise_is_another_album(tmp_path):
    calls: list = []
    album_cache.album(tmp_path, ["opencv"], 3, 10, None, _maker(calls))
    album_cache.album(tmp_path, ["opencv"], 3, 10, None, _maker(calls), "-q75")  # another camera quality
    album_cache.album(tmp_path, ["opencv"], 3, 10, None, _maker(calls), "-q75")
    assert calls == [3, 3] and len(list(tmp_path.glob("opencv-3-10*-q75-*.pkl"))) == 1


def test_the_simulated_camera_saves_at_the_quality_asked(tmp_path):
    import numpy as np
    from PIL import Image

    from benchmarks import burst_album

    photo = ("test:gradient", (np.indices((96, 128)).sum(axis=0) % 256).astype(np.uint8)[..., None].repeat(3, axis=2))
    tables = {}
    for q in (75, 92):
        shots = burst_album.build(tmp_path / str(q), [photo], seed=1, bursts=1, singles=0, brackets=0, panoramas=0,
                                  reframe_share=0.0, quality=q)
        with Image.open(shots[0]["path"]) as im:
            tables[q] = sum(im.quantization[0])  # the luminance table: coarser steps at a lower quality
    assert tables[75] > 2 * tables[92]
