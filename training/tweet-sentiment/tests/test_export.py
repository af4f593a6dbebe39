"""Tiny train + ONNX export: signature, checker, and onnxruntime-node == PyTorch within 1e-5."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from conftest import TINY_LENGTH, require_node
from export import export_onnx, ort_bench, ort_run, sha256_file
from network import TweetCNN
from recipe_common import ORT_RUN
from train import classification_report, predict_proba

TOLERANCE = 1e-5


def dims(value_info: onnx.ValueInfoProto) -> list:
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


@pytest.fixture(scope="module")
def exported(tiny_model: TweetCNN, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("onnx") / "tiny.onnx"
    export_onnx(tiny_model, path, TINY_LENGTH)
    return path


def test_tiny_model_learned_something(tiny_model: TweetCNN, tiny_data) -> None:
    report = classification_report(tiny_data["test"]["y"], predict_proba(tiny_model, tiny_data["test"]["x"]))
    assert report["accuracy"] > 0.6, report  # 3 balanced classes: chance is 0.33


def test_signature_opset_and_checker(exported: Path) -> None:
    model = onnx.load(str(exported))
    onnx.checker.check_model(model, full_check=True)
    (inp,), (out,) = model.graph.input, model.graph.output
    assert inp.name == "ids" and inp.type.tensor_type.elem_type == onnx.TensorProto.INT64
    assert out.name == "probabilities" and out.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert dims(inp) == ["N", TINY_LENGTH] and dims(out) == ["N", 3]
    assert model.opset_import[0].version == 13
    assert {n.op_type for n in model.graph.node} >= {"Gather", "Conv", "ReduceMax", "Softmax"}


def test_onnxruntime_equals_pytorch(exported: Path, tiny_model: TweetCNN, tiny_data) -> None:
    require_node()
    x = np.concatenate([tiny_data["test"]["x"], np.zeros((1, TINY_LENGTH), dtype=np.int64)])  # + an empty tweet
    got = ort_run(exported, x)
    assert got.dtype == np.float64 and got.shape == (len(x), 3)
    np.testing.assert_allclose(got, predict_proba(tiny_model, x), atol=TOLERANCE, rtol=0)
    with torch.no_grad():  # batch 1 through the dynamic axis
        np.testing.assert_allclose(ort_run(exported, x[:1]), tiny_model(torch.from_numpy(x[:1])).numpy(),
                                   atol=TOLERANCE, rtol=0)


def test_onnxruntime_ignores_padding_and_bad_ids(exported: Path) -> None:
    require_node()
    rows = np.zeros((3, TINY_LENGTH), dtype=np.int64)
    rows[0, :3] = [4, 5, 6]
    rows[1, :3] = [4, 5, 6]
    rows[1, 3:] = 0  # same tweet, same padding (sanity); row 2: out-of-range ids behave as <unk>
    rows[2, :3] = [4, 10**6, -2]
    ref = rows.copy()
    ref[2, :3] = [4, 1, 1]
    got, want = ort_run(exported, rows), ort_run(exported, ref)
    np.testing.assert_allclose(got[0], got[1], atol=0)
    np.testing.assert_allclose(got[2], want[2], atol=TOLERANCE)


def test_export_is_byte_deterministic(tmp_path: Path) -> None:
    torch.manual_seed(4)
    net = TweetCNN(30, embed_dim=4, filters=4, kernels=(3,))
    a = export_onnx(net, tmp_path / "a.onnx", 10)
    b = export_onnx(net, tmp_path / "b.onnx", 10)
    assert a == b and sha256_file(tmp_path / "a.onnx") == sha256_file(tmp_path / "b.onnx")


def test_bench_reports_both_batch_sizes(exported: Path, tiny_data) -> None:
    require_node()
    report = ort_bench(exported, tiny_data["test"]["x"][:128], batches=(1, 64))
    assert set(report) == {"batch1MsPerTweet", "batch64MsPerTweet"}
    assert all(v > 0 for v in report.values())


def test_ort_run_rejects_non_integer_ids(exported: Path, tmp_path: Path) -> None:
    node = require_node()
    bad = tmp_path / "bad.npy"
    np.save(bad, np.full((1, TINY_LENGTH), 0.5))
    proc = subprocess.run([node, str(ORT_RUN), str(exported), str(bad), str(tmp_path / "o.npy")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "not an integer" in proc.stderr
