"""ONNX export, onnxruntime-node runs and timing, the held-out set, reference statistics and the manifest."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch

import recipe_common
from data import LABELS
from network import TweetCNN
from recipe_common import decile_histogram, ort_run, sha256_file, write_heldout, write_json  # noqa: F401 (re-exported)
from tokenizer import MAX_CHARS, NAME as TOKENIZER_NAME, PAD_ID, UNK_ID

OPSET = 13
INPUT_NAME, OUTPUT_NAME = "ids", "probabilities"
MAX_BATCH_SIZE = 64


def export_onnx(model: TweetCNN, path: Path, max_length: int, label: str = "infergraph tweet-sentiment") -> bytes:
    """Trace with int64 ids (2, max_length), opset 13, dynamic batch axis N; returns the bytes written."""
    example = torch.ones(2, max_length, dtype=torch.int64)
    return recipe_common.export_onnx(model, example, path, INPUT_NAME, OUTPUT_NAME, label, OPSET)


def ort_bench(model_path: Path, ids: np.ndarray, batches: tuple[int, ...] = (1, 64)) -> dict:
    """Median ms per tweet in onnxruntime-node (1 intra-op thread) at each batch size."""
    ms = recipe_common.ort_bench(model_path, ids, batches)
    return {f"batch{b}MsPerTweet": ms[b] for b in batches}


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
