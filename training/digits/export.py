"""ONNX export, ONNX Runtime runs (onnxruntime-node), held-out set, manifest, reference statistics, run records.

Why expected outputs come from onnxruntime-node: the gateway serves the file with that runtime, so the
held-out parity test compares the gateway against what the same runtime produced at build time.
"""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import onnx
import torch
from PIL import Image
from torch import nn

from data import LABELS
from preprocess import MEAN, SCALE, STD, image_section

OPSET = 13
INPUT_NAME, OUTPUT_NAME = "image", "probabilities"
SIDE = 28
MAX_BATCH = 64
RECIPE_DIR = Path(__file__).resolve().parent
REPO_ROOT = RECIPE_DIR.parents[1]
ORT_RUN = RECIPE_DIR / "ort_run.js"
DESCRIPTION = ("Small CNN classifying a handwritten or printed digit 0-9 from one image (28x28 greyscale after "
               "the gateway's image preprocessing); trained on MNIST with augmentation towards photos and scans.")


def export_onnx(model: nn.Module, path: Path, label: str = "infergraph digits: " + DESCRIPTION) -> bytes:
    """Trace with a float32 example, opset 13, dynamic batch axis N; returns the bytes written."""
    model.eval()
    example = torch.zeros(2, 1, SIDE, SIDE, dtype=torch.float32)
    buf = io.BytesIO()
    torch.onnx.export(model, example, buf, input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
                      dynamic_axes={INPUT_NAME: {0: "N"}, OUTPUT_NAME: {0: "N"}},
                      opset_version=OPSET, do_constant_folding=True)
    proto = onnx.load_from_string(buf.getvalue())
    proto.doc_string = label
    onnx.checker.check_model(proto)
    data = proto.SerializeToString()
    Path(path).write_bytes(data)
    return data


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class RuntimeUnavailable(RuntimeError):
    """node or onnxruntime-node is missing."""


def ort_run(model_path: Path, x: np.ndarray) -> np.ndarray:
    """Outputs of onnxruntime-node (via ort_run.js) for float64 (n, 1, 28, 28) inputs, as float64 (n, 10)."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeUnavailable("`node` is not on PATH (Node.js >= 20 and `npm ci` at the repo root are needed)")
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "in.npy", Path(tmp) / "out.npy"
        np.save(inp, np.ascontiguousarray(x, dtype=np.float64))
        proc = subprocess.run([node, str(ORT_RUN), str(model_path), str(inp), str(out)], cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=300)
        if proc.returncode == 3:
            raise RuntimeUnavailable(proc.stderr.strip())
        if proc.returncode != 0:
            raise RuntimeError(f"ort_run.js failed ({proc.returncode}): {proc.stderr}")
        return np.load(out)


def decile_histogram(values: np.ndarray) -> dict:
    """11 edges (outer ones +-inf, written as null) from the deciles; bins are [lo, hi)."""
    inner = np.quantile(values, np.linspace(0.1, 0.9, 9))
    counts = np.bincount(np.searchsorted(inner, values, side="right"), minlength=10)
    return {"binEdges": [None] + [float(e) for e in inner] + [None],
            "proportions": [float(c) for c in counts / counts.sum()]}


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
    directory.mkdir(parents=True, exist_ok=True)
    np.save(directory / "inputs.npy", np.ascontiguousarray(x, dtype=np.float64))
    np.save(directory / "labels.npy", np.ascontiguousarray(y, dtype=np.int64))
    np.save(directory / "expected_outputs.npy", np.ascontiguousarray(expected, dtype=np.float64))
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


def to_json(value: object, level: int = 0) -> str:
    """2-space indented JSON with lists of scalars kept on one line; allow_nan=False keeps it valid JSON."""
    pad, inner = "  " * level, "  " * (level + 1)
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(k)}: {to_json(v, level + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        return "[\n" + ",\n".join(inner + to_json(v, level + 1) for v in value) + "\n" + pad + "]"
    return json.dumps(value, allow_nan=False, separators=(", ", ": "))


def write_manifest(path: Path, manifest: dict) -> None:
    """Write the manifest as 2-space JSON followed by a newline."""
    Path(path).write_text(to_json(manifest) + "\n")


def artefact_hashes(directory: Path) -> dict[str, dict]:
    """{relative path: {sha256, sizeBytes}} of every file under directory, sorted."""
    directory = Path(directory)
    return {p.relative_to(directory).as_posix(): {"sha256": sha256_file(p), "sizeBytes": p.stat().st_size}
            for p in sorted(directory.rglob("*")) if p.is_file()}
