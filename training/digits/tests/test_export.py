"""Tiny end-to-end build (train + export + ONNX Runtime) into a temp dir, the ONNX signature and the manifest."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import torch
from PIL import Image

from export import export_onnx, sha256_file
from network import DigitsNet
from runs_table import load_records, markdown_table

FLOAT = onnx.TensorProto.FLOAT
TOLERANCE = 1e-5
TOP_KEYS = ["name", "version", "description", "file", "sha256", "sizeBytes", "inputs", "outputs", "labels",
            "input", "maxBatchSize", "framework", "training", "evaluation", "reference", "referenceStatistics",
            "heldout"]


def dims(value_info: onnx.ValueInfoProto) -> list:
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def assert_signature(model: onnx.ModelProto) -> None:
    (inp,), (out,) = model.graph.input, model.graph.output
    assert inp.name == "image" and inp.type.tensor_type.elem_type == FLOAT
    assert out.name == "probabilities" and out.type.tensor_type.elem_type == FLOAT
    assert dims(inp) == ["N", 1, 28, 28] and dims(out) == ["N", 10]
    assert model.opset_import[0].version == 13
    ops = [n.op_type for n in model.graph.node]
    assert ops[-1] == "Softmax" and "BatchNormalization" not in ops and "Conv" in ops


def test_fresh_export_signature_and_determinism(tmp_path: Path) -> None:
    torch.manual_seed(3)
    net = DigitsNet(width=4)
    a, b = export_onnx(net, tmp_path / "a.onnx"), export_onnx(net, tmp_path / "b.onnx")
    assert a == b
    model = onnx.load(str(tmp_path / "a.onnx"))
    onnx.checker.check_model(model, full_check=True)
    assert_signature(model)


def test_quick_build_onnx_matches_pytorch_in_runtime(quick_build: dict, ort_run, tmp_path: Path) -> None:
    """The built file loads in onnxruntime-node and gives PyTorch's outputs (retrained here: same seed)."""
    out = quick_build["out"]
    model = onnx.load(str(out / "model.onnx"))
    onnx.checker.check_model(model, full_check=True)
    assert_signature(model)
    x = np.load(out / "heldout" / "inputs.npy")
    expected = np.load(out / "heldout" / "expected_outputs.npy")
    got = ort_run(out / "model.onnx", x[:50], tmp_path)
    assert got.dtype == np.float64 and got.shape == (50, 10)
    np.testing.assert_allclose(got, expected[:50], atol=TOLERANCE, rtol=0)
    np.testing.assert_allclose(got[:1], ort_run(out / "model.onnx", x[:1], tmp_path), atol=TOLERANCE, rtol=0)
    assert quick_build["manifest"]["evaluation"]["heldout"]["maxAbsDiffToPytorch"] < TOLERANCE
    np.testing.assert_allclose(expected.sum(axis=1), 1.0, atol=1e-5)


def test_export_of_trained_weights_matches_torch(tmp_path: Path, ort_run, splits) -> None:
    from augment import to_model_input
    from train import TrainConfig, predict_proba, set_determinism, train_model
    from data import Split

    set_determinism(11)
    net = DigitsNet(width=4)
    small = Split("t", splits["train"].x[:640], splits["train"].y[:640], splits["train"].index[:640])
    train_model(net, small, splits["validation"], TrainConfig(seed=11, epochs=1), log=lambda _: None)
    path = tmp_path / "m.onnx"
    export_onnx(net, path)
    x = to_model_input(splits["test"].x[:20]).numpy().astype(np.float64)
    np.testing.assert_allclose(ort_run(path, x, tmp_path), predict_proba(net, x.astype(np.float32)),
                               atol=TOLERANCE, rtol=0)


def test_quick_build_manifest_shape(quick_build: dict) -> None:
    m, out = quick_build["manifest"], quick_build["out"]
    assert list(m) == TOP_KEYS
    assert m["name"] == "digits" and m["version"] == 1 and m["file"] == "model.onnx" and m["maxBatchSize"] == 64
    assert m["sha256"] == sha256_file(out / "model.onnx") and m["sizeBytes"] == (out / "model.onnx").stat().st_size
    assert m["inputs"] == [{"name": "image", "dtype": "float32", "shape": ["N", 1, 28, 28]}]
    assert m["outputs"] == [{"name": "probabilities", "dtype": "float32", "shape": ["N", 10]}]
    assert m["labels"] == [str(d) for d in range(10)]
    assert m["input"] == {"kind": "image", "image": {
        "width": 28, "height": 28, "channels": 1, "layout": "NCHW", "fit": "contain", "background": 0,
        "polarity": "light-on-dark", "scale": 0.00392156862745098, "mean": [0.1307], "std": [0.3081]}}
    assert set(m["framework"]) == {"name", "version", "onnxOpset", "onnxVersion"}
    t = m["training"]
    assert t["dataset"]["counts"] == {"train": 7000, "validation": 1000, "test": 2000}
    assert sorted(t["dataset"]["sha256"]) == [f"{d}.json" for d in range(10)]
    ev = m["evaluation"]
    assert ev["test"]["n"] == 2000 and list(ev["test"]["perClass"]) == m["labels"]
    assert ev["otherOrigin"]["n"] == 200 and 0 <= ev["otherOrigin"]["accuracy"] <= 1
    assert ev["heldout"]["n"] == 1000
    assert abs(sum(m["reference"]["classMix"]) - 1) < 1e-9 and m["reference"]["pixelIntensity"]["std"] > 0
    rs = m["referenceStatistics"]
    assert set(rs["inputs"]) == {"mean", "std", "min", "max"} and len(rs["outputs"]["classMix"]) == 10
    for stat in rs["inputs"].values():
        assert len(stat["binEdges"]) == 11 and abs(sum(stat["proportions"]) - 1) < 1e-9


def test_quick_build_heldout_files(quick_build: dict) -> None:
    out, m = quick_build["out"], quick_build["manifest"]
    x = np.load(out / m["heldout"]["inputs"])
    y = np.load(out / m["heldout"]["labels"])
    e = np.load(out / m["heldout"]["expectedOutputs"])
    assert x.shape == (1000, 1, 28, 28) and x.dtype == np.float64
    assert y.shape == (1000,) and y.dtype == np.int64 and e.shape == (1000, 10) and e.dtype == np.float64
    assert np.bincount(y, minlength=10).min() >= 80  # stratified
    files = sorted((out / "heldout" / "samples").iterdir())
    assert len(files) == 20 and sorted(f.name for f in files) == sorted(m["heldout"]["sampleFiles"])
    for f in files:
        index, label = (int(v) for v in f.stem.split("-"))
        img = Image.open(f)
        assert img.mode == "L" and img.size == (28, 28) and y[index] == label
        u8 = np.asarray(img, dtype=np.float64)
        np.testing.assert_array_equal((u8 * (1 / 255) - 0.1307) / 0.3081, x[index, 0])


def test_quick_build_run_record_and_table(quick_build: dict) -> None:
    (record_path,) = quick_build["runs"].glob("*.json")
    record = json.loads(record_path.read_text())
    assert record["artefacts"]["model.onnx"]["sha256"] == quick_build["manifest"]["sha256"]
    assert set(record["artefacts"]) >= {"model.onnx", "manifest.json", "heldout/inputs.npy",
                                        "heldout/expected_outputs.npy", "heldout/labels.npy"}
    assert record["versions"]["torch"] == torch.__version__ and record["versions"]["onnx"] == onnx.__version__
    assert record["data"]["sha256"] == quick_build["manifest"]["training"]["dataset"]["sha256"]
    assert record["durationSeconds"] > 0 and "accuracy" in record["metrics"]["otherOrigin"]
    table = markdown_table(load_records(quick_build["runs"]))
    lines = table.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("| run (UTC)") and record["startedAt"] in lines[2]
