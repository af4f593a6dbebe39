"""Training-time augmentation towards digits of another origin (photos, scans, other pens), batched in torch.

Why: MNIST digits are white ink on pure black, size-normalised to a 20 px box and centred by mass. Digits
that reach the gateway went through preprocess.py instead: any size (the longer side of the *image* becomes
28 px, so a tight crop fills the frame and a loose one leaves a small digit), centred by the image box, paper
inverted to a dark-grey (not black) background, letterbox bands of exact 0 beside non-square images, other
stroke widths, blur, sensor noise and JPEG-like quantisation. Each transform below covers one of those; all
draw from one seeded torch.Generator so a training run is reproducible. Labels are never changed (rotations
stay within +-15 degrees, so a 6 does not become a 9).

Input: uint8 (B, 28, 28) light-on-dark. Output: float32 (B, 1, 28, 28) in the model's normalised units.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from preprocess import MEAN, SCALE, STD


@dataclass(frozen=True)
class AugmentConfig:
    """Probabilities and ranges (per sample). p_clean: share of samples left untouched (besides step 4)."""

    p_clean: float = 0.15
    p_thickness: float = 0.6
    blend: tuple[float, float] = (0.4, 1.0)
    p_affine: float = 0.9
    rotate_deg: float = 15.0
    scale: tuple[float, float] = (0.55, 1.4)  # x MNIST's 20 px box: 11 .. 28 px digits
    aspect: float = 0.18  # log-uniform +- on width/height
    shear: float = 0.2
    shift: float = 1.0  # fraction of the room the digit box has to move and stay in frame
    p_gamma: float = 0.3
    gamma: tuple[float, float] = (0.6, 1.6)
    p_blur: float = 0.35
    blur_sigma: tuple[float, float] = (0.4, 1.3)
    p_contrast: float = 0.6
    background: tuple[float, float] = (0.0, 0.4)
    ink_min: float = 0.45
    contrast_gap: float = 0.35
    p_letterbox: float = 0.3
    p_noise: float = 0.5
    noise_sigma: tuple[float, float] = (0.0, 0.1)


def _uniform(g: torch.Generator, n: int, lo: float, hi: float) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(n, generator=g)


def _chance(g: torch.Generator, n: int, p: float, active: torch.Tensor) -> torch.Tensor:
    return (torch.rand(n, generator=g) < p) & active


def thickness(x: torch.Tensor, g: torch.Generator, cfg: AugmentConfig, active: torch.Tensor) -> torch.Tensor:
    """Thicker or thinner strokes: grey dilation 3x3 / 2x2 or erosion 2x2, blended in by a random factor."""
    n = x.shape[0]
    dil3 = F.max_pool2d(x, 3, stride=1, padding=1)
    dil2 = F.max_pool2d(F.pad(x, (0, 1, 0, 1)), 2, stride=1)
    ero2 = -F.max_pool2d(F.pad(-x, (0, 1, 0, 1), value=-1.0), 2, stride=1)
    op = torch.randint(0, 3, (n,), generator=g)
    target = torch.where((op == 0).view(-1, 1, 1, 1), dil3, torch.where((op == 1).view(-1, 1, 1, 1), dil2, ero2))
    t = _uniform(g, n, *cfg.blend) * _chance(g, n, cfg.p_thickness, active)
    return x + t.view(-1, 1, 1, 1) * (target - x)


def affine(x: torch.Tensor, g: torch.Generator, cfg: AugmentConfig, active: torch.Tensor) -> torch.Tensor:
    """Rotation, scale (digit box 11-28 px), aspect, shear and a shift that keeps the digit mostly in frame."""
    n, side = x.shape[0], x.shape[-1]
    on = _chance(g, n, cfg.p_affine, active)
    theta = torch.deg2rad(_uniform(g, n, -cfg.rotate_deg, cfg.rotate_deg))
    s = torch.exp(_uniform(g, n, math.log(cfg.scale[0]), math.log(cfg.scale[1])))
    a = torch.exp(_uniform(g, n, -cfg.aspect, cfg.aspect))
    sh = _uniform(g, n, -cfg.shear, cfg.shear)
    room = torch.clamp((side - 20.0 * s) / 2.0, min=1.0)  # px the 20 px box can move and stay inside
    tx, ty = (_uniform(g, n, -cfg.shift, cfg.shift) * room * 2.0 / side for _ in range(2))  # normalised units
    # forward map (input -> output) M = R(theta) @ Shear @ diag(s*a, s/a); grid_sample wants output -> input
    c, si = torch.cos(theta), torch.sin(theta)
    m = torch.zeros(n, 2, 2)
    sx, sy = s * a, s / a
    m[:, 0, 0], m[:, 0, 1] = c * sx, (c * sh - si) * sy
    m[:, 1, 0], m[:, 1, 1] = si * sx, (si * sh + c) * sy
    eye = torch.eye(2).expand(n, 2, 2)
    m = torch.where(on.view(-1, 1, 1), m, eye)
    t = torch.stack([tx, ty], dim=1) * on.view(-1, 1)
    inv = torch.linalg.inv(m)
    mat = torch.cat([inv, -(inv @ t.unsqueeze(2))], dim=2)
    grid = F.affine_grid(mat, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def gaussian_kernels(sigma: torch.Tensor, size: int = 7) -> torch.Tensor:
    """(n, 1, size, size) normalised Gaussian kernels; sigma 0 gives the identity kernel."""
    r = torch.arange(size, dtype=torch.float32) - size // 2
    sig = sigma.clamp(min=1e-3).view(-1, 1)
    k1 = torch.exp(-(r.view(1, -1) ** 2) / (2 * sig ** 2))
    k1 = k1 / k1.sum(dim=1, keepdim=True)
    return (k1.unsqueeze(2) * k1.unsqueeze(1)).unsqueeze(1)


def blur(x: torch.Tensor, g: torch.Generator, cfg: AugmentConfig, active: torch.Tensor) -> torch.Tensor:
    """Out-of-focus / scan blur: per-sample Gaussian, sigma in cfg.blur_sigma pixels."""
    n = x.shape[0]
    sigma = _uniform(g, n, *cfg.blur_sigma) * _chance(g, n, cfg.p_blur, active)
    k = gaussian_kernels(sigma)
    out = F.conv2d(x.view(1, n, *x.shape[2:]), k, padding=k.shape[-1] // 2, groups=n).view_as(x)
    return torch.where((sigma > 0).view(-1, 1, 1, 1), out, x)


def digit_margins(x: torch.Tensor, threshold: float = 0.1) -> tuple[torch.Tensor, torch.Tensor]:
    """Free rows above/below and columns left/right of the digit: min of the two sides, per sample."""
    side = x.shape[-1]
    ink = x[:, 0] > threshold
    idx = torch.arange(side)

    def free(any_: torch.Tensor) -> torch.Tensor:
        first = torch.where(any_, idx, side).amin(dim=1)
        last = torch.where(any_, idx, -1).amax(dim=1)
        return torch.clamp(torch.minimum(first, side - 1 - last), min=0)

    return free(ink.any(dim=2)), free(ink.any(dim=1))


def tone(x: torch.Tensor, g: torch.Generator, cfg: AugmentConfig,
         active: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Gamma, then contrast/brightness (grey inverted paper, weaker ink), then letterbox bands of exact 0.

    Returns the images and each one's contrast (ink - background). The bands mimic step 3 of the preprocessing on a non-square photo: the inverted paper is grey but the
    padding is black. They are only laid where the digit is not (its free margin).
    """
    n = x.shape[0]
    gamma = torch.where(_chance(g, n, cfg.p_gamma, active), _uniform(g, n, *cfg.gamma), torch.ones(n))
    x = x.clamp(0, 1) ** gamma.view(-1, 1, 1, 1)
    rows_free, cols_free = digit_margins(x)
    on = _chance(g, n, cfg.p_contrast, active)
    bg = _uniform(g, n, *cfg.background) * on
    ink_lo = torch.clamp(torch.maximum(bg + cfg.contrast_gap, torch.full((n,), cfg.ink_min)), max=1.0)
    ink = torch.where(on, ink_lo + (1.0 - ink_lo) * torch.rand(n, generator=g), torch.ones(n))
    x = bg.view(-1, 1, 1, 1) + (ink - bg).view(-1, 1, 1, 1) * x
    band_on = _chance(g, n, cfg.p_letterbox, active) & (bg > 0.02)
    horizontal = torch.rand(n, generator=g) < 0.5  # bands on top and bottom (a wide image) or left/right
    free = torch.where(horizontal, rows_free, cols_free)
    width = torch.floor(torch.rand(n, generator=g) * (free.float() + 1)).long() * band_on
    side = x.shape[-1]
    pos = torch.arange(side)
    in_band = (pos.view(1, -1) < width.view(-1, 1)) | (pos.view(1, -1) >= side - width.view(-1, 1))  # (n, side)
    mask = torch.where(horizontal.view(-1, 1, 1), in_band.view(n, side, 1).expand(n, side, side),
                       in_band.view(n, 1, side).expand(n, side, side))
    return x.masked_fill(mask.unsqueeze(1), 0.0), ink - bg


def noise(x: torch.Tensor, g: torch.Generator, cfg: AugmentConfig, active: torch.Tensor,
          contrast: torch.Tensor) -> torch.Tensor:
    """Additive Gaussian sensor noise, clipped to 0..1; sigma scales with the contrast so ink stays visible."""
    n = x.shape[0]
    sigma = _uniform(g, n, *cfg.noise_sigma) * _chance(g, n, cfg.p_noise, active) * contrast
    return (x + sigma.view(-1, 1, 1, 1) * torch.randn(x.shape, generator=g)).clamp(0.0, 1.0)


def augment_unit(images: np.ndarray | torch.Tensor, g: torch.Generator,
                 cfg: AugmentConfig = AugmentConfig()) -> torch.Tensor:
    """uint8 (B, 28, 28) -> float32 (B, 1, 28, 28) in 0..1, quantised to 1/255 like a decoded 8-bit image."""
    u8 = torch.as_tensor(np.asarray(images)) if not isinstance(images, torch.Tensor) else images
    x = u8.to(torch.float32).unsqueeze(1) / 255.0
    n = x.shape[0]
    active = torch.rand(n, generator=g) >= cfg.p_clean
    x = thickness(x, g, cfg, active)
    x = affine(x, g, cfg, active)
    x = blur(x, g, cfg, active)
    x, contrast = tone(x, g, cfg, active)
    x = noise(x, g, cfg, active, contrast)
    return torch.round(x.clamp(0.0, 1.0) * 255.0) / 255.0


def normalise_unit(x: torch.Tensor) -> torch.Tensor:
    """0..1 (already v * SCALE) -> model units (x - MEAN) / STD, float32."""
    return ((x.to(torch.float64) - MEAN) / STD).to(torch.float32)


def augment(images: np.ndarray | torch.Tensor, g: torch.Generator, cfg: AugmentConfig = AugmentConfig()) -> torch.Tensor:
    """uint8 (B, 28, 28) -> float32 (B, 1, 28, 28) normalised model input."""
    return normalise_unit(augment_unit(images, g, cfg))


def to_model_input(images: np.ndarray) -> torch.Tensor:
    """No augmentation: uint8 (B, 28, 28) -> float32 (B, 1, 28, 28), exactly preprocess_uint8 per item."""
    v = np.asarray(images, dtype=np.float64)[:, None]
    return torch.from_numpy(((v * SCALE - MEAN) / STD).astype(np.float32))
