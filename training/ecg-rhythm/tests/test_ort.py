"""Agreement with the framework through the gateway's runtime (onnxruntime-node via ort_run.js).

These tests FAIL (never skip) when node or onnxruntime-node is missing: the
gateway serves the model with that runtime, so CI must prove it agrees.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import torch

from conftest import ORT_RUN, _require_node_runtime
from export import export_onnx
from train import predict_proba

TOLERANCE = 1e-5


def test_committed_model_matches_pytorch_reference(ort_run, artefact_dir: Path, tmp_path: Path) -> None:
    x = np.load(artefact_dir / "heldout" / "inputs.npy")
    expected = np.load(artefact_dir / "heldout" / "expected_outputs.npy")
    got = ort_run(artefact_dir / "model.onnx", x, tmp_path)
    assert got.dtype == np.float64 and got.shape == expected.shape == (x.shape[0], 2)
    diff = float(np.abs(got - expected).max())
    assert diff < TOLERANCE, f"ONNX Runtime differs from PyTorch by {diff}"


def test_committed_model_accuracy_in_runtime(ort_run, artefact_dir: Path, manifest: dict,
                                             tmp_path: Path) -> None:
    x = np.load(artefact_dir / "heldout" / "inputs.npy")
    y = np.load(artefact_dir / "heldout" / "labels.npy")
    pred = ort_run(artefact_dir / "model.onnx", x, tmp_path).argmax(axis=1)
    accuracy = float(np.mean(pred == y))
    assert accuracy >= 0.97
    assert accuracy == manifest["evaluation"]["test"]["accuracy"]
    cm = np.zeros((2, 2), dtype=int)
    np.add.at(cm, (y, pred), 1)
    assert cm.tolist() == manifest["evaluation"]["test"]["confusionMatrix"]


def test_fresh_export_matches_torch_in_runtime(ort_run, trained_small, small_splits,
                                               tmp_path: Path) -> None:
    model, _ = trained_small
    path = tmp_path / "small.onnx"
    export_onnx(model, path)
    x = small_splits["test"].x[:5]
    got = ort_run(path, x, tmp_path)
    np.testing.assert_allclose(got, predict_proba(model, x), atol=TOLERANCE, rtol=0)
    with torch.no_grad():  # a single record (N = 1) goes through the dynamic batch axis too
        np.testing.assert_allclose(ort_run(path, x[:1], tmp_path), model(torch.from_numpy(x[:1])).numpy(),
                                   atol=TOLERANCE, rtol=0)


def test_ort_run_rejects_non_float64_input(artefact_dir: Path, tmp_path: Path) -> None:
    node = _require_node_runtime()
    bad = tmp_path / "f32.npy"
    np.save(bad, np.zeros((1, 5000, 1), dtype=np.float32))
    proc = subprocess.run([node, str(ORT_RUN), str(artefact_dir / "model.onnx"), str(bad), str(tmp_path / "o.npy")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "float64" in proc.stderr
