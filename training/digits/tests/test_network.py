"""The CNN's contract: (N, 1, 28, 28) float32 -> (N, 10) softmax."""
from __future__ import annotations

import pytest
import torch

from network import DigitsNet, count_parameters


def test_output_shape_and_softmax() -> None:
    torch.manual_seed(0)
    net = DigitsNet(width=4).eval()
    x = torch.randn(5, 1, 28, 28)
    with torch.no_grad():
        p = net(x)
        logits = net.logits(x)
    assert p.shape == (5, 10) and p.dtype == torch.float32
    assert torch.allclose(p.sum(dim=1), torch.ones(5), atol=1e-6) and bool((p >= 0).all())
    assert torch.allclose(p, torch.softmax(logits, dim=1))


def test_batch_of_one_and_batch_independence() -> None:
    torch.manual_seed(1)
    net = DigitsNet(width=4).eval()
    x = torch.randn(3, 1, 28, 28)
    with torch.no_grad():
        assert torch.allclose(net(x[1:2]), net(x)[1:2], atol=1e-6)


def test_rejects_other_shapes() -> None:
    net = DigitsNet(width=4)
    for shape in [(2, 28, 28), (2, 3, 28, 28), (2, 1, 32, 32)]:
        with pytest.raises(ValueError):
            net(torch.zeros(shape))


def test_shipped_width_is_small() -> None:
    assert count_parameters(DigitsNet()) < 200_000
    assert count_parameters(DigitsNet(width=4)) < count_parameters(DigitsNet(width=8))
