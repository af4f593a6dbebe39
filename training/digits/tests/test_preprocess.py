"""The gateway's preprocessing contract, value for value."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import preprocess as p
from data import RawData


def test_constants_and_manifest_section() -> None:
    assert p.SCALE == 0.00392156862745098 and p.MEAN == 0.1307 and p.STD == 0.3081
    assert p.image_section() == {
        "kind": "image",
        "image": {"width": 28, "height": 28, "channels": 1, "layout": "NCHW", "fit": "contain", "background": 0,
                  "polarity": "light-on-dark", "scale": 0.00392156862745098, "mean": [0.1307], "std": [0.3081]}}


def test_identity_on_an_mnist_item(raw: RawData) -> None:
    item = raw.x[1234]
    x = p.preprocess(Image.fromarray(item, mode="L"))
    assert x.dtype == np.float32 and x.shape == (1, 28, 28)
    np.testing.assert_array_equal(x, p.preprocess_uint8(item))
    np.testing.assert_array_equal(p.preprocess_image_uint8(Image.fromarray(item)), item)  # steps 1-3: identity
    # as RGB and as RGBA with full alpha, too
    rgb = Image.fromarray(np.repeat(item[:, :, None], 3, axis=2), mode="RGB")
    np.testing.assert_array_equal(p.preprocess(rgb), x)
    rgba = Image.fromarray(np.dstack([item, item, item, np.full_like(item, 255)]), mode="RGBA")
    np.testing.assert_array_equal(p.preprocess(rgba), x)


def test_every_mnist_item_passes_unchanged(raw: RawData) -> None:
    """MNIST borders are dark, so no item is inverted."""
    assert not any(p.border_mean_exceeds(im) for im in raw.x[::7])


def test_dark_on_light_is_inverted(raw: RawData) -> None:
    item = raw.x[42]
    paper = (255 - item).astype(np.uint8)
    np.testing.assert_array_equal(p.preprocess_image_uint8(Image.fromarray(paper)), item)
    np.testing.assert_array_equal(p.preprocess(Image.fromarray(paper)), p.preprocess_uint8(item))


def test_polarity_threshold_is_strict() -> None:
    img = np.zeros((5, 5), dtype=np.uint8)
    img[:] = 127  # border mean exactly 127: not inverted
    assert not p.border_mean_exceeds(img)
    img[0, 0] = 128  # sum over the 16 border pixels now 127 * 16 + 1
    assert p.border_mean_exceeds(img)
    img = np.full((5, 5), 200, dtype=np.uint8)
    img[1:4, 1:4] = 0  # the interior does not count
    assert p.border_mean_exceeds(img) and p.fix_polarity(img)[0, 0] == 55 and p.fix_polarity(img)[2, 2] == 255
    assert p.border_mean_exceeds(np.full((2, 9), 130, dtype=np.uint8))  # thin image: every pixel is border


def test_fit_geometry() -> None:
    assert p.fit_size(10, 40) == (7, 28, 10, 0)
    assert p.fit_size(40, 10) == (28, 7, 0, 10)
    assert p.fit_size(100, 100) == (28, 28, 0, 0)
    assert p.fit_size(14, 14) == (28, 28, 0, 0)  # small images are enlarged
    assert p.fit_size(1, 500) == (1, 28, 13, 0)
    assert p.fit_size(30, 29) == (28, 27, 0, 0)  # 29 * 28 / 30 = 27.07


def test_aspect_preserving_fit_of_a_10x40_image() -> None:
    tall = np.full((40, 10), 200, dtype=np.uint8)  # light on... a light border: inverted to 55 first
    tall[:, :] = 40
    out = p.preprocess_image_uint8(Image.fromarray(tall))
    assert out.shape == (28, 28)
    # the 7 x 28 resized image sits at columns 10..16, the rest is the 0 background
    assert (out[:, 10:17] == 40).all()
    assert (out[:, :10] == 0).all() and (out[:, 17:] == 0).all()
    x = p.preprocess(Image.fromarray(tall))
    np.testing.assert_array_equal(x[0, :, 0], np.float32((0 - 0.1307) / 0.3081))


def test_resize_uses_pillow_bilinear() -> None:
    rng = np.random.default_rng(1)
    img = rng.integers(0, 100, (60, 45), dtype=np.uint8)
    out = p.fit_contain(img)
    ref = np.asarray(Image.fromarray(img).resize((21, 28), Image.BILINEAR))
    np.testing.assert_array_equal(out[:, 3:24], ref)
    assert (out[:, :3] == 0).all() and (out[:, 24:] == 0).all()


def test_exact_float_values_of_a_hand_made_image() -> None:
    img = np.zeros((28, 28), dtype=np.uint8)
    img[10, 10], img[10, 11], img[11, 10] = 255, 128, 1
    x = p.preprocess(Image.fromarray(img))
    assert x.dtype == np.float32
    assert x[0, 10, 10] == np.float32(2.82148653034729)  # (255 * scale - 0.1307) / 0.3081, 255 * scale == 1.0
    assert x[0, 10, 11] == np.float32((128 * 0.00392156862745098 - 0.1307) / 0.3081)
    assert x[0, 11, 10] == np.float32((0.00392156862745098 - 0.1307) / 0.3081)
    assert x[0, 0, 0] == np.float32(-0.424212917883804)
    d = p.preprocess_float64(Image.fromarray(img))
    assert d.dtype == np.float64 and d[0, 10, 11] == (128 * 0.00392156862745098 - 0.1307) / 0.3081
    np.testing.assert_array_equal(d.astype(np.float32), x)


def test_luma_matches_pillow_convert_L() -> None:
    rgb = np.random.default_rng(2).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    np.testing.assert_array_equal(p.luma601(rgb), np.asarray(Image.fromarray(rgb).convert("L")))
    assert p.luma601(np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]], np.uint8)).tolist() == \
        [[76, 150, 29, 255]]


def test_alpha_is_composited_on_white() -> None:
    rgba = np.random.default_rng(3).integers(0, 256, (32, 32, 4), dtype=np.uint8)
    im = Image.fromarray(rgba, "RGBA")
    ref = Image.alpha_composite(Image.new("RGBA", im.size, (255, 255, 255, 255)), im).convert("L")
    np.testing.assert_array_equal(p.to_grey(im), np.asarray(ref))
    clear = np.zeros((30, 30, 4), dtype=np.uint8)  # fully transparent black -> white paper
    clear[10:20, 10:20] = (0, 0, 0, 255)  # an opaque black square: dark on light, so inverted
    out = p.preprocess_image_uint8(Image.fromarray(clear, "RGBA"))
    assert out.max() == 255 and out[0, 0] == 0
    la = Image.fromarray(np.dstack([np.zeros((4, 4), np.uint8), np.full((4, 4), 64, np.uint8)]), "LA")
    assert (p.to_grey(la) == 191).all()  # floor((0 * 64 + 255 * 191) / 255 + 0.5)


def test_other_modes() -> None:
    pal = Image.fromarray(np.zeros((10, 10), np.uint8), "L").convert("P")
    assert p.to_grey(pal).shape == (10, 10)
    i16 = Image.fromarray(np.full((5, 5), 65535, dtype=np.uint16), "I;16")
    assert (p.to_grey(i16) == 255).all()
    assert p.to_grey(Image.new("1", (4, 4), 1)).tolist() == [[255] * 4] * 4


def test_preprocess_uint8_rejects_other_shapes() -> None:
    with pytest.raises(ValueError):
        p.preprocess_uint8(np.zeros((27, 28), np.uint8))
