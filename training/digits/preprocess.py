"""The gateway's image preprocessing contract: any decoded image -> float32 [1, 28, 28], exactly.

The TypeScript gateway mirrors this function (with sharp/libvips); the parameters travel in the manifest's
`input.image` section. Steps, for a decoded image of W x H pixels:

1. Greyscale 8-bit. An image with alpha (RGBA, LA, or a palette with transparency) is first composited on
   white per channel: c' = floor((c * a + 255 * (255 - a)) / 255 + 0.5) (a = alpha 0..255). RGB -> L with
   ITU-R 601-2 luma exactly as Pillow's convert('L'): L = (19595 R + 38470 G + 7471 B + 32768) >> 16.
   16-bit greyscale is reduced to 8 bits by floor(v / 257 + 0.5).
2. Polarity: the border is the set of pixels in the outermost row/column on all four sides (each pixel once;
   all pixels if W or H <= 2). If sum(border) > 127 * count(border) (mean > 127), every pixel becomes 255 - v.
3. Fit: if W = H = 28 nothing happens. Otherwise s = 28 / max(W, H), w' = max(1, floor(W s + 0.5)),
   h' = max(1, floor(H s + 0.5)) (so the longer side is 28), resized with Pillow's BILINEAR filter (a
   triangle filter widened by the reduction factor when shrinking, i.e. antialiased), pasted at
   left = floor((28 - w') / 2), top = floor((28 - h') / 2) on a 28 x 28 canvas of 0 (black).
4. Normalise: x = (v * SCALE - MEAN) / STD in IEEE double, in that order, then cast to float32 for the
   model (the held-out inputs.npy keeps the double values).
"""
from __future__ import annotations

import numpy as np
from PIL import Image

SIDE = 28
SCALE = 1.0 / 255.0  # 0.00392156862745098 as a JSON double
MEAN = 0.1307
STD = 0.3081
BACKGROUND = 0
POLARITY_THRESHOLD = 127


def image_section() -> dict:
    """The manifest's `input` section (what the gateway must do before feeding `image`)."""
    return {"kind": "image",
            "image": {"width": SIDE, "height": SIDE, "channels": 1, "layout": "NCHW", "fit": "contain",
                      "background": BACKGROUND, "polarity": "light-on-dark", "scale": SCALE,
                      "mean": [MEAN], "std": [STD]}}


def luma601(rgb: np.ndarray) -> np.ndarray:
    """uint8 (..., 3) RGB -> uint8 L, Pillow's integer ITU-R 601-2 formula."""
    r, g, b = (rgb[..., i].astype(np.uint32) for i in range(3))
    return ((19595 * r + 38470 * g + 7471 * b + 32768) >> 16).astype(np.uint8)


def composite_on_white(channels: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """uint8 channels (..., C) over white with uint8 alpha (...): floor((c a + 255 (255 - a)) / 255 + 0.5)."""
    c = channels.astype(np.int64)
    a = alpha.astype(np.int64)[..., None]
    num = c * a + 255 * (255 - a)
    return ((2 * num + 255) // 510).astype(np.uint8)  # == floor(num / 255 + 0.5), in integers


def to_grey(image: Image.Image) -> np.ndarray:
    """Step 1: any PIL image -> uint8 (H, W) luma, alpha composited on white."""
    mode = image.mode
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        v = np.asarray(image, dtype=np.float64)
        return np.clip(np.floor(v / 257.0 + 0.5), 0, 255).astype(np.uint8)
    if mode == "L":
        return np.asarray(image, dtype=np.uint8).copy()
    if mode == "LA":
        arr = np.asarray(image, dtype=np.uint8)
        return composite_on_white(arr[..., :1], arr[..., 1])[..., 0]
    if mode in ("RGBA", "RGBa", "PA"):
        arr = np.asarray(image.convert("RGBA"), dtype=np.uint8)
        return luma601(composite_on_white(arr[..., :3], arr[..., 3]))
    if mode == "RGB":
        return luma601(np.asarray(image, dtype=np.uint8))
    return luma601(np.asarray(image.convert("RGB"), dtype=np.uint8))  # 1, CMYK, YCbCr, F, ...


def border_mean_exceeds(grey: np.ndarray, threshold: int = POLARITY_THRESHOLD) -> bool:
    """Step 2's test: mean of the outermost rows/columns (each pixel once) > threshold, in exact integers."""
    h, w = grey.shape
    if h <= 2 or w <= 2:
        border = grey.reshape(-1)
    else:
        border = np.concatenate([grey[0, :], grey[-1, :], grey[1:-1, 0], grey[1:-1, -1]])
    return int(border.astype(np.int64).sum()) > threshold * border.size


def fix_polarity(grey: np.ndarray) -> np.ndarray:
    """Step 2: invert dark-on-light images so the digit is light on a dark background, as in MNIST."""
    return (255 - grey).astype(np.uint8) if border_mean_exceeds(grey) else grey


def fit_size(width: int, height: int, side: int = SIDE) -> tuple[int, int, int, int]:
    """Step 3's geometry: (w', h', left, top) of the resized image on the side x side canvas."""
    s = side / max(width, height)
    w2 = max(1, int(np.floor(width * s + 0.5)))
    h2 = max(1, int(np.floor(height * s + 0.5)))
    return w2, h2, (side - w2) // 2, (side - h2) // 2


def fit_contain(grey: np.ndarray, side: int = SIDE) -> np.ndarray:
    """Step 3: uint8 (H, W) -> uint8 (28, 28), aspect kept, bilinear, centred, padded with 0."""
    h, w = grey.shape
    if (h, w) == (side, side):
        return grey.copy()
    w2, h2, left, top = fit_size(w, h, side)
    resized = np.asarray(Image.fromarray(grey, mode="L").resize((w2, h2), Image.BILINEAR), dtype=np.uint8)
    canvas = np.full((side, side), BACKGROUND, dtype=np.uint8)
    canvas[top:top + h2, left:left + w2] = resized
    return canvas


def normalise(v: np.ndarray) -> np.ndarray:
    """Step 4 in double: (v * SCALE - MEAN) / STD."""
    return (np.asarray(v, dtype=np.float64) * SCALE - MEAN) / STD


def preprocess_uint8_float64(grey28: np.ndarray) -> np.ndarray:
    """An MNIST item (28, 28) uint8, already light-on-dark -> float64 (1, 28, 28) (what inputs.npy holds)."""
    grey28 = np.asarray(grey28)
    if grey28.shape != (SIDE, SIDE) or grey28.dtype != np.uint8:
        raise ValueError(f"expected uint8 (28, 28), got {grey28.dtype} {grey28.shape}")
    return normalise(grey28)[None]


def preprocess_uint8(grey28: np.ndarray) -> np.ndarray:
    """An MNIST item (28, 28) uint8 -> float32 (1, 28, 28): step 4 only (steps 1-3 are the identity)."""
    return preprocess_uint8_float64(grey28).astype(np.float32)


def preprocess_image_uint8(image: Image.Image) -> np.ndarray:
    """Steps 1-3: a decoded image -> uint8 (28, 28) light-on-dark."""
    return fit_contain(fix_polarity(to_grey(image)))


def preprocess_float64(image: Image.Image) -> np.ndarray:
    """Steps 1-4 in double: a decoded image -> float64 (1, 28, 28)."""
    return normalise(preprocess_image_uint8(image))[None]


def preprocess(image: Image.Image) -> np.ndarray:
    """The contract: a decoded PIL image (any mode, any size) -> float32 (1, 28, 28) for input `image`."""
    return preprocess_float64(image).astype(np.float32)
