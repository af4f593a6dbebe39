"""The rendered other-origin test set: reproducible, balanced, through the same preprocessing."""
from __future__ import annotations

import numpy as np

from other_origin import FontSpec, build_other_origin, default_fonts, discover_fonts, render_digit
from preprocess import MEAN, STD, preprocess_float64


def test_reproducible_and_balanced() -> None:
    a = build_other_origin(30, seed=3)
    b = build_other_origin(30, seed=3)
    c = build_other_origin(30, seed=4)
    assert np.array_equal(a[0], b[0]) and a[2] == b[2] and not np.array_equal(a[0], c[0])
    x, y, names, kept = build_other_origin(20, seed=3, keep_images=2)
    assert x.shape == (20, 1, 28, 28) and x.dtype == np.float64 and np.bincount(y).tolist() == [2] * 10
    assert len(names) == 20 and len(kept) == 2 and kept[0].mode in ("RGB", "L")
    np.testing.assert_array_equal(preprocess_float64(kept[0]), x[0])  # the same preprocessing as uploads
    assert x.min() >= (0 - MEAN) / STD - 1e-12 and x.max() <= (1 - MEAN) / STD + 1e-12


def test_images_are_dark_on_light_photos_mostly() -> None:
    imgs = [render_digit(d % 10, np.random.default_rng([1, d]), default_fonts())[0] for d in range(40)]
    light = [np.asarray(im.convert("L"), dtype=float)[0].mean() > 127 for im in imgs]
    assert sum(light) >= 30  # ~10 % are light ink on a dark board
    assert len({im.size for im in imgs}) > 20  # sizes vary


def test_fonts_are_found_or_the_bitmap_fallback_works() -> None:
    fonts = discover_fonts()
    assert all(f.path and f.path.lower().endswith((".ttf", ".otf")) for f in fonts)
    fallback = [FontSpec(None, s) for s in (2, 3)]
    x, y, names, _ = build_other_origin(10, seed=1, fonts=fallback)
    assert x.shape == (10, 1, 28, 28) and set(names) <= {"pil-default-x2", "pil-default-x3"}
    assert (x.reshape(10, -1).max(axis=1) > 1.0).all()  # visible ink after preprocessing
