"""Subjects, subject-wise splits and the data-validation rules the build enforces.

Why by subject: records of one person share a morphology, so a record-wise split
would let the model score well by recognising people rather than rhythms. Every
rule below raises DataValidationError so build.py stops instead of shipping a
model trained or measured on broken data.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from ecg_synth import N_SAMPLES, RESOLUTION_MV, make_subject, synth_record

LABELS = ("normal", "atrial_fibrillation")
SPLITS = ("train", "validation", "test")
MAX_ABS_MV = 10.0


class DataValidationError(ValueError):
    """A data rule was violated."""


@dataclass(frozen=True)
class Split:
    """Records of one split: x (n, 5000, 1) float64 mV, y (n,) int64, subject id per record."""

    name: str
    x: np.ndarray
    y: np.ndarray
    subjects: np.ndarray


@dataclass(frozen=True)
class DatasetConfig:
    """Sizes: 240 subjects x (5 normal + 5 AF) = 2400 records; test = 30 subjects = 300 records."""

    seed: int = 20261121
    subjects: tuple[int, int, int] = (180, 30, 30)  # train, validation, test
    records_per_class: int = 5


def generate_subject_records(subject_id: int, per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """All records of one subject, seeded by (seed, subject_id) so order of generation is irrelevant."""
    rng = np.random.default_rng([seed, subject_id])
    subject = make_subject(subject_id, rng)
    labels = np.array([0, 1] * per_class, dtype=np.int64)
    signals = np.stack([synth_record(subject, int(lab), rng).signal for lab in labels])
    return signals, labels


def build_splits(config: DatasetConfig) -> dict[str, Split]:
    """Generate every subject and assign whole subjects to train/validation/test."""
    total = sum(config.subjects)
    order = np.random.default_rng([config.seed, 7]).permutation(total)
    bounds = np.cumsum((0,) + config.subjects)
    splits: dict[str, Split] = {}
    for i, name in enumerate(SPLITS):
        ids = np.sort(order[bounds[i]:bounds[i + 1]])
        xs, ys, ss = [], [], []
        for sid in ids:
            x, y = generate_subject_records(int(sid), config.records_per_class, config.seed)
            xs.append(x)
            ys.append(y)
            ss.append(np.full(y.shape, sid, dtype=np.int64))
        splits[name] = Split(name, np.concatenate(xs)[:, :, None], np.concatenate(ys), np.concatenate(ss))
    return splits


# ---------------------------------------------------------------- validation rules
def check_shape_dtype(x: np.ndarray, y: np.ndarray) -> None:
    """x must be (n, 5000, 1) float64 C-contiguous and y (n,) int64 with labels in {0, 1}."""
    if x.dtype != np.float64 or x.ndim != 3 or x.shape[1:] != (N_SAMPLES, 1):
        raise DataValidationError(f"x must be float64 (n, {N_SAMPLES}, 1), got {x.dtype} {x.shape}")
    if not x.flags.c_contiguous:
        raise DataValidationError("x must be C-contiguous")
    if y.dtype != np.int64 or y.shape != (x.shape[0],):
        raise DataValidationError(f"y must be int64 ({x.shape[0]},), got {y.dtype} {y.shape}")
    if not np.isin(y, (0, 1)).all():
        raise DataValidationError("labels must be 0 (normal) or 1 (atrial_fibrillation)")


def check_finite(x: np.ndarray) -> None:
    """No NaN or infinity anywhere."""
    if not np.isfinite(x).all():
        raise DataValidationError("x contains NaN or infinite values")


def check_range(x: np.ndarray, limit: float = MAX_ABS_MV) -> None:
    """A surface ECG stays well inside +-10 mV; larger values mean a unit or gain error."""
    peak = float(np.abs(x).max()) if x.size else 0.0
    if peak >= limit:
        raise DataValidationError(f"|x| reaches {peak} mV, limit {limit} mV")


def check_quantized(x: np.ndarray, resolution: float = RESOLUTION_MV) -> None:
    """Every value is a multiple of 0.001 mV (keeps the decimal XML short and exact)."""
    steps = x / resolution
    if np.abs(steps - np.round(steps)).max(initial=0.0) > 1e-6:
        raise DataValidationError(f"x is not quantised to {resolution} mV")


def check_class_balance(y: np.ndarray, tolerance: float = 0.05) -> None:
    """Each class within 50 % +- tolerance."""
    frac = float(np.mean(y == 1)) if y.size else 0.0
    if abs(frac - 0.5) > tolerance:
        raise DataValidationError(f"class balance {1 - frac:.3f}/{frac:.3f} outside 0.5 +- {tolerance}")


def record_hashes(x: np.ndarray) -> set[str]:
    """sha256 of each record's bytes."""
    return {hashlib.sha256(np.ascontiguousarray(r).tobytes()).hexdigest() for r in x}


def check_no_leakage(splits: dict[str, Split]) -> None:
    """No subject and no identical record (byte hash) in two splits."""
    names = list(splits)
    hashes = {n: record_hashes(splits[n].x) for n in names}
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            shared = set(splits[a].subjects.tolist()) & set(splits[b].subjects.tolist())
            if shared:
                raise DataValidationError(f"subjects {sorted(shared)[:5]} in both {a} and {b}")
            if hashes[a] & hashes[b]:
                raise DataValidationError(f"identical records in both {a} and {b}")


def validate_split(split: Split) -> None:
    """All per-split rules."""
    check_shape_dtype(split.x, split.y)
    check_finite(split.x)
    check_range(split.x)
    check_quantized(split.x)
    check_class_balance(split.y)
    if split.subjects.shape != split.y.shape:
        raise DataValidationError("one subject id per record is required")


def validate_splits(splits: dict[str, Split]) -> None:
    """Every rule on every split, then the cross-split leakage rules."""
    for split in splits.values():
        validate_split(split)
    check_no_leakage(splits)


def class_balance(y: np.ndarray) -> list[float]:
    """[fraction normal, fraction AF]."""
    return [float(np.mean(y == 0)), float(np.mean(y == 1))]
