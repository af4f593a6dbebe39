"""The network: probabilities out, padding ignored, out-of-range ids safe, word2vec initialisation."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from network import TweetCNN, count_parameters


@pytest.fixture(scope="module")
def model() -> TweetCNN:
    torch.manual_seed(0)
    m = TweetCNN(50, embed_dim=16, filters=12, kernels=(3, 5), dropout=0.5).eval()
    with torch.no_grad():  # even a non-zero <pad> row must not leak through the mask
        m.embedding.weight[0].normal_()
    return m


IDS = torch.tensor([[5, 9, 2, 7, 0, 0], [3, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [4, 4, 4, 4, 4, 4]])


def test_outputs_are_float32_probabilities(model: TweetCNN) -> None:
    with torch.no_grad():
        p = model(IDS)
    assert p.dtype == torch.float32 and p.shape == (4, 3)
    torch.testing.assert_close(p.sum(dim=1), torch.ones(4), atol=1e-6, rtol=0)
    assert torch.isfinite(p).all()


@pytest.mark.parametrize("extra", [1, 7, 40])
def test_padding_length_does_not_change_the_answer(model: TweetCNN, extra: int) -> None:
    longer = torch.cat([IDS, torch.zeros(4, extra, dtype=torch.int64)], dim=1)
    with torch.no_grad():
        torch.testing.assert_close(model(longer), model(IDS), atol=1e-6, rtol=0)


def test_short_tweet_same_whatever_its_row_width(model: TweetCNN) -> None:
    """A 2-token tweet padded to 4, 32 or 64 gets one answer (the gateway's maxLength is just a width)."""
    outs = []
    with torch.no_grad():
        for width in (4, 32, 64):
            row = torch.zeros(1, width, dtype=torch.int64)
            row[0, :2] = torch.tensor([8, 11])
            outs.append(model(row))
    for o in outs[1:]:
        torch.testing.assert_close(o, outs[0], atol=1e-6, rtol=0)


def test_padding_matters_only_as_absence(model: TweetCNN) -> None:
    """Replacing padding by <unk> (id 1) does change the input: the mask is what makes 0 special."""
    with torch.no_grad():
        assert not torch.allclose(model(IDS[:1]), model(torch.where(IDS[:1] == 0, 1, IDS[:1])))


def test_out_of_range_ids_are_unknown(model: TweetCNN) -> None:
    ids = torch.tensor([[5, 50, -3, 10**6, 0]])
    with torch.no_grad():
        torch.testing.assert_close(model(ids), model(torch.tensor([[5, 1, 1, 1, 0]])), atol=1e-6, rtol=0)


def test_wrong_input_rejected(model: TweetCNN) -> None:
    with pytest.raises(ValueError):
        model(torch.zeros(2, 3, 4, dtype=torch.int64))
    with pytest.raises(ValueError):
        model(torch.zeros(2, 3, dtype=torch.float32))
    with pytest.raises(ValueError):
        TweetCNN(10, kernels=(2,))


def test_pretrained_frozen_and_fine_tuned() -> None:
    emb = np.random.default_rng(0).normal(size=(20, 8)).astype(np.float32)
    frozen = TweetCNN(20, embed_dim=8, filters=4, kernels=(3,), pretrained=emb, freeze=True)
    tuned = TweetCNN(20, embed_dim=8, filters=4, kernels=(3,), pretrained=emb, freeze=False)
    np.testing.assert_array_equal(frozen.embedding.weight.detach().numpy()[1:], emb[1:])
    assert not frozen.embedding.weight.detach().numpy()[0].any()  # <pad> row zeroed
    assert not frozen.embedding.weight.requires_grad and tuned.embedding.weight.requires_grad
    assert count_parameters(frozen, trainable_only=True) == count_parameters(frozen) - 20 * 8
    with pytest.raises(ValueError):
        TweetCNN(21, embed_dim=8, pretrained=emb)
