"""manifest.json: the contract the TypeScript gateway and the drift monitor parse."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import onnx
import torch

from export import record_statistics

TOP_KEYS = ["name", "version", "description", "file", "sha256", "sizeBytes", "inputs", "outputs", "labels",
            "signal", "maxBatchSize", "framework", "training", "evaluation", "referenceStatistics", "heldout"]
INPUT_STATS = {"mean", "std", "min", "max", "dominantFrequencyHz", "highFrequencyEnergyRatio"}


def assert_histogram(h: dict) -> None:
    edges, props = h["binEdges"], h["proportions"]
    assert len(edges) == 11 and edges[0] is None and edges[-1] is None
    assert all(isinstance(e, float) for e in edges[1:-1]) and np.all(np.diff(edges[1:-1]) >= 0)
    assert len(props) == 10 and all(p >= 0 for p in props) and math.isclose(sum(props), 1.0, abs_tol=1e-9)


def test_required_keys_in_order(manifest: dict) -> None:
    assert list(manifest) == TOP_KEYS
    assert manifest["name"] == "ecg-rhythm" and manifest["version"] == 1 and manifest["file"] == "model.onnx"
    assert len(manifest["sha256"]) == 64 and int(manifest["sha256"], 16) >= 0
    assert manifest["maxBatchSize"] == 32
    assert manifest["signal"] == {"samplingRateHz": 500, "durationSeconds": 10, "units": "mV",
                                  "resolution": 0.001}
    assert manifest["inputs"] == [{"name": "signal", "dtype": "float64", "shape": ["N", 5000, 1]}]
    assert manifest["outputs"] == [{"name": "probabilities", "dtype": "float64", "shape": ["N", 2]}]


def test_labels_order(manifest: dict) -> None:
    assert manifest["labels"] == ["normal", "atrial_fibrillation"]
    assert list(manifest["evaluation"]["test"]["perClass"]) == manifest["labels"]


def test_framework_matches_installed(manifest: dict) -> None:
    fw = manifest["framework"]
    assert fw == {"name": "pytorch", "version": torch.__version__, "onnxOpset": 13,
                  "onnxVersion": onnx.__version__}
    assert manifest["training"]["recipe"] == "training/ecg-rhythm/build.py"


def test_dataset_and_evaluation_consistent(manifest: dict, artefact_dir: Path) -> None:
    ds = manifest["training"]["dataset"]
    assert set(ds["subjects"]) == set(ds["records"]) == {"train", "validation", "test"}
    for split, balance in ds["classBalance"].items():
        assert math.isclose(sum(balance), 1.0) and abs(balance[0] - 0.5) <= 0.05, split
    test = manifest["evaluation"]["test"]
    labels = np.load(artefact_dir / "heldout" / "labels.npy")
    assert test["n"] == ds["records"]["test"] == len(labels)
    assert np.sum(test["confusionMatrix"]) == test["n"]
    assert test["accuracy"] >= 0.97 and manifest["evaluation"]["validation"]["n"] == ds["records"]["validation"]
    for cls in test["perClass"].values():
        assert set(cls) == {"precision", "recall", "f1"} and all(0 <= v <= 1 for v in cls.values())


def test_reference_statistics_well_formed(manifest: dict) -> None:
    ref = manifest["referenceStatistics"]
    assert ref["source"] == "training split" and set(ref["inputs"]) == INPUT_STATS
    for stat in ref["inputs"].values():
        assert isinstance(stat["mean"], float) and stat["std"] >= 0
        assert_histogram(stat)
    assert math.isclose(sum(ref["outputs"]["classMix"]), 1.0) and len(ref["outputs"]["classMix"]) == 2
    assert_histogram(ref["outputs"]["confidence"])


def test_heldout_files_recorded_and_present(manifest: dict, artefact_dir: Path) -> None:
    held = manifest["heldout"]
    assert held["xml"] == "heldout/inputs.xml"  # produced later by `npm run npy2xml`
    for key in ("inputs", "labels", "expectedOutputs"):
        assert (artefact_dir / held[key]).is_file(), held[key]


def test_heldout_population_is_stable_against_reference(manifest: dict, artefact_dir: Path) -> None:
    """PSI of the held-out split vs the training bins stays small: the reference is usable for drift."""
    stats = record_statistics(np.load(artefact_dir / "heldout" / "inputs.npy"))
    for name, ref in manifest["referenceStatistics"]["inputs"].items():
        inner = np.array(ref["binEdges"][1:-1])
        counts = np.bincount(np.searchsorted(inner, stats[name], side="right"), minlength=10)
        actual, expected = counts / counts.sum(), np.array(ref["proportions"])
        both = (actual > 0) | (expected > 0)
        a, e = np.clip(actual[both], 1e-4, None), np.clip(expected[both], 1e-4, None)
        psi = float(np.sum((a - e) * np.log(a / e)))
        assert psi < 0.25, f"{name}: PSI {psi:.3f}"
