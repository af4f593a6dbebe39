"""Augmentation: shapes, ranges, 8-bit quantisation, determinism, labels untouched, identity when switched off."""
from __future__ import annotations

import dataclasses

import numpy as np
import torch

from augment import AugmentConfig, augment, augment_unit, digit_margins, gaussian_kernels, to_model_input
from data import Split
from preprocess import MEAN, STD, preprocess_uint8

OFF = AugmentConfig(p_clean=0.0, p_thickness=0.0, p_affine=0.0, p_gamma=0.0, p_blur=0.0, p_contrast=0.0,
                    p_letterbox=0.0, p_noise=0.0)


def test_shapes_ranges_and_quantisation(splits: dict[str, Split]) -> None:
    x = splits["train"].x[:256]
    u = augment_unit(x, torch.Generator().manual_seed(0))
    assert u.shape == (256, 1, 28, 28) and u.dtype == torch.float32
    assert float(u.min()) >= 0.0 and float(u.max()) <= 1.0
    steps = u * 255
    assert torch.equal(steps, torch.round(steps))  # what a decoded 8-bit image can hold
    z = augment(x, torch.Generator().manual_seed(0))
    assert torch.allclose(z, ((u.double() - MEAN) / STD).float())
    assert float(z.min()) >= (0 - MEAN) / STD - 1e-6 and float(z.max()) <= (1 - MEAN) / STD + 1e-6


def test_no_digit_is_erased(splits: dict[str, Split]) -> None:
    """Every augmented image keeps visible ink: its 99th percentile stands out from its 1st."""
    u = augment_unit(splits["train"].x[:1024], torch.Generator().manual_seed(1)).view(1024, -1)
    contrast = torch.quantile(u, 0.99, dim=1) - torch.quantile(u, 0.01, dim=1)
    assert float(contrast.min()) > 0.15 and float(torch.quantile(contrast, 0.05)) > 0.3


def test_deterministic_for_a_seed(splits: dict[str, Split]) -> None:
    x = splits["train"].x[:64]
    a = augment(x, torch.Generator().manual_seed(5))
    b = augment(x, torch.Generator().manual_seed(5))
    c = augment(x, torch.Generator().manual_seed(6))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_switched_off_is_the_preprocessing_of_mnist_items(splits: dict[str, Split]) -> None:
    x = splits["train"].x[:32]
    out = augment(x, torch.Generator().manual_seed(0), OFF)
    ref = np.stack([preprocess_uint8(im) for im in x])
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-6)
    np.testing.assert_array_equal(to_model_input(x).numpy(), ref)
    clean = augment(x, torch.Generator().manual_seed(0), dataclasses.replace(AugmentConfig(), p_clean=1.0))
    np.testing.assert_allclose(clean.numpy(), ref, atol=1e-6)


def test_labels_and_order_are_kept(splits: dict[str, Split]) -> None:
    """Augmentation works on images only; item i of the output still comes from item i (mild settings)."""
    s = splits["train"]
    x, y = s.x[::35][:200], s.y[::35][:200].copy()
    mild = dataclasses.replace(OFF, p_affine=1.0, rotate_deg=5.0, scale=(0.95, 1.05), aspect=0.02, shear=0.02, shift=0.1,
                               p_noise=1.0, noise_sigma=(0.0, 0.05))
    u = augment_unit(x, torch.Generator().manual_seed(2), mild).view(200, -1).numpy()
    src = x.reshape(200, -1) / 255.0
    corr = np.corrcoef(np.concatenate([u, src]))[:200, 200:]
    assert (corr.argmax(axis=1) == np.arange(200)).mean() > 0.95
    assert np.array_equal(y, s.y[::35][:200])


def test_letterbox_bands_leave_the_digit_alone(splits: dict[str, Split]) -> None:
    x = splits["train"].x[:300]
    cfg = dataclasses.replace(OFF, p_contrast=1.0, background=(0.2, 0.4), p_letterbox=1.0)
    u = augment_unit(x, torch.Generator().manual_seed(3), cfg)
    assert (u.view(300, -1).amin(dim=1) == 0).float().mean() > 0.5  # many got bands of exact 0
    ink = torch.from_numpy(x).float().unsqueeze(1) / 255 > 0.1
    assert bool((u[ink] > 0).all())  # ... never where the digit is


def test_helpers() -> None:
    k = gaussian_kernels(torch.tensor([0.0, 1.0]))
    assert k.shape == (2, 1, 7, 7) and torch.allclose(k.sum(dim=(1, 2, 3)), torch.ones(2))
    assert float(k[0, 0, 3, 3]) == 1.0
    img = torch.zeros(1, 1, 28, 28)
    img[0, 0, 5:20, 8:12] = 1.0
    rows, cols = digit_margins(img)
    assert rows.tolist() == [5] and cols.tolist() == [8]
