"""Exported ONNX: checker, signature, double<->float casts, hash/size, determinism, statistics."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from export import decile_histogram, export_onnx, record_statistics, sha256_file
from network import EcgRhythmNet

DOUBLE, FLOAT = onnx.TensorProto.DOUBLE, onnx.TensorProto.FLOAT


def dims(value_info: onnx.ValueInfoProto) -> list:
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def assert_signature(model: onnx.ModelProto) -> None:
    """Input signal double [N,5000,1], output probabilities double [N,2], N symbolic."""
    (inp,), (out,) = model.graph.input, model.graph.output
    assert inp.name == "signal" and inp.type.tensor_type.elem_type == DOUBLE
    assert out.name == "probabilities" and out.type.tensor_type.elem_type == DOUBLE
    assert dims(inp) == ["N", 5000, 1] and dims(out) == ["N", 2]
    assert inp.type.tensor_type.shape.dim[0].dim_param == "N"
    assert model.opset_import[0].version == 13


def assert_float32_core(model: onnx.ModelProto) -> None:
    """Conv runs on float32: a Cast to FLOAT before, a Cast to DOUBLE after, float initializers."""
    casts = [next(a.i for a in n.attribute if a.name == "to") for n in model.graph.node if n.op_type == "Cast"]
    assert casts == [FLOAT, DOUBLE]
    assert any(n.op_type == "Conv" for n in model.graph.node)
    assert {t.data_type for t in model.graph.initializer if len(t.dims) > 1} == {FLOAT}


@pytest.fixture(scope="module")
def committed(artefact_dir: Path) -> onnx.ModelProto:
    return onnx.load(str(artefact_dir / "model.onnx"))


def test_committed_model_passes_checker(committed: onnx.ModelProto) -> None:
    onnx.checker.check_model(committed, full_check=True)


def test_committed_model_signature(committed: onnx.ModelProto) -> None:
    assert_signature(committed)
    assert_float32_core(committed)


def test_committed_model_hash_and_size_match_manifest(artefact_dir: Path, manifest: dict) -> None:
    path = artefact_dir / manifest["file"]
    assert sha256_file(path) == manifest["sha256"]
    assert path.stat().st_size == manifest["sizeBytes"]


def test_fresh_export_signature_and_checker(tmp_path: Path) -> None:
    torch.manual_seed(3)
    path = tmp_path / "fresh.onnx"
    export_onnx(EcgRhythmNet(width=4), path)
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert_signature(model)
    assert_float32_core(model)


def test_export_is_byte_deterministic(tmp_path: Path) -> None:
    torch.manual_seed(4)
    net = EcgRhythmNet(width=4)
    a, b = export_onnx(net, tmp_path / "a.onnx"), export_onnx(net, tmp_path / "b.onnx")
    assert a == b and sha256_file(tmp_path / "a.onnx") == sha256_file(tmp_path / "b.onnx")


def test_record_statistics_on_known_signals() -> None:
    t = np.arange(5000) / 500
    x = np.stack([0.5 + np.sin(2 * np.pi * 5 * t), np.sin(2 * np.pi * 60 * t)])[:, :, None]
    s = record_statistics(x)
    np.testing.assert_allclose(s["mean"], [0.5, 0.0], atol=1e-9)
    np.testing.assert_allclose(s["std"], [np.sqrt(0.5)] * 2, atol=1e-9)
    np.testing.assert_allclose(s["dominantFrequencyHz"], [5.0, 60.0])
    np.testing.assert_allclose(s["highFrequencyEnergyRatio"], [0.0, 1.0], atol=1e-9)
    np.testing.assert_allclose(s["max"], [1.5, 1.0], atol=0.01)
    np.testing.assert_allclose(s["min"], [-0.5, -1.0], atol=0.01)


def test_decile_histogram_edges_and_proportions() -> None:
    h = decile_histogram(np.arange(1000, dtype=float))
    assert len(h["binEdges"]) == 11 and h["binEdges"][0] is None and h["binEdges"][-1] is None
    assert h["proportions"] == [0.1] * 10
    tied = decile_histogram(np.array([1.0] * 50 + [2.0] * 50))  # discrete values: zero-width bins
    assert np.isclose(sum(tied["proportions"]), 1.0) and all(p >= 0 for p in tied["proportions"])
    assert np.all(np.diff(tied["binEdges"][1:-1]) >= 0)
