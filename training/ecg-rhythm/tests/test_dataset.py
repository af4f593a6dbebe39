"""Data-validation rules: each passes on good data and rejects a deliberately bad input."""
from __future__ import annotations

import numpy as np
import pytest

from dataset import (DataValidationError, DatasetConfig, Split, build_splits, check_class_balance,
                     check_finite, check_no_leakage, check_quantized, check_range, check_shape_dtype,
                     validate_split, validate_splits)


def test_generated_splits_pass_every_rule(small_splits: dict[str, Split]) -> None:
    validate_splits(small_splits)


def test_split_shapes_dtypes_and_sizes(small_splits: dict[str, Split]) -> None:
    sizes = {name: len(s.y) for name, s in small_splits.items()}
    assert sizes == {"train": 192, "validation": 48, "test": 48}
    for s in small_splits.values():
        assert s.x.dtype == np.float64 and s.x.shape[1:] == (5000, 1) and s.x.flags.c_contiguous
        assert s.y.dtype == np.int64 and s.subjects.shape == s.y.shape


def test_values_quantized_finite_and_in_range(small_splits: dict[str, Split]) -> None:
    x = small_splits["train"].x
    assert np.isfinite(x).all() and np.abs(x).max() < 10.0
    np.testing.assert_array_equal(np.round(x, 3), x)


def test_splits_are_subject_disjoint_and_balanced(small_splits: dict[str, Split]) -> None:
    seen: set[int] = set()
    for s in small_splits.values():
        ids = set(s.subjects.tolist())
        assert not ids & seen
        seen |= ids
        assert np.mean(s.y) == 0.5


def test_dataset_generation_is_deterministic(small_splits: dict[str, Split]) -> None:
    again = build_splits(DatasetConfig(seed=7, subjects=(24, 6, 6), records_per_class=4))
    for name, s in small_splits.items():
        np.testing.assert_array_equal(again[name].x, s.x)
        np.testing.assert_array_equal(again[name].subjects, s.subjects)
    other = build_splits(DatasetConfig(seed=8, subjects=(2, 1, 1), records_per_class=1))
    assert not np.array_equal(other["train"].x[0], small_splits["train"].x[0])


def test_committed_heldout_set_passes_rules(artefact_dir) -> None:
    x = np.load(artefact_dir / "heldout" / "inputs.npy")
    y = np.load(artefact_dir / "heldout" / "labels.npy")
    assert x.shape[0] <= 320, "the XML conversion of the held-out set must stay small"
    validate_split(Split("heldout", x, y, np.zeros_like(y)))


def _good() -> tuple[np.ndarray, np.ndarray]:
    x = np.round(np.random.default_rng(0).normal(0, 0.3, (4, 5000, 1)), 3)
    return x, np.array([0, 1, 0, 1], dtype=np.int64)


@pytest.mark.parametrize("mutate", [
    lambda x, y: (x.astype(np.float32), y),
    lambda x, y: (x[:, :4999], y),
    lambda x, y: (x[:, :, 0], y),
    lambda x, y: (np.asfortranarray(x), y),
    lambda x, y: (x, y.astype(np.int32)),
    lambda x, y: (x, y[:3]),
    lambda x, y: (x, y + 1),
], ids=["float32", "4999-samples", "no-channel-axis", "fortran-order", "int32-labels",
        "label-count", "label-out-of-range"])
def test_shape_dtype_rule_rejects(mutate) -> None:
    x, y = _good()
    check_shape_dtype(x, y)
    with pytest.raises(DataValidationError):
        check_shape_dtype(*mutate(x, y))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_finite_rule_rejects(bad: float) -> None:
    x, _ = _good()
    check_finite(x)
    x[2, 100, 0] = bad
    with pytest.raises(DataValidationError):
        check_finite(x)


def test_range_rule_rejects_out_of_range() -> None:
    x, _ = _good()
    check_range(x)
    x[0, 0, 0] = -12.0  # e.g. microvolts mistaken for millivolts would be far larger still
    with pytest.raises(DataValidationError):
        check_range(x)


def test_quantization_rule_rejects_unquantized() -> None:
    x, _ = _good()
    check_quantized(x)
    x[1, 10, 0] += 0.0004
    with pytest.raises(DataValidationError):
        check_quantized(x)


def test_class_balance_rule_rejects_imbalance() -> None:
    check_class_balance(np.array([0] * 52 + [1] * 48))
    with pytest.raises(DataValidationError):
        check_class_balance(np.array([0] * 70 + [1] * 30))


def _split(name: str, x: np.ndarray, subjects: list[int]) -> Split:
    return Split(name, x, np.array([0, 1] * (len(subjects) // 2), dtype=np.int64), np.array(subjects))


def test_leakage_rule_rejects_shared_subject() -> None:
    x, _ = _good()
    ok = {"train": _split("train", x[:2], [1, 1]), "test": _split("test", x[2:], [2, 2])}
    check_no_leakage(ok)
    bad = {"train": ok["train"], "test": _split("test", x[2:], [2, 1])}
    with pytest.raises(DataValidationError, match="subjects"):
        check_no_leakage(bad)


def test_leakage_rule_rejects_identical_record_across_splits() -> None:
    x, _ = _good()
    test_x = x[2:].copy()
    test_x[0] = x[0]  # same bytes, different subject id: only the hash rule catches it
    bad = {"train": _split("train", x[:2], [1, 1]), "test": _split("test", test_x, [2, 2])}
    with pytest.raises(DataValidationError, match="identical"):
        check_no_leakage(bad)
