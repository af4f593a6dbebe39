"""ONNX export, ONNX Runtime runs (onnxruntime-node), held-out set, manifest, reference statistics, run records.

Why expected outputs come from onnxruntime-node: the gateway serves the file with that runtime, so the
held-out parity test compares the gateway against what the same runtime produced at build time.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import onnx
import torch
from PIL import Image
from torch import nn

import recipe_common
from data import LABELS
from preprocess import MEAN, SCALE, STD, image_section
from recipe_common import decile_histogram, ort_run, sha256_file, to_json, write_json  # noqa: F401 (re-exported)

OPSET = 13
INPUT_NAME, OUTPUT_NAME = "image", "probabilities"
SIDE = 28
MAX_BATCH = 64
DESCRIPTION = ("Small CNN classifying a handwritten or printed digit 0-9 from one image (28x28 greyscale after "
               "the gateway's image preprocessing); trained on MNIST with augmentation towards photos and scans.")


def export_onnx(model: nn.Module, path: Path, label: str = "infergraph digits: " + DESCRIPTION) -> bytes:
    """Trace with a float32 example, opset 13, dynamic batch axis N; returns the bytes written."""
    example = torch.zeros(2, 1, SIDE, SIDE, dtype=torch.float32)
    return recipe_common.export_onnx(model, example, path, INPUT_NAME, OUTPUT_NAME, label, OPSET)


def image_statistics(x: np.ndarray) -> dict[str, np.ndarray]:
    """Per-image mean, std (population), min and max of the preprocessed float64 tensor (n, 1, 28, 28).

    The gateway's drift monitor computes exactly these over each request's input values (signalStatistics).
    """
    flat = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    return {"mean": flat.mean(axis=1), "std": flat.std(axis=1), "min": flat.min(axis=1), "max": flat.max(axis=1)}


def reference_statistics(x_train: np.ndarray, proba_train: np.ndarray) -> dict:
    """ecg-rhythm-shaped drift reference (what src/drift parses): per-image input stats, class mix, confidence."""
    inputs = {}
    for name, vals in image_statistics(x_train).items():
        inputs[name] = {"mean": float(vals.mean()), "std": float(vals.std()), **decile_histogram(vals)}
    pred = proba_train.argmax(axis=1)
    return {"source": "training split (unaugmented MNIST, preprocessed)", "inputs": inputs,
            "outputs": {"classMix": [float(np.mean(pred == k)) for k in range(len(LABELS))],
                        "confidence": decile_histogram(proba_train.max(axis=1))}}


def pixel_reference(x_u8: np.ndarray, y: np.ndarray) -> dict:
    """Pixel-level reference of the training split: intensity mean/std (0..1 and model units), label mix."""
    unit = np.asarray(x_u8, dtype=np.float64) * SCALE
    model_units = (unit - MEAN) / STD
    counts = np.bincount(y, minlength=len(LABELS))
    return {"source": "training split (unaugmented MNIST)", "n": int(len(y)),
            "pixelIntensity": {"mean": float(unit.mean()), "std": float(unit.std()),
                               "inkFraction": float(np.mean(x_u8 > 127))},
            "normalisedInput": {"mean": float(model_units.mean()), "std": float(model_units.std())},
            "classMix": [float(c / counts.sum()) for c in counts]}


def write_heldout(directory: Path, x: np.ndarray, y: np.ndarray, expected: np.ndarray, images_u8: np.ndarray,
                  samples: int = 20) -> list[str]:
    """inputs.npy float64 (n,1,28,28), labels.npy int64 (n,), expected_outputs.npy float64 (n,10), samples/*.png.

    The samples are the first samples // 10 held-out items of every class, saved as 28x28 8-bit grey PNGs
    named <index in inputs.npy>-<label>.png. Returns the sample file names.
    """
    recipe_common.write_heldout(directory, x, y, expected)
    sample_dir = directory / "samples"
    if sample_dir.exists():
        shutil.rmtree(sample_dir)
    sample_dir.mkdir()
    names = []
    per = max(1, samples // len(LABELS))
    picks = sorted(int(i) for c in range(len(LABELS)) for i in np.flatnonzero(y == c)[:per])
    for i in picks:
        name = f"{i}-{int(y[i])}.png"
        Image.fromarray(np.asarray(images_u8[i], dtype=np.uint8), mode="L").save(sample_dir / name, optimize=False)
        names.append(name)
    return names


def build_manifest(model_path: Path, *, seed: int, epochs: int, parameters: int, dataset: dict, test: dict,
                   validation: dict, other_origin: dict, heldout_eval: dict, reference: dict,
                   reference_statistics_: dict, samples: list[str],
                   recipe_command: str = "training/digits/build.py") -> dict:
    """The manifest the TypeScript gateway parses; key names and order follow models/ecg-rhythm/1."""
    return {
        "name": "digits",
        "version": 1,
        "description": DESCRIPTION,
        "file": model_path.name,
        "sha256": sha256_file(model_path),
        "sizeBytes": model_path.stat().st_size,
        "inputs": [{"name": INPUT_NAME, "dtype": "float32", "shape": ["N", 1, SIDE, SIDE]}],
        "outputs": [{"name": OUTPUT_NAME, "dtype": "float32", "shape": ["N", len(LABELS)]}],
        "labels": list(LABELS),
        "input": image_section(),
        "maxBatchSize": MAX_BATCH,
        "framework": {"name": "pytorch", "version": torch.__version__, "onnxOpset": OPSET,
                      "onnxVersion": onnx.__version__},
        "training": {"seed": seed, "recipe": recipe_command, "epochs": epochs, "parameters": parameters,
                     "dataset": dataset},
        "evaluation": {"test": test, "validation": validation, "otherOrigin": other_origin,
                       "heldout": heldout_eval},
        "reference": reference,
        "referenceStatistics": reference_statistics_,
        "heldout": {"inputs": "heldout/inputs.npy", "labels": "heldout/labels.npy",
                    "expectedOutputs": "heldout/expected_outputs.npy", "samples": "heldout/samples",
                    "sampleFiles": samples},
    }


def write_manifest(path: Path, manifest: dict) -> None:
    """Write the manifest as 2-space JSON followed by a newline."""
    write_json(path, manifest)


def artefact_hashes(directory: Path) -> dict[str, dict]:
    """{relative path: {sha256, sizeBytes}} of every file under directory, sorted."""
    directory = Path(directory)
    return {p.relative_to(directory).as_posix(): {"sha256": sha256_file(p), "sizeBytes": p.stat().st_size}
            for p in sorted(directory.rglob("*")) if p.is_file()}
