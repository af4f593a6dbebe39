"""import_onnx.py: float64 wrapping keeps the network's numbers, and the manifest matches the file."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

TOOLS = Path(__file__).resolve().parents[1]
REPO_ROOT = TOOLS.parents[1]
ORT_RUN = TOOLS / "ort_run.js"
sys.path.insert(0, str(TOOLS))

from import_onnx import main, wrap_float64  # noqa: E402

WEIGHTS = np.arange(8, dtype=np.float32).reshape(4, 2) / 10


def float32_model() -> onnx.ModelProto:
    """A Keras-like float32 export: (N, 4, 1) -> Flatten -> MatMul -> Softmax -> (N, 2)."""
    nodes = [
        helper.make_node("Flatten", ["signal"], ["flat"], axis=1),
        helper.make_node("MatMul", ["flat", "w"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "tiny",
        [helper.make_tensor_value_info("signal", TensorProto.FLOAT, ["N", 4, 1])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 2])],
        [numpy_helper.from_array(WEIGHTS, "w")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def test_wrap_float64_gives_double_io_with_the_same_names() -> None:
    wrapped = wrap_float64(float32_model())
    (inp,), (out,) = wrapped.graph.input, wrapped.graph.output
    assert (inp.name, inp.type.tensor_type.elem_type) == ("signal", TensorProto.DOUBLE)
    assert (out.name, out.type.tensor_type.elem_type) == ("probabilities", TensorProto.DOUBLE)
    assert [n.op_type for n in wrapped.graph.node] == ["Cast", "Flatten", "MatMul", "Softmax", "Cast"]


def test_wrap_refuses_multi_output_models() -> None:
    model = float32_model()
    model.graph.output.append(helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 2]))
    with pytest.raises(ValueError, match="single-input"):
        wrap_float64(model)


def test_cli_writes_a_manifest_that_matches_the_file_and_runs_in_onnx_runtime(tmp_path: Path) -> None:
    source = tmp_path / "exported.onnx"
    onnx.save(float32_model(), str(source))
    code = main([str(source), "--name", "tiny", "--version", "1", "--labels", "a,b", "--wrap-float64",
                 "--models-dir", str(tmp_path / "models")])
    assert code == 0
    folder = tmp_path / "models" / "tiny" / "1"
    data = (folder / "model.onnx").read_bytes()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["sizeBytes"] == len(data)
    assert manifest["inputs"] == [{"name": "signal", "dtype": "float64", "shape": ["N", 4, 1]}]
    assert manifest["outputs"] == [{"name": "probabilities", "dtype": "float64", "shape": ["N", 2]}]
    assert manifest["labels"] == ["a", "b"]

    x = np.linspace(-1, 1, 12).reshape(3, 4, 1)
    np.save(tmp_path / "x.npy", x)
    subprocess.run(["node", str(ORT_RUN), str(folder / "model.onnx"), str(tmp_path / "x.npy"),
                    str(tmp_path / "y.npy")], check=True, cwd=REPO_ROOT)
    y = np.load(tmp_path / "y.npy")
    logits = x.reshape(3, 4).astype(np.float32) @ WEIGHTS
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y, expected, rtol=1e-6)


def test_cli_refuses_to_overwrite_a_version(tmp_path: Path) -> None:
    source = tmp_path / "exported.onnx"
    onnx.save(float32_model(), str(source))
    args = [str(source), "--name", "tiny", "--version", "1", "--labels", "a,b", "--models-dir", str(tmp_path)]
    assert main(args) == 0
    assert main(args) == 1
