"""ONNX export, onnxruntime-node runs and timing, the held-out set, reference statistics and the manifest."""
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

from data import LABELS
from network import TweetCNN
from tokenizer import MAX_CHARS, NAME as TOKENIZER_NAME, PAD_ID, UNK_ID

OPSET = 13
INPUT_NAME, OUTPUT_NAME = "ids", "probabilities"
RECIPE_DIR = Path(__file__).resolve().parent
REPO_ROOT = RECIPE_DIR.parents[1]
ORT_RUN = RECIPE_DIR / "ort_run.js"
MAX_BATCH_SIZE = 64


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def export_onnx(model: TweetCNN, path: Path, max_length: int, label: str = "infergraph tweet-sentiment") -> bytes:
    """Trace with int64 ids (2, max_length), opset 13, dynamic batch axis N; returns the bytes written."""
    model.eval()
    example = torch.ones(2, max_length, dtype=torch.int64)
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


def node_binary() -> str:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("`node` is not on PATH: onnxruntime-node runs need Node.js >= 20 and `npm ci`")
    return node


def ort_run(model_path: Path, ids: np.ndarray) -> np.ndarray:
    """Outputs of the ONNX file on ids (n, T) through onnxruntime-node, as float64."""
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "ids.npy", Path(tmp) / "out.npy"
        np.save(inp, np.ascontiguousarray(ids, dtype=np.float64))
        proc = subprocess.run([node_binary(), str(ORT_RUN), "run", str(model_path), str(inp), str(out)],
                              cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(f"ort_run.js failed ({proc.returncode}): {proc.stderr}")
        return np.load(out)


def ort_bench(model_path: Path, ids: np.ndarray, batches: tuple[int, ...] = (1, 64)) -> dict:
    """Median ms per tweet in onnxruntime-node (1 intra-op thread) at each batch size."""
    with tempfile.TemporaryDirectory() as tmp:
        inp = Path(tmp) / "ids.npy"
        np.save(inp, np.ascontiguousarray(ids, dtype=np.float64))
        proc = subprocess.run([node_binary(), str(ORT_RUN), "bench", str(model_path), str(inp),
                               *map(str, batches)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(f"ort_run.js bench failed ({proc.returncode}): {proc.stderr}")
        return json.loads(proc.stdout)


def write_heldout(directory: Path, ids: np.ndarray, labels: np.ndarray, expected: np.ndarray) -> None:
    """inputs.npy float64 (n, T) ids, labels.npy int64 (n,), expected_outputs.npy float64 (n, 3)."""
    directory.mkdir(parents=True, exist_ok=True)
    np.save(directory / "inputs.npy", np.ascontiguousarray(ids, dtype=np.float64))
    np.save(directory / "labels.npy", np.ascontiguousarray(labels, dtype=np.int64))
    np.save(directory / "expected_outputs.npy", np.ascontiguousarray(expected, dtype=np.float64))


def decile_histogram(values: np.ndarray) -> dict:
    """11 edges (outer ones +-inf, written as null) from the deciles; bins are [lo, hi)."""
    inner = np.quantile(values, np.linspace(0.1, 0.9, 9))
    counts = np.bincount(np.searchsorted(inner, values, side="right"), minlength=10)
    return {"binEdges": [None] + [float(e) for e in inner] + [None],
            "proportions": [float(c) for c in counts / counts.sum()]}


def text_statistics(token_lists, vocab) -> dict[str, np.ndarray]:
    """Per tweet: tokenCount (before truncation) and oovRate (share of tokens mapped to <unk>, 0 if no token)."""
    counts = np.array([len(t) for t in token_lists], dtype=np.float64)
    oov = np.array([sum(tok not in vocab.index for tok in t) / len(t) if t else 0.0 for t in token_lists])
    return {"tokenCount": counts, "oovRate": oov}


def reference_statistics(token_lists, vocab, labels: np.ndarray, proba: np.ndarray, max_length: int) -> dict:
    """Training-split statistics for drift monitoring (inputs per tweet, output mix and confidence)."""
    stats = text_statistics(token_lists, vocab)
    n_tokens = float(stats["tokenCount"].sum())
    unk_tokens = float(sum(tok not in vocab.index for t in token_lists for tok in t))
    inputs = {name: {"mean": float(v.mean()), "std": float(v.std()), **decile_histogram(v)}
              for name, v in stats.items()}
    pred = proba.argmax(axis=1)
    return {
        "source": "training split",
        "tweets": int(len(token_lists)),
        "tokenOovRate": unk_tokens / n_tokens,
        "emptyShare": float(np.mean(stats["tokenCount"] == 0)),
        "truncatedShare": float(np.mean(stats["tokenCount"] > max_length)),
        "labelMix": [float(np.mean(labels == k)) for k in range(len(LABELS))],
        "inputs": inputs,
        "outputs": {"classMix": [float(np.mean(pred == k)) for k in range(len(LABELS))],
                    "confidence": decile_histogram(proba.max(axis=1))},
    }


def build_manifest(model_path: Path, *, description: str, max_length: int, seed: int, recipe: str,
                   data_sha256: str, dataset: dict, hyperparameters: dict, test: dict, validation: dict,
                   heldout: dict, reference: dict) -> dict:
    """The manifest the gateway parses: ecg-rhythm's shape plus `input` (the text contract) and `reference`."""
    return {
        "name": "tweet-sentiment",
        "version": 1,
        "description": description,
        "file": model_path.name,
        "sha256": sha256_file(model_path),
        "sizeBytes": model_path.stat().st_size,
        "inputs": [{"name": INPUT_NAME, "dtype": "int64", "shape": ["N", max_length]}],
        "outputs": [{"name": OUTPUT_NAME, "dtype": "float32", "shape": ["N", len(LABELS)]}],
        "labels": list(LABELS),
        "input": {
            "kind": "text",
            "text": {"tokenizer": TOKENIZER_NAME, "vocabulary": "vocab.json", "maxLength": max_length,
                     "padId": PAD_ID, "unknownId": UNK_ID, "maxChars": MAX_CHARS},
        },
        "maxBatchSize": MAX_BATCH_SIZE,
        "framework": {"name": "pytorch", "version": torch.__version__, "onnxOpset": OPSET,
                      "onnxVersion": onnx.__version__},
        "training": {"seed": seed, "recipe": recipe, "data": {"file": "airline-tweets/tweets.csv",
                                                               "sha256": data_sha256},
                     "dataset": dataset, "hyperparameters": hyperparameters},
        "evaluation": {"test": test, "validation": validation},
        "reference": reference,
        "heldout": heldout,
    }


def to_json(value: object, level: int = 0) -> str:
    """2-space indented JSON with lists of scalars kept on one line; NaN/Infinity refused."""
    pad, inner = "  " * level, "  " * (level + 1)
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(k)}: {to_json(v, level + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        return "[\n" + ",\n".join(inner + to_json(v, level + 1) for v in value) + "\n" + pad + "]"
    return json.dumps(value, allow_nan=False, separators=(", ", ": "))


def write_json(path: Path, value: object) -> None:
    Path(path).write_text(to_json(value) + "\n")
