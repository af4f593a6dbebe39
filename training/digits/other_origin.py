"""A reproducible test set of another origin than MNIST: typeset digits photographed/scanned on paper.

Why: a score on MNIST's own test split says little about a phone photo of a printed or written digit. This
set is rendered, not drawn from MNIST: each digit in a TrueType font installed on the machine (fonts found
under /usr/share/fonts whose ten digit glyphs are distinct; on Debian `fonts-dejavu-core` gives the DejaVu
Sans/Serif/Mono families; without any TrueType font, Pillow's built-in bitmap font at several scales), with a
random stroke width, size, slight stretch and rotation, on a canvas of random size and margins (so the
digit's position and share of the image vary), tinted paper-like light background with an illumination
gradient and dark ink (10 % light ink on a dark board, to exercise the polarity rule), Gaussian blur,
sensor noise and an optional JPEG round trip; the RGB image then goes through preprocess.preprocess exactly
as an upload would. The model never trains on it.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from preprocess import preprocess_float64

FONT_ROOTS = (Path("/usr/share/fonts"),)


@dataclass(frozen=True)
class FontSpec:
    """A TrueType file, or None for Pillow's default bitmap font (then `scale` enlarges its glyphs)."""

    path: str | None
    scale: int = 1

    @property
    def name(self) -> str:
        return Path(self.path).stem if self.path else f"pil-default-x{self.scale}"


def _glyph(font: ImageFont.ImageFont, ch: str) -> np.ndarray:
    img = Image.new("L", (200, 200), 0)
    ImageDraw.Draw(img).text((20, 20), ch, fill=255, font=font)
    return np.asarray(img)


def discover_fonts(roots: tuple[Path, ...] = FONT_ROOTS) -> list[FontSpec]:
    """Sorted TrueType/OpenType fonts whose digits 0-9 render as ten distinct non-empty glyphs."""
    found = []
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(p for p in root.rglob("*") if p.suffix.lower() in (".ttf", ".otf")):
            try:
                font = ImageFont.truetype(str(path), 40)
                glyphs = [_glyph(font, str(d)) for d in range(10)]
            except OSError:
                continue
            if all(g.any() for g in glyphs) and len({g.tobytes() for g in glyphs}) == 10:
                found.append(FontSpec(str(path)))
    return found


def default_fonts() -> list[FontSpec]:
    """The fonts to use: discovered TrueType fonts, or Pillow's bitmap font at scales 2-5 if there is none."""
    return discover_fonts() or [FontSpec(None, s) for s in (2, 3, 4, 5)]


def render_mask(spec: FontSpec, digit: int, size: int, stroke: int) -> Image.Image:
    """White-on-black 'L' glyph mask, cropped to its ink."""
    if spec.path is None:
        font = ImageFont.load_default()
        small = Image.new("L", (30, 30), 0)
        ImageDraw.Draw(small).text((5, 5), str(digit), fill=255, font=font)
        small = small.crop(small.getbbox())
        k = max(1, spec.scale * size // 40)
        mask = small.resize((small.width * k, small.height * k), Image.NEAREST)
        if stroke:
            mask = mask.filter(ImageFilter.MaxFilter(2 * stroke + 1))
        return mask
    font = ImageFont.truetype(spec.path, size)
    pad = size + 4 * stroke + 10
    img = Image.new("L", (2 * pad, 2 * pad), 0)
    ImageDraw.Draw(img).text((pad // 2, pad // 2), str(digit), fill=255, font=font,
                             stroke_width=stroke, stroke_fill=255)
    return img.crop(img.getbbox())


def render_digit(digit: int, rng: np.random.Generator, fonts: list[FontSpec]) -> tuple[Image.Image, str]:
    """One RGB 'photo' of `digit` and the font's name."""
    spec = fonts[int(rng.integers(len(fonts)))]
    size = int(rng.integers(24, 73))
    stroke = int(rng.choice([0, 0, 0, 1, 1, 2, 3])) * max(1, size // 40)
    mask = render_mask(spec, digit, size, stroke)
    stretch = float(np.exp(rng.uniform(-0.15, 0.15)))
    mask = mask.resize((max(1, round(mask.width * stretch)), mask.height), Image.BILINEAR)
    mask = mask.rotate(float(rng.uniform(-12, 12)), resample=Image.BILINEAR, expand=True)
    mask = mask.crop(mask.getbbox())
    gh = mask.height
    ml, mr, mt, mb = (int(round(rng.uniform(0.08, 0.7) * gh)) for _ in range(4))
    if rng.random() < 0.15:  # a strip of paper wider (or taller) than the digit
        extra = int(round(rng.uniform(0.5, 1.5) * gh))
        if rng.random() < 0.5:
            ml, mr = ml + extra // 2, mr + extra - extra // 2
        else:
            mt, mb = mt + extra // 2, mb + extra - extra // 2
    w, h = mask.width + ml + mr, mask.height + mt + mb
    alpha = np.zeros((h, w), dtype=np.float64)
    alpha[mt:mt + mask.height, ml:ml + mask.width] = np.asarray(mask, dtype=np.float64) / 255.0

    paper = rng.uniform(165, 250) + rng.uniform(-12, 12, size=3)
    ink = rng.uniform(0, 95) + rng.uniform(-15, 15, size=3)
    if rng.random() < 0.1:  # chalk on a board / light ink on a dark screen
        paper, ink = 255 - paper, 255 - ink
    yy, xx = np.mgrid[0:h, 0:w]
    angle = rng.uniform(0, 2 * np.pi)
    ramp = ((xx / max(w - 1, 1) - 0.5) * np.cos(angle) + (yy / max(h - 1, 1) - 0.5) * np.sin(angle))
    light = 1.0 + rng.uniform(0, 0.25) * ramp  # uneven illumination, +-12 %
    img = (paper[None, None] * (1 - alpha[..., None]) + ink[None, None] * alpha[..., None]) * light[..., None]
    pil = Image.fromarray(np.clip(np.round(img), 0, 255).astype(np.uint8), "RGB")
    if rng.random() < 0.6:
        pil = pil.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.3, 1.5)) * max(1.0, gh / 40)))
    arr = np.asarray(pil, dtype=np.float64)
    arr = arr + rng.normal(0, rng.uniform(0, 12), size=arr.shape)
    pil = Image.fromarray(np.clip(np.round(arr), 0, 255).astype(np.uint8), "RGB")
    if rng.random() < 0.5:
        buf = io.BytesIO()
        pil.save(buf, format="JPEG", quality=int(rng.integers(30, 91)))
        pil = Image.open(io.BytesIO(buf.getvalue()))
        pil.load()
    return pil, spec.name


def build_other_origin(n: int, seed: int, fonts: list[FontSpec] | None = None,
                       keep_images: int = 0) -> tuple[np.ndarray, np.ndarray, list[str], list[Image.Image]]:
    """n items, labels i % 10 (balanced); item i drawn from default_rng([seed, 23, i]).

    Returns x float64 (n, 1, 28, 28) preprocessed, y int64 (n,), font names, and the first `keep_images`
    raw RGB images (for inspection / the gateway's own preprocessing parity tests).
    """
    fonts = fonts if fonts is not None else default_fonts()
    xs, ys, names, kept = [], [], [], []
    for i in range(n):
        digit = i % 10
        img, name = render_digit(digit, np.random.default_rng([seed, 23, i]), fonts)
        if i < keep_images:
            kept.append(img)
        xs.append(preprocess_float64(img))
        ys.append(digit)
        names.append(name)
    return np.stack(xs), np.asarray(ys, dtype=np.int64), names, kept
