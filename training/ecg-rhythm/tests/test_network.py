"""Network contract: double in/out, float32 inside, in-graph standardisation, probabilities."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from network import EcgRhythmNet, Standardize, count_parameters


@pytest.fixture(scope="module")
def model() -> EcgRhythmNet:
    torch.manual_seed(0)
    return EcgRhythmNet().eval()


@pytest.fixture(scope="module")
def batch(small_splits) -> torch.Tensor:
    return torch.from_numpy(small_splits["test"].x[:6])


@pytest.mark.parametrize("n", [1, 6])
def test_output_rows_are_float64_probabilities(model: EcgRhythmNet, batch: torch.Tensor, n: int) -> None:
    with torch.no_grad():
        p = model(batch[:n])
    assert p.dtype == torch.float64 and p.shape == (n, 2)
    assert ((p >= 0) & (p <= 1)).all()
    torch.testing.assert_close(p.sum(dim=1), torch.ones(n, dtype=torch.float64), atol=1e-6, rtol=0)


@pytest.mark.parametrize("gain,offset", [(0.5, 0.0), (2.0, 0.0), (1.0, -1.5), (3.7, 0.8)])
def test_prediction_invariant_to_gain_and_offset(model: EcgRhythmNet, batch: torch.Tensor,
                                                 gain: float, offset: float) -> None:
    with torch.no_grad():
        ref, moved = model(batch), model(batch * gain + offset)
    torch.testing.assert_close(moved, ref, atol=1e-5, rtol=0)


def test_standardize_gives_zero_mean_unit_std(batch: torch.Tensor) -> None:
    z = Standardize()(batch * 3 + 2)
    assert z.dtype == torch.float64
    torch.testing.assert_close(z.mean(dim=1), torch.zeros(6, 1, dtype=torch.float64), atol=1e-9, rtol=0)
    torch.testing.assert_close(z.std(dim=1, unbiased=False), torch.ones(6, 1, dtype=torch.float64),
                               atol=1e-5, rtol=0)


def test_flat_signal_gives_finite_probabilities(model: EcgRhythmNet) -> None:
    with torch.no_grad():
        p = model(torch.full((2, 5000, 1), 0.25, dtype=torch.float64))
    assert torch.isfinite(p).all()


def test_convolutions_run_in_float32(model: EcgRhythmNet, batch: torch.Tensor) -> None:
    seen: list[torch.dtype] = []
    hooks = [m.register_forward_hook(lambda _m, inp, _o: seen.append(inp[0].dtype))
             for m in model.modules() if isinstance(m, torch.nn.Conv1d)]
    with torch.no_grad():
        model(batch)
    for h in hooks:
        h.remove()
    assert seen and all(d == torch.float32 for d in seen)
    assert all(p.dtype == torch.float32 for p in model.parameters())


@pytest.mark.parametrize("shape", [(2, 5000), (2, 4999, 1), (2, 5000, 2)],
                         ids=["no-channel-axis", "4999-samples", "two-channels"])
def test_wrong_input_shape_rejected(model: EcgRhythmNet, shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError):
        model(torch.zeros(shape, dtype=torch.float64))


def test_parameter_count_is_small() -> None:
    assert 10_000 <= count_parameters(EcgRhythmNet()) <= 100_000
    assert count_parameters(EcgRhythmNet(width=8)) < count_parameters(EcgRhythmNet())


def test_resnet_is_the_compute_heavy_variant_with_the_same_contract(batch: torch.Tensor) -> None:
    from network import EcgRhythmResNet

    torch.manual_seed(0)
    large = EcgRhythmResNet().eval()
    assert 2_000_000 <= count_parameters(large) <= 5_000_000
    assert count_parameters(large) > 50 * count_parameters(EcgRhythmNet())
    with torch.no_grad():
        p = large(batch[:3])
        moved = large(batch[:3] * 2.0 - 0.5)
    assert p.dtype == torch.float64 and p.shape == (3, 2)
    torch.testing.assert_close(p.sum(dim=1), torch.ones(3, dtype=torch.float64), atol=1e-6, rtol=0)
    torch.testing.assert_close(moved, p, atol=1e-5, rtol=0)
