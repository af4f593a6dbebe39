"""ONNX export, held-out set and manifest (including drift reference statistics).

Why the manifest carries statistics: the gateway's drift monitor compares live
traffic with the training population by population stability index, so it
needs quantile bins computed once, here, on the training split.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
from torch import nn

import recipe_common
from dataset import LABELS
from ecg_synth import DURATION_S, FS_HZ, N_SAMPLES, RESOLUTION_MV
from recipe_common import decile_histogram, sha256_file, write_heldout, write_json  # noqa: F401 (re-exported)

OPSET = 13
INPUT_NAME, OUTPUT_NAME = "signal", "probabilities"
DESCRIPTION = ("1-D CNN classifying 10 s single-lead ECGs sampled at 500 Hz: "
               "normal sinus rhythm vs atrial fibrillation.")
HIGH_FREQ_HZ = 40.0


def export_onnx(model: nn.Module, path: Path, label: str = "infergraph ecg-rhythm: " + DESCRIPTION) -> bytes:
    """Trace with a double example, opset 13, dynamic batch axis N; returns the bytes written."""
    example = torch.zeros(2, N_SAMPLES, 1, dtype=torch.float64)
    return recipe_common.export_onnx(model, example, path, INPUT_NAME, OUTPUT_NAME, label, OPSET)


def record_statistics(x: np.ndarray) -> dict[str, np.ndarray]:
    """Per-record statistics of the raw signal (n, 5000, 1) that the drift monitor tracks.

    dominantFrequencyHz: argmax of |FFT| excluding DC. highFrequencyEnergyRatio:
    spectral energy above 40 Hz over total energy with the DC bin excluded.
    """
    s = x[:, :, 0]
    power = np.abs(np.fft.rfft(s, axis=1)) ** 2
    freqs = np.fft.rfftfreq(s.shape[1], 1.0 / FS_HZ)
    ac = power[:, 1:]
    total = ac.sum(axis=1)
    high = ac[:, freqs[1:] > HIGH_FREQ_HZ].sum(axis=1)
    return {"mean": s.mean(axis=1), "std": s.std(axis=1), "min": s.min(axis=1), "max": s.max(axis=1),
            "dominantFrequencyHz": freqs[1:][ac.argmax(axis=1)],
            "highFrequencyEnergyRatio": np.where(total > 0, high / np.maximum(total, 1e-300), 0.0)}


def reference_statistics(x_train: np.ndarray, proba_train: np.ndarray) -> dict:
    """Input statistics (mean/std/deciles) and output mix/confidence on the training split."""
    inputs = {}
    for name, vals in record_statistics(x_train).items():
        inputs[name] = {"mean": float(vals.mean()), "std": float(vals.std()), **decile_histogram(vals)}
    pred = proba_train.argmax(axis=1)
    mix = [float(np.mean(pred == k)) for k in range(len(LABELS))]
    return {"source": "training split", "inputs": inputs,
            "outputs": {"classMix": mix, "confidence": decile_histogram(proba_train.max(axis=1))}}


def build_manifest(model_path: Path, *, seed: int, epochs: int, dataset: dict, test: dict,
                   validation: dict, reference: dict, name: str = "ecg-rhythm", description: str = DESCRIPTION,
                   recipe_command: str = "training/ecg-rhythm/build.py") -> dict:
    """The manifest the TypeScript gateway parses; key names and order are a contract."""
    return {
        "name": name,
        "version": 1,
        "description": description,
        "file": model_path.name,
        "sha256": sha256_file(model_path),
        "sizeBytes": model_path.stat().st_size,
        "inputs": [{"name": INPUT_NAME, "dtype": "float64", "shape": ["N", N_SAMPLES, 1]}],
        "outputs": [{"name": OUTPUT_NAME, "dtype": "float64", "shape": ["N", len(LABELS)]}],
        "labels": list(LABELS),
        "signal": {"samplingRateHz": FS_HZ, "durationSeconds": int(DURATION_S), "units": "mV",
                   "resolution": RESOLUTION_MV},
        "maxBatchSize": 32,
        "framework": {"name": "pytorch", "version": torch.__version__, "onnxOpset": OPSET,
                      "onnxVersion": onnx.__version__},
        "training": {"seed": seed, "recipe": recipe_command, "epochs": epochs,
                     "dataset": dataset},
        "evaluation": {"test": test, "validation": validation},
        "referenceStatistics": reference,
        "heldout": {"inputs": "heldout/inputs.npy", "labels": "heldout/labels.npy",
                    "expectedOutputs": "heldout/expected_outputs.npy", "xml": "heldout/inputs.xml"},
    }


def write_manifest(path: Path, manifest: dict) -> None:
    """Write the manifest as 2-space JSON followed by a newline."""
    write_json(path, manifest)
