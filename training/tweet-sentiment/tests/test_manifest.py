"""manifest.json, vocab.json, heldout/*.npy: built by build.py; checked here when they exist (else skipped)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from conftest import require_artefacts, require_node
from export import build_manifest, export_onnx, ort_run, sha256_file
from network import TweetCNN
from tokenizer import Vocabulary

TOP_KEYS = ["name", "version", "description", "file", "sha256", "sizeBytes", "inputs", "outputs", "labels", "input",
            "maxBatchSize", "framework", "training", "evaluation", "reference", "heldout"]


def test_build_manifest_shape(tmp_path: Path) -> None:
    torch.manual_seed(0)
    path = tmp_path / "model.onnx"
    export_onnx(TweetCNN(10, embed_dim=4, filters=4, kernels=(3,)), path, 6)
    m = build_manifest(path, description="d", max_length=6, seed=1, recipe="r", data_sha256="0" * 64, dataset={},
                       hyperparameters={}, test={}, validation={}, heldout={}, reference={})
    assert list(m) == TOP_KEYS
    assert m["inputs"] == [{"name": "ids", "dtype": "int64", "shape": ["N", 6]}]
    assert m["outputs"] == [{"name": "probabilities", "dtype": "float32", "shape": ["N", 3]}]
    assert m["input"] == {"kind": "text", "text": {"tokenizer": "infergraph-words-1", "vocabulary": "vocab.json",
                                                   "maxLength": 6, "padId": 0, "unknownId": 1, "maxChars": 1000}}
    assert m["maxBatchSize"] == 64 and m["sha256"] == sha256_file(path)


@pytest.fixture(scope="module")
def built() -> tuple[Path, dict]:
    out = require_artefacts()
    return out, json.loads((out / "manifest.json").read_text())


def test_built_manifest_contract(built) -> None:
    out, m = built
    assert list(m) == TOP_KEYS and m["name"] == "tweet-sentiment" and m["version"] == 1
    assert m["labels"] == ["negative", "neutral", "positive"]
    assert m["sha256"] == sha256_file(out / m["file"]) and m["sizeBytes"] == (out / m["file"]).stat().st_size
    t = m["input"]["text"]
    assert m["inputs"][0]["shape"] == ["N", t["maxLength"]] and t["maxLength"] == m["training"]["hyperparameters"]["maxLength"]
    assert len(m["training"]["data"]["sha256"]) == 64
    assert m["framework"]["onnxOpset"] == 13
    test = m["evaluation"]["test"]
    assert test["n"] == m["training"]["dataset"]["split"]["test"] and np.sum(test["confusionMatrix"]) == test["n"]
    assert list(test["perClass"]) == m["labels"]
    ref = m["reference"]
    assert math.isclose(sum(ref["labelMix"]), 1.0) and math.isclose(sum(ref["outputs"]["classMix"]), 1.0)
    for stat in ref["inputs"].values():
        assert len(stat["binEdges"]) == 11 and math.isclose(sum(stat["proportions"]), 1.0)


def test_built_vocab_and_graph_agree(built) -> None:
    out, m = built
    vocab = Vocabulary.load(out / "vocab.json")
    assert len(vocab) == m["training"]["hyperparameters"]["vocabularySize"]
    graph = onnx.load(str(out / m["file"]))
    (emb,) = [i for i in graph.graph.initializer if len(i.dims) == 2 and i.dims[1] == m["training"]["hyperparameters"]["embedDim"]
              and i.dims[0] == len(vocab)]
    assert emb.dims[0] == len(vocab)


def test_built_heldout_reproduces_in_runtime(built) -> None:
    out, m = built
    require_node()
    x = np.load(out / m["heldout"]["inputs"])
    y = np.load(out / m["heldout"]["labels"])
    expected = np.load(out / m["heldout"]["expectedOutputs"])
    assert x.dtype == np.float64 and x.shape == (1000, m["input"]["text"]["maxLength"])
    assert y.dtype == np.int64 and expected.dtype == np.float64 and expected.shape == (1000, 3)
    assert np.all(x == np.round(x)) and x.min() >= 0
    got = ort_run(out / m["file"], x)
    np.testing.assert_allclose(got, expected, atol=1e-6, rtol=0)
    assert float(np.mean(got.argmax(1) == y)) == m["heldout"]["accuracy"]
