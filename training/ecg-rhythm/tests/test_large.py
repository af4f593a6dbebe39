"""The committed compute-heavy variant, models/ecg-rhythm-large/1: same contract, millions of parameters, and what
the manifest says about it holds in the gateway's runtime."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest

from conftest import REPO_ROOT
from export import sha256_file

LARGE_DIR = REPO_ROOT / "models" / "ecg-rhythm-large" / "1"


@pytest.fixture(scope="module")
def large_manifest() -> dict:
    return json.loads((LARGE_DIR / "manifest.json").read_text())


def test_large_manifest_names_the_variant_and_keeps_the_contract(large_manifest: dict, manifest: dict) -> None:
    assert large_manifest["name"] == "ecg-rhythm-large" and large_manifest["version"] == 1
    assert large_manifest["training"]["recipe"] == "training/ecg-rhythm/build.py --model large"
    for key in ("inputs", "outputs", "labels", "signal", "maxBatchSize"):
        assert large_manifest[key] == manifest[key], key
    assert sha256_file(LARGE_DIR / "model.onnx") == large_manifest["sha256"]
    assert (LARGE_DIR / "model.onnx").stat().st_size == large_manifest["sizeBytes"]


def test_large_model_has_millions_of_parameters() -> None:
    proto = onnx.load(str(LARGE_DIR / "model.onnx"))
    parameters = sum(int(np.prod(t.dims)) for t in proto.graph.initializer)
    assert parameters >= 2_000_000


def test_large_model_in_runtime_matches_pytorch_and_its_accuracy(ort_run, large_manifest: dict, tmp_path: Path) -> None:
    x = np.load(LARGE_DIR / "heldout" / "inputs.npy")
    y = np.load(LARGE_DIR / "heldout" / "labels.npy")
    expected = np.load(LARGE_DIR / "heldout" / "expected_outputs.npy")
    got = ort_run(LARGE_DIR / "model.onnx", x, tmp_path)
    assert float(np.abs(got - expected).max()) < 1e-5
    accuracy = float(np.mean(got.argmax(axis=1) == y))
    assert accuracy >= 0.97 and accuracy == large_manifest["evaluation"]["test"]["accuracy"]
