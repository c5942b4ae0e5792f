"""CLIP's text tower: the same weight file as the image embeddings, normalised, deterministic.

Random-initialised weights of the real ViT-B-32 (benchmarks/random_weights.py): the numbers mean
nothing, but the output must equal open_clip's own encode_text on the fully loaded model (so the
text and image towers come from one file), and a missing file must say how to get it.
"""

from __future__ import annotations

import numpy as np
import pytest

from culler.analysis.clip_text import ClipModelMissing, ClipTextEncoder, missing_message


@pytest.fixture(scope="module")
def encoder(clip_dir):
    return ClipTextEncoder(clip_dir)


def test_text_vectors_equal_open_clips_own_encoding_of_the_same_weight_file(clip_dir, encoder):
    import open_clip
    import torch

    from culler.analysis import model_files
    from culler.analysis.deep_clip import build_clip_architecture
    from culler.analysis.deep_torch import skip_random_initialisation

    texts = ["bride and groom", "a dog on the beach", "sunset"]
    got = encoder.encode(texts)
    assert got.shape == (3, 512) and got.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)

    with skip_random_initialisation():  # every weight is loaded strictly right after
        model = build_clip_architecture()
    (path,) = model_files.locate("clip", clip_dir).values()
    open_clip.load_checkpoint(model, str(path), strict=True, weights_only=True)
    with torch.no_grad():
        direct = model.encode_text(open_clip.get_tokenizer("ViT-B-32")(texts))
    direct = torch.nn.functional.normalize(direct, dim=-1).numpy()
    np.testing.assert_allclose(got, direct, atol=1e-5)


def test_same_words_same_vector_different_words_different_vectors(clip_dir, encoder):
    a = encoder.encode(["sunset", "mountain lake"])
    b = ClipTextEncoder(clip_dir).encode(["sunset"])  # a second load of the same file
    np.testing.assert_array_equal(a[0], b[0])
    assert float(a[0] @ a[1]) < 0.999
    assert encoder.encode([]).shape == (0, 512)


def test_without_the_model_file_the_message_says_how_to_get_it(tmp_path):
    message = missing_message(tmp_path / "empty")
    assert "culler models download clip" in message and "culler models import DIR" in message
    with pytest.raises(ClipModelMissing, match="culler models download clip"):
        ClipTextEncoder(tmp_path / "empty")


def test_encoded_vocabulary_is_cached_per_weight_file_and_texts(clip_dir, encoder, tmp_path, monkeypatch):
    from culler.analysis import clip_text

    texts = ["a photo of beach", "a photo of dog"]
    first = clip_text.encode_cached(clip_dir, texts, tmp_path)
    np.testing.assert_allclose(first, encoder.encode(texts), atol=1e-6)

    def no_model(*args, **kwargs):
        raise AssertionError("the text tower was loaded again")

    monkeypatch.setattr(clip_text, "ClipTextEncoder", no_model)
    np.testing.assert_array_equal(clip_text.encode_cached(clip_dir, texts, tmp_path), first)
    with pytest.raises(AssertionError, match="loaded again"):  # other texts: encoded, not cached
        clip_text.encode_cached(clip_dir, texts[:1], tmp_path)
